package dev.scard.cardservices.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import dev.scard.api.FileType;
import dev.scard.api.Tlv;

/**
 * A file's control parameters (ISO 7816-4 §7.4, template {@code 62}, or the FCI template {@code 6F}), parsed into
 * its top-level entries and what the card services need from them. The entries are located once and read where
 * they lie; nothing is copied until a caller asks for a value (every file operation reads an FCP).
 */
final class Fcp {

    static final int TEMPLATE_FCP = 0x62;
    static final int TEMPLATE_FMD = 0x64;
    static final int TEMPLATE_FCI = 0x6F;
    static final int TAG_SIZE = 0x80;
    static final int TAG_TOTAL_SIZE = 0x81;
    static final int TAG_DESCRIPTOR = 0x82;
    static final int TAG_FID = 0x83;
    static final int TAG_DF_NAME = 0x84;
    static final int TAG_SFI = 0x88;
    static final int TAG_LIFE_CYCLE = 0x8A;

    /** An FCP with no entries, for a file that answered SELECT without one. */
    static final Fcp EMPTY = new Fcp(new byte[0], new int[0], new int[0], new int[0]);

    private final byte[] data;
    private final int[] tags;
    private final int[] offsets;
    private final int[] lengths;

    private Fcp(byte[] data, int[] tags, int[] offsets, int[] lengths) {
        this.data = data;
        this.tags = tags;
        this.offsets = offsets;
        this.lengths = lengths;
    }

