package dev.scard.core;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;

import dev.scard.core.spi.Arguments;

/**
 * Checks command APDUs before they reach a reader (their structure by {@link dev.scard.iso7816.CommandApdu}, ISO
 * 7816-4 §5.1, without copying them; the class byte) and builds the re-sent forms that T=0 needs.
 */
public final class CommandApdu {

    /** The longest command APDU, {@link ISCardManage#MAX_COMMAND_APDU_LENGTH}. */
    public static final int MAX_LENGTH = ISCardManage.MAX_COMMAND_APDU_LENGTH;

    private CommandApdu() {
    }

    /**
     * Checks that {@code apdu} is a well-formed command APDU.
     *
     * @return true when it is a short APDU whose last byte is Le (case 2S or 4S), so {@code 6Cxx} can be
     *         answered by resending with another Le
     * @throws SCardException {@link HResult#E_INVALIDARG} naming what is wrong
     */
    public static boolean check(byte[] apdu) {
        dev.scard.iso7816.CommandApdu.Case apduCase;
        try {
            apduCase = dev.scard.iso7816.CommandApdu.caseOf(apdu);
        } catch (IllegalArgumentException e) {
            throw Arguments.invalidArgument(e.getMessage());
        }
        if ((apdu[0] & 0xFF) == 0xFF) {
            throw Arguments.invalidArgument("class byte FF is invalid (reserved for PPS)");
        }
        return apduCase == dev.scard.iso7816.CommandApdu.Case.CASE_2S
                || apduCase == dev.scard.iso7816.CommandApdu.Case.CASE_4S;
    }

    /** A copy of a short case 2S/4S APDU with its last byte (Le) replaced. */
    static byte[] withLe(byte[] apdu, int le) {
        byte[] copy = apdu.clone();
        copy[copy.length - 1] = (byte) le;
        return copy;
    }

    /**
     * The class byte for GET RESPONSE after a command with class {@code cla}: the logical channel is kept, secure
     * messaging and command chaining bits are cleared (GET RESPONSE is sent plain and unchained); proprietary
     * classes get the interindustry {@code 00}, except the GSM class {@code A0}, whose cards expect it back.
     */
    public static int getResponseClass(int cla) {
        int c = cla & 0xFF;
        if ((c & 0x80) != 0) {
            return c == 0xA0 ? 0xA0 : 0x00;
        }
        if ((c & 0x40) != 0) {
            return c & 0x4F; // further interindustry: b7 set, channel 4..19 in b4..b1
        }
        return c & 0x03; // first interindustry: channel 0..3 in b2..b1
    }

    static byte[] getResponse(int cla, int le) {
        return new byte[] {(byte) getResponseClass(cla), (byte) 0xC0, 0x00, 0x00, (byte) le};
    }

    static SCardException tooShortResponse(int length) {
        return new SCardException(HResult.SCARD_F_COMM_ERROR,
                "the card answered " + length + " bytes, fewer than a status word");
    }
}
