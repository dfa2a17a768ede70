package dev.scard.iso7816;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A file's control parameters (ISO/IEC 7816-4 §7.4: the FCP template {@code 62}, the FMD template {@code 64} or the
 * FCI template {@code 6F}) decoded into the facts ISO/IEC 7816-4 defines: the file descriptor ({@code 82}: DF or
 * EF, EF category and structure, maximum record size, number of records), the file identifier ({@code 83}), the
 * DF name ({@code 84}), the data and total sizes ({@code 80}, {@code 81}), the short EF identifier ({@code 88}),
 * the life cycle status ({@code 8A}) and the security attributes as far as ISO defines them (the compact format
 * {@code 8C} and the expanded format {@code AB} decoded; a reference to EF.ARR {@code 8B} given; the proprietary
 * {@code 86}/{@code A1} only named).
 *
 * <p>The top-level objects are located once (see {@link BerTlv}) and read where they lie; nothing is copied until a
 * caller asks for a value. The parsed bytes must not change afterwards.
 */
public final class Fcp {

    /** The FCP template. */
    public static final int TEMPLATE_FCP = 0x62;
    /** The FMD template. */
    public static final int TEMPLATE_FMD = 0x64;
    /** The FCI template. */
    public static final int TEMPLATE_FCI = 0x6F;
    /** Number of data bytes in the file, without structural information. */
    public static final int TAG_DATA_SIZE = 0x80;
    /** Number of data bytes in the file, including structural information. */
    public static final int TAG_TOTAL_SIZE = 0x81;
    /** File descriptor byte, data coding byte, maximum record size, number of records. */
    public static final int TAG_DESCRIPTOR = 0x82;
    /** File identifier. */
    public static final int TAG_FID = 0x83;
    /** DF name. */
    public static final int TAG_DF_NAME = 0x84;
    /** Short EF identifier. */
    public static final int TAG_SFI = 0x88;
    /** Life cycle status byte. */
    public static final int TAG_LIFE_CYCLE = 0x8A;
    /** Security attributes in proprietary format. */
    public static final int TAG_SECURITY_PROPRIETARY = 0x86;
    /** Security attributes referencing the expanded format (EF.ARR). */
    public static final int TAG_SECURITY_ARR = 0x8B;
    /** Security attributes in compact format. */
    public static final int TAG_SECURITY_COMPACT = 0x8C;
    /** Template of security attributes in proprietary format. */
    public static final int TAG_SECURITY_PROPRIETARY_TEMPLATE = 0xA1;
    /** Template of security attributes in expanded format. */
    public static final int TAG_SECURITY_EXPANDED = 0xAB;

    /** An FCP with no entries, for a file that answered SELECT without one. */
    public static final Fcp EMPTY = new Fcp(new byte[0], List.of());

    private static final HexFormat SPACED = HexFormat.ofDelimiter(" ").withUpperCase();

    /** What the file descriptor byte says the file is (ISO/IEC 7816-4 table 12). */
    public enum Category {
        /** A DF: descriptor {@code 38}, {@code 78} when shareable (or no descriptor but a DF name). */
        DF,
        /** A working EF: b6-b4 = 000. */
        WORKING_EF,
        /** An internal EF: b6-b4 = 001. */
        INTERNAL_EF,
        /** An EF of a proprietary category: b6-b4 = 010 to 110. */
        PROPRIETARY_EF,
        /** An EF of BER-TLV ({@code 39}) or SIMPLE-TLV ({@code 3A}) data objects. */
        DATA_OBJECT_EF,
        /** A proprietary descriptor: b8 set. */
        PROPRIETARY,
        /** A value ISO/IEC 7816-4 reserves (b6-b4 = 111 with b3-b1 other than 000, 001, 010). */
        RESERVED,
        /** No descriptor (and no DF name). */
        UNKNOWN
    }

