package dev.scard.pcsc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.pcsc.internal.PcscErrors.Call;
import dev.scard.pcsc.internal.PcscErrors.Meaning;

/** Return codes as the contract's failures, read in the context of their call, with messages that say what happened. */
class PcscErrorsTest {

    private static final PcscPlatform LINUX = PcscPlatform.linux(8);
    private static final PcscPlatform WINDOWS = PcscPlatform.windows(8);

    @Test
    void knownCodesKeepTheirNameAndValueAndTheMessageNamesCallAndReader() {
        SCardException e = PcscErrors.failure(LINUX, 0x8010000B, Call.CONNECT, "Virtual PCD 00 00");
        assertThat(e.code()).isEqualTo(HResult.SCARD_E_SHARING_VIOLATION);
        assertThat(e.hresult()).isEqualTo(0x8010000B);
        assertThat(e.getMessage()).startsWith("SCardConnect on reader 'Virtual PCD 00 00' failed: sharing violation")
                .endsWith("[SCARD_E_SHARING_VIOLATION 0x8010000B]");

        SCardException noReader = PcscErrors.failure(LINUX, 0x8010001D, Call.LIST_READERS, null);
        assertThat(noReader.code()).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(noReader.getMessage()).startsWith("SCardListReaders failed");
    }

    @Test
    void pcscLitesUnsupportedFeatureIsNotWindowsUnexpected() {
        assertThat(PcscErrors.failure(LINUX, 0x8010001F, Call.END_TRANSACTION, "R").code())
                .isEqualTo(HResult.SCARD_E_UNSUPPORTED_FEATURE);
        assertThat(PcscErrors.failure(WINDOWS, 0x8010001F, Call.END_TRANSACTION, "R").code())
                .isEqualTo(HResult.SCARD_E_UNEXPECTED);
    }

    @Test
    void unknownCodesAreUnknownErrorsWithTheValueInHex() {
        SCardException e = PcscErrors.failure(LINUX, 0x8010ABCD, Call.TRANSMIT, "Reader X");
        assertThat(e.code()).isEqualTo(HResult.SCARD_F_UNKNOWN_ERROR);
        assertThat(e.getMessage()).contains("SCardTransmit on reader 'Reader X'").contains("0x8010ABCD");
        SCardException win32 = PcscErrors.failure(WINDOWS, 6, Call.TRANSMIT, "Reader X");
        assertThat(win32.code()).isEqualTo(HResult.SCARD_F_UNKNOWN_ERROR);
        assertThat(win32.getMessage()).contains("0x00000006");
        assertThat(PcscErrors.failure(LINUX, 0, Call.TRANSMIT, null).code())
                .as("success is never a failure").isEqualTo(HResult.SCARD_F_UNKNOWN_ERROR);
    }