    /** An FCP made of these entries (for checking what a Create is about to send). */
    static Fcp of(List<Tlv> entries) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Tlv entry : entries) {
            BerTlv.write(body, entry.tag(), entry.value());
        }
        byte[] bytes = body.toByteArray();
        return locate(bytes, 0, bytes.length);
    }

    /**
     * Parses a SELECT response: an FCP or FCI template, or nothing.
     *
     * @throws IllegalArgumentException when the data is not a template or its encoding is broken
     */
    static Fcp parse(byte[] response) {
        return parse(response, response.length);
    }

    /**
     * Parses the first {@code length} bytes of a SELECT response (its data without the status word), without copying
     * them: the response must not change afterwards.
     *
     * @throws IllegalArgumentException when the data is not a template or its encoding is broken
     */
    static Fcp parse(byte[] response, int length) {
        if (length == 0) {
            return EMPTY;
        }
        Fcp outer = locate(response, 0, length);
        if (outer.tags.length != 1) {
            throw new IllegalArgumentException("expected one FCP template, found " + outer.tags.length + " objects");
        }
        int tag = outer.tags[0];
        if (tag != TEMPLATE_FCP && tag != TEMPLATE_FCI && tag != TEMPLATE_FMD) {
            throw new IllegalArgumentException(String.format("expected an FCP template (62), found tag %X", tag));
        }
        return locate(response, outer.offsets[0], outer.offsets[0] + outer.lengths[0]);
    }

    /** Finds the data objects of {@code bytes} from {@code from} to {@code to} (see {@link BerTlv#parse}). */
    private static Fcp locate(byte[] bytes, int from, int to) {
        int[][] found = BerTlv.locate(bytes, from, to);
        return new Fcp(bytes, found[0], found[1], found[2]);
    }

    /** The top-level entries, in the card's order. */
    List<Tlv> entries() {
        List<Tlv> entries = new ArrayList<>(tags.length);
        for (int i = 0; i < tags.length; i++) {
            entries.add(Tlv.of(tags[i], Arrays.copyOfRange(data, offsets[i], offsets[i] + lengths[i])));
        }
        return entries;
    }

    private int index(int tag) {
        for (int i = 0; i < tags.length; i++) {
            if (tags[i] == tag) {
                return i;
            }
        }
        return -1;
    }

    /** A copy of the value of the first entry with {@code tag}, or null. */
    byte[] value(int tag) {
        int i = index(tag);
        return i < 0 ? null : Arrays.copyOfRange(data, offsets[i], offsets[i] + lengths[i]);
    }

    /** Whether the FCP has no entries. */
    boolean isEmpty() {
        return tags.length == 0;
    }

    private int length(int tag) {
        int i = index(tag);
        return i < 0 ? -1 : lengths[i];
    }

    /** Byte {@code at} of the value of {@code tag} (which must be long enough). */
    private int at(int tag, int at) {
        return data[offsets[index(tag)] + at] & 0xFF;
    }

    /** The file descriptor byte, or -1 when the FCP has none. */
    int descriptor() {
        return length(TAG_DESCRIPTOR) > 0 ? at(TAG_DESCRIPTOR, 0) : -1;
    }

    /**
     * Whether the file is a DF: descriptor {@code 38} (or {@code 78}, shareable), as ISO 7816-4 table 12 says
     * ({@code 39} and {@code 3A} are EFs of data objects), or no descriptor but a DF name.
     */
    boolean isDirectory() {
        int fdb = descriptor();
        if (fdb < 0) {
            return index(TAG_DF_NAME) >= 0;
        }
        return isDfDescriptor(fdb);
    }

    private static boolean isDfDescriptor(int fdb) {
        return (fdb & 0xBF) == 0x38;
    }

    /** The file's kind, one of the single-kind {@link FileType} values, or null when the FCP does not tell. */
    FileType fileType() {
        int fdb = descriptor();
        if (fdb < 0) {
            return index(TAG_DF_NAME) >= 0 ? FileType.DIRECTORY_FILE : null;
        }
        if (isDfDescriptor(fdb)) {
            return FileType.DIRECTORY_FILE;
        }
        if ((fdb & 0x38) == 0x38) {
            return null; // an EF of BER-TLV or SIMPLE-TLV data objects (39, 3A), or a reserved value
        }
        return switch (fdb & 0x07) {
            case 1 -> FileType.TRANSPARENT_EF;
            case 2, 3 -> FileType.FIXED_EF;
            case 4, 5 -> FileType.VARIABLE_EF;
            case 6, 7 -> FileType.CYCLIC_EF;
            default -> null;
        };
    }

    /** Whether it is a record EF (linear fixed, linear variable or cyclic). */
    boolean isRecordFile() {
        FileType type = fileType();
        return type == FileType.FIXED_EF || type == FileType.VARIABLE_EF || type == FileType.CYCLIC_EF;
    }

    /** A big-endian number of 1 to 4 bytes in the value of {@code tag}, or -1. */
    private long number(int tag) {
        int n = length(tag);
        if (n < 1 || n > 4) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < n; i++) {
            value = (value << 8) | at(tag, i);
        }
        return value;
    }

    /** The number of data bytes (tag {@code 80}), or -1 when absent. */
    long size() {
        return number(TAG_SIZE);
    }

    /** The maximum record size from the descriptor, or -1 when the descriptor does not give it. */
    int maxRecordSize() {
        int n = length(TAG_DESCRIPTOR);
        if (n < 3) {
            return -1;
        }
        return n == 3 ? at(TAG_DESCRIPTOR, 2) : (at(TAG_DESCRIPTOR, 2) << 8) | at(TAG_DESCRIPTOR, 3);
    }

    /** The number of records from the descriptor, or -1 when the descriptor does not give it. */
    int recordCount() {
        int n = length(TAG_DESCRIPTOR);
        if (n < 5) {
            return -1;
        }
        return n == 5 ? at(TAG_DESCRIPTOR, 4) : (at(TAG_DESCRIPTOR, 4) << 8) | at(TAG_DESCRIPTOR, 5);
    }

    /** The file identifier (tag {@code 83}), or -1. */
    int fid() {
        return length(TAG_FID) == 2 ? (at(TAG_FID, 0) << 8) | at(TAG_FID, 1) : -1;
    }

    /** The DF name (tag {@code 84}), or null. */
    byte[] dfName() {
        return value(TAG_DF_NAME);
    }

    /**
     * The short EF identifier: the value of tag {@code 88} (0 when present but empty: no SFI), or, when the tag is
     * absent, bits 5 to 1 of the file identifier (ISO 7816-4); -1 when neither is known.
     */
    int sfi() {
        int n = length(TAG_SFI);
        if (n >= 0) {
            return n == 0 ? 0 : at(TAG_SFI, 0) >> 3;
        }
        int fid = fid();
        return fid < 0 ? -1 : fid & 0x1F;
    }

    /** Whether the life cycle status (tag {@code 8A}) says deactivated (operational state {@code 04}/{@code 06}). */
    boolean isDeactivated() {
        return length(TAG_LIFE_CYCLE) == 1 && (at(TAG_LIFE_CYCLE, 0) & 0xFD) == 0x04;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("FCP");
        for (int i = 0; i < tags.length; i++) {
            text.append(' ').append(String.format("%X=", tags[i]))
                    .append(HexFormat.of().formatHex(data, offsets[i], offsets[i] + lengths[i]));
        }
        return text.toString();
    }
}
