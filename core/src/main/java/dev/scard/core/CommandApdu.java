package dev.scard.core;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;

/**
 * Checks the structure of command APDUs (ISO 7816-4 §5.1, cases 1 to 4, short and extended length) without
 * copying them, and builds the re-sent forms that T=0 needs.
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
        if (apdu == null) {
            throw Arguments.invalidArgument("command APDU must not be null");
        }
        int length = apdu.length;
        if (length < 4) {
            throw Arguments.invalidArgument("command APDU has " + length + " bytes; it needs at least the 4-byte header");
        }
        if (length > MAX_LENGTH) {
            throw Arguments.invalidArgument("command APDU has " + length + " bytes; the longest allowed is " + MAX_LENGTH);
        }
        if ((apdu[0] & 0xFF) == 0xFF) {
            throw Arguments.invalidArgument("class byte FF is invalid (reserved for PPS)");
        }
        if (length == 4) {
            return false; // case 1
        }
        int b4 = apdu[4] & 0xFF;
        if (length == 5) {
            return true; // case 2S
        }
        if (b4 != 0) {
            int lc = b4;
            if (length == 5 + lc) {
                return false; // case 3S
            }
            if (length == 6 + lc) {
                return true; // case 4S
            }
            throw Arguments.invalidArgument("command APDU has Lc=" + lc + " but " + (length - 5)
                    + " bytes follow the Lc byte (expected " + lc + " data bytes, optionally plus one Le byte)");
        }
        // Extended length: b4 is 00.
        if (length == 7) {
            return false; // case 2E
        }
        if (length < 7) {
            throw Arguments.invalidArgument("command APDU of " + length
                    + " bytes has an extended-length marker 00 but neither a 2-byte Le nor a 2-byte Lc");
        }
        int lc = ((apdu[5] & 0xFF) << 8) | (apdu[6] & 0xFF);
        if (lc == 0) {
            throw Arguments.invalidArgument("extended command APDU has Lc=0");
        }
        if (length == 7 + lc || length == 9 + lc) {
            return false; // case 3E, 4E
        }
        throw Arguments.invalidArgument("extended command APDU has Lc=" + lc + " but " + (length - 7)
                + " bytes follow the Lc field (expected " + lc + " data bytes, optionally plus a 2-byte Le)");
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
