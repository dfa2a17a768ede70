package dev.scard.simulator.internal.card;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** BER-TLV (ISO 7816-4 §5.2) as far as the card model needs it: tags of 1 to 3 bytes, lengths of 1 to 3 bytes. */
final class Tlv {

    /** One data object: its tag and where its value is. */
    record Item(int tag, int offset, int length) {
    }

    private Tlv() {
    }

    /**
     * The data objects that make up {@code length} bytes of {@code buffer} from {@code offset}, in order.
     *
     * @throws IsoException {@code 6A80} for a tag {@code 00} or {@code FF}, a tag or length cut short, an indefinite
     *         or over-long length, or a value that runs past the end
     */
    static List<Item> parse(byte[] buffer, int offset, int length) throws IsoException {
        List<Item> items = new ArrayList<>();
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            int tag = buffer[pos++] & 0xFF;
            if (tag == 0x00 || tag == 0xFF) {
                throw new IsoException(Sw.WRONG_DATA);
            }
            if ((tag & 0x1F) == 0x1F) { // further tag bytes follow, the last one with b8 clear
                int b;
                int count = 0;
                do {
                    if (pos >= end || ++count > 2) {
                        throw new IsoException(Sw.WRONG_DATA);
                    }
                    b = buffer[pos++] & 0xFF;
                    tag = (tag << 8) | b;
                } while ((b & 0x80) != 0);
            }
            if (pos >= end) {
                throw new IsoException(Sw.WRONG_DATA);
            }
            int len = buffer[pos++] & 0xFF;
            if (len == 0x81 || len == 0x82) {
                int bytes = len & 0x03;
                if (end - pos < bytes) {
                    throw new IsoException(Sw.WRONG_DATA);
                }
                len = 0;
                for (int i = 0; i < bytes; i++) {
                    len = (len << 8) | (buffer[pos++] & 0xFF);
                }
            } else if (len >= 0x80) {
                throw new IsoException(Sw.WRONG_DATA);
            }
            if (len > end - pos) {
                throw new IsoException(Sw.WRONG_DATA);
            }
            items.add(new Item(tag, pos, len));
            pos += len;
        }
        return items;
    }

    /** Appends a data object with a one-byte tag. */
    static void append(ByteArrayOutputStream out, int tag, byte[] value) {
        out.write(tag);
        appendLength(out, value.length);
        out.writeBytes(value);
    }

    /** Appends a BER length. */
    static void appendLength(ByteArrayOutputStream out, int length) {
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length);
        }
    }

    /** The size of the tag (one byte) and length fields of a data object whose value has {@code length} bytes. */
    static int headerLength(int length) {
        return length < 0x80 ? 2 : length < 0x100 ? 3 : 4;
    }

    /** A big-endian unsigned number of 1 to 3 bytes. */
    static int number(byte[] buffer, int offset, int length) {
        int value = 0;
        for (int i = 0; i < length; i++) {
            value = (value << 8) | (buffer[offset + i] & 0xFF);
        }
        return value;
    }
}
