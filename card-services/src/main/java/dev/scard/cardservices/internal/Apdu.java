package dev.scard.cardservices.internal;

import java.util.Arrays;

/**
 * Command APDUs (ISO 7816-4 §5.1) as the card services send them, in the short form where it fits and the
 * extended form otherwise, and the responses they get back.
 */
final class Apdu {

    /** The most data bytes a short command carries. */
    static final int MAX_SHORT_NC = 255;
    /** The most response bytes a short command asks for (Le = 00). */
    static final int MAX_SHORT_NE = 256;
    /** The most data bytes an extended command carries. */
    static final int MAX_EXTENDED_NC = 65535;
    /** The most response bytes an extended command asks for (Le = 0000). */
    static final int MAX_EXTENDED_NE = 65536;

    private Apdu() {
    }

    /**
     * A command APDU: the header, the data (Lc and data field when not empty) and Ne (an Le field when not 0).
     * The short form is used when the data has at most 255 bytes and Ne is at most 256, unless {@code extended}.
     */
    static byte[] command(int cla, int ins, int p1, int p2, byte[] data, int ne, boolean extended) {
        int nc = data == null ? 0 : data.length;
        if (nc > MAX_EXTENDED_NC || ne < 0 || ne > MAX_EXTENDED_NE) {
            throw new IllegalArgumentException("Nc " + nc + " / Ne " + ne + " out of range");
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
                apdu[at++] = (byte) nc;
            } else {
                apdu[at++] = (byte) nc;
            }
            System.arraycopy(data, 0, apdu, at, nc);
            at += nc;
        }
        if (ne > 0) {
            if (longForm) {
                if (nc == 0) {
                    apdu[at++] = 0;
                }
                apdu[at++] = (byte) (ne >> 8); // 65536 is written as 0000
                apdu[at] = (byte) ne;
            } else {
                apdu[at] = (byte) ne; // 256 is written as 00
            }
        }
        return apdu;
    }

    /** A short-or-extended command as {@link #command(int, int, int, int, byte[], int, boolean)} chooses. */
    static byte[] command(int cla, int ins, int p1, int p2, byte[] data, int ne) {
        return command(cla, ins, p1, p2, data, ne, false);
    }

    /**
     * A response APDU as the card sent it: data and status word, without copying the data until asked (reading a
     * large file copies each byte once).
     */
    static final class Response {
        private final byte[] raw;

        private Response(byte[] raw) {
            this.raw = raw;
        }

        /** Wraps a response as {@code ISCardManage.transmit} returns it (at least the two status bytes; not copied). */
        static Response of(byte[] raw) {
            return new Response(raw);
        }

        /** The status word. */
        int sw() {
            int n = raw.length;
            return ((raw[n - 2] & 0xFF) << 8) | (raw[n - 1] & 0xFF);
        }

        /** {@code 9000}. */
        boolean ok() {
            return sw() == StatusWords.OK;
        }

        /** The number of data bytes. */
        int length() {
            return raw.length - 2;
        }

        /** A copy of the data. */
        byte[] data() {
            return Arrays.copyOf(raw, raw.length - 2);
        }

        /** Copies {@code length} data bytes from {@code from} into {@code target} at {@code at}. */
        void copy(int from, byte[] target, int at, int length) {
            System.arraycopy(raw, from, target, at, length);
        }

        /** The data parsed as an FCP, without copying it (see {@link Fcp#parse(byte[], int)}). */
        Fcp fcp() {
            return Fcp.parse(raw, raw.length - 2);
        }

        /** A copy of {@code length} data bytes from {@code from}. */
        byte[] copyOfRange(int from, int length) {
            return Arrays.copyOfRange(raw, from, from + length);
        }

        /** The data byte at {@code index}. */
        int byteAt(int index) {
            return raw[index] & 0xFF;
        }
    }
}
