package dev.scard.iso7816;

import java.util.Arrays;

/**
 * A command APDU (ISO/IEC 7816-4 §5.1): the header CLA INS P1 P2, then by case nothing (case 1), an Le field
 * (case 2), an Lc field with the data field (case 3) or both (case 4), each in the short form (one-byte Lc and Le)
 * or the extended form ({@code 00} then two-byte Lc and Le). {@link #caseOf} checks a command without allocating,
 * {@link #parse} splits it into its fields (a view on the caller's array, never copied or changed) and
 * {@link #encode} builds one.
 *
 * <p>Ne, the most response bytes the command accepts: short Le {@code 01}..{@code FF} is 1..255 and {@code 00}
 * is 256; extended Le {@code 0001}..{@code FFFF} is 1..65535 and {@code 0000} is 65536.
 */
public final class CommandApdu {

    /** The most data bytes a short command carries. */
    public static final int MAX_SHORT_NC = 255;
    /** The most response bytes a short command asks for (Le {@code 00}). */
    public static final int MAX_SHORT_NE = 256;
    /** The most data bytes an extended command carries. */
    public static final int MAX_EXTENDED_NC = 65535;
    /** The most response bytes an extended command asks for (Le {@code 0000}). */
    public static final int MAX_EXTENDED_NE = 65536;
    /** The longest command: header, extended Lc, 65535 data bytes and a two-byte Le (case 4E). */
    public static final int MAX_LENGTH = 4 + 3 + MAX_EXTENDED_NC + 2;
    /** {@link #ne()} of a command without an Le field. */
    public static final int NO_LE = 0;

    /** The seven cases of ISO/IEC 7816-4 §5.1: what fields follow the header, in which form. */
    public enum Case {
        /** Header only. */
        CASE_1(false, false, false),
        /** Short Le. */
        CASE_2S(false, true, false),
        /** Short Lc and data. */
        CASE_3S(true, false, false),
        /** Short Lc, data and short Le. */
        CASE_4S(true, true, false),
        /** Extended Le ({@code 00} and two bytes). */
        CASE_2E(false, true, true),
        /** Extended Lc ({@code 00} and two bytes) and data. */
        CASE_3E(true, false, true),
        /** Extended Lc, data and a two-byte Le. */
        CASE_4E(true, true, true);

        private final boolean data;
        private final boolean le;
        private final boolean extended;

        Case(boolean data, boolean le, boolean extended) {
            this.data = data;
            this.le = le;
            this.extended = extended;
        }

        /** Whether the command carries Lc and a data field. */
        public boolean hasData() {
            return data;
        }

        /** Whether the command has an Le field. */
        public boolean hasLe() {
            return le;
        }

        /** Whether Lc and Le are in the extended form. */
        public boolean extended() {
            return extended;
        }
    }

    private final byte[] raw;
    private final Case apduCase;
    private final int dataOffset;
    private final int nc;
    private final int ne;
    private final boolean leMax;

    private CommandApdu(byte[] raw, Case apduCase, int dataOffset, int nc, int ne, boolean leMax) {
        this.raw = raw;
        this.apduCase = apduCase;
        this.dataOffset = dataOffset;
        this.nc = nc;
        this.ne = ne;
        this.leMax = leMax;
    }

    /**
     * The case of a command APDU, checking that its length fields match its length.
     *
     * @throws IllegalArgumentException naming what is wrong: null, shorter than the header, longer than
     *         {@link #MAX_LENGTH}, an Lc that disagrees with the bytes that follow, an extended Lc of 0, or an
     *         extended-length marker {@code 00} without room for a two-byte field
     */
    public static Case caseOf(byte[] apdu) {
        if (apdu == null) {
            throw new IllegalArgumentException("command APDU must not be null");
        }
        int length = apdu.length;
        if (length < 4) {
            throw new IllegalArgumentException("command APDU has " + length
                    + " bytes; it needs at least the 4-byte header");
        }
        if (length > MAX_LENGTH) {
            throw new IllegalArgumentException("command APDU has " + length + " bytes; the longest allowed is "
                    + MAX_LENGTH);
        }
        if (length == 4) {
            return Case.CASE_1;
        }
        if (length == 5) {
            return Case.CASE_2S;
        }
        int b4 = apdu[4] & 0xFF;
        if (b4 != 0) {
            if (length == 5 + b4) {
                return Case.CASE_3S;
            }
            if (length == 6 + b4) {
                return Case.CASE_4S;
            }
            throw new IllegalArgumentException("command APDU has Lc=" + b4 + " but " + (length - 5)
                    + " bytes follow the Lc byte (expected " + b4 + " data bytes, optionally plus one Le byte)");
        }
        if (length == 7) {
            return Case.CASE_2E;
        }
        if (length < 7) {
            throw new IllegalArgumentException("command APDU of " + length
                    + " bytes has an extended-length marker 00 but neither a 2-byte Le nor a 2-byte Lc");
        }
        int lc = u16(apdu, 5);
        if (lc == 0) {
            throw new IllegalArgumentException("extended command APDU has Lc=0");
        }
        if (length == 7 + lc) {
            return Case.CASE_3E;
        }
        if (length == 9 + lc) {
            return Case.CASE_4E;
        }
        throw new IllegalArgumentException("extended command APDU has Lc=" + lc + " but " + (length - 7)
                + " bytes follow the Lc field (expected " + lc + " data bytes, optionally plus a 2-byte Le)");
    }

