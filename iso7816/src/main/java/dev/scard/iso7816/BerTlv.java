package dev.scard.iso7816;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BER-TLV data objects as ISO/IEC 7816-4 uses them (FCP templates, command data fields), parsed without copying
 * and written in the shortest form.
 *
 * <p>The rules, one for every reader of BER-TLV in SCard:
 * <ul>
 * <li><b>Tags</b> have one to three bytes: ISO/IEC 7816-4 supports tag fields of one, two and three bytes (longer
 * ones are reserved). A first byte with bits 5-1 all set announces further bytes, each with b8 set but the last.
 * </li>
 * <li><b>Padding</b>: bytes {@code 00} and {@code FF} before, between and after data objects carry no meaning and
 * are skipped. ISO/IEC 7816-4 allows them there (erased or modified data objects leave them behind) and, for that
 * reason, never lets {@code 00} or {@code FF} be the first byte of a tag.</li>
 * <li><b>Lengths</b>: {@code 00} to {@code 7F} is the length itself; {@code 81} to {@code 84} say that one to
 * four bytes follow holding it, big-endian (ISO/IEC 7816-4 defines length fields of up to five bytes). A
 * longer-than-needed form ({@code 81 05}) is accepted, as BER allows. {@code 80} (indefinite length) and
 * {@code 85} to {@code FF} are invalid in ISO/IEC 7816.</li>
 * <li>A value never runs past the end of the bytes being parsed.</li>
 * </ul>
 */
public final class BerTlv {

    /** The most bytes a tag has. */
    public static final int MAX_TAG_BYTES = 3;
    /** The most bytes that follow the first byte of a length field ({@code 84}). */
    public static final int MAX_LENGTH_BYTES = 4;

    private BerTlv() {
    }

    /**
     * One data object: its tag and where its value lies in the parsed bytes.
     *
     * @param tag the tag, one to three bytes as an int (e.g. {@code 0x62}, {@code 0x9F7F})
     * @param offset where the value starts in the parsed array
     * @param length the number of value bytes
     */
    public record DataObject(int tag, int offset, int length) {

        /** Whether the object is constructed (its value is made of data objects): b6 of the tag's first byte. */
        public boolean constructed() {
            return isConstructed(tag);
        }

        /** A copy of the value out of {@code buffer}, the array this object was parsed from. */
        public byte[] value(byte[] buffer) {
            return Arrays.copyOfRange(buffer, offset, offset + length);
        }

        /** The value as an unsigned big-endian number, see {@link BerTlv#number(byte[], int, int)}. */
        public long number(byte[] buffer) {
            return BerTlv.number(buffer, offset, length);
        }
    }