    /** An EF's structure (b3-b1 of the descriptor; data object EFs by their descriptor). */
    public enum Structure {
        /** Transparent. */
        TRANSPARENT("transparent"),
        /** Linear fixed. */
        LINEAR_FIXED("linear fixed"),
        /** Linear fixed, SIMPLE-TLV. */
        LINEAR_FIXED_SIMPLE_TLV("linear fixed, SIMPLE-TLV"),
        /** Linear variable. */
        LINEAR_VARIABLE("linear variable"),
        /** Linear variable, SIMPLE-TLV. */
        LINEAR_VARIABLE_SIMPLE_TLV("linear variable, SIMPLE-TLV"),
        /** Cyclic. */
        CYCLIC("cyclic"),
        /** Cyclic, SIMPLE-TLV. */
        CYCLIC_SIMPLE_TLV("cyclic, SIMPLE-TLV"),
        /** BER-TLV data objects. */
        BER_TLV_DATA_OBJECTS("BER-TLV data objects"),
        /** SIMPLE-TLV data objects. */
        SIMPLE_TLV_DATA_OBJECTS("SIMPLE-TLV data objects");

        private final String words;

        Structure(String words) {
            this.words = words;
        }

        /** The structure in words: {@code linear fixed}. */
        public String words() {
            return words;
        }

        /** Whether the file holds records (linear fixed, linear variable or cyclic). */
        public boolean isRecord() {
            return ordinal() >= LINEAR_FIXED.ordinal() && ordinal() <= CYCLIC_SIMPLE_TLV.ordinal();
        }

        /** Whether the records have variable lengths (linear variable). */
        public boolean isVariable() {
            return this == LINEAR_VARIABLE || this == LINEAR_VARIABLE_SIMPLE_TLV;
        }
    }

    private final byte[] data;
    private final List<BerTlv.DataObject> objects;

    private Fcp(byte[] data, List<BerTlv.DataObject> objects) {
        this.data = data;
        this.objects = objects;
    }

    /**
     * Parses the data of a SELECT response: one FCP, FMD or FCI template, or nothing.
     *
     * @param length how many bytes of {@code response} are data (the status word follows them)
     * @throws IllegalArgumentException when the data is not one such template or its encoding is broken
     */
    public static Fcp parse(byte[] response, int length) {
        if (length == 0) {
            return EMPTY;
        }
        List<BerTlv.DataObject> outer = BerTlv.parse(response, 0, length);
        if (outer.size() != 1) {
            throw new IllegalArgumentException("expected one FCP template, found " + outer.size() + " objects");
        }
        BerTlv.DataObject template = outer.get(0);
        int tag = template.tag();
        if (tag != TEMPLATE_FCP && tag != TEMPLATE_FCI && tag != TEMPLATE_FMD) {
            throw new IllegalArgumentException(String.format("expected an FCP template (62), found tag %X", tag));
        }
        return new Fcp(response, BerTlv.parse(response, template.offset(), template.length()));
    }

    /** {@link #parse(byte[], int)} of the whole array. */
    public static Fcp parse(byte[] response) {
        return parse(response, response.length);
    }

    /**
     * The FCP made of the data objects in {@code bytes} (the content of a template, e.g. the entries a caller
     * passes one by one).
     *
     * @throws IllegalArgumentException when the encoding is broken
     */
    public static Fcp ofObjects(byte[] bytes) {
        return new Fcp(bytes, BerTlv.parse(bytes));
    }

    /** The number of top-level entries. */
    public int count() {
        return objects.size();
    }

    /** Whether the FCP has no entries. */
    public boolean isEmpty() {
        return objects.isEmpty();
    }

    /** The tag of entry {@code index}, in the card's order. */
    public int tagAt(int index) {
        return objects.get(index).tag();
    }

    /** A copy of the value of entry {@code index}. */
    public byte[] valueAt(int index) {
        return objects.get(index).value(data);
    }

    private BerTlv.DataObject find(int tag) {
        for (BerTlv.DataObject object : objects) {
            if (object.tag() == tag) {
                return object;
            }
        }
        return null;
    }

    /** A copy of the value of the first entry with {@code tag}, or null. */
    public byte[] value(int tag) {
        BerTlv.DataObject object = find(tag);
        return object == null ? null : object.value(data);
    }

    private int length(int tag) {
        BerTlv.DataObject object = find(tag);
        return object == null ? -1 : object.length();
    }

    /** Byte {@code at} of the value of {@code tag}, which must be long enough. */
    private int at(int tag, int at) {
        return data[find(tag).offset() + at] & 0xFF;
    }

