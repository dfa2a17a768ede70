package dev.scard.simulator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.scard.api.Protocol;

class MinimalIsoCardTest {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final String MF_FCP = "620A82013883023F008A0105";

    private final MinimalIsoCard card = new MinimalIsoCard();

    private String send(String commandHex) {
        return HEX.formatHex(card.process(HEX.parseHex(commandHex)));
    }

    @Test
    void atrIsWellFormedWithHistoricalBytesAndCorrectTck() {
        byte[] atr = card.atr();
        assertThat(HEX.formatHex(atr)).isEqualTo("3B8801" + HEX.formatHex("SCARDSIM".getBytes()) + "99");
        assertThat(atr[0]).isEqualTo((byte) 0x3B); // direct convention
        int t0 = atr[1] & 0xFF;
        assertThat(t0 >> 4).isEqualTo(0x8); // only TD1 follows
        int historicalCount = t0 & 0x0F;
        int td1 = atr[2] & 0xFF;
        assertThat(td1 >> 4).as("TD1 announces no further interface bytes").isZero();
        assertThat(td1 & 0x0F).as("TD1 offers T=1").isEqualTo(1);
        assertThat(atr).hasSize(3 + historicalCount + 1); // TCK is present because T=1 is offered
        assertThat(new String(atr, 3, historicalCount)).isEqualTo("SCARDSIM");
        int xor = 0;
        for (int i = 1; i < atr.length; i++) {
            xor ^= atr[i] & 0xFF;
        }
        assertThat(xor).as("XOR of T0..TCK").isZero();
        assertThat(card.protocol()).isEqualTo(Protocol.T1);
    }

    @Test
    void atrIsACopy() {
        card.atr()[0] = 0;
        assertThat(card.atr()[0]).isEqualTo((byte) 0x3B);
    }

    @ParameterizedTest
    @CsvSource({
        "00A40000023F00,     " + MF_FCP + "9000", // case 3: FCP anyway (T=1)
        "00A40000023F0000,   " + MF_FCP + "9000", // Le=00 (256)
        "00A40000023F000C,   " + MF_FCP + "9000", // Le exactly the FCP's length
        "00A40000023F00FF,   " + MF_FCP + "9000",
        "00A40004023F0000,   " + MF_FCP + "9000", // FCP requested
        "00A4000000,         " + MF_FCP + "9000", // no data field: the MF
        "00A40000,           " + MF_FCP + "9000", // case 1: the MF
        "00A4000C023F00,     9000",
        "00A4000C023F0000,   9000",
        "00A40000023F0005,   6C0C", // Le too short: the right length
        "00A40000022F00,     6A82",
        "00A40000025015,     6A82",
        "00A4000C020000,     6A82",
        "00A4010C025015,     6A82", // child DF
        "00A4020C024401,     6A82", // EF
        "00A4030C,           6A82", // parent of the MF
        "00A4040C07A0000000030000, 6A82", // DF name
        "00A4080C0450154401, 6A82", // path from the MF
        "00A40000033F0000,   6700", // an odd-length FID
        "00A4080C035015,     6700",
        "00A4040C11000102030405060708090A0B0C0D0E0F10, 6700", // DF name longer than 16 bytes
        "00A40500023F00,     6A86",
        "00A40002023F00,     6A86",
        "00A40008023F00,     6A86",
    })
    void select(String command, String response) {
        assertThat(send(command)).isEqualTo(response);
    }

    @Test
    void getChallengeReturnsRandomBytesOfTheRequestedLength() {
        byte[] first = card.process(HEX.parseHex("0084000008"));
        byte[] second = card.process(HEX.parseHex("0084000008"));
        assertThat(first).hasSize(10);
        assertThat(HEX.formatHex(first)).endsWith("9000");
        assertThat(first).isNotEqualTo(second);
        assertThat(card.process(HEX.parseHex("0084000001"))).hasSize(3);
        assertThat(card.process(HEX.parseHex("00840000FF"))).hasSize(257);
        byte[] longest = card.process(HEX.parseHex("0084000000"));
        assertThat(longest).hasSize(258);
        assertThat(HEX.formatHex(longest)).endsWith("9000");
    }

    @ParameterizedTest
    @CsvSource({
        "00840000,          6700", // no Le
        "008400000108,      6700", // a data field
        "00840000010108,    6700",
        "0084000000000008,  6700", // extended Le: not supported
        "0084010008,        6A86",
        "0084000108,        6A86",
    })
    void getChallengeRejects(String command, String response) {
        assertThat(send(command)).isEqualTo(response);
    }

    @ParameterizedTest
    @CsvSource({
        "00B0000000,       6D00", // READ BINARY: no EFs, not implemented
        "0020000108313233343536FFFF, 6D00",
        "00CA9F7F00,       6D00",
        "0000000000,       6D00",
        "FFA40000023F00,   6E00", // invalid class
        "80A40000023F00,   6E00", // proprietary class
        "A0A40000023F00,   6E00",
        "20A40000023F00,   6E00", // reserved class
        "01A40000023F00,   6881", // logical channel 1
        "40A40000023F00,   6881", // further interindustry: channel 4
        "0CA40000023F00,   6882", // secure messaging
        "04A40000023F00,   6882",
        "10A40000023F00,   6884", // chaining
        ",                 6700",
        "00,               6700",
        "00A4,             6700",
        "00A400,           6700",
        "00A4000002,       6C0C", // five bytes: Le=2, not Lc, so the FCP does not fit
        "00A40000023F,     6700",
        "00A40000023F000000, 6700", // two bytes after the data
        "00A400000000,     6700", // extended marker
        "00A400000000023F00, 6700", // extended Lc
    })
    void rejectsWhatARealCardRejects(String command, String response) {
        assertThat(send(command == null ? "" : command)).isEqualTo(response);
    }

    @Test
    void resetForgetsNothingBecauseNothingIsVolatile() {
        card.reset();
        assertThat(send("00A4000C023F00")).isEqualTo("9000");
    }

    @Test
    void nullCommandIsAWrongLength() {
        assertThat(card.process(null)).containsExactly(0x67, 0x00);
    }

    @Test
    void answersEveryRandomInputWithAStatusWordAndNeverThrows() {
        Random random = new Random(20261121L);
        int[] interesting = {0x00, 0x01, 0x04, 0x08, 0x0C, 0x10, 0x40, 0x80, 0xA4, 0x84, 0xFF};
        for (int i = 0; i < 20_000; i++) {
            int length = i % 4 == 0 ? random.nextInt(8) : random.nextInt(300);
            byte[] command = new byte[length];
            random.nextBytes(command);
            if (i % 2 == 0 && length >= 2) { // often a header the card knows, to reach deeper code
                command[0] = (byte) interesting[random.nextInt(4)];
                command[1] = (byte) (random.nextBoolean() ? 0xA4 : 0x84);
            }
            if (i % 3 == 0 && length >= 5) { // often a consistent length byte
                command[4] = (byte) Math.max(0, length - 5 - random.nextInt(2));
            }
            byte[] before = command.clone();
            byte[] response = card.process(command);
            assertThat(response).as("response to %s", HEX.formatHex(command)).isNotNull();
            assertThat(response.length).as("response to %s", HEX.formatHex(command)).isGreaterThanOrEqualTo(2);
            int sw1 = response[response.length - 2] & 0xFF;
            assertThat(sw1).as("SW1 for %s", HEX.formatHex(command))
                    .isIn(0x90, 0x67, 0x6A, 0x6C, 0x6D, 0x6E, 0x68);
            assertThat(command).as("the command is not changed").isEqualTo(before);
        }
    }
}
