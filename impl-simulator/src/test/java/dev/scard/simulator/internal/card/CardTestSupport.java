package dev.scard.simulator.internal.card;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/** Helpers for the card model's tests: hex in, hex out. */
abstract class CardTestSupport {

    static final HexFormat HEX = HexFormat.of().withUpperCase();
    static final String KEY_01 = "000102030405060708090A0B0C0D0E0F";
    static final String AID_5015 = "A000000063504B43532D3135";

    IsoCard card = CardProfile.sample().newIsoCard(new Random(7));

    /** The whole response in hex. */
    String send(String command) {
        byte[] apdu = HEX.parseHex(command.replace(" ", ""));
        byte[] copy = apdu.clone();
        byte[] response = card.process(apdu);
        assertThat(apdu).as("the card does not change the command").isEqualTo(copy);
        return HEX.formatHex(response);
    }

    /** The status word of the response. */
    String sw(String command) {
        String response = send(command);
        return response.substring(response.length() - 4);
    }

    /** The response data (without the status word), asserting the status word. */
    String data(String command, String expectedSw) {
        String response = send(command);
        assertThat(response.substring(response.length() - 4)).as("SW of %s", command).isEqualTo(expectedSw);
        return response.substring(0, response.length() - 4);
    }

    /** A short APDU: header, Lc and data. */
    static String apdu(String header, String data) {
        String d = data.replace(" ", "");
        return header + String.format("%02X", d.length() / 2) + d;
    }

    /** An extended APDU: header, 00, 2-byte Lc, data, optional 2-byte Le. */
    static String extended(String header, String data, String le) {
        String d = data.replace(" ", "");
        return header + "00" + String.format("%04X", d.length() / 2) + d + (le == null ? "" : le);
    }

    static String ascii(String text) {
        return HEX.formatHex(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code text} in ASCII, padded with 00 to {@code length} bytes. */
    static String padded(String text, int length) {
        StringBuilder hex = new StringBuilder(ascii(text));
        while (hex.length() < 2 * length) {
            hex.append("00");
        }
        return hex.toString();
    }

    void selectPath(String path) {
        assertThat(sw(apdu("00A4080C", path))).as("select %s", path).isEqualTo("9000");
    }

    void verify01() {
        assertThat(send(apdu("00200001", ascii("1234")))).isEqualTo("9000");
    }

    void verify81() {
        assertThat(send(apdu("00200081", ascii("0000")))).isEqualTo("9000");
    }

    static String aes(String keyHex, String blockHex) {
        try {
            Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(HEX.parseHex(keyHex), "AES"));
            return HEX.formatHex(cipher.doFinal(HEX.parseHex(blockHex)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** GET CHALLENGE for 16 bytes and EXTERNAL AUTHENTICATE with key 01; returns the status word. */
    String externalAuthenticate01() {
        String challenge = data("0084000010", "9000");
        return sw(apdu("00820001", aes(KEY_01, challenge)));
    }

    /** The sample card's FCP of the MF. */
    static final String MF_FCP = "6217" + "820138" + "83023F00" + "8A0105"
            + "AB0B" + "80011F" + "A406830101950108";
}
