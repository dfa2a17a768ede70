package dev.scard.shell;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

import dev.scard.api.Tlv;

/**
 * A file's control parameters (ISO/IEC 7816-4 FCP, the entries of template {@code 62}) as
 * {@link dev.scard.api.ISCardFileAccess#getProperties} returns them, decoded for {@code scard:ls} and
 * {@code scard:info}: file descriptor ({@code 82}), identifier ({@code 83}), sizes ({@code 80}, {@code 81}),
 * DF name ({@code 84}), short identifier ({@code 88}), life cycle ({@code 8A}) and compact security attributes
 * ({@code 8C}; and the SCard simulator's proprietary {@code A1}). What it cannot decode it still lists, as raw
 * TLVs.
 */
final class Fcp {

    private static final HexFormat SPACED = HexFormat.ofDelimiter(" ").withUpperCase();

    /** A decoded BER-TLV: tag, value, and the children of a constructed one. */
    record Entry(int tag, byte[] value, List<Entry> children) {
    }

    private final List<Entry> entries;

    private Fcp(List<Entry> entries) {
        this.entries = entries;
    }

    /**
     * The FCP of a file from its property entries. Entries the file does not have ({@link Tlv#valid()} false) are
     * left out; a single {@code 62} (or {@code 6F} FCI) template is opened.
     */
    static Fcp of(List<Tlv> properties) {
        List<Entry> list = new ArrayList<>();
        for (Tlv tlv : properties) {
            if (tlv.valid()) {
                list.add(entry(tlv.tag(), tlv.value(), 0));
            }
        }
        if (list.size() == 1 && (list.get(0).tag() == 0x62 || list.get(0).tag() == 0x6F)) {
            list = list.get(0).children();
        }
        return new Fcp(list);
    }

    /** The top-level entries, in the order the card gave them. */
    List<Entry> entries() {
        return entries;
    }

    /** The value of the first top-level entry with this tag, or null. */
    byte[] value(int tag) {
        for (Entry e : entries) {
            if (e.tag() == tag) {
                return e.value();
            }
        }
        return null;
    }

    /** The file descriptor byte, or -1 when there is none. */
    int descriptor() {
        byte[] v = value(0x82);
        return v == null || v.length == 0 ? -1 : v[0] & 0xFF;
    }

    /**
     * Whether the descriptor says DF. ISO/IEC 7816-4 (table 12, file descriptor byte): b8 = 0, b7 = shareable,
     * b6-b4 = 111 and b3-b1 = 000 is a DF: {@code 38}, or {@code 78} when shareable. With b6-b4 = 111, b3-b1 = 001
     * ({@code 39}) and 010 ({@code 3A}) are EFs of BER-TLV and SIMPLE-TLV data objects, not DFs, and the other
     * values are reserved: a test of b6-b4 alone ({@code (fdb & 0x38) == 0x38}) is wrong.
     */
    boolean isDf() {
        int fdb = descriptor();
        return fdb >= 0 && (fdb & 0xBF) == 0x38;
    }

    /** Whether the descriptor says EF of TLV data objects: {@code 39}/{@code 79} BER-TLV, {@code 3A}/{@code 7A}. */
    private boolean isDataObjectEf() {
        int fdb = descriptor();
        return fdb >= 0 && ((fdb & 0xBF) == 0x39 || (fdb & 0xBF) == 0x3A);
    }

    /** The structure bits (b3-b1) of an EF's descriptor, or -1. */
    private int structureBits() {
        int fdb = descriptor();
        if (fdb < 0 || (fdb & 0x80) != 0 || (fdb & 0x38) == 0x38) {
            return -1; // no descriptor, proprietary, DF, data object EF or reserved
        }
        return fdb & 0x07;
    }

    /** Whether the file is a record file (linear fixed, linear variable or cyclic). */
    boolean isRecordFile() {
        int s = structureBits();
        return s >= 2;
    }

    /** Whether the file is a transparent EF (or says nothing of its structure). */
    boolean isTransparent() {
        return structureBits() == 1;
    }