    /** The file descriptor byte, or -1 when the FCP has none. */
    public int descriptor() {
        return length(TAG_DESCRIPTOR) > 0 ? at(TAG_DESCRIPTOR, 0) : -1;
    }

    /**
     * What the file is, from the descriptor byte (ISO/IEC 7816-4 table 12): b8 = 0, b7 shareable, b6-b4 = 111 and
     * b3-b1 = 000 is a DF ({@code 38}, {@code 78}); with b6-b4 = 111, b3-b1 = 001 and 010 are EFs of BER-TLV and
     * SIMPLE-TLV data objects, the other values are reserved (a test of b6-b4 alone is wrong). Without a
     * descriptor, a DF name ({@code 84}, which only DFs have) says DF.
     */
    public Category category() {
        int fdb = descriptor();
        if (fdb < 0) {
            return length(TAG_DF_NAME) >= 0 ? Category.DF : Category.UNKNOWN;
        }
        if ((fdb & 0x80) != 0) {
            return Category.PROPRIETARY;
        }
        if ((fdb & 0x38) == 0x38) {
            return switch (fdb & 0x07) {
                case 0 -> Category.DF;
                case 1, 2 -> Category.DATA_OBJECT_EF;
                default -> Category.RESERVED;
            };
        }
        return switch ((fdb >> 3) & 0x07) {
            case 0 -> Category.WORKING_EF;
            case 1 -> Category.INTERNAL_EF;
            default -> Category.PROPRIETARY_EF;
        };
    }

    /** Whether the file is a DF. */
    public boolean isDf() {
        return category() == Category.DF;
    }

    /** The EF's structure, or null for a DF, a proprietary or reserved descriptor, or none given. */
    public Structure structure() {
        Category category = category();
        if (category == Category.DATA_OBJECT_EF) {
            return (descriptor() & 0x07) == 1 ? Structure.BER_TLV_DATA_OBJECTS : Structure.SIMPLE_TLV_DATA_OBJECTS;
        }
        if (category != Category.WORKING_EF && category != Category.INTERNAL_EF
                && category != Category.PROPRIETARY_EF) {
            return null;
        }
        int bits = descriptor() & 0x07;
        return bits == 0 ? null : Structure.values()[bits - 1];
    }

    /** Whether the file is a record EF (linear fixed, linear variable or cyclic). */
    public boolean isRecordFile() {
        Structure structure = structure();
        return structure != null && structure.isRecord();
    }

    /** The maximum record size from the descriptor (byte 3, or bytes 3-4), or -1 when it does not give it. */
    public int maxRecordSize() {
        int n = length(TAG_DESCRIPTOR);
        if (n < 3) {
            return -1;
        }
        return n == 3 ? at(TAG_DESCRIPTOR, 2) : (at(TAG_DESCRIPTOR, 2) << 8) | at(TAG_DESCRIPTOR, 3);
    }

    /** The number of records from the descriptor (byte 5, or bytes 5-6), or -1 when it does not give it. */
    public int recordCount() {
        int n = length(TAG_DESCRIPTOR);
        if (n < 5) {
            return -1;
        }
        return n == 5 ? at(TAG_DESCRIPTOR, 4) : (at(TAG_DESCRIPTOR, 4) << 8) | at(TAG_DESCRIPTOR, 5);
    }

    private long number(int tag) {
        BerTlv.DataObject object = find(tag);
        return object == null ? -1 : object.number(data);
    }

    /** The number of data bytes ({@code 80}, 1 to 4 bytes), or -1. */
    public long size() {
        return number(TAG_DATA_SIZE);
    }

    /** The total size ({@code 81}, 1 to 4 bytes), or -1. */
    public long totalSize() {
        return number(TAG_TOTAL_SIZE);
    }

    /** The file identifier ({@code 83}, two bytes), or -1. */
    public int fid() {
        return length(TAG_FID) == 2 ? (at(TAG_FID, 0) << 8) | at(TAG_FID, 1) : -1;
    }

    /** A copy of the DF name ({@code 84}), or null. */
    public byte[] dfName() {
        return value(TAG_DF_NAME);
    }