    @Test
    void serviceLossIsRecognized() {
        assertThat(PcscErrors.serviceGone(PcscErrors.E_NO_SERVICE)).isTrue();
        assertThat(PcscErrors.serviceGone(PcscErrors.E_SERVICE_STOPPED)).isTrue();
        assertThat(PcscErrors.serviceGone(PcscErrors.F_COMM_ERROR)).isTrue();
        assertThat(PcscErrors.serviceGone(PcscErrors.W_SECURITY_VIOLATION)).as("pcsc-lite: pcscd reset the socket")
                .isTrue();
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

    // ---------------------------------------------------------------- codes read in the context of their call

    private static final String READER = "Virtual PCD 00 00";

    @Test
    void notTransactedFromTransmitIsAFailedExchangeThatLosesTheCard() {
        SCardException e = PcscErrors.failure(LINUX, PcscErrors.E_NOT_TRANSACTED, Call.TRANSMIT, READER);
        assertThat(e.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(e.getMessage())
                .startsWith("the reader or its driver failed the exchange with the card in reader '" + READER + "' "
                        + "(SCARD_E_NOT_TRANSACTED from SCardTransmit): the card, or the link to it, stopped "
                        + "answering; reconnect once it answers again")
                .doesNotContain("no transaction to end");
        assertThat(PcscErrors.meaning(PcscErrors.E_NOT_TRANSACTED, Call.TRANSMIT)).isEqualTo(Meaning.EXCHANGE_FAILED);
    }

    @Test
    void winScardsCommDataLostFromTransmitIsAFailedExchangeToo() {
        SCardException e = PcscErrors.failure(WINDOWS, PcscErrors.E_COMM_DATA_LOST, Call.TRANSMIT, READER);
        assertThat(e.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(e.getMessage()).startsWith("the reader or its driver failed the exchange with the card in reader '"
                + READER + "' (SCARD_E_COMM_DATA_LOST from SCardTransmit)");
        assertThat(PcscErrors.meaning(PcscErrors.E_COMM_DATA_LOST, Call.TRANSMIT)).isEqualTo(Meaning.EXCHANGE_FAILED);
        assertThat(PcscErrors.failure(WINDOWS, PcscErrors.E_COMM_DATA_LOST, Call.END_TRANSACTION, READER).code())
                .isEqualTo(HResult.SCARD_F_COMM_ERROR);
    }

    @Test
    void notTransactedFromEndTransactionMeansNoTransactionAndFromOtherCallsADriverFailure() {
        SCardException end = PcscErrors.failure(LINUX, PcscErrors.E_NOT_TRANSACTED, Call.END_TRANSACTION, READER);
        assertThat(end.code()).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
        assertThat(end.getMessage()).startsWith("the connection to reader '" + READER + "' holds no transaction to "
                + "end (SCARD_E_NOT_TRANSACTED from SCardEndTransaction)");
        assertThat(PcscErrors.meaning(PcscErrors.E_NOT_TRANSACTED, Call.END_TRANSACTION)).isEqualTo(Meaning.FAILED);

        SCardException attrib = PcscErrors.failure(LINUX, PcscErrors.E_NOT_TRANSACTED, Call.GET_ATTRIB, READER);
        assertThat(attrib.code()).isEqualTo(HResult.SCARD_F_COMM_ERROR);
        assertThat(attrib.getMessage()).startsWith("the reader or its driver failed SCardGetAttrib on reader '"
                + READER + "' (SCARD_E_NOT_TRANSACTED from SCardGetAttrib)");
        assertThat(PcscErrors.meaning(PcscErrors.E_NOT_TRANSACTED, Call.GET_ATTRIB)).isEqualTo(Meaning.FAILED);
    }

    @Test
    void noCardIsARemovalForAConnectionAndAnEmptyReaderForAConnect() {
        SCardException transmit = PcscErrors.failure(LINUX, PcscErrors.E_NO_SMARTCARD, Call.TRANSMIT, READER);
        assertThat(transmit.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(transmit.getMessage()).startsWith("the card in reader '" + READER + "' was removed "
                + "(SCARD_E_NO_SMARTCARD from SCardTransmit); reconnect once a card is in");
        assertThat(PcscErrors.meaning(PcscErrors.E_NO_SMARTCARD, Call.TRANSMIT)).isEqualTo(Meaning.CARD_LOST);
        assertThat(PcscErrors.meaning(PcscErrors.E_NO_SMARTCARD, Call.STATUS)).isEqualTo(Meaning.CARD_LOST);

        for (Call call : List.of(Call.CONNECT, Call.RECONNECT)) {
            SCardException e = PcscErrors.failure(LINUX, PcscErrors.E_NO_SMARTCARD, call, READER);
            assertThat(e.code()).isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
            assertThat(e.getMessage()).startsWith("no card in reader '" + READER + "' (SCARD_E_NO_SMARTCARD from "
                    + call.function() + ")");
            assertThat(PcscErrors.meaning(PcscErrors.E_NO_SMARTCARD, call)).isEqualTo(Meaning.FAILED);
        }
    }

    @Test
    void removalAndResetKeepTheirCodesAndSayWhatToDo() {
        SCardException removed = PcscErrors.failure(LINUX, PcscErrors.W_REMOVED_CARD, Call.BEGIN_TRANSACTION, READER);
        assertThat(removed.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(removed.getMessage()).startsWith("the card in reader '" + READER + "' was removed "
                + "(SCARD_W_REMOVED_CARD from SCardBeginTransaction); reconnect once a card is in");
        assertThat(PcscErrors.meaning(PcscErrors.W_REMOVED_CARD, Call.BEGIN_TRANSACTION)).isEqualTo(Meaning.CARD_LOST);

        SCardException reset = PcscErrors.failure(LINUX, PcscErrors.W_RESET_CARD, Call.TRANSMIT, READER);
        assertThat(reset.code()).isEqualTo(HResult.SCARD_W_RESET_CARD);
        assertThat(reset.getMessage()).startsWith("the card in reader '" + READER + "' was reset by another "
                + "connection or application (SCARD_W_RESET_CARD from SCardTransmit); reconnect to go on");
        assertThat(PcscErrors.meaning(PcscErrors.W_RESET_CARD, Call.TRANSMIT)).isEqualTo(Meaning.CARD_RESET);
    }

    @Test
    void securityViolationIsAResetSocketExceptWhenEstablishingAContext() {
        SCardException list = PcscErrors.failure(LINUX, PcscErrors.W_SECURITY_VIOLATION, Call.LIST_READERS, null);
        assertThat(list.code()).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(list.getMessage()).startsWith("SCardListReaders failed: the PC/SC service reset the connection: "
                + "it stopped or restarted (SCARD_W_SECURITY_VIOLATION from SCardListReaders)");
        assertThat(PcscErrors.meaning(PcscErrors.W_SECURITY_VIOLATION, Call.LIST_READERS))
                .isEqualTo(Meaning.SERVICE_LOST);
        assertThat(PcscErrors.meaning(PcscErrors.W_SECURITY_VIOLATION, Call.TRANSMIT)).isEqualTo(Meaning.SERVICE_LOST);

        SCardException establish = PcscErrors.failure(LINUX, PcscErrors.W_SECURITY_VIOLATION,
                Call.ESTABLISH_CONTEXT, null);
        assertThat(establish.code()).isEqualTo(HResult.SCARD_W_SECURITY_VIOLATION);
        assertThat(establish.getMessage()).startsWith("SCardEstablishContext failed: the PC/SC service closed the "
                + "connection at once: it refuses this process (polkit) or it was stopping");
        assertThat(PcscErrors.meaning(PcscErrors.W_SECURITY_VIOLATION, Call.ESTABLISH_CONTEXT))
                .isEqualTo(Meaning.FAILED);
    }

    @Test
    void serviceAndHandleLossAreToldApart() {
        SCardException comm = PcscErrors.failure(LINUX, PcscErrors.F_COMM_ERROR, Call.STATUS, READER);
        assertThat(comm.code()).isEqualTo(HResult.SCARD_F_COMM_ERROR);
        assertThat(comm.getMessage()).startsWith("SCardStatus on reader '" + READER + "' failed: the connection to "
                + "the PC/SC service broke (SCARD_F_COMM_ERROR from SCardStatus)");
        assertThat(PcscErrors.meaning(PcscErrors.F_COMM_ERROR, Call.STATUS)).isEqualTo(Meaning.SERVICE_LOST);
        assertThat(PcscErrors.meaning(PcscErrors.E_SERVICE_STOPPED, Call.GET_STATUS_CHANGE))
                .isEqualTo(Meaning.SERVICE_LOST);

        assertThat(PcscErrors.meaning(PcscErrors.E_INVALID_HANDLE, Call.TRANSMIT)).isEqualTo(Meaning.HANDLE_INVALID);
        assertThat(PcscErrors.meaning(PcscErrors.E_INVALID_HANDLE, Call.LIST_READERS))
                .as("an invalid context: its service is gone").isEqualTo(Meaning.SERVICE_LOST);
        assertThat(PcscErrors.failure(LINUX, PcscErrors.E_INVALID_HANDLE, Call.TRANSMIT, READER).getMessage())
                .contains("no longer knows the connection");
        assertThat(PcscErrors.failure(LINUX, PcscErrors.E_INVALID_HANDLE, Call.LIST_READERS, null).getMessage())
                .contains("no longer knows the context");
    }

    @Test
    void readerAndCardTroublesSayWhatIsWrong() {
        SCardException unavailable = PcscErrors.failure(LINUX, PcscErrors.E_READER_UNAVAILABLE, Call.TRANSMIT,
                READER);
        assertThat(unavailable.code()).isEqualTo(HResult.SCARD_E_READER_UNAVAILABLE);
        assertThat(unavailable.getMessage()).startsWith("reader '" + READER + "' is unavailable: it was unplugged or "
                + "its driver reports errors (SCARD_E_READER_UNAVAILABLE from SCardTransmit)");
        SCardException mute = PcscErrors.failure(LINUX, PcscErrors.W_UNRESPONSIVE_CARD, Call.CONNECT, READER);
        assertThat(mute.code()).isEqualTo(HResult.SCARD_W_UNRESPONSIVE_CARD);
        assertThat(mute.getMessage()).startsWith("the card in reader '" + READER + "' does not answer the reset");
        SCardException unpowered = PcscErrors.failure(LINUX, PcscErrors.W_UNPOWERED_CARD, Call.CONNECT, READER);
        assertThat(unpowered.code()).isEqualTo(HResult.SCARD_W_UNPOWERED_CARD);
        assertThat(unpowered.getMessage()).startsWith("the reader could not power the card in reader '" + READER
                + "' (SCARD_W_UNPOWERED_CARD from SCardConnect)");
    }

    @Test
    void everyCodeOfEveryCallNamesTheCallAndIsAFailure() {
        int[] codes = {PcscErrors.F_INTERNAL_ERROR, PcscErrors.E_CANCELLED, PcscErrors.E_INVALID_HANDLE,
            PcscErrors.E_INSUFFICIENT_BUFFER, PcscErrors.E_UNKNOWN_READER, PcscErrors.E_TIMEOUT,
            PcscErrors.E_SHARING_VIOLATION, PcscErrors.E_NO_SMARTCARD, PcscErrors.E_PROTO_MISMATCH,
            PcscErrors.F_COMM_ERROR, PcscErrors.E_NOT_TRANSACTED, PcscErrors.E_READER_UNAVAILABLE,
            PcscErrors.E_NO_SERVICE, PcscErrors.E_SERVICE_STOPPED, PcscErrors.E_NO_READERS_AVAILABLE,
            PcscErrors.W_UNRESPONSIVE_CARD, PcscErrors.W_UNPOWERED_CARD, PcscErrors.W_RESET_CARD,
            PcscErrors.W_REMOVED_CARD, PcscErrors.W_SECURITY_VIOLATION, 0x8010001F, 0x8010ABCD};
        for (Call call : Call.values()) {
            for (int code : codes) {
                SCardException e = PcscErrors.failure(LINUX, code, call, READER);
                assertThat(e.code()).as("%s from %s", PcscErrors.hex(code), call).isNotEqualTo(HResult.SCARD_S_SUCCESS);
                assertThat(e.getMessage()).as("%s from %s", PcscErrors.hex(code), call).contains(call.function())
                        .contains(READER);
                if (e.code() == HResult.SCARD_E_NOT_TRANSACTED) {
                    assertThat(call).as("only SCardEndTransaction has no transaction to end")
                            .isEqualTo(Call.END_TRANSACTION);
                }
                assertThat(PcscErrors.meaning(code, call)).isNotNull();
            }
        }
    }

    @Test
    void anExchangeWithoutAStatusWordLosesTheCard() {
        SCardException e = PcscErrors.noStatusWord(READER);
        assertThat(e.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(e.getMessage()).startsWith("the reader or its driver ended the exchange with the card in reader '"
                + READER + "' without a status word (SCardTransmit returned no bytes)");
        assertThat(PcscErrors.detail(e)).isEqualTo(e.getMessage().substring(0,
                e.getMessage().indexOf(" [SCARD_W_REMOVED_CARD 0x80100069]")));
    }
}
