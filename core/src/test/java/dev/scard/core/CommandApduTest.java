package dev.scard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandApduTest {

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    @ParameterizedTest
    @CsvSource({
        "00A40000, false",                  // case 1
        "00B0000010, true",                 // case 2S
        "00A40000023F00, false",            // case 3S
        "00A40000023F0000, true",           // case 4S
        "00B00000000100, false",            // case 2E
        "00D6000000000201 02, false",       // case 3E
        "00D60000000002010200 00, false",   // case 4E
    })
    void acceptsEveryCase(String apdu, boolean shortWithLe) {
        assertThat(CommandApdu.check(hex(apdu))).isEqualTo(shortWithLe);
    }

    @ParameterizedTest
    @CsvSource({
        "'', at least the 4-byte header",
        "00A400, at least the 4-byte header",
        "00A40000023F, Lc=2 but 1 bytes follow",
        "00A40000023F000000, Lc=2 but 4 bytes follow",
        "00B000000001, neither a 2-byte Le nor a 2-byte Lc",
        "00D600000000000102, extended command APDU has Lc=0",
        "00D600000000030102, Lc=3 but 2 bytes follow",
        "FFA40000, class byte FF is invalid",
    })
    void rejectsMalformedCommandsSayingWhy(String apdu, String why) {
        assertThatThrownBy(() -> CommandApdu.check(hex(apdu)))
                .isInstanceOfSatisfying(SCardException.class, e -> assertThat(e.code()).isEqualTo(HResult.E_INVALIDARG))
                .hasMessageContaining(why);
    }

    @Test
    void rejectsNullAndOversizeCommands() {
        assertThatThrownBy(() -> CommandApdu.check(null)).hasMessageContaining("must not be null");
        byte[] longest = new byte[CommandApdu.MAX_LENGTH];
        longest[5] = (byte) 0xFF;
        longest[6] = (byte) 0xFF;
        assertThat(CommandApdu.check(longest)).isFalse();
        assertThatThrownBy(() -> CommandApdu.check(new byte[CommandApdu.MAX_LENGTH + 1]))
                .hasMessageContaining("65545 bytes; the longest allowed is 65544");
    }

    @ParameterizedTest
    @CsvSource({
        "0x00, 0x00", "0x0C, 0x00", "0x10, 0x00", "0x03, 0x03", "0x1F, 0x03",   // first interindustry
        "0x40, 0x40", "0x6F, 0x4F", "0x7A, 0x4A",                               // further interindustry
        "0x80, 0x00", "0x84, 0x00", "0xA0, 0xA0", "0xB0, 0x00",                 // proprietary, GSM
    })
    void getResponseClassKeepsTheChannelAndDropsSecureMessagingAndChaining(int cla, int expected) {
        assertThat(CommandApdu.getResponseClass(cla)).isEqualTo(expected);
    }
}