    /**
     * The short EF identifier as ISO/IEC 7816-4 codes it: {@code 88} with one byte holds it in bits 8-4 (bits 3-1
     * zero); an empty {@code 88} says the EF has none (0); without {@code 88}, bits 5-1 of an EF's file identifier
     * are its SFI. 0 when the file has none, -1 when the FCP does not say or codes it otherwise (bits 3-1 set, other
     * lengths).
     */
    public int sfi() {
        int n = length(TAG_SFI);
        if (n == 0) {
            return 0;
        }
        if (n == 1) {
            int b = at(TAG_SFI, 0);
            return (b & 0x07) == 0 ? b >> 3 : -1;
        }
        if (n > 1) {
            return -1;
        }
        int fid = fid();
        return fid < 0 || isDf() ? -1 : fid & 0x1F;
    }

    /** The life cycle status byte ({@code 8A}), or -1. */
    public int lifeCycle() {
        return length(TAG_LIFE_CYCLE) > 0 ? at(TAG_LIFE_CYCLE, 0) : -1;
    }

    /** Whether the life cycle status says operational, deactivated ({@code 04} or {@code 06}). */
    public boolean isDeactivated() {
        int lcs = lifeCycle();
        return lcs >= 0 && (lcs & 0xFD) == 0x04;
    }

