package dev.scard.simulator.internal.card;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An EF: transparent (a byte array of fixed size) or with records. Linear fixed and cyclic files always hold
 * {@link #maxRecords} records of {@link #recordLength} bytes (allocated when the file is made); a linear variable file
 * holds 0 to {@link #maxRecords} records of 1 to {@link #recordLength} bytes. Record 1 is {@code records.get(0)};
 * in a cyclic file record 1 is the most recently written one.
 */
final class ElementaryFile extends CardFile {

    final EfType type;
    /** The short EF identifier, 1 to 30, or 0 for none. */
    final int sfi;
    /** A transparent file's contents (its length is the file's size); null for record files. */
    final byte[] data;
    /** The record length (linear fixed, cyclic) or the longest record (linear variable); 0 for transparent files. */
    final int recordLength;
    /** How many records the file holds at most; 0 for transparent files. */
    final int maxRecords;
    /** The records, record 1 first; empty for transparent files. */
    final List<byte[]> records = new ArrayList<>();

    private ElementaryFile(int fid, EfType type, int sfi, byte[] data, int recordLength, int maxRecords,
            boolean activated, Map<Operation, AccessRule> rules) {
        super(fid, activated, rules);
        this.type = type;
        this.sfi = sfi;
        this.data = data;
        this.recordLength = recordLength;
        this.maxRecords = maxRecords;
    }

    /** A transparent EF holding {@code data} (not copied). */
    static ElementaryFile transparent(int fid, int sfi, byte[] data, boolean activated,
            Map<Operation, AccessRule> rules) {
        return new ElementaryFile(fid, EfType.TRANSPARENT, sfi, data, 0, 0, activated, rules);
    }

    /** A record EF; fixed and cyclic files get their records (zero-filled) through {@link #records}. */
    static ElementaryFile records(int fid, EfType type, int sfi, int recordLength, int maxRecords, boolean activated,
            Map<Operation, AccessRule> rules) {
        return new ElementaryFile(fid, type, sfi, null, recordLength, maxRecords, activated, rules);
    }

    /** Bytes of card memory the file takes: its size, or its records' room when full. */
    int capacity() {
        return type == EfType.TRANSPARENT ? data.length : recordLength * maxRecords;
    }

    /** Bytes of data the file holds now (the FCP's tag {@code 80}). */
    int dataBytes() {
        if (type == EfType.TRANSPARENT) {
            return data.length;
        }
        int sum = 0;
        for (byte[] record : records) {
            sum += record.length;
        }
        return sum;
    }

    @Override
    ElementaryFile copy(DedicatedFile newParent) {
        ElementaryFile copy = new ElementaryFile(fid, type, sfi, data == null ? null : data.clone(), recordLength,
                maxRecords, activated, rules);
        copy.parent = newParent;
        for (byte[] record : records) {
            copy.records.add(record.clone());
        }
        return copy;
    }
}