    /** {@code DF}, {@code wEF} (working EF), {@code iEF} (internal EF), {@code EF}, or {@code ?}. */
    String kind() {
        int fdb = descriptor();
        if (fdb < 0) {
            return "?";
        }
        if (isDf()) {
            return "DF";
        }
        if ((fdb & 0x80) != 0 || (fdb & 0x38) == 0x38 && !isDataObjectEf()) {
            return "?"; // proprietary or reserved
        }
        switch ((fdb >> 3) & 0x07) {
            case 0:
                return "wEF";
            case 1:
                return "iEF";
            default:
                return "EF";
        }
    }

    /** The kind in words: {@code working EF}, {@code DF}, ... */
    String kindWords() {
        int fdb = descriptor();
        if (fdb < 0) {
            return "unknown (no file descriptor)";
        }
        if (isDf()) {
            return "DF (dedicated file)";
        }
        if ((fdb & 0x80) != 0) {
            return String.format(Locale.ROOT, "proprietary (file descriptor %02X)", fdb);
        }
        if (isDataObjectEf()) {
            return "data object EF";
        }
        if ((fdb & 0x38) == 0x38) {
            return String.format(Locale.ROOT, "reserved (file descriptor %02X)", fdb);
        }
        switch ((fdb >> 3) & 0x07) {
            case 0:
                return "working EF";
            case 1:
                return "internal EF";
            default:
                return String.format(Locale.ROOT, "proprietary EF (file descriptor %02X)", fdb);
        }
    }

    /** The EF structure: {@code transparent}, {@code linear fixed}, ...; empty for a DF or an unknown one. */
    String structure() {
        int fdb = descriptor();
        if (isDataObjectEf()) {
            return (fdb & 0x07) == 1 ? "BER-TLV data objects" : "SIMPLE-TLV data objects";
        }
        switch (structureBits()) {
            case 1:
                return "transparent";
            case 2:
                return "linear fixed";
            case 3:
                return "linear fixed, SIMPLE-TLV";
            case 4:
                return "linear variable";
            case 5:
                return "linear variable, SIMPLE-TLV";
            case 6:
                return "cyclic";
            case 7:
                return "cyclic, SIMPLE-TLV";
            default:
                return "";
        }
    }

    /** The maximum record size from the descriptor (bytes 3-4), or -1. */
    int maxRecordSize() {
        byte[] v = value(0x82);
        if (v == null || v.length < 3) {
            return -1;
        }
        return v.length == 3 ? v[2] & 0xFF : (v[2] & 0xFF) << 8 | v[3] & 0xFF;
    }

    /** The number of records from the descriptor (byte 5, or bytes 5-6), or -1. */
    int recordCount() {
        byte[] v = value(0x82);
        if (v == null || v.length < 5) {
            return -1;
        }
        return v.length == 5 ? v[4] & 0xFF : (v[4] & 0xFF) << 8 | v[5] & 0xFF;
    }

    /** The data size ({@code 80}), or -1. */
    long size() {
        return unsigned(value(0x80));
    }

    /** The total size ({@code 81}), or -1. */
    long totalSize() {
        return unsigned(value(0x81));
    }

    /** The file identifier ({@code 83}) in hex, or null. */
    String fid() {
        byte[] v = value(0x83);
        return v == null ? null : HexFormat.of().withUpperCase().formatHex(v);
    }

    /** The DF name ({@code 84}) in hex, or null. */
    String dfName() {
        byte[] v = value(0x84);
        return v == null ? null : HexFormat.of().withUpperCase().formatHex(v);
    }

    /**
     * The short EF identifier: {@code 88} holds it in bits 8-4 (ISO 7816-4); a value with any of bits 3-1 set is
     * read as the identifier itself, as some cards write it. -1 when there is no {@code 88} or it is empty (no
     * SFI).
     */
    int sfi() {
        byte[] v = value(0x88);
        if (v == null || v.length == 0) {
            return -1;
        }
        int b = v[0] & 0xFF;
        return (b & 0x07) == 0 ? b >> 3 : b;
    }

