package dev.scard.shell;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import dev.scard.api.Tlv;
import dev.scard.iso7816.BerTlv;

/**
 * A file's control parameters as {@link dev.scard.api.ISCardFileAccess#getProperties} returns them, put into words
 * for {@code scard:ls} and {@code scard:info}. The facts (type, structure, sizes, records, FID, SFI, DF name, life
 * cycle, security attributes) come from {@link dev.scard.iso7816.Fcp}; this class only words and lays them out, and
 * lists every entry raw, constructed ones opened. The shell knows no card's proprietary formats: security attributes
 * in ISO/IEC 7816-4's compact ({@code 8C}) and expanded ({@code AB}) formats are put into words, a proprietary
 * security template ({@code A1}, {@code 86}) is shown as its raw bytes.
 */
final class Fcp {

    private static final HexFormat SPACED = HexFormat.ofDelimiter(" ").withUpperCase();
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    /** A decoded BER-TLV: tag, value, and the children of a constructed one. */
    record Entry(int tag, byte[] value, List<Entry> children) {
    }

    /**
     * How deep constructed objects are opened: an FCP has a template or two in a template, and a card's (or an
     * attacker's) thousands of nested templates would overflow the stack. Deeper ones are shown as raw bytes.
     */
    static final int MAX_DEPTH = 8;

    private final dev.scard.iso7816.Fcp facts;
    private final List<Entry> entries;

    private Fcp(dev.scard.iso7816.Fcp facts, List<Entry> entries) {
        this.facts = facts;
        this.entries = entries;
    }

    /**
     * The FCP of a file from its property entries. Entries the file does not have ({@link Tlv#valid()} false) are
     * left out; a single {@code 62} (or {@code 6F} FCI) template is opened.
     */
    static Fcp of(List<Tlv> properties) {
        List<Tlv> valid = properties.stream().filter(Tlv::valid).toList();
        byte[] bytes;
        if (valid.size() == 1 && (valid.get(0).tag() == 0x62 || valid.get(0).tag() == 0x6F)) {
            bytes = valid.get(0).value();
        } else {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            valid.forEach(tlv -> BerTlv.write(out, tlv.tag(), tlv.value()));
            bytes = out.toByteArray();
        }
        List<Entry> list = parse(bytes, 0);
        if (list == null) {
            return new Fcp(dev.scard.iso7816.Fcp.EMPTY, List.of()); // a template whose content is broken
        }
        return new Fcp(dev.scard.iso7816.Fcp.ofObjects(bytes), list);
    }

    /** The top-level entries, in the order the card gave them. */
    List<Entry> entries() {
        return entries;
    }

    /** The value of the first top-level entry with this tag, or null. */
    byte[] value(int tag) {
        return facts.value(tag);
    }

    /** The file descriptor byte, or -1 when there is none. */
    int descriptor() {
        return facts.descriptor();
    }

    /** Whether the file is a DF. */
    boolean isDf() {
        return facts.isDf();
    }

    /** Whether the file is a record file (linear fixed, linear variable or cyclic). */
    boolean isRecordFile() {
        return facts.isRecordFile();
    }

    /** Whether the FCP does not tell the file's structure: no file descriptor, and not a DF (no DF name). */
    boolean structureUnknown() {
        return facts.descriptor() < 0 && !facts.isDf();
    }

    /** Whether the file is a transparent EF. */
    boolean isTransparent() {
        return facts.structure() == dev.scard.iso7816.Fcp.Structure.TRANSPARENT;
    }

    /** {@code DF}, {@code wEF} (working EF), {@code iEF} (internal EF), {@code EF}, or {@code ?}. */
    String kind() {
        return switch (facts.category()) {
            case DF -> "DF";
            case WORKING_EF -> "wEF";
            case INTERNAL_EF -> "iEF";
            case PROPRIETARY_EF, DATA_OBJECT_EF -> "EF";
            default -> "?";
        };
    }

    /** The kind in words: {@code working EF}, {@code DF (dedicated file)}, ... */
    String kindWords() {
        int fdb = facts.descriptor();
        return switch (facts.category()) {
            case UNKNOWN -> "unknown (no file descriptor)";
            case DF -> "DF (dedicated file)";
            case PROPRIETARY -> String.format(Locale.ROOT, "proprietary (file descriptor %02X)", fdb);
            case DATA_OBJECT_EF -> "data object EF";
            case RESERVED -> String.format(Locale.ROOT, "reserved (file descriptor %02X)", fdb);
            case WORKING_EF -> "working EF";
            case INTERNAL_EF -> "internal EF";
            case PROPRIETARY_EF -> String.format(Locale.ROOT, "proprietary EF (file descriptor %02X)", fdb);
        };
    }

    /** The EF structure: {@code transparent}, {@code linear fixed}, ...; empty for a DF or an unknown one. */
    String structure() {
        dev.scard.iso7816.Fcp.Structure structure = facts.structure();
        return structure == null ? "" : structure.words();
    }

    private boolean variableRecords() {
        dev.scard.iso7816.Fcp.Structure structure = facts.structure();
        return structure != null && structure.isVariable();
    }

    /** The maximum record size from the descriptor, or -1. */
    int maxRecordSize() {
        return facts.maxRecordSize();
    }

