package dev.scard.itest.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;

/** Command APDUs every conformant card answers, and checks on the responses. */
public final class Apdus {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    /** SELECT the master file by file identifier, returning the FCP (P2=00). */
    public static final String SELECT_MF_HEX = "00A40000023F00";
    /** SELECT the master file by file identifier, no response data (P2=0C). */
    public static final String SELECT_MF_NO_DATA_HEX = "00A4000C023F00";
    /** GET CHALLENGE for 8 bytes. */
    public static final String GET_CHALLENGE_HEX = "0084000008";

    private Apdus() {
    }

    public static byte[] bytes(String hex) {
        return HEX.parseHex(hex);
    }

    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    public static byte[] selectMf() {
        return bytes(SELECT_MF_HEX);
    }

    public static byte[] selectMfNoData() {
        return bytes(SELECT_MF_NO_DATA_HEX);
    }

    public static byte[] getChallenge() {
        return bytes(GET_CHALLENGE_HEX);
    }

    /** The status word of a response APDU, as four upper-case hex digits. */
    public static String sw(byte[] response) {
        assertThat(response).as("response APDU").isNotNull();
        assertThat(response.length).as("response APDU length (needs at least SW1 SW2)").isGreaterThanOrEqualTo(2);
        return hex(new byte[] {response[response.length - 2], response[response.length - 1]});
    }

    /** Asserts that a response ends with 9000 and returns it. */
    public static byte[] assertSuccess(byte[] response) {
        assertThat(sw(response)).as("status word of response %s", hex(response)).isEqualTo("9000");
        return response;
    }
}
