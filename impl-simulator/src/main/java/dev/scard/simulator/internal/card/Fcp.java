package dev.scard.simulator.internal.card;

import java.io.ByteArrayOutputStream;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.scard.iso7816.BerTlv;

/**
 * File control parameters: the FCP template ({@code 62}) SELECT returns and CREATE FILE takes.
 *
 * <p><b>What SELECT returns</b> (in this order):
 * <ul>
 * <li>{@code 82} file descriptor: DF {@code 38}; transparent EF {@code 01 41}; record EFs
 * {@code <02|04|06> 41 <max record length, 2 bytes> <number of records, 1 byte>} ({@code 02} linear fixed,
 * {@code 04} linear variable, {@code 06} cyclic; data coding byte {@code 41}: WRITE BINARY ORs, 1-byte data unit).
 * The number of records is the records the file holds now (linear fixed and cyclic files always hold all of
 * them).</li>
 * <li>{@code 83} file identifier (2 bytes).</li>
 * <li>{@code 84} DF name (DFs that have one).</li>
 * <li>EFs: {@code 80} data bytes now (2 bytes: the size of a transparent file, the sum of the records' lengths) and
 * {@code 81} the file's room (2 bytes: the size, or maximum records times record length).</li>
 * <li>EFs: {@code 88} short EF identifier: {@code 88 01 <SFI << 3>}, or {@code 88 00} when the EF has none.</li>
 * <li>{@code 8A} life-cycle status: {@code 05} operational activated, {@code 04} operational deactivated.</li>
 * <li>{@code AB} security attributes in ISO/IEC 7816-4's expanded format: for each distinct condition, in the order
 * of the operations ({@link Operation}), an access mode data object {@code 80 01 <access mode byte>} with the bits
 * of every operation that has this condition, followed by the condition's security condition data object
 * ({@link AccessRule#encodeExpanded()}: {@code 90 00} always, {@code 97 00} never, {@code A4 06 83 01 XX 95 01 08}
 * PIN XX verified, {@code A4 06 83 01 XX 95 01 80} EXTERNAL AUTHENTICATE with key XX done). The access mode bits
 * (ISO/IEC 7816-4 tables 17 and 18): an EF's read is b1 (read), its update b2 and b3 (update, write: UPDATE and
 * WRITE BINARY, UPDATE and APPEND RECORD), its deactivate b4, its activate b5; a DF's delete is b1 (DELETE FILE of
 * a child), its create b2 and b3 (create EF, create DF), its deactivate b4, its activate b5. Example:
 * {@code AB 10 80 01 01 90 00 80 01 1E A4 06 83 01 01 95 01 08} (read always; update, write, deactivate, activate
 * after PIN 01). The expanded format and not the compact one ({@code 8C}): a compact security condition byte names
 * a security environment and the kind of check, not which PIN or key, so "PIN 01" and "PIN 81" could not be told
 * apart.</li>
 * </ul>
 *
 * <p><b>What CREATE FILE takes</b>: one {@code 62} template with, in any order, {@code 82} (required: DF
 * {@code 38}; EFs the descriptor byte {@code 01/02/04/06} (the shareable bit {@code 40} is ignored), optionally the
 * data coding byte (any value, ignored), and for record EFs the maximum record length (1 or 2 bytes, 1..255) and the
 * number of records (1 or 2 bytes, 1..254: the records a linear fixed or cyclic file holds, the most a linear
 * variable file may hold)), {@code 83} (required, 2 bytes, not {@code 3F00}, {@code 3FFF} or {@code FFFF}),
 * {@code 80} or {@code 81} (transparent EFs: required, 1..65535; ignored for other files), {@code 84} (DFs, 1 to
 * 16 bytes), {@code 88} (EFs: empty or one byte {@code SFI << 3}, SFI 1..30), {@code 8A} ({@code 05}/{@code 07}
 * activated, {@code 04}/{@code 06} deactivated; default activated), the access conditions either as {@code AB} (as
 * above; an access mode byte must give an operation all of its bits or none, and no bit the file kind does not
 * have) or in this card's earlier proprietary template {@code A1}: one data object per operation, its tag naming
 * the operation ({@code 80} read, {@code 81} update, {@code 82} create, {@code 83} delete, {@code 84} deactivate,
 * {@code 85} activate) and its value the condition ({@code 00} always, {@code FF} never, {@code 01 XX} PIN XX,
 * {@code 02 XX} key XX). Operations left out get the defaults of {@link CardFile#withDefaults}. Each tag at most
 * once, not both {@code A1} and {@code AB}; any other tag, or anything malformed: {@code 6A80}.
 */