    /**
     * Splits a command APDU into its fields. The result refers to {@code apdu}, which must not change afterwards.
     *
     * @throws IllegalArgumentException as {@link #caseOf} does
     */
    public static CommandApdu parse(byte[] apdu) {
        Case c = caseOf(apdu);
        int length = apdu.length;
        return switch (c) {
            case CASE_1 -> new CommandApdu(apdu, c, 4, 0, NO_LE, false);
            case CASE_2S -> shortLe(apdu, c, 5, 0);
            case CASE_3S -> new CommandApdu(apdu, c, 5, apdu[4] & 0xFF, NO_LE, false);
            case CASE_4S -> shortLe(apdu, c, 5, apdu[4] & 0xFF);
            case CASE_2E -> extendedLe(apdu, c, 7, 0);
            case CASE_3E -> new CommandApdu(apdu, c, 7, u16(apdu, 5), NO_LE, false);
            case CASE_4E -> extendedLe(apdu, c, 7, length - 9);
        };
    }

    private static CommandApdu shortLe(byte[] apdu, Case c, int dataOffset, int nc) {
        int le = apdu[apdu.length - 1] & 0xFF;
        return new CommandApdu(apdu, c, dataOffset, nc, le == 0 ? MAX_SHORT_NE : le, le == 0);
    }

    private static CommandApdu extendedLe(byte[] apdu, Case c, int dataOffset, int nc) {
        int le = u16(apdu, apdu.length - 2);
        return new CommandApdu(apdu, c, dataOffset, nc, le == 0 ? MAX_EXTENDED_NE : le, le == 0);
    }

