package dev.scard.simulator.internal.card;

/**
 * A command APDU split into its fields (ISO 7816-4 §5.1): cases 1 to 4, short and extended length. It refers to
 * the caller's array without copying or changing it.
 */
final class Apdu {

    /** {@link #ne} when the command has no Le field. */
    static final int NO_LE = 0;

    final byte[] raw;
    final int cla;
    final int ins;
    final int p1;
    final int p2;
    /** Where the data field starts in {@link #raw}. */
    final int dataOffset;
    /** Nc, the length of the data field (0: none). */
    final int nc;
    /** Ne, the most response data bytes the host accepts: 1 to 256 (short), 1 to 65536 (extended); 0: no Le. */
    final int ne;
    /**
     * Whether Le asks for as much as there is ({@code 00} short, {@code 0000} extended): then a shorter answer is
     * complete ({@code 9000}), not a warning ({@code 6282}).
     */
    final boolean leMax;

    private Apdu(byte[] raw, int dataOffset, int nc, int ne, boolean leMax) {
        this.raw = raw;
        this.cla = raw[0] & 0xFF;
        this.ins = raw[1] & 0xFF;
        this.p1 = raw[2] & 0xFF;
        this.p2 = raw[3] & 0xFF;
        this.dataOffset = dataOffset;
        this.nc = nc;
        this.ne = ne;
        this.leMax = leMax;
    }

    /**
     * Splits a command of at least 4 bytes.
     *
     * @throws IsoException {@code 6700} when the length fields do not match the command's length (also an
     *         extended Lc of 0, or an extended-length marker without room for a 2-byte field)
     */
    static Apdu parse(byte[] raw) throws IsoException {
        int length = raw.length;
        if (length == 4) {
            return new Apdu(raw, 4, 0, NO_LE, false); // case 1
        }
        int b4 = raw[4] & 0xFF;
        if (length == 5) {
            return new Apdu(raw, 5, 0, b4 == 0 ? 256 : b4, b4 == 0); // case 2S
        }
        if (b4 != 0) {
            if (length == 5 + b4) {
                return new Apdu(raw, 5, b4, NO_LE, false); // case 3S
            }
            if (length == 6 + b4) {
                int le = raw[length - 1] & 0xFF;
                return new Apdu(raw, 5, b4, le == 0 ? 256 : le, le == 0); // case 4S
            }
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        if (length == 7) {
            int le = u16(raw, 5);
            return new Apdu(raw, 7, 0, le == 0 ? 65536 : le, le == 0); // case 2E
        }
        if (length < 7) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        int lc = u16(raw, 5);
        if (lc == 0) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        if (length == 7 + lc) {
            return new Apdu(raw, 7, lc, NO_LE, false); // case 3E
        }
        if (length == 9 + lc) {
            int le = u16(raw, length - 2);
            return new Apdu(raw, 7, lc, le == 0 ? 65536 : le, le == 0); // case 4E
        }
        throw new IsoException(Sw.WRONG_LENGTH);
    }

    private static int u16(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xFF) << 8) | (bytes[offset + 1] & 0xFF);
    }

    /** Whether the command has an Le field. */
    boolean hasLe() {
        return ne != NO_LE;
    }

    /** Data byte {@code index} (0 is the first byte of the data field), unsigned. */
    int data(int index) {
        return raw[dataOffset + index] & 0xFF;
    }

    /** Two data bytes from {@code index} as a big-endian number. */
    int dataU16(int index) {
        return u16(raw, dataOffset + index);
    }

    /** A copy of the data field. */
    byte[] dataCopy() {
        byte[] copy = new byte[nc];
        System.arraycopy(raw, dataOffset, copy, 0, nc);
        return copy;
    }

    /** P1 and P2 as one number. */
    int p1p2() {
        return (p1 << 8) | p2;
    }
}