    /** A life cycle status byte in words (ISO/IEC 7816-4 table 15), with the byte: {@code creation (01)}. */
    public static String lifeCycleWords(int lcs) {
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

    // ----------------------------------------------------------------------------------- security attributes

    private static final String[] EF_COMMANDS = {"READ", "UPDATE", "WRITE", "DEACTIVATE", "ACTIVATE", "TERMINATE",
        "DELETE"};
    private static final String[] DF_COMMANDS = {"DELETE (child)", "CREATE EF", "CREATE DF", "DEACTIVATE",
        "ACTIVATE", "TERMINATE", "DELETE (self)"};

    /**
     * The security attributes in words, one line per format present, as far as ISO/IEC 7816-4 defines them: the
     * compact format ({@code 8C}: access mode byte and security condition bytes) and the expanded format
     * ({@code AB}: access mode data objects, each followed by its security condition data objects) per command; a
     * reference to EF.ARR ({@code 8B}) with its bytes; the proprietary ones ({@code 86}, {@code A1}) only named.
     * Empty when the FCP has none.
     *
     * <p>Commands are named as the access mode byte names them for the file's kind ({@code READ}, {@code UPDATE},
     * {@code WRITE}, {@code DEACTIVATE}, {@code ACTIVATE}, {@code TERMINATE}, {@code DELETE} for EFs;
     * {@code DELETE (child)}, {@code CREATE EF}, {@code CREATE DF}, ... for DFs) or by the command header an access
     * mode data object {@code 81}..{@code 8F} gives ({@code INS B0}). Conditions of the expanded format:
     * {@code always} ({@code 90}), {@code never} ({@code 97}), a security condition byte ({@code 9E}, as in the
     * compact format), an authentication template ({@code A4}) by its usage qualifier and reference
     * ({@code PIN 01}, {@code external authentication key 01}, {@code biometric 02}), a secure messaging template
     * ({@code B4}, {@code B6}, {@code B8}) as {@code secure messaging}, and the templates {@code A0} (one of),
     * {@code AF} (all of) and {@code A7} (not); several conditions after one access mode are alternatives
     * ({@code or}). Example: {@code AB 10 80 01 01 90 00 80 01 1E A4 06 83 01 01 95 01 08} on an EF reads
     * {@code READ always, UPDATE PIN 01, WRITE PIN 01, DEACTIVATE PIN 01, ACTIVATE PIN 01}.
     */
    public List<String> accessConditions() {
        List<String> lines = new ArrayList<>();
        byte[] compact = value(TAG_SECURITY_COMPACT);
        if (compact != null) {
            lines.add(compact(compact));
        }
        byte[] arr = value(TAG_SECURITY_ARR);
        if (arr != null) {
            lines.add("rules in EF.ARR (8B " + SPACED.formatHex(arr) + ")");
        }
        BerTlv.DataObject expanded = find(TAG_SECURITY_EXPANDED);
        if (expanded != null) {
            lines.add(expanded(expanded));
        }
        if (find(TAG_SECURITY_PROPRIETARY) != null) {
            lines.add("proprietary format (86), see the raw entries");
        }
        if (find(TAG_SECURITY_PROPRIETARY_TEMPLATE) != null) {
            lines.add("proprietary template (A1), see the raw entries");
        }
        return lines;
    }

    private String compact(byte[] v) {
        if (v.length == 0) {
            return "compact format (8C) without access mode";
        }
        int am = v[0] & 0xFF;
        if ((am & 0x80) != 0) {
            return "compact format (8C " + SPACED.formatHex(v) + "), proprietary access mode byte";
        }
        String[] names = commandNames();
        List<String> rules = new ArrayList<>();
        int sc = 1;
        for (int bit = 6; bit >= 0; bit--) {
            if ((am & (1 << bit)) == 0) {
                continue;
            }
            String condition = sc < v.length ? conditionWords(v[sc] & 0xFF) : "?";
            sc++;
            rules.add(names[bit] + " " + condition);
        }
        if (rules.isEmpty()) {
            return "compact format (8C), no command named";
        }
        return String.join(", ", rules);
    }

    private String[] commandNames() {
        return isDf() ? DF_COMMANDS : EF_COMMANDS;
    }

    /** How deep the condition templates of the expanded format are opened (each level a template in a template). */
    private static final int MAX_CONDITION_DEPTH = 4;

    private String expanded(BerTlv.DataObject template) {
        List<BerTlv.DataObject> items;
        try {
            items = BerTlv.parse(data, template.offset(), template.length());
        } catch (IllegalArgumentException e) {
            return "expanded format (AB), broken encoding, see the raw entries";
        }
        List<String> rules = new ArrayList<>();
        List<String> commands = null;
        List<String> conditions = new ArrayList<>();
        for (BerTlv.DataObject item : items) {
            int tag = item.tag();
            if (tag >= 0x80 && tag <= 0x8F) {
                addRules(rules, commands, conditions);
                commands = accessMode(item);
                conditions = new ArrayList<>();
            } else if (commands == null) {
                return "expanded format (AB), a condition before any access mode, see the raw entries";
            } else {
                conditions.add(condition(item, 0));
            }
        }
        addRules(rules, commands, conditions);
        return rules.isEmpty() ? "expanded format (AB), no command named" : String.join(", ", rules);
    }

    private static void addRules(List<String> rules, List<String> commands, List<String> conditions) {
        if (commands == null) {
            return;
        }
        String condition = conditions.isEmpty() ? "?" : String.join(" or ", conditions);
        for (String command : commands) {
            rules.add(command + " " + condition);
        }
    }

    /** The commands an access mode data object names: by the access mode byte ({@code 80}) or a command header. */
    private List<String> accessMode(BerTlv.DataObject item) {
        byte[] v = item.value(data);
        List<String> commands = new ArrayList<>();
        if (item.tag() == 0x80) {
            if (v.length != 1 || (v[0] & 0x80) != 0) {
                commands.add("access mode " + (v.length == 0 ? "(empty)" : SPACED.formatHex(v)));
                return commands;
            }
            for (int bit = 0; bit <= 6; bit++) {
                if ((v[0] & (1 << bit)) != 0) {
                    commands.add(commandNames()[bit]);
                }
            }
            return commands;
        }
        // 81..8F: bits 4-1 of the tag say which of CLA, INS, P1, P2 the value holds, in this order
        String[] fields = {"CLA", "INS", "P1", "P2"};
        List<String> header = new ArrayList<>();
        int at = 0;
        for (int i = 0; i < 4; i++) {
            if ((item.tag() & (0x08 >> i)) != 0) {
                header.add(fields[i] + " " + (at < v.length ? String.format(Locale.ROOT, "%02X", v[at]) : "?"));
                at++;
            }
        }
        commands.add(at == v.length ? String.join(" ", header) : "command " + SPACED.formatHex(v));
        return commands;
    }

    /** A security condition data object of the expanded format in words (see {@link #accessConditions()}). */
    private String condition(BerTlv.DataObject item, int depth) {
        byte[] v = item.value(data);
        switch (item.tag()) {
            case 0x90:
                return v.length == 0 ? "always" : "always (90 " + SPACED.formatHex(v) + ")";
            case 0x97:
                return v.length == 0 ? "never" : "never (97 " + SPACED.formatHex(v) + ")";
            case 0x9E:
                return v.length == 1 ? conditionWords(v[0] & 0xFF) : "condition (9E " + SPACED.formatHex(v) + ")";
            case 0xA4:
                return authentication(item);
            case 0xB4, 0xB6, 0xB8:
                return "secure messaging";
            case 0xA0, 0xAF, 0xA7:
                if (depth >= MAX_CONDITION_DEPTH) {
                    return "?";
                }
                List<String> inner = new ArrayList<>();
                try {
                    for (BerTlv.DataObject child : BerTlv.parse(data, item.offset(), item.length())) {
                        inner.add(condition(child, depth + 1));
                    }
                } catch (IllegalArgumentException e) {
                    return "?";
                }
                if (item.tag() == 0xA7) {
                    return "not (" + String.join(" or ", inner) + ")";
                }
                return "(" + String.join(item.tag() == 0xA0 ? " or " : " and ", inner) + ")";
            default:
                return String.format(Locale.ROOT, "condition %X", item.tag());
        }
    }

    /** An authentication template ({@code A4}): what its usage qualifier ({@code 95}) asks, with its reference. */
    private String authentication(BerTlv.DataObject template) {
        List<BerTlv.DataObject> inner;
        try {
            inner = BerTlv.parse(data, template.offset(), template.length());
        } catch (IllegalArgumentException e) {
            return "authentication (A4), broken encoding";
        }
        String reference = "";
        int qualifier = -1;
        for (BerTlv.DataObject object : inner) {
            byte[] v = object.value(data);
            if ((object.tag() == 0x83 || object.tag() == 0x84) && v.length > 0) {
                reference = " " + HexFormat.of().withUpperCase().formatHex(v);
            } else if (object.tag() == 0x95 && v.length == 1) {
                qualifier = v[0] & 0xFF;
            }
        }
        List<String> kinds = new ArrayList<>();
        if (qualifier >= 0 && (qualifier & 0x08) != 0) {
            kinds.add("PIN");
        }
        if (qualifier >= 0 && (qualifier & 0x04) != 0) {
            kinds.add("biometric");
        }
        if (qualifier >= 0 && (qualifier & 0x80) != 0) {
            kinds.add("external authentication key");
        }
        if (qualifier >= 0 && (qualifier & 0x40) != 0) {
            kinds.add("internal authentication key");
        }
        return (kinds.isEmpty() ? "authentication" : String.join(" or ", kinds)) + reference;
    }

    /** A security condition byte of the compact format in words: {@code always}, {@code PIN (SE 1)}, ... */
    public static String conditionWords(int sc) {
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

    /** What an FCP tag is (ISO/IEC 7816-4 table 12), or empty for one it does not define. */
    public static String tagName(int tag) {
        return switch (tag) {
            case 0x80 -> "data size";
            case 0x81 -> "total size";
            case 0x82 -> "file descriptor";
            case 0x83 -> "file identifier";
            case 0x84 -> "DF name";
            case 0x85 -> "proprietary";
            case 0x86 -> "security attributes (proprietary)";
            case 0x87 -> "FCI extension EF";
            case 0x88 -> "short EF identifier";
            case 0x8A -> "life cycle status";
            case 0x8B -> "security attributes (EF.ARR reference)";
            case 0x8C -> "security attributes (compact)";
            case 0x8D -> "security environment EF";
            case 0x8E -> "channel security";
            case 0xA0 -> "security attributes for data objects";
            case 0xA1 -> "security attributes (proprietary template)";
            case 0xA2 -> "data object pairs";
            case 0xA5 -> "proprietary information";
            case 0xAB -> "security attributes (expanded)";
            case 0xAC -> "cryptographic mechanisms";
            default -> "";
        };
    }

    /** {@code FCP 82=01 83=2F01}: the entries in hex. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("FCP");
        for (BerTlv.DataObject object : objects) {
            text.append(' ').append(String.format("%X=", object.tag()))
                    .append(HexFormat.of().formatHex(Arrays.copyOfRange(data, object.offset(),
                            object.offset() + object.length())));
        }
        return text.toString();
    }
}