    /**
     * The data objects in {@code length} bytes of {@code buffer} from {@code offset}, in order, without descending
     * into constructed ones; padding ({@code 00}, {@code FF}) between them is skipped.
     *
     * @throws IllegalArgumentException naming the fault when the encoding is broken: a tag or length cut short, a
     *         tag of more than three bytes, an indefinite or invalid length, a value that runs past the end
     * @throws IndexOutOfBoundsException when the range lies outside {@code buffer}
     */
    public static List<DataObject> parse(byte[] buffer, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, buffer.length);
        List<DataObject> objects = new ArrayList<>();
        int end = offset + length;
        int at = offset;
        while (at < end) {
            int first = buffer[at] & 0xFF;
            if (first == 0x00 || first == 0xFF) {
                at++;
                continue;
            }
            int start = at;
            int tag = first;
            at++;
            if ((first & 0x1F) == 0x1F) {
                int b;
                do {
                    if (at >= end) {
                        throw new IllegalArgumentException(String.format("tag %X at offset %d is cut short", tag,
                                start - offset));
                    }
                    if (at - start == MAX_TAG_BYTES) {
                        throw new IllegalArgumentException(String.format(
                                "tag at offset %d has more than %d bytes", start - offset, MAX_TAG_BYTES));
                    }
                    b = buffer[at++] & 0xFF;
                    tag = (tag << 8) | b;
                } while ((b & 0x80) != 0);
            }
            if (at >= end) {
                throw new IllegalArgumentException(String.format("tag %X has no length", tag));
            }
            long valueLength = buffer[at++] & 0xFF;
            if (valueLength == 0x80) {
                throw new IllegalArgumentException(String.format("tag %X has an indefinite length (80)", tag));
            }
            if (valueLength > 0x80) {
                int bytes = (int) valueLength - 0x80;
                if (bytes > MAX_LENGTH_BYTES) {
                    throw new IllegalArgumentException(String.format("tag %X has an invalid length byte %02X", tag,
                            valueLength));
                }
                if (end - at < bytes) {
                    throw new IllegalArgumentException(String.format("tag %X has a length field cut short", tag));
                }
                valueLength = 0;
                for (int i = 0; i < bytes; i++) {
                    valueLength = (valueLength << 8) | (buffer[at++] & 0xFF);
                }
            }
            if (valueLength > end - at) {
                throw new IllegalArgumentException(String.format("tag %X claims %d bytes, %d are left", tag,
                        valueLength, end - at));
            }
            objects.add(new DataObject(tag, at, (int) valueLength));
            at += (int) valueLength;
        }
        return objects;
    }

    /** {@link #parse(byte[], int, int)} of the whole array. */
    public static List<DataObject> parse(byte[] bytes) {
        return parse(bytes, 0, bytes.length);
    }

    /** Whether a tag (one to three bytes as an int) is constructed: b6 of its first byte. */
    public static boolean isConstructed(int tag) {
        return (firstByte(tag) & 0x20) != 0;
    }

    private static int firstByte(int tag) {
        if (tag > 0xFFFF) {
            return tag >>> 16;
        }
        return tag > 0xFF ? tag >>> 8 : tag;
    }

    /**
     * Whether {@code tag} is a well-formed tag of one to three bytes: a first byte other than {@code 00} and
     * {@code FF} (padding), further bytes exactly when its bits 5-1 are all set, b8 set in every further byte but
     * the last.
     */
    public static boolean validTag(int tag) {
        if (tag <= 0 || tag > 0xFFFFFF) {
            return false;
        }
        byte[] bytes = tagBytes(tag);
        int first = bytes[0] & 0xFF;
        if (first == 0xFF) {
            return false;
        }
        if (bytes.length == 1) {
            return (first & 0x1F) != 0x1F;
        }
        if ((first & 0x1F) != 0x1F) {
            return false;
        }
        for (int i = 1; i < bytes.length - 1; i++) {
            if ((bytes[i] & 0x80) == 0) {
                return false;
            }
        }
        return (bytes[bytes.length - 1] & 0x80) == 0;
    }

    /** The bytes of a tag of one to three bytes given as an int. */
    public static byte[] tagBytes(int tag) {
        if (tag > 0xFFFF) {
            return new byte[] {(byte) (tag >> 16), (byte) (tag >> 8), (byte) tag};
        }
        if (tag > 0xFF) {
            return new byte[] {(byte) (tag >> 8), (byte) tag};
        }
        return new byte[] {(byte) tag};
    }

    /** Appends one data object: tag, the shortest length field, value. */
    public static void write(ByteArrayOutputStream out, int tag, byte[] value) {
        out.writeBytes(tagBytes(tag));
        writeLength(out, value.length);
        out.writeBytes(value);
    }

    /** Appends the shortest length field for {@code length} ({@code 0} to {@code 7F}, or {@code 81} to {@code 84}). */
    public static void writeLength(ByteArrayOutputStream out, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        int bytes = lengthFieldSize(length) - 1;
        if (bytes > 0) {
            out.write(0x80 + bytes);
        }
        for (int i = Math.max(bytes, 1) - 1; i >= 0; i--) {
            out.write(length >>> (8 * i));
        }
    }

    /** The size of the shortest length field for {@code length}: 1 to 5 bytes. */
    public static int lengthFieldSize(int length) {
        if (length < 0x80) {
            return 1;
        }
        if (length <= 0xFF) {
            return 2;
        }
        if (length <= 0xFFFF) {
            return 3;
        }
        return length <= 0xFFFFFF ? 4 : 5;
    }

    /** One data object as bytes. */
    public static byte[] encode(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 8);
        write(out, tag, value);
        return out.toByteArray();
    }

    /** A non-negative number in as few big-endian bytes as it needs (at least one). */
    public static byte[] unsigned(long number) {
        if (number < 0) {
            throw new IllegalArgumentException("negative number " + number);
        }
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

    /** An unsigned big-endian number of 1 to 4 bytes, or -1 when {@code length} is 0 or more than 4. */
    public static long number(byte[] buffer, int offset, int length) {
        if (length < 1 || length > 4) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < length; i++) {
            n = (n << 8) | (buffer[offset + i] & 0xFF);
        }
        return n;
    }

    /** {@link #number(byte[], int, int)} of a whole value; -1 when it is null, empty or longer than 4 bytes. */
    public static long number(byte[] value) {
        return value == null ? -1 : number(value, 0, value.length);
    }
}
