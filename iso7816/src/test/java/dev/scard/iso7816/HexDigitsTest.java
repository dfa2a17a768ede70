package dev.scard.iso7816;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class HexDigitsTest {

    @Test
    void decodesDigitsOfEitherCaseSkippingOnlyTheGivenSeparators() {
        assertThat(HexDigits.decode("hex:3F 00:a1", 4, " :")).containsExactly(0x3F, 0x00, 0xA1);
        assertThat(HexDigits.decode("", 0, "")).isEmpty();
        assertThat(HexDigits.decode(" : ", 0, " :")).isEmpty();
        assertThatIllegalArgumentException().isThrownBy(() -> HexDigits.decode("3F 00", 0, ":"))
                .withMessage("character 3 is not a hex digit");
    }

    @Test
    void anOddCountOrANonAsciiDigitFailsWithoutNamingTheCharacter() {
        assertThatIllegalArgumentException().isThrownBy(() -> HexDigits.decode("123", 0, ""))
                .withMessage("an odd number of hex digits");
        // U+FF11 FULLWIDTH DIGIT ONE is a digit to Character.digit, but not a hex digit here
        assertThatIllegalArgumentException().isThrownBy(() -> HexDigits.decode("1\uFF11", 0, ""))
                .withMessage("character 2 is not a hex digit");
        assertThat(HexDigits.value('f')).isEqualTo(15);
        assertThat(HexDigits.value('g')).isEqualTo(-1);
    }
}
