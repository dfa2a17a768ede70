package dev.scard.cardservices.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.scard.api.Tlv;

/** BER-TLV (ISO 7816-4 §6.2) as FCP templates use it: tags of one to three bytes, lengths up to three bytes. */
final class BerTlv {

    private BerTlv() {
    }

    /**
     * The data objects of {@code data} from {@code offset} to {@code end}, in order, without descending into
     * constructed ones. Padding bytes {@code 00} and {@code FF} between objects are skipped.
     *
     * @throws IllegalArgumentException when the encoding is broken (a tag or length runs past the end)
     */
    static List<Tlv> parse(byte[] data, int offset, int end) {
        int[][] found = locate(data, offset, end);
        List<Tlv> entries = new ArrayList<>(found[0].length);
        for (int i = 0; i < found[0].length; i++) {
            entries.add(Tlv.of(found[0][i], Arrays.copyOfRange(data, found[1][i], found[1][i] + found[2][i])));
        }
        return entries;
    }

    /**
     * Where the data objects of {@code data} from {@code offset} to {@code end} lie, without copying anything:
     * {@code {tags, value offsets, value lengths}}.
     *
     * @throws IllegalArgumentException when the encoding is broken
     */
    static int[][] locate(byte[] data, int offset, int end) {
        int[] tags = new int[10];
        int[] offsets = new int[10];
        int[] lengths = new int[10];
        int count = 0;
        int at = offset;
        while (at < end) {
            int first = data[at] & 0xFF;
            if (first == 0x00 || first == 0xFF) {
                at++;
                continue;
            }
            int tag = first;
            at++;
            if ((first & 0x1F) == 0x1F) {
                int more = 0;
                do {
                    if (at >= end || ++more > 2) {
                        throw new IllegalArgumentException("broken multi-byte tag at offset " + (at - more));
                    }
                    tag = (tag << 8) | (data[at] & 0xFF);
                } while ((data[at++] & 0x80) != 0);
            }
            if (at >= end) {
                throw new IllegalArgumentException(String.format("tag %X has no length", tag));
            }
            int length = data[at++] & 0xFF;
            if (length > 0x80) {
                int bytes = length - 0x80;
                if (bytes > 3 || at + bytes > end) {
                    throw new IllegalArgumentException(String.format("tag %X has a broken length", tag));
                }
                length = 0;
                for (int i = 0; i < bytes; i++) {
                    length = (length << 8) | (data[at++] & 0xFF);
                }
            } else if (length == 0x80) {
                throw new IllegalArgumentException(String.format("tag %X has an indefinite length", tag));
            }
            if (length > end - at) {
                throw new IllegalArgumentException(String.format("tag %X claims %d bytes, %d are left", tag, length,
                        end - at));
            }
            if (count == tags.length) {
                tags = Arrays.copyOf(tags, 2 * count);
                offsets = Arrays.copyOf(offsets, 2 * count);
                lengths = Arrays.copyOf(lengths, 2 * count);
            }
            tags[count] = tag;
            offsets[count] = at;
            lengths[count] = length;
            count++;
            at += length;
        }
        if (count == tags.length) {
            return new int[][] {tags, offsets, lengths};
        }
        return new int[][] {Arrays.copyOf(tags, count), Arrays.copyOf(offsets, count), Arrays.copyOf(lengths, count)};
    }

    /**
     * Whether {@code tag} is a well-formed BER tag of one to three bytes: its first byte is neither {@code 00} nor
     * {@code FF} (padding to ISO 7816-4 parsers).
     */
    static boolean validTag(int tag) {
        if (tag <= 0 || tag > 0xFFFFFF) {
            return false;
        }
        byte[] bytes = tagBytes(tag);
        int first = bytes[0] & 0xFF;
        if (bytes.length == 1) {
            return (first & 0x1F) != 0x1F && first != 0xFF;
        }
        if ((first & 0x1F) != 0x1F || first == 0xFF) {
            return false; // FF (and 00) before a data object are padding to a parser, never a tag's first byte
        }
        for (int i = 1; i < bytes.length - 1; i++) {
            if ((bytes[i] & 0x80) == 0) {
                return false;
            }
        }
        return (bytes[bytes.length - 1] & 0x80) == 0;
    }

    private static byte[] tagBytes(int tag) {
        if (tag > 0xFFFF) {
            return new byte[] {(byte) (tag >> 16), (byte) (tag >> 8), (byte) tag};
        }
        if (tag > 0xFF) {
            return new byte[] {(byte) (tag >> 8), (byte) tag};
        }
        return new byte[] {(byte) tag};
    }

    /** Appends one data object. */
    static void write(ByteArrayOutputStream out, int tag, byte[] value) {
        out.writeBytes(tagBytes(tag));
        int length = value.length;
        if (length < 0x80) {
            out.write(length);
        } else if (length <= 0xFF) {
            out.write(0x81);
            out.write(length);
        } else if (length <= 0xFFFF) {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length);
        } else {
            out.write(0x83);
            out.write(length >> 16);
            out.write(length >> 8);
            out.write(length);
        }
        out.writeBytes(value);
    }

    /** One data object as bytes. */
    static byte[] encode(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        write(out, tag, value);
        return out.toByteArray();
    }

    /** A non-negative number in as few big-endian bytes as it needs (at least one). */
    static byte[] unsigned(long number) {
        int bytes = 1;
        while (bytes < 8 && (number >>> (8 * bytes)) != 0) {
            bytes++;
        }
        byte[] value = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            value[bytes - 1 - i] = (byte) (number >>> (8 * i));
        }
        return value;
    }

    /** A big-endian unsigned number of at most 4 bytes, or -1 when empty or longer. */
    static long number(byte[] value) {
        if (value.length == 0 || value.length > 4) {
            return -1;
        }
        long n = 0;
        for (byte b : value) {
            n = (n << 8) | (b & 0xFF);
        }
        return n;
    }
}
