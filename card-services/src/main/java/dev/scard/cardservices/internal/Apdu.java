package dev.scard.cardservices.internal;

import java.util.Arrays;

import dev.scard.iso7816.Fcp;
import dev.scard.iso7816.StatusWords;

/**
 * The responses the card services get back (their commands are built by
 * {@link dev.scard.iso7816.CommandApdu#encode}).
 */
final class Apdu {

    private Apdu() {
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
            return StatusWords.of(raw, raw.length);
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