    private static int u16(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xFF) << 8) | (bytes[offset + 1] & 0xFF);
    }

    /**
     * A command APDU with the header, the data (Lc and the data field when not empty) and Ne (an Le field when not
     * 0). The short form is used when the data has at most 255 bytes and Ne is at most 256, unless {@code extended}.
     *
     * @param data the data field; null or empty for none
     * @param ne the most response bytes wanted, 0 for no Le field
     * @throws IllegalArgumentException when the data has more than 65535 bytes or Ne is outside 0..65536
     */
    public static byte[] encode(int cla, int ins, int p1, int p2, byte[] data, int ne, boolean extended) {
        int nc = data == null ? 0 : data.length;
        if (nc > MAX_EXTENDED_NC || ne < 0 || ne > MAX_EXTENDED_NE) {
            throw new IllegalArgumentException("Nc " + nc + " / Ne " + ne + " out of range (Nc at most "
                    + MAX_EXTENDED_NC + ", Ne 0 to " + MAX_EXTENDED_NE + ")");
        }
        boolean longForm = extended || nc > MAX_SHORT_NC || ne > MAX_SHORT_NE;
        int length = 4;
        if (nc > 0) {
            length += (longForm ? 3 : 1) + nc;
        }
        if (ne > 0) {
            length += longForm ? (nc > 0 ? 2 : 3) : 1;
        }
        byte[] apdu = new byte[length];
        apdu[0] = (byte) cla;
        apdu[1] = (byte) ins;
        apdu[2] = (byte) p1;
        apdu[3] = (byte) p2;
        int at = 4;
        if (nc > 0) {
            if (longForm) {
                apdu[at++] = 0;
                apdu[at++] = (byte) (nc >> 8);
            }
            apdu[at++] = (byte) nc;
            System.arraycopy(data, 0, apdu, at, nc);
            at += nc;
        }
        if (ne > 0) {
            if (longForm) {
                if (nc == 0) {
                    apdu[at++] = 0;
                }
                apdu[at++] = (byte) (ne >> 8); // 65536 is written as 0000
            }
            apdu[at] = (byte) ne; // 256 is written as 00
        }
        return apdu;
    }

    /** {@link #encode(int, int, int, int, byte[], int, boolean)} in the short form where it fits. */
    public static byte[] encode(int cla, int ins, int p1, int p2, byte[] data, int ne) {
        return encode(cla, ins, p1, p2, data, ne, false);
    }

    /**
     * What a card that offers only the basic logical channel, without secure messaging and command chaining, answers
     * to a class byte (ISO/IEC 7816-4 §5.4.1): 0 for an interindustry class on channel 0 without those bits;
     * {@code 6E00} for a proprietary ({@code 8x}..{@code Fx}, and the invalid {@code FF}) or reserved ({@code 001x xxxx})
     * class; {@code 6881} for another logical channel; {@code 6882} for secure messaging; {@code 6884} for chaining.
     */
    public static int basicClassStatus(int cla) {
        if ((cla & 0x80) != 0) {
            return StatusWords.CLA_NOT_SUPPORTED;
        }
        boolean chaining = (cla & 0x10) != 0;
        boolean secureMessaging;
        int channel;
        if ((cla & 0xE0) == 0x00) { // first interindustry values: 000x xxxx
            secureMessaging = (cla & 0x0C) != 0;
            channel = cla & 0x03;
        } else if ((cla & 0xC0) == 0x40) { // further interindustry values: 01xx xxxx
            secureMessaging = (cla & 0x20) != 0;
            channel = 4 + (cla & 0x0F);
        } else {
            return StatusWords.CLA_NOT_SUPPORTED; // 001x xxxx is reserved for future use
        }
        if (channel != 0) {
            return StatusWords.LOGICAL_CHANNEL_NOT_SUPPORTED;
        }
        if (secureMessaging) {
            return StatusWords.SECURE_MESSAGING_NOT_SUPPORTED;
        }
        return chaining ? StatusWords.CHAINING_NOT_SUPPORTED : 0;
    }

    /** The command's bytes: the caller's array itself, not a copy. */
    public byte[] raw() {
        return raw;
    }

    /** The case. */
    public Case apduCase() {
        return apduCase;
    }

    /** The class byte, unsigned. */
    public int cla() {
        return raw[0] & 0xFF;
    }

    /** The instruction byte, unsigned. */
    public int ins() {
        return raw[1] & 0xFF;
    }

    /** P1, unsigned. */
    public int p1() {
        return raw[2] & 0xFF;
    }

    /** P2, unsigned. */
    public int p2() {
        return raw[3] & 0xFF;
    }

    /** P1 and P2 as one big-endian number. */
    public int p1p2() {
        return u16(raw, 2);
    }

    /** Where the data field starts in {@link #raw()} (after the header and Lc; the end of the header when none). */
    public int dataOffset() {
        return dataOffset;
    }

    /** Nc, the length of the data field (0: none). */
    public int nc() {
        return nc;
    }

    /** Ne: 1 to 256 (short), 1 to 65536 (extended); {@link #NO_LE} without an Le field. */
    public int ne() {
        return ne;
    }

    /** Whether the command has an Le field. */
    public boolean hasLe() {
        return apduCase.hasLe();
    }

    /**
     * Whether Le asks for as much as there is ({@code 00} short, {@code 0000} extended): then a shorter answer is
     * complete, not cut short.
     */
    public boolean leMax() {
        return leMax;
    }

    /** Data byte {@code index} (0 is the first byte of the data field), unsigned. */
    public int data(int index) {
        return raw[dataOffset + java.util.Objects.checkIndex(index, nc)] & 0xFF;
    }

    /** Two data bytes from {@code index} as a big-endian number. */
    public int dataU16(int index) {
        java.util.Objects.checkFromIndexSize(index, 2, nc);
        return u16(raw, dataOffset + index);
    }

    /** A copy of the data field. */
    public byte[] dataCopy() {
        return Arrays.copyOfRange(raw, dataOffset, dataOffset + nc);
    }

    /** {@code CASE_4S CLA=00 INS=A4 P1=00 P2=0C Nc=2 Ne=256}: the fields, never the data (it may hold a PIN). */
    @Override
    public String toString() {
        return String.format("%s CLA=%02X INS=%02X P1=%02X P2=%02X Nc=%d Ne=%d", apduCase, cla(), ins(), p1(), p2(),
                nc, ne);
    }
}
