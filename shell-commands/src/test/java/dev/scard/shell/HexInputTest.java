package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class HexInputTest {

    private static final byte[] SELECT = {0x00, (byte) 0xA4, 0x04, 0x00};

    @Test
    void joinsSeparateArguments() {
        assertThat(HexInput.apdu("00", "A4", "04", "00")).containsExactly(SELECT);
    }

    @Test
    void acceptsOneArgumentWithoutSeparators() {
        assertThat(HexInput.apdu("00A40400")).containsExactly(SELECT);
    }

    @Test
    void acceptsColonsSpacesAndTabsBetweenBytes() {
        assertThat(HexInput.apdu("00:A4:04:00")).containsExactly(SELECT);
        assertThat(HexInput.apdu("00 A4 04 00")).containsExactly(SELECT);
        assertThat(HexInput.apdu("00A4\t0400")).containsExactly(SELECT);
        assertThat(HexInput.apdu(" 00A4 ", ":04:00:")).containsExactly(SELECT);
    }

    @Test
    void acceptsLowerAndMixedCase() {
        assertThat(HexInput.apdu("00a4", "04", "0A", "fF")).containsExactly(0x00, 0xA4, 0x04, 0x0A, 0xFF);
    }

    @Test
    void namesThePartThatIsNotHexadecimal() {
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu("00", "12G4", "00"))
                .withMessage("APDU word 2 is not hexadecimal: character 3 is 'G'" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void rejectsHexPrefixesAndNonAsciiDigits() {
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu("0x00A4"))
                .withMessage("APDU word 1 is not hexadecimal: character 2 is 'x'" + " [E_INVALIDARG 0x80070057]");
        // Arabic-Indic digit one: a digit for Character.digit, not a hex digit here.
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu("0\u0661"))
                .withMessage("APDU word 1 is not hexadecimal: character 2 is U+0661" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu("00,A4"))
                .withMessage("APDU word 1 is not hexadecimal: character 3 is ','" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void rejectsAnOddNumberOfDigits() {
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu("00A404", "0"))
                .withMessage("odd number of hex digits (7) in the APDU" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void rejectsASeparatorInsideAByte() {
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu("00A:40400"))
                .withMessage("APDU word 1 splits a byte: hex digits go in pairs" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu("0", "0A40400"))
                .withMessage("APDU word 1 splits a byte: hex digits go in pairs" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void rejectsNoInput() {
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu())
                .withMessage("no APDU given" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu((String[]) null))
                .withMessage("no APDU given" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu(" ", "::"))
                .withMessage("no APDU given" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void rejectsANullPart() {
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu("00", null))
                .withMessage("APDU word 2 is null, not hexadecimal" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void acceptsTheLongestExtendedApduAndRejectsOneByteMore() {
        String longest = "00".repeat(HexInput.MAX_APDU_LENGTH);
        assertThat(HexInput.apdu(longest)).hasSize(65_544);
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu(longest, "00"))
                .withMessage("APDU too long: 65545 bytes, at most 65544" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void parseHasNoSizeLimit() {
        assertThat(HexInput.parse("data", "00".repeat(70_000))).hasSize(70_000);
    }

    @Test
    void neverEchoesTheTypedInputItMayHoldAPin() {
        // VERIFY with PIN 12345 and a stray digit: the message must not contain the digits typed.
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu("0020008106", "3132333435", "3"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("3132333435").doesNotContain("0020"))
                .withMessage("odd number of hex digits (21) in the APDU" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> HexInput.apdu("0020008104", "31323334Z"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("31323334"));
    }
}