final class Fcp {

    /** The data coding byte of EFs: WRITE BINARY is a logical OR, the data unit is one byte. */
    static final int DATA_CODING = 0x41;
    static final int DF_DESCRIPTOR = 0x38;
    /** Security attributes in ISO/IEC 7816-4's expanded format. */
    static final int TAG_EXPANDED = 0xAB;
    /** The access mode byte in the expanded format. */
    static final int TAG_ACCESS_MODE = 0x80;

    private Fcp() {
    }

    /** The FCP template of {@code file} as it is now. */
    static byte[] encode(CardFile file) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (file instanceof DedicatedFile df) {
            BerTlv.write(body, 0x82, new byte[] {DF_DESCRIPTOR});
            BerTlv.write(body, 0x83, u16(df.fid));
            if (df.name != null) {
                BerTlv.write(body, 0x84, df.name);
            }
        } else {
            ElementaryFile ef = (ElementaryFile) file;
            if (ef.type == EfType.TRANSPARENT) {
                BerTlv.write(body, 0x82, new byte[] {(byte) ef.type.descriptor, DATA_CODING});
            } else {
                BerTlv.write(body, 0x82, new byte[] {(byte) ef.type.descriptor, DATA_CODING,
                    (byte) (ef.recordLength >> 8), (byte) ef.recordLength, (byte) ef.records.size()});
            }
            BerTlv.write(body, 0x83, u16(ef.fid));
            BerTlv.write(body, 0x80, u16(ef.dataBytes()));
            BerTlv.write(body, 0x81, u16(ef.capacity()));
            BerTlv.write(body, 0x88, ef.sfi == 0 ? new byte[0] : new byte[] {(byte) (ef.sfi << 3)});
        }
        int lifeCycle = file.activated ? CardFile.LCS_ACTIVATED : CardFile.LCS_DEACTIVATED;
        BerTlv.write(body, 0x8A, new byte[] {(byte) lifeCycle});
        BerTlv.write(body, TAG_EXPANDED, expanded(file.rules));
        ByteArrayOutputStream fcp = new ByteArrayOutputStream();
        BerTlv.write(fcp, 0x62, body.toByteArray());
        return fcp.toByteArray();
    }

    /** The expanded security attributes: one access mode data object per distinct condition (see above). */
    private static byte[] expanded(EnumMap<Operation, AccessRule> rules) {
        Map<AccessRule, Integer> modes = new LinkedHashMap<>();
        rules.forEach((op, rule) -> modes.merge(rule, op.accessMode, (a, b) -> a | b));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        modes.forEach((rule, mode) -> {
            BerTlv.write(out, TAG_ACCESS_MODE, new byte[] {(byte) (int) mode});
            out.writeBytes(rule.encodeExpanded());
        });
        return out.toByteArray();
    }

    private static byte[] u16(int value) {
        return new byte[] {(byte) (value >> 8), (byte) value};
    }

    /**
     * A new, detached file from a CREATE FILE data field (see the class comment). Transparent files are
     * zero-filled; linear fixed and cyclic files get all their records, zero-filled.
     *
     * @throws IsoException {@code 6A80} for anything but a well-formed template of the form above
     */
    static CardFile decode(byte[] buffer, int offset, int length) throws IsoException {
        List<BerTlv.DataObject> outer = dataObjects(buffer, offset, length);
        if (outer.size() != 1 || outer.get(0).tag() != 0x62) {
            throw wrongData();
        }
        BerTlv.DataObject[] found = new BerTlv.DataObject[9]; // 80 81 82 83 84 88 8A A1 AB
        for (BerTlv.DataObject item : dataObjects(buffer, outer.get(0).offset(), outer.get(0).length())) {
            int slot = switch (item.tag()) {
                case 0x80 -> 0;
                case 0x81 -> 1;
                case 0x82 -> 2;
                case 0x83 -> 3;
                case 0x84 -> 4;
                case 0x88 -> 5;
                case 0x8A -> 6;
                case 0xA1 -> 7;
                case TAG_EXPANDED -> 8;
                default -> throw wrongData();
            };
            if (found[slot] != null) {
                throw wrongData();
            }
            found[slot] = item;
        }
        BerTlv.DataObject descriptor = found[2];
        BerTlv.DataObject fidItem = found[3];
        if (descriptor == null || descriptor.length() < 1 || fidItem == null || fidItem.length() != 2) {
            throw wrongData();
        }
        int fid = (int) BerTlv.number(buffer, fidItem.offset(), 2);
        if (fid == 0x3F00 || fid == 0x3FFF || fid == 0xFFFF) {
            throw wrongData();
        }
        boolean activated = lifeCycle(buffer, found[6]);
        int descriptorByte = buffer[descriptor.offset()] & 0xFF;
        boolean df = (descriptorByte & ~0x40) == DF_DESCRIPTOR;
        if (found[7] != null && found[8] != null) {
            throw wrongData();
        }
        EnumMap<Operation, AccessRule> rules = found[8] != null ? expandedRules(buffer, found[8], df)
                : rules(buffer, found[7], df);
        if (df) {
            if (descriptor.length() != 1 || found[5] != null) {
                throw wrongData();
            }
            byte[] name = null;
            if (found[4] != null) {
                if (found[4].length() < 1 || found[4].length() > 16) {
                    throw wrongData();
                }
                name = new byte[found[4].length()];
                System.arraycopy(buffer, found[4].offset(), name, 0, name.length);
            }
            return new DedicatedFile(fid, name, activated, rules);
        }
        EfType type = EfType.byDescriptor(descriptorByte);
        if (type == null || found[4] != null) {
            throw wrongData();
        }
        int sfi = sfi(buffer, found[5]);
        if (type == EfType.TRANSPARENT) {
            if (descriptor.length() > 2) {
                throw wrongData();
            }
            int size = size(buffer, found[0], found[1]);
            return ElementaryFile.transparent(fid, sfi, new byte[size], activated, rules);
        }
        int recordLength;
        int count;
        int at = descriptor.offset();
        switch (descriptor.length()) {
            case 4 -> {
                recordLength = buffer[at + 2] & 0xFF;
                count = buffer[at + 3] & 0xFF;
            }
            case 5 -> {
                recordLength = (int) BerTlv.number(buffer, at + 2, 2);
                count = buffer[at + 4] & 0xFF;
            }
            case 6 -> {
                recordLength = (int) BerTlv.number(buffer, at + 2, 2);
                count = (int) BerTlv.number(buffer, at + 4, 2);
            }
            default -> throw wrongData();
        }
        if (recordLength < 1 || recordLength > 255 || count < 1 || count > 254) {
            throw wrongData();
        }
        ElementaryFile ef = ElementaryFile.records(fid, type, sfi, recordLength, count, activated, rules);
        if (type != EfType.LINEAR_VARIABLE) {
            for (int i = 0; i < count; i++) {
                ef.records.add(new byte[recordLength]);
            }
        }
        return ef;
    }

    /**
     * The BER-TLV data objects in {@code length} bytes of {@code buffer} from {@code offset} (padding skipped, see
     * {@link BerTlv}).
     *
     * @throws IsoException {@code 6A80} when the encoding is broken
     */
    static List<BerTlv.DataObject> dataObjects(byte[] buffer, int offset, int length) throws IsoException {
        try {
            return BerTlv.parse(buffer, offset, length);
        } catch (IllegalArgumentException e) {
            throw wrongData();
        }
    }

    private static boolean lifeCycle(byte[] buffer, BerTlv.DataObject item) throws IsoException {
        if (item == null) {
            return true;
        }
        if (item.length() != 1) {
            throw wrongData();
        }
        return switch (buffer[item.offset()] & 0xFF) {
            case 0x05, 0x07 -> true;
            case 0x04, 0x06 -> false;
            default -> throw wrongData();
        };
    }

    private static int sfi(byte[] buffer, BerTlv.DataObject item) throws IsoException {
        if (item == null || item.length() == 0) {
            return 0;
        }
        int value = buffer[item.offset()] & 0xFF;
        int sfi = value >> 3;
        if (item.length() != 1 || (value & 0x07) != 0 || sfi < 1 || sfi > 30) {
            throw wrongData();
        }
        return sfi;
    }

    private static int size(byte[] buffer, BerTlv.DataObject tag80, BerTlv.DataObject tag81) throws IsoException {
        int size = -1;
        for (BerTlv.DataObject item : new BerTlv.DataObject[] {tag80, tag81}) {
            if (item == null) {
                continue;
            }
            if (item.length() < 1 || item.length() > 3) {
                throw wrongData();
            }
            int value = (int) BerTlv.number(buffer, item.offset(), item.length());
            if (size >= 0 && value != size) {
                throw wrongData();
            }
            size = value;
        }
        if (size < 1 || size > 65535) {
            throw wrongData();
        }
        return size;
    }

    private static EnumMap<Operation, AccessRule> rules(byte[] buffer, BerTlv.DataObject template, boolean df)
            throws IsoException {
        EnumMap<Operation, AccessRule> rules = new EnumMap<>(Operation.class);
        if (template == null) {
            return rules;
        }
        for (BerTlv.DataObject item : dataObjects(buffer, template.offset(), template.length())) {
            Operation op = Operation.byTag(item.tag());
            if (op == null || !op.appliesTo(df) || rules.containsKey(op)) {
                throw wrongData();
            }
            rules.put(op, AccessRule.decode(buffer, item.offset(), item.length()));
        }
        return rules;
    }

    private static EnumMap<Operation, AccessRule> expandedRules(byte[] buffer, BerTlv.DataObject template, boolean df)
            throws IsoException {
        EnumMap<Operation, AccessRule> rules = new EnumMap<>(Operation.class);
        List<BerTlv.DataObject> items = dataObjects(buffer, template.offset(), template.length());
        if (items.size() % 2 != 0) {
            throw wrongData();
        }
        for (int i = 0; i < items.size(); i += 2) {
            BerTlv.DataObject mode = items.get(i);
            BerTlv.DataObject condition = items.get(i + 1);
            if (mode.tag() != TAG_ACCESS_MODE || mode.length() != 1) {
                throw wrongData();
            }
            AccessRule rule = AccessRule.decodeExpanded(condition.tag(), buffer, condition.offset(),
                    condition.length());
            int bits = buffer[mode.offset()] & 0xFF;
            for (Operation op : Operation.values()) {
                if (!op.appliesTo(df) || (bits & op.accessMode) == 0) {
                    continue;
                }
                if ((bits & op.accessMode) != op.accessMode || rules.containsKey(op)) {
                    throw wrongData();
                }
                rules.put(op, rule);
                bits &= ~op.accessMode;
            }
            if (bits != 0 || buffer[mode.offset()] == 0) {
                throw wrongData(); // a bit no operation of this kind of file has, or no bit at all
            }
        }
        return rules;
    }

    private static IsoException wrongData() {
        return new IsoException(Sw.WRONG_DATA);
    }
}
