package dev.scard.pcsc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/** Return codes as the contract's failures, with messages that name the call and the reader. */
class PcscErrorsTest {

    private static final PcscPlatform LINUX = PcscPlatform.linux(8);
    private static final PcscPlatform WINDOWS = PcscPlatform.windows(8);

    @Test
    void knownCodesKeepTheirNameAndValueAndTheMessageNamesCallAndReader() {
        SCardException e = PcscErrors.failure(LINUX, 0x8010000B, "SCardConnect", "Virtual PCD 00 00");
        assertThat(e.code()).isEqualTo(HResult.SCARD_E_SHARING_VIOLATION);
        assertThat(e.hresult()).isEqualTo(0x8010000B);
        assertThat(e.getMessage()).startsWith("SCardConnect on reader 'Virtual PCD 00 00' failed: sharing violation")
                .endsWith("[SCARD_E_SHARING_VIOLATION 0x8010000B]");

        SCardException noReader = PcscErrors.failure(LINUX, 0x8010001D, "SCardListReaders", null);
        assertThat(noReader.code()).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(noReader.getMessage()).startsWith("SCardListReaders failed");
    }

    @Test
    void pcscLitesUnsupportedFeatureIsNotWindowsUnexpected() {
        assertThat(PcscErrors.failure(LINUX, 0x8010001F, "SCardEndTransaction", "R").code())
                .isEqualTo(HResult.SCARD_E_UNSUPPORTED_FEATURE);
        assertThat(PcscErrors.failure(WINDOWS, 0x8010001F, "SCardEndTransaction", "R").code())
                .isEqualTo(HResult.SCARD_E_UNEXPECTED);
    }

    @Test
    void unknownCodesAreUnknownErrorsWithTheValueInHex() {
        SCardException e = PcscErrors.failure(LINUX, 0x8010ABCD, "SCardTransmit", "Reader X");
        assertThat(e.code()).isEqualTo(HResult.SCARD_F_UNKNOWN_ERROR);
        assertThat(e.getMessage()).contains("SCardTransmit on reader 'Reader X'").contains("0x8010ABCD");
        SCardException win32 = PcscErrors.failure(WINDOWS, 6, "SCardTransmit", "Reader X");
        assertThat(win32.code()).isEqualTo(HResult.SCARD_F_UNKNOWN_ERROR);
        assertThat(win32.getMessage()).contains("0x00000006");
        assertThat(PcscErrors.failure(LINUX, 0, "SCardTransmit", null).code())
                .as("success is never a failure").isEqualTo(HResult.SCARD_F_UNKNOWN_ERROR);
    }

    @Test
    void serviceLossIsRecognized() {
        assertThat(PcscErrors.serviceGone(PcscErrors.E_NO_SERVICE)).isTrue();
        assertThat(PcscErrors.serviceGone(PcscErrors.E_SERVICE_STOPPED)).isTrue();
        assertThat(PcscErrors.serviceGone(PcscErrors.F_COMM_ERROR)).isTrue();
        assertThat(PcscErrors.serviceGone(PcscErrors.E_INVALID_HANDLE)).isFalse();
        assertThat(PcscErrors.serviceGone(PcscErrors.W_REMOVED_CARD)).isFalse();
        assertThat(PcscErrors.serviceGone(PcscErrors.SUCCESS)).isFalse();
    }

    @Test
    void theConstantsAreTheContractsValues() {
        assertThat(PcscErrors.E_CANCELLED).isEqualTo(HResult.SCARD_E_CANCELLED.value());
        assertThat(PcscErrors.E_INVALID_HANDLE).isEqualTo(HResult.SCARD_E_INVALID_HANDLE.value());
        assertThat(PcscErrors.E_INSUFFICIENT_BUFFER).isEqualTo(HResult.SCARD_E_INSUFFICIENT_BUFFER.value());
        assertThat(PcscErrors.E_UNKNOWN_READER).isEqualTo(HResult.SCARD_E_UNKNOWN_READER.value());
        assertThat(PcscErrors.E_SHARING_VIOLATION).isEqualTo(HResult.SCARD_E_SHARING_VIOLATION.value());
        assertThat(PcscErrors.E_NO_SMARTCARD).isEqualTo(HResult.SCARD_E_NO_SMARTCARD.value());
        assertThat(PcscErrors.E_PROTO_MISMATCH).isEqualTo(HResult.SCARD_E_PROTO_MISMATCH.value());
        assertThat(PcscErrors.F_COMM_ERROR).isEqualTo(HResult.SCARD_F_COMM_ERROR.value());
        assertThat(PcscErrors.E_NOT_TRANSACTED).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED.value());
        assertThat(PcscErrors.E_NO_SERVICE).isEqualTo(HResult.SCARD_E_NO_SERVICE.value());
        assertThat(PcscErrors.E_SERVICE_STOPPED).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED.value());
        assertThat(PcscErrors.E_NO_READERS_AVAILABLE).isEqualTo(HResult.SCARD_E_NO_READERS_AVAILABLE.value());
        assertThat(PcscErrors.W_RESET_CARD).isEqualTo(HResult.SCARD_W_RESET_CARD.value());
        assertThat(PcscErrors.W_REMOVED_CARD).isEqualTo(HResult.SCARD_W_REMOVED_CARD.value());
    }
}