    /** The number of records from the descriptor, or -1. */
    int recordCount() {
        return facts.recordCount();
    }

    /** The data size ({@code 80}), or -1. */
    long size() {
        return facts.size();
    }

    /** The total size ({@code 81}), or -1. */
    long totalSize() {
        return facts.totalSize();
    }

    /** The file identifier ({@code 83}) in hex, or null. */
    String fid() {
        byte[] v = facts.value(dev.scard.iso7816.Fcp.TAG_FID);
        return v == null ? null : HEX.formatHex(v);
    }

    /** The DF name ({@code 84}) in hex, or null. */
    String dfName() {
        byte[] v = facts.dfName();
        return v == null ? null : HEX.formatHex(v);
    }

    /** The short EF identifier, 0 when the file has none, -1 when the FCP does not say (see the ISO decoder). */
    int sfi() {
        return facts.sfi();
    }

    /** The life cycle status byte ({@code 8A}), or -1. */
    int lifeCycle() {
        return facts.lifeCycle();
    }

    /** Whether the life cycle says deactivated (operational state, deactivated). */
    boolean deactivated() {
        return facts.isDeactivated();
    }

    /** The life cycle status in words (ISO 7816-4). */
    static String lifeCycleWords(int lcs) {
        return dev.scard.iso7816.Fcp.lifeCycleWords(lcs);
    }

    /** The size as {@code scard:ls} shows it: bytes, else records times their size, else {@code -}. */
    String sizeText() {
        long size = size();
        if (size >= 0) {
            return String.valueOf(size);
        }
        if (isRecordFile() && recordCount() >= 0 && maxRecordSize() >= 0 && !variableRecords()) {
            return String.valueOf((long) recordCount() * maxRecordSize());
        }
        long total = totalSize();
        return total >= 0 ? String.valueOf(total) : "-";
    }

    /**
     * The records of a record file in words: {@code 5 records of 16 bytes}, for linear variable files
     * {@code 2 records (max 32 bytes)}; empty when the descriptor does not say.
     */
    String recordsText() {
        if (!isRecordFile()) {
            return "";
        }
        int count = recordCount();
        int max = maxRecordSize();
        StringBuilder out = new StringBuilder();
        if (count >= 0) {
            out.append(count).append(count == 1 ? " record" : " records");
        }
        if (max >= 0) {
            if (variableRecords()) {
                out.append(out.length() == 0 ? "" : " ").append("(max ").append(max).append(" bytes)");
            } else {
                out.append(out.length() == 0 ? "records" : "").append(" of ").append(max).append(" bytes");
            }
        }
        return out.toString();
    }

    /** The structure column of {@code scard:ls}: structure and records, DF name, deactivated. */
    String lsDescription() {
        List<String> parts = new ArrayList<>();
        if (isDf()) {
            if (dfName() != null) {
                parts.add("name " + dfName());
            }
        } else {
            String structure = structure();
            String records = recordsText();
            if (!structure.isEmpty()) {
                parts.add(records.isEmpty() ? structure : structure + ", " + records);
            }
        }
        if (deactivated()) {
            parts.add("deactivated");
        }
        return String.join(", ", parts);
    }

    /** The access conditions in words, as far as ISO 7816-4 defines them (see the ISO decoder). */
    List<String> accessConditions() {
        return facts.accessConditions();
    }

    /**
     * One line per entry, children indented: {@code 82 01 01  file descriptor}. Top-level entries are named by
     * their FCP tag; nested objects are not named (their tags mean something else there).
     */
    List<String> rawLines() {
        List<String> lines = new ArrayList<>();
        raw(entries, "  ", lines, true);
        return lines;
    }

    private static void raw(List<Entry> list, String indent, List<String> lines, boolean topLevel) {
        for (Entry e : list) {
            String head = String.format(Locale.ROOT, "%X %02X", e.tag(), e.value().length);
            String name = topLevel ? dev.scard.iso7816.Fcp.tagName(e.tag()) : "";
            if (!e.children().isEmpty()) {
                lines.add((indent + head + (name.isEmpty() ? "" : "  " + name)).stripTrailing());
                raw(e.children(), indent + "  ", lines, false);
            } else {
                String value = e.value().length == 0 ? "" : " " + SPACED.formatHex(e.value());
                lines.add((indent + head + value + (name.isEmpty() ? "" : "  " + name)).stripTrailing());
            }
        }
    }

    /** The objects in the bytes at this depth, constructed ones opened; null (raw) when malformed or too deep. */
    private static List<Entry> parse(byte[] bytes, int depth) {
        if (depth >= MAX_DEPTH) {
            return null;
        }
        List<BerTlv.DataObject> objects;
        try {
            objects = BerTlv.parse(bytes);
        } catch (IllegalArgumentException e) {
            return null;
        }
        List<Entry> list = new ArrayList<>(objects.size());
        for (BerTlv.DataObject object : objects) {
            byte[] value = object.value(bytes);
            List<Entry> children = object.constructed() ? parse(value, depth + 1) : List.of();
            list.add(new Entry(object.tag(), value, children == null ? List.of() : children));
        }
        return list;
    }
}
