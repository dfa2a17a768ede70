package dev.scard.iso7816;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandApduTest {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private static byte[] hex(String hex) {
        return HEX.parseHex(hex.replace(" ", ""));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        // apdu, case, data offset, Nc, Ne, Le is the maximum
        "00A40000, CASE_1, 4, 0, 0, false",
        "00B0000010, CASE_2S, 5, 0, 16, false",
        "00B0000000, CASE_2S, 5, 0, 256, true",
        "00A40000023F00, CASE_3S, 5, 2, 0, false",
        "00A40004023F0010, CASE_4S, 5, 2, 16, false",
        "00A40004023F0000, CASE_4S, 5, 2, 256, true",
        "00B00000000101, CASE_2E, 7, 0, 257, false",
        "00B00000000000, CASE_2E, 7, 0, 65536, true",
        "00D6000000000201 02, CASE_3E, 7, 2, 0, false",
        "00880000000002 0102 012C, CASE_4E, 7, 2, 300, false",
        "00880000000002 0102 0000, CASE_4E, 7, 2, 65536, true",
    })
    void parsesEveryCase(String apdu, CommandApdu.Case expected, int dataOffset, int nc, int ne, boolean leMax) {
        byte[] raw = hex(apdu);
        assertThat(CommandApdu.caseOf(raw)).isEqualTo(expected);
        CommandApdu parsed = CommandApdu.parse(raw);
        assertThat(parsed.apduCase()).isEqualTo(expected);
        assertThat(parsed.raw()).isSameAs(raw);
        assertThat(parsed.dataOffset()).isEqualTo(dataOffset);
        assertThat(parsed.nc()).isEqualTo(nc);
        assertThat(parsed.ne()).isEqualTo(ne);
        assertThat(parsed.hasLe()).isEqualTo(ne != CommandApdu.NO_LE);
        assertThat(parsed.leMax()).isEqualTo(leMax);
        assertThat(parsed.apduCase().hasData()).isEqualTo(nc > 0);
        assertThat(parsed.apduCase().extended()).isEqualTo(expected.name().endsWith("E"));
    }

    @Test
    void givesTheHeaderAndTheDataWithoutCopyingTheCommand() {
        byte[] raw = hex("84A40804 04 3F005015 00");
        CommandApdu apdu = CommandApdu.parse(raw);
        assertThat(apdu.cla()).isEqualTo(0x84);
        assertThat(apdu.ins()).isEqualTo(0xA4);
        assertThat(apdu.p1()).isEqualTo(0x08);
        assertThat(apdu.p2()).isEqualTo(0x04);
        assertThat(apdu.p1p2()).isEqualTo(0x0804);
        assertThat(apdu.data(0)).isEqualTo(0x3F);
        assertThat(apdu.dataU16(2)).isEqualTo(0x5015);
        assertThat(apdu.dataCopy()).containsExactly(hex("3F005015"));
        assertThatThrownBy(() -> apdu.data(4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> apdu.dataU16(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(apdu).hasToString("CASE_4S CLA=84 INS=A4 P1=08 P2=04 Nc=4 Ne=256");
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
        "''| command APDU has 0 bytes; it needs at least the 4-byte header",
        "00A400| command APDU has 3 bytes; it needs at least the 4-byte header",
        "00A40000023F| command APDU has Lc=2 but 1 bytes follow the Lc byte (expected 2 data bytes, optionally plus"
                + " one Le byte)",
        "00A40000023F000000| command APDU has Lc=2 but 4 bytes follow the Lc byte",
        "00B0000000 01| command APDU of 6 bytes has an extended-length marker 00 but neither a 2-byte Le nor a 2-byte"
                + " Lc",
        "00D600000000000102| extended command APDU has Lc=0",
        "00D600000000030102| extended command APDU has Lc=3 but 2 bytes follow the Lc field (expected 3 data bytes,"
                + " optionally plus a 2-byte Le)",
        "00D6000000000301020304| extended command APDU has Lc=3 but 4 bytes follow the Lc field",
    })
    void rejectsMalformedCommandsSayingWhy(String apdu, String why) {
        byte[] raw = hex(apdu);
        assertThatIllegalArgumentException().isThrownBy(() -> CommandApdu.caseOf(raw)).withMessageStartingWith(why);
        assertThatIllegalArgumentException().isThrownBy(() -> CommandApdu.parse(raw)).withMessageStartingWith(why);
    }

    @Test
    void rejectsNullAndTooLongCommands() {
        assertThatIllegalArgumentException().isThrownBy(() -> CommandApdu.caseOf(null))
                .withMessage("command APDU must not be null");
        byte[] longest = new byte[CommandApdu.MAX_LENGTH];
        longest[5] = (byte) 0xFF;
        longest[6] = (byte) 0xFF;
        assertThat(CommandApdu.parse(longest).nc()).isEqualTo(65535);
        assertThat(CommandApdu.parse(longest).apduCase()).isEqualTo(CommandApdu.Case.CASE_4E);
        assertThatIllegalArgumentException().isThrownBy(() -> CommandApdu.caseOf(new byte[65545]))
                .withMessage("command APDU has 65545 bytes; the longest allowed is 65544");
    }

    @Test
    void encodesInTheShortFormWhereItFits() {
        assertThat(HEX.formatHex(CommandApdu.encode(0, 0xB0, 0, 0, null, 256))).isEqualTo("00B0000000");
        assertThat(HEX.formatHex(CommandApdu.encode(0, 0xB0, 0, 0, null, 257))).isEqualTo("00B00000000101");
        assertThat(HEX.formatHex(CommandApdu.encode(0, 0xB0, 0, 0, null, 65536))).isEqualTo("00B00000000000");
        assertThat(HEX.formatHex(CommandApdu.encode(0, 0x20, 0, 1, new byte[] {1, 2}, 0))).isEqualTo("00200001020102");
        assertThat(HEX.formatHex(CommandApdu.encode(0, 0x88, 0, 1, new byte[] {1}, 256))).isEqualTo("00880001010100");
        assertThat(HEX.formatHex(CommandApdu.encode(0, 0x88, 0, 1, new byte[0], 0))).isEqualTo("00880001");
        byte[] big = CommandApdu.encode(0, 0xD6, 0, 0, new byte[256], 0);
        assertThat(HEX.formatHex(big, 0, 7)).isEqualTo("00D60000000100");
        assertThat(big).hasSize(7 + 256);
        byte[] both = CommandApdu.encode(0, 0x88, 0, 0, new byte[300], 300);
        assertThat(HEX.formatHex(both, both.length - 2, both.length)).isEqualTo("012C");
        assertThat(HEX.formatHex(CommandApdu.encode(0, 0xA4, 3, 4, null, 0, true))).isEqualTo("00A40304");
        assertThat(HEX.formatHex(CommandApdu.encode(0, 0xB0, 0, 0, null, 16, true))).isEqualTo("00B00000000010");
        assertThat(HEX.formatHex(CommandApdu.encode(0, 0xD6, 0, 0, new byte[] {7}, 0, true)))
                .isEqualTo("00D60000000001" + "07");
    }

    @Test
    void encodedCommandsParseBackToTheirFields() {
        int[] ncs = {0, 1, 255, 256, 65535};
        int[] nes = {0, 1, 256, 257, 65536};
        for (int nc : ncs) {
            for (int ne : nes) {
                byte[] raw = CommandApdu.encode(0x00, 0xCA, 0x01, 0x02, new byte[nc], ne);
                CommandApdu apdu = CommandApdu.parse(raw);
                assertThat(apdu.nc()).as("Nc %d Ne %d", nc, ne).isEqualTo(nc);
                assertThat(apdu.ne()).as("Nc %d Ne %d", nc, ne).isEqualTo(ne);
                assertThat(apdu.apduCase().extended()).as("Nc %d Ne %d", nc, ne).isEqualTo(nc > 255 || ne > 256);
            }
        }
    }

    @Test
    void refusesToEncodeWhatNoCommandCanCarry() {
        assertThatIllegalArgumentException().isThrownBy(() -> CommandApdu.encode(0, 0xD6, 0, 0, new byte[65536], 0))
                .withMessageStartingWith("Nc 65536 / Ne 0 out of range");
        assertThatIllegalArgumentException().isThrownBy(() -> CommandApdu.encode(0, 0xB0, 0, 0, null, 65537))
                .withMessageStartingWith("Nc 0 / Ne 65537 out of range");
        assertThatIllegalArgumentException().isThrownBy(() -> CommandApdu.encode(0, 0xB0, 0, 0, null, -1))
                .withMessageStartingWith("Nc 0 / Ne -1 out of range");
    }

    @ParameterizedTest(name = "CLA {0}: {1}")
    @CsvSource({
        "00, 0000", "01, 6881", "03, 6881", "04, 6882", "08, 6882", "0C, 6882", "10, 6884",
        "40, 6881", "41, 6881", "4F, 6881", "60, 6881", "50, 6881", // further interindustry: channels 4 to 19
        "20, 6E00", "3F, 6E00", "80, 6E00", "A0, 6E00", "FF, 6E00",
    })
    void answersTheClassAsACardWithTheBasicChannelOnly(String cla, String sw) {
        assertThat(CommandApdu.basicClassStatus(Integer.parseInt(cla, 16))).isEqualTo(Integer.parseInt(sw, 16));
    }
}