    /** The life cycle status byte ({@code 8A}), or -1. */
    int lifeCycle() {
        byte[] v = value(0x8A);
        return v == null || v.length == 0 ? -1 : v[0] & 0xFF;
    }

    /** Whether the life cycle says deactivated (operational state, deactivated). */
    boolean deactivated() {
        int lcs = lifeCycle();
        return lcs >= 0 && (lcs & 0xFD) == 0x04;
    }

    /** The life cycle status in words (ISO 7816-4 table 13). */
    static String lifeCycleWords(int lcs) {
        String words;
        if (lcs == 0x00) {
            words = "no information given";
        } else if (lcs == 0x01) {
            words = "creation";
        } else if (lcs == 0x03) {
            words = "initialisation";
        } else if ((lcs & 0xFD) == 0x05) {
            words = "operational, activated";
        } else if ((lcs & 0xFD) == 0x04) {
            words = "operational, deactivated";
        } else if ((lcs & 0xFC) == 0x0C) {
            words = "termination";
        } else if (lcs >= 0x10) {
            words = "proprietary";
        } else {
            words = "reserved";
        }
        return words + String.format(Locale.ROOT, " (%02X)", lcs);
    }

    /** The size as {@code scard:ls} shows it: bytes, else records times their size, else {@code -}. */
    String sizeText() {
        long size = size();
        if (size >= 0) {
            return String.valueOf(size);
        }
        if (isRecordFile() && recordCount() >= 0 && maxRecordSize() >= 0 && structureBits() != 4
                && structureBits() != 5) {
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
        boolean variable = structureBits() == 4 || structureBits() == 5;
        StringBuilder out = new StringBuilder();
        if (count >= 0) {
            out.append(count).append(count == 1 ? " record" : " records");
        }
        if (max >= 0) {
            if (variable) {
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

    // ----------------------------------------------------------------------------------- security attributes

    private static final String[] EF_COMMANDS = {"READ", "UPDATE", "WRITE", "DEACTIVATE", "ACTIVATE", "TERMINATE",
        "DELETE"};
    private static final String[] DF_COMMANDS = {"DELETE (child)", "CREATE EF", "CREATE DF", "DEACTIVATE",
        "ACTIVATE", "TERMINATE", "DELETE (self)"};

    /**
     * The access conditions in words, as far as the FCP lets them be decoded: the compact format ({@code 8C}:
     * access mode byte and security condition bytes) is decoded per command; a reference to EF.ARR
     * ({@code 8B}) is named; the proprietary template {@code A1} is decoded when it has the SCard simulator's form
     * ({@link #simulatorRules}); expanded ({@code AB}) and other proprietary ({@code 86}, {@code A1}) attributes
     * are only named, their bytes are in the raw list.
     */
    List<String> accessConditions() {
        List<String> lines = new ArrayList<>();
        byte[] compact = value(0x8C);
        if (compact != null) {
            lines.add(compact(compact));
        }
        byte[] arr = value(0x8B);
        if (arr != null) {
            lines.add("rules in EF.ARR (8B " + SPACED.formatHex(arr) + ")");
        }
        if (value(0xAB) != null) {
            lines.add("expanded format (AB), see the raw entries");
        }
        if (value(0x86) != null) {
            lines.add("proprietary format (86), see the raw entries");
        }
        byte[] template = value(0xA1);
        if (template != null) {
            String simulator = simulatorRules(template);
            lines.add(simulator != null ? simulator : "proprietary template (A1), see the raw entries");
        }
        return lines;
    }

    private static final String[] SIMULATOR_OPERATIONS = {"READ", "UPDATE", "CREATE", "DELETE", "DEACTIVATE",
        "ACTIVATE"};

    /**
     * The proprietary template {@code A1} as the SCard simulator writes it (one object per operation, tags
     * {@code 80} read to {@code 85} activate; values {@code 00} always, {@code FF} never, {@code 01 XX} PIN XX,
     * {@code 02 XX} external authentication with key XX), in words; null when the template is not of that form,
     * as a real card's is not.
     */
    static String simulatorRules(byte[] template) {
        List<Entry> rules = parse(template);
        if (rules == null || rules.isEmpty()) {
            return null;
        }
        List<String> words = new ArrayList<>();
        for (Entry rule : rules) {
            byte[] v = rule.value();
            if (rule.tag() < 0x80 || rule.tag() > 0x85) {
                return null;
            }
            String condition;
            if (v.length == 1 && v[0] == 0x00) {
                condition = "always";
            } else if (v.length == 1 && v[0] == (byte) 0xFF) {
                condition = "never";
            } else if (v.length == 2 && v[0] == 0x01) {
                condition = String.format(Locale.ROOT, "PIN %02X", v[1] & 0xFF);
            } else if (v.length == 2 && v[0] == 0x02) {
                condition = String.format(Locale.ROOT, "external authentication with key %02X", v[1] & 0xFF);
            } else {
                return null;
            }
            words.add(SIMULATOR_OPERATIONS[rule.tag() - 0x80] + " " + condition);
        }
        return String.join(", ", words);
    }

    private String compact(byte[] v) {
        if (v.length == 0) {
            return "compact format (8C) without access mode";
        }
        int am = v[0] & 0xFF;
        if ((am & 0x80) != 0) {
            return "compact format (8C " + SPACED.formatHex(v) + "), proprietary access mode byte";
        }
        String[] names = isDf() ? DF_COMMANDS : EF_COMMANDS;
        List<String> rules = new ArrayList<>();
        int sc = 1;
        for (int bit = 6; bit >= 0; bit--) {
            if ((am & (1 << bit)) == 0) {
                continue;
            }
            String condition = sc < v.length ? condition(v[sc] & 0xFF) : "?";
            sc++;
            rules.add(names[bit] + " " + condition);
        }
        if (rules.isEmpty()) {
            return "compact format (8C), no command named";
        }
        return String.join(", ", rules);
    }

    /** A security condition byte of the compact format in words. */
    static String condition(int sc) {
        if (sc == 0x00) {
            return "always";
        }
        if (sc == 0xFF) {
            return "never";
        }
        List<String> needs = new ArrayList<>();
        if ((sc & 0x40) != 0) {
            needs.add("secure messaging");
        }
        if ((sc & 0x20) != 0) {
            needs.add("external authentication");
        }
        if ((sc & 0x10) != 0) {
            needs.add("PIN");
        }
        String what = needs.isEmpty() ? "condition" : String.join((sc & 0x80) != 0 ? " and " : " or ", needs);
        int se = sc & 0x0F;
        return what + (se == 0 ? "" : " (SE " + se + ")");
    }

    // ------------------------------------------------------------------------------------------ raw entries

    /** What an FCP tag is (ISO 7816-4 table 12), or empty for one it does not define. */
    static String tagName(int tag) {
        switch (tag) {
            case 0x80:
                return "data size";
            case 0x81:
                return "total size";
            case 0x82:
                return "file descriptor";
            case 0x83:
                return "file identifier";
            case 0x84:
                return "DF name";
            case 0x85:
                return "proprietary";
            case 0x86:
                return "security attributes (proprietary)";
            case 0x87:
                return "FCI extension EF";
            case 0x88:
                return "short EF identifier";
            case 0x8A:
                return "life cycle status";
            case 0x8B:
                return "security attributes (EF.ARR reference)";
            case 0x8C:
                return "security attributes (compact)";
            case 0x8D:
                return "security environment EF";
            case 0x8E:
                return "channel security";
            case 0xA0:
                return "security attributes for data objects";
            case 0xA1:
                return "security attributes (proprietary template)";
            case 0xA2:
                return "data object pairs";
            case 0xA5:
                return "proprietary information";
            case 0xAB:
                return "security attributes (expanded)";
            case 0xAC:
                return "cryptographic mechanisms";
            default:
                return "";
        }
    }

    /**
     * One line per entry, children indented: {@code 82 01 01  file descriptor}. Top-level entries are named by
     * their FCP tag; the objects inside {@code A1} by operation when it has the SCard simulator's form; other
     * nested objects are not named (their tags mean something else there).
     */
    List<String> rawLines() {
        List<String> lines = new ArrayList<>();
        raw(entries, "  ", lines, Fcp::tagName);
        return lines;
    }

    private static void raw(List<Entry> list, String indent, List<String> lines,
            IntFunction<String> names) {
        for (Entry e : list) {
            String head = String.format(Locale.ROOT, "%X %02X", e.tag(), e.value().length);
            String name = names.apply(e.tag());
            if (!e.children().isEmpty()) {
                lines.add((indent + head + (name.isEmpty() ? "" : "  " + name)).stripTrailing());
                boolean simulator = e.tag() == 0xA1 && simulatorRules(e.value()) != null;
                raw(e.children(), indent + "  ", lines, simulator
                        ? tag -> SIMULATOR_OPERATIONS[tag - 0x80].toLowerCase(Locale.ROOT)
                        : tag -> "");
            } else {
                String value = e.value().length == 0 ? "" : " " + SPACED.formatHex(e.value());
                lines.add((indent + head + value + (name.isEmpty() ? "" : "  " + name)).stripTrailing());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ BER-TLV

    /**
     * How deep constructed objects are opened: an FCP has a template or two in a template, and a card's (or an
     * attacker's) thousands of nested templates would overflow the stack. Deeper ones are shown as raw bytes.
     */
    static final int MAX_DEPTH = 8;

    /** An object at this depth (0 for a top-level one): a constructed one is opened unless it is too deep. */
    private static Entry entry(int tag, byte[] value, int depth) {
        List<Entry> children = (firstByte(tag) & 0x20) != 0 ? parse(value, depth + 1) : List.of();
        return new Entry(tag, value, children == null ? List.of() : children);
    }

    /** The BER-TLV objects in the bytes, or null when they are not well formed (the bytes stay raw then). */
    static List<Entry> parse(byte[] bytes) {
        return parse(bytes, 0);
    }

    /** {@link #parse(byte[])} of the value of an object at depth - 1: null (raw) from {@link #MAX_DEPTH} on. */
    private static List<Entry> parse(byte[] bytes, int depth) {
        if (depth >= MAX_DEPTH) {
            return null;
        }
        List<Entry> list = new ArrayList<>();
        int i = 0;
        while (i < bytes.length) {
            int b = bytes[i] & 0xFF;
            if (b == 0x00 || b == 0xFF) {
                i++; // padding between objects
                continue;
            }
            int tag = b;
            i++;
            if ((b & 0x1F) == 0x1F) {
                do {
                    if (i >= bytes.length || tag > 0xFFFF) {
                        return null;
                    }
                    b = bytes[i++] & 0xFF;
                    tag = tag << 8 | b;
                } while ((b & 0x80) != 0);
            }
            if (i >= bytes.length) {
                return null;
            }
            int length = bytes[i++] & 0xFF;
            if (length > 0x80) {
                int n = length - 0x80;
                if (n > 3 || i + n > bytes.length) {
                    return null;
                }
                length = 0;
                for (int k = 0; k < n; k++) {
                    length = length << 8 | bytes[i++] & 0xFF;
                }
            } else if (length == 0x80) {
                return null;
            }
            if (i + length > bytes.length) {
                return null;
            }
            byte[] value = Arrays.copyOfRange(bytes, i, i + length);
            i += length;
            list.add(entry(tag, value, depth));
        }
        return list;
    }

    /** The first byte of a tag of one to three bytes. */
    private static int firstByte(int tag) {
        if (tag > 0xFFFF) {
            return tag >> 16;
        }
        return tag > 0xFF ? tag >> 8 : tag;
    }

    private static long unsigned(byte[] v) {
        if (v == null || v.length == 0 || v.length > 7) {
            return -1;
        }
        long n = 0;
        for (byte b : v) {
            n = n << 8 | b & 0xFF;
        }
        return n;
    }
}
