package dev.scard.simulator.internal.card;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.scard.api.Protocol;
import dev.scard.iso7816.BerTlv;
import dev.scard.iso7816.CommandPattern;
import dev.scard.iso7816.HexDigits;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;

/**
 * Reads a card profile (the format is described in {@code impl-simulator/PROFILES.md} and on {@link CardProfile})
 * with Jackson's streaming parser into a small tree ({@link Node}) and checks every field, naming the JSON path of
 * the first problem. Values from the document are never repeated in messages.
 *
 * <p>Only jackson-core is used: building a databind {@code JsonMapper} and its tree cost a noticeable part of the
 * distribution's start-up (the sample card is read when it is inserted), and databind's two jars more.
 *
 * <p><b>Secrets</b> (PIN, PUK and key values) never become a {@code String} here: string values are kept as
 * {@code char[]} taken with {@link JsonParser#getTextCharacters()}, PIN, PUK and key values are decoded from them
 * straight into {@code byte[]}, and every {@code char[]} of the tree is cleared once the profile is read (also
 * when it is refused). What this class cannot clear: the text it is given ({@link #parse(char[], int)} callers
 * clear their array; a profile given as a {@code String} stays one), and Jackson's own text buffer, into which
 * jackson-core copies a value that has escape sequences (a value without escapes is handed out of the input array
 * itself) and which it recycles for later parsers rather than clearing.
 */
final class ProfileParser {

    /** The default ATR: the simulator's own ({@code 3B 88 01 "SCARDSIM" 99}). */
    static final byte[] DEFAULT_ATR = HexFormat.of().parseHex("3B8801534341524453494D99");
    static final int DEFAULT_MEMORY = 131072;
    static final int MAX_MEMORY = 16 * 1024 * 1024;

    /** Strict JSON plus comments; a field given twice is a syntax error. Trailing content is checked in read. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final Set<String> TOP_FIELDS = Set.of("name", "description", "comment", "atr", "protocol",
            "memory", "aid", "access", "pins", "keys", "files", "responseDelayMillis", "quirks", "secretCommands");
    private static final Set<String> QUIRK_FIELDS = Set.of("comment", "listFiles", "emptyVerify",
            "triesInStatusWord", "strictT0", "extendedLength", "deleteCurrentFile", "createRecordFiles", "selectAnswer",
            "pinsAfterReset");
    private static final Set<String> DF_FIELDS = Set.of("fid", "type", "comment", "state", "access", "aid", "pins",
            "keys", "files");
    private static final Set<String> TRANSPARENT_FIELDS = Set.of("fid", "type", "comment", "state", "access", "sfi",
            "size", "content", "fill");
    private static final Set<String> FIXED_FIELDS = Set.of("fid", "type", "comment", "state", "access", "sfi",
            "recordLength", "maxRecords", "records", "fill");
    private static final Set<String> VARIABLE_FIELDS = Set.of("fid", "type", "comment", "state", "access", "sfi",
            "recordLength", "maxRecords", "records");
    private static final Set<String> PIN_FIELDS = Set.of("ref", "comment", "value", "tries", "triesLeft", "puk",
            "pukTries", "pukTriesLeft");
    private static final Set<String> KEY_FIELDS = Set.of("ref", "comment", "algorithm", "value");
    private static final String FILE_TYPES = "df, transparent, linear-fixed, linear-variable, cyclic";

    private final String source;
    /** The characters of every string value read, cleared once the profile is read. */
    private final List<char[]> texts = new ArrayList<>();
    /** DF names in use (hex) and the path of the DF that has each. */
    private final Map<String, String> dfNames = new HashMap<>();
    private int files;

    ProfileParser(String source) {
        this.source = source;
    }

    /** Reads a profile from JSON text. */
    CardProfile parse(String json) {
        if (json == null) {
            throw error("", "no profile text given");
        }
        try {
            return parse(read(() -> JSON.createParser(json)));
        } finally {
            clearTexts();
        }
    }

    /**
     * Reads a profile from the first {@code length} characters of {@code json}; the caller clears the array.
     */
    CardProfile parse(char[] json, int length) {
        try {
            return parse(read(() -> JSON.createParser(json, 0, length)));
        } finally {
            clearTexts();
        }
    }

    private void clearTexts() {
        for (char[] text : texts) {
            Arrays.fill(text, '\0');
        }
        texts.clear();
    }

    private CardProfile parse(Node root) {
        requireObject(root, "", TOP_FIELDS);
        String name = root.has("name") ? text(root.get("name"), "name") : source;
        if (name.isBlank()) {
            throw error("name", "must not be blank");
        }
        byte[] atr = DEFAULT_ATR;
        if (root.has("atr")) {
            atr = bytes(root.get("atr"), "atr", 2, 33);
            if (atr[0] != 0x3B && atr[0] != 0x3F) {
                throw error("atr", "must start with 3B or 3F (the TS byte)");
            }
        }
        Protocol protocol = Protocol.T1;
        if (root.has("protocol")) {
            String text = text(root.get("protocol"), "protocol").replace("=", "").trim().toUpperCase(Locale.ROOT);
            protocol = switch (text) {
                case "T0" -> Protocol.T0;
                case "T1" -> Protocol.T1;
                default -> throw error("protocol", "must be \"T=0\" or \"T=1\"");
            };
        }
        int memory = root.has("memory") ? integer(root.get("memory"), "memory", 1, MAX_MEMORY) : DEFAULT_MEMORY;
        files = 1;
        byte[] aid = root.has("aid") ? aid(root.get("aid"), "aid", "3F00") : null;
        DedicatedFile mf = new DedicatedFile(0x3F00, aid, true, Map.of());
        fillDf(mf, root, "");
        int used = IsoCard.memoryOf(mf);
        if (used > memory) {
            throw error(root.has("memory") ? "memory" : "files", "the files need " + used + " bytes, more than the "
                    + "card's memory of " + memory + " bytes" + (root.has("memory") ? "" : " (the default; set "
                            + "\"memory\")"));
        }
        long responseDelayMillis = root.has("responseDelayMillis")
                ? integer(root.get("responseDelayMillis"), "responseDelayMillis", 0, Integer.MAX_VALUE) : 0;
        Quirks quirks = root.has("quirks") ? quirks(root.get("quirks"), protocol) : Quirks.NONE;
        List<CommandPattern> secretCommands = root.has("secretCommands")
                ? secretCommands(root.get("secretCommands")) : List.of();
        return new CardProfile(source, name, atr, protocol, memory, mf, responseDelayMillis, quirks, secretCommands);
    }

    /**
     * The {@code secretCommands} array: the commands whose data the card trace withholds beyond the built-in rule,
     * each a {@link CommandPattern}; a bad one fails the profile naming its index and what is wrong.
     */
    private List<CommandPattern> secretCommands(Node node) {
        Node patterns = array(node, "secretCommands");
        List<CommandPattern> list = new ArrayList<>();
        for (int i = 0; i < patterns.size(); i++) {
            String path = "secretCommands[" + i + "]";
            try {
                list.add(CommandPattern.parse(text(patterns.get(i), path)));
            } catch (IllegalArgumentException e) {
                throw error(path, "not a command pattern: " + e.getMessage());
            }
        }
        return List.copyOf(list);
    }

    /** The {@code quirks} object: the field behaviours the card shows (see {@link Quirks}). */
    private Quirks quirks(Node node, Protocol protocol) {
        requireObject(node, "quirks", QUIRK_FIELDS);
        Quirks iso = Quirks.NONE;
        boolean strictT0 = flag(node, "strictT0", iso.strictT0());
        if (strictT0 && protocol != Protocol.T0) {
            throw error("quirks.strictT0", "needs \"protocol\": \"T=0\" (the card's only protocol)");
        }
        if (strictT0 && node.has("extendedLength") && flag(node, "extendedLength", false)) {
            throw error("quirks.extendedLength", "a strict T=0 card takes no extended APDUs (T=0 cannot carry them);"
                    + " leave it out or set false");
        }
        return new Quirks(flag(node, "listFiles", iso.listFiles()),
                choice(node, "emptyVerify", Quirks.EmptyVerify.class, iso.emptyVerify()),
                flag(node, "triesInStatusWord", iso.triesInStatusWord()), strictT0,
                !strictT0 && flag(node, "extendedLength", iso.extendedLength()),
                flag(node, "deleteCurrentFile", iso.deleteCurrentFile()),
                flag(node, "createRecordFiles", iso.createRecordFiles()),
                choice(node, "selectAnswer", Quirks.SelectAnswer.class, iso.selectAnswer()),
                choice(node, "pinsAfterReset", Quirks.PinsAfterReset.class, iso.pinsAfterReset()));
    }

    /** A quirk that is on or off: JSON {@code true} or {@code false}. */
    private boolean flag(Node quirks, String field, boolean absent) {
        if (!quirks.has(field)) {
            return absent;
        }
        Node value = quirks.get(field);
        if (value instanceof Node.LiteralNode literal && literal.token() == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (value instanceof Node.LiteralNode literal && literal.token() == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw error("quirks." + field, "must be true or false (JSON, without quotes)");
    }

    /** A quirk with named values: one of the enum's names in lower case. */
    private <E extends Enum<E>> E choice(Node quirks, String field, Class<E> type, E absent) {
        if (!quirks.has(field)) {
            return absent;
        }
        List<String> names = new ArrayList<>();
        for (E value : type.getEnumConstants()) {
            names.add("\"" + Quirks.jsonName(value) + "\"");
        }
        String expected = "must be one of " + String.join(", ", names);
        Node value = quirks.get(field);
        if (!value.isTextual()) {
            throw error("quirks." + field, expected);
        }
        E chosen = Quirks.byJsonName(type, value.asText().trim().toLowerCase(Locale.ROOT));
        if (chosen == null) {
            throw error("quirks." + field, expected);
        }
        return chosen;
    }

    /** Opens a Jackson parser on the profile's text. */
    private interface Source {
        JsonParser open() throws IOException;
    }

    private Node read(Source json) {
        try (JsonParser parser = json.open()) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw error("", "the document is empty; a profile is a JSON object");
            }
            Node root = Node.read(parser, first, texts);
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw new JsonParseException(parser, "Trailing token (of type " + trailing + ") found after the "
                        + "value: a profile is one JSON object", parser.currentTokenLocation());
            }
            return root;
        } catch (JacksonException e) {
            JsonLocation location = e.getLocation();
            String where = location == null ? "" : " at line " + location.getLineNr() + ", column "
                    + location.getColumnNr();
            String reason = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines().findFirst().orElse("");
            // Token text could be part of a PIN: quoted parts are left out, and so is the character code Jackson
            // adds ("(code 49)", "(CTRL-CHAR, code 9)"), which names the offending character just as well.
            reason = reason.replaceAll("'[^']*'", "'...'").replaceAll("\"[^\"]*\"", "\"...\"");
            reason = withoutCharacterCodes(reason);
            throw error("", "not valid JSON" + where + (reason.isEmpty() ? "" : ": " + reason));
        } catch (IOException e) {
            // Not from a String: every problem the parser finds is a JacksonException.
            throw new UncheckedIOException(e);
        }
    }

    /** A Jackson message without its character codes: {@code "(code 49)"}, {@code "(CTRL-CHAR, code 9)"}. */
    static String withoutCharacterCodes(String reason) {
        return reason.replaceAll("\\s*\\((?:[^()]*,\\s*)?code\\s*(?:0x)?[0-9A-Fa-f]+\\)", "")
                .replaceAll("(?i)\\bcode\\s*(?:0x)?[0-9A-Fa-f]+", "code ...");
    }

    // ------------------------------------------------------------------ the tree

    /** Reads a DF's pins, keys, access conditions and files (in that order, whatever the order in the JSON). */
    private void fillDf(DedicatedFile df, Node node, String path) {
        boolean isMf = df.parent == null;
        if (node.has("pins")) {
            Node pins = array(node.get("pins"), at(path, "pins"));
            for (int i = 0; i < pins.size(); i++) {
                Pin pin = pin(pins.get(i), at(path, "pins") + "[" + i + "]", df, isMf);
                if (df.pins.containsKey(pin.ref)) {
                    throw error(at(path, "pins") + "[" + i + "].ref", "PIN " + hex2(pin.ref) + " is defined twice");
                }
                df.addPin(pin);
            }
        }
        if (node.has("keys")) {
            Node keys = array(node.get("keys"), at(path, "keys"));
            for (int i = 0; i < keys.size(); i++) {
                CardKey key = key(keys.get(i), at(path, "keys") + "[" + i + "]", df, isMf);
                if (df.keys.containsKey(key.ref)) {
                    throw error(at(path, "keys") + "[" + i + "].ref", "key " + hex2(key.ref) + " is defined twice");
                }
                df.addKey(key);
            }
        }
        df.rules.clear();
        df.rules.putAll(CardFile.withDefaults(true, access(node, path, true, df)));
        if (node.has("files")) {
            Node children = array(node.get("files"), at(path, "files"));
            for (int i = 0; i < children.size(); i++) {
                String childPath = at(path, "files") + "[" + i + "]";
                CardFile child = file(children.get(i), childPath, df);
                if (++files > IsoCard.MAX_FILES) {
                    throw error(childPath, "more than " + IsoCard.MAX_FILES + " files (the MF counts too)");
                }
                df.add(child);
                if (child instanceof DedicatedFile sub) {
                    fillDf(sub, children.get(i), childPath);
                }
            }
        }
    }

    /** A file entry; a DF comes back empty (its PINs, keys, conditions and files are read by the caller). */
    private CardFile file(Node node, String path, DedicatedFile parent) {
        if (!node.isObject()) {
            throw error(path, "must be a JSON object describing a file");
        }
        if (!node.has("type")) {
            throw error(at(path, "type"), "missing; one of " + FILE_TYPES);
        }
        String type = text(node.get("type"), at(path, "type")).trim().toLowerCase(Locale.ROOT);
        EfType efType = EfType.byJsonName(type);
        if (efType == null && !type.equals("df")) {
            throw error(at(path, "type"), "must be one of " + FILE_TYPES);
        }
        Set<String> allowed = efType == null ? DF_FIELDS : switch (efType) {
            case TRANSPARENT -> TRANSPARENT_FIELDS;
            case LINEAR_VARIABLE -> VARIABLE_FIELDS;
            default -> FIXED_FIELDS;
        };
        requireObject(node, path, allowed);
        if (!node.has("fid")) {
            throw error(at(path, "fid"), "missing; the file identifier, 4 hex digits such as \"5015\"");
        }
        int fid = hexNumber(node.get("fid"), at(path, "fid"), 4, "4 hex digits such as \"5015\"");
        if (fid == 0x3F00 || fid == 0x3FFF || fid == 0xFFFF) {
            throw error(at(path, "fid"), "3F00, 3FFF and FFFF are reserved");
        }
        if (fid == parent.fid || (parent.parent != null && parent.parent.fid == fid)) {
            throw error(at(path, "fid"), "must differ from the identifiers of the DF it is in and that DF's parent");
        }
        if (parent.child(fid) != null) {
            throw error(at(path, "fid"), String.format("%04X", fid) + " is already used in " + parent.path());
        }
        boolean activated = true;
        if (node.has("state")) {
            String state = text(node.get("state"), at(path, "state")).trim().toLowerCase(Locale.ROOT);
            switch (state) {
                case "activated" -> activated = true;
                case "deactivated" -> activated = false;
                default -> throw error(at(path, "state"), "must be \"activated\" or \"deactivated\"");
            }
        }
        if (efType == null) {
            byte[] aid = node.has("aid") ? aid(node.get("aid"), at(path, "aid"), parent.path() + "/"
                    + String.format("%04X", fid)) : null;
            return new DedicatedFile(fid, aid, activated, Map.of());
        }
        int sfi = 0;
        if (node.has("sfi")) {
            sfi = hexNumber(node.get("sfi"), at(path, "sfi"), 2, "2 hex digits 01..1E");
            if (sfi < 1 || sfi > 30) {
                throw error(at(path, "sfi"), "must be 01..1E (hex)");
            }
            if (parent.childBySfi(sfi) != null) {
                throw error(at(path, "sfi"), "SFI " + hex2(sfi) + " is already used in " + parent.path());
            }
        }
        // The conditions find their PINs from the file's DF: the parent, which is complete by now.
        Map<Operation, AccessRule> rules = access(node, path, false, parent);
        if (efType == EfType.TRANSPARENT) {
            return ElementaryFile.transparent(fid, sfi, transparentData(node, path), activated, rules);
        }
        int recordLength = required(node, path, "recordLength", 1, 255);
        int maxRecords = required(node, path, "maxRecords", 1, 254);
        ElementaryFile ef = ElementaryFile.records(fid, efType, sfi, recordLength, maxRecords, activated, rules);
        boolean full = efType != EfType.LINEAR_VARIABLE;
        byte fill = full && node.has("fill") ? fillByte(node.get("fill"), at(path, "fill"), false) : 0;
        if (node.has("records")) {
            Node records = array(node.get("records"), at(path, "records"));
            if (records.size() > maxRecords) {
                throw error(at(path, "records"), records.size() + " records, more than maxRecords (" + maxRecords
                        + ")");
            }
            for (int i = 0; i < records.size(); i++) {
                byte[] record = bytes(records.get(i), at(path, "records") + "[" + i + "]", 1, recordLength);
                ef.records.add(full ? padded(record, recordLength, fill) : record);
            }
        }
        while (full && ef.records.size() < maxRecords) {
            ef.records.add(padded(new byte[0], recordLength, fill));
        }
        return ef;
    }

    private byte[] transparentData(Node node, String path) {
        byte[] content = node.has("content") ? bytes(node.get("content"), at(path, "content"), 1, 65535) : null;
        int size;
        if (node.has("size")) {
            size = integer(node.get("size"), at(path, "size"), 1, 65535);
            if (content != null && content.length > size) {
                throw error(at(path, "content"), content.length + " bytes, more than the file's size (" + size + ")");
            }
        } else if (content != null) {
            size = content.length;
        } else {
            throw error(at(path, "size"), "missing; a transparent file needs a size (1..65535) or a content");
        }
        boolean counter = false;
        byte fill = 0;
        if (node.has("fill")) {
            Node fillNode = node.get("fill");
            if (fillNode.isTextual() && fillNode.asText().trim().equalsIgnoreCase("counter")) {
                counter = true;
            } else {
                fill = fillByte(fillNode, at(path, "fill"), true);
            }
        }
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = content != null && i < content.length ? content[i] : counter ? (byte) i : fill;
        }
        return data;
    }

    private byte fillByte(Node node, String path, boolean counterAllowed) {
        String expected = counterAllowed ? "one hex byte such as \"FF\", or \"counter\" (byte i is i mod 256)"
                : "one hex byte such as \"FF\"";
        if (!node.isTextual()) {
            throw error(path, "must be " + expected);
        }
        byte[] bytes = hex(node.chars(), path);
        if (bytes.length != 1) {
            throw error(path, "must be " + expected);
        }
        return bytes[0];
    }

    private static byte[] padded(byte[] record, int length, byte fill) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = i < record.length ? record[i] : fill;
        }
        return out;
    }

    private byte[] aid(Node node, String path, String dfPath) {
        byte[] aid = bytes(node, path, 1, 16);
        String key = HexFormat.of().formatHex(aid);
        String other = dfNames.putIfAbsent(key, dfPath);
        if (other != null) {
            throw error(path, "this DF name is already the name of " + other);
        }
        return aid;
    }

    // ------------------------------------------------------------------ access conditions, PINs, keys

    /**
     * The {@code access} object of a file, its conditions checked against the PINs and keys seen from {@code scope}.
     */
    private Map<Operation, AccessRule> access(Node node, String path, boolean df, DedicatedFile scope) {
        Map<Operation, AccessRule> rules = new EnumMap<>(Operation.class);
        if (!node.has("access")) {
            return rules;
        }
        String accessPath = at(path, "access");
        Node access = node.get("access");
        if (!access.isObject()) {
            throw error(accessPath, "must be a JSON object such as {\"read\": \"always\", \"update\": \"pin:01\"}");
        }
        String names = df ? "create, delete, deactivate, activate" : "read, update, deactivate, activate";
        for (Map.Entry<String, Node> entry : access.fields().entrySet()) {
            String opPath = at(accessPath, entry.getKey());
            if (entry.getKey().equals("comment")) {
                text(entry.getValue(), opPath);
                continue;
            }
            Operation op = Operation.byJsonName(entry.getKey());
            if (op == null || !op.appliesTo(df)) {
                throw error(opPath, "unknown operation for " + (df ? "a DF" : "an EF") + "; expected " + names);
            }
            AccessRule rule = AccessRule.parse(text(entry.getValue(), opPath));
            if (rule == null) {
                throw error(opPath, "must be \"always\", \"never\", \"pin:XX\" or \"auth:XX\" (XX a reference, "
                        + "2 hex digits, 01..1F global or 81..9F local)");
            }
            if (rule.kind() == AccessRule.Kind.PIN && scope.findPin(rule.ref()) == null) {
                throw error(opPath, "there is no PIN " + hex2(rule.ref()) + " for this file (global PINs are in "
                        + "the MF, local ones in this file's DF or above)");
            }
            if (rule.kind() == AccessRule.Kind.AUTH && scope.findKey(rule.ref()) == null) {
                throw error(opPath, "there is no key " + hex2(rule.ref()) + " for this file (global keys are in "
                        + "the MF, local ones in this file's DF or above)");
            }
            rules.put(op, rule);
        }
        return rules;
    }

    private Pin pin(Node node, String path, DedicatedFile owner, boolean global) {
        requireObject(node, path, PIN_FIELDS);
        int ref = reference(node, path, global, "PIN");
        if (!node.has("value")) {
            throw error(at(path, "value"), "missing; the PIN, such as {\"text\": \"1234\"}");
        }
        byte[] value = bytes(node.get("value"), at(path, "value"), 1, 64, true);
        byte[] puk = null;
        try {
            int tries = node.has("tries") ? integer(node.get("tries"), at(path, "tries"), 1, 15) : 3;
            int triesLeft = node.has("triesLeft") ? integer(node.get("triesLeft"), at(path, "triesLeft"), 0, tries)
                    : tries;
            int pukTries = 0;
            int pukTriesLeft = 0;
            if (node.has("puk")) {
                puk = bytes(node.get("puk"), at(path, "puk"), 1, 64, true);
                pukTries = node.has("pukTries") ? integer(node.get("pukTries"), at(path, "pukTries"), 1, 15) : 10;
                pukTriesLeft = node.has("pukTriesLeft")
                        ? integer(node.get("pukTriesLeft"), at(path, "pukTriesLeft"), 0, pukTries) : pukTries;
            } else {
                for (String field : new String[] {"pukTries", "pukTriesLeft"}) {
                    if (node.has(field)) {
                        throw error(at(path, field), "makes sense only with a \"puk\"");
                    }
                }
            }
            return new Pin(ref, value, tries, triesLeft, puk, pukTries, pukTriesLeft, owner);
        } finally {
            Arrays.fill(value, (byte) 0);
            if (puk != null) {
                Arrays.fill(puk, (byte) 0);
            }
        }
    }

    private CardKey key(Node node, String path, DedicatedFile owner, boolean global) {
        requireObject(node, path, KEY_FIELDS);
        int ref = reference(node, path, global, "key");
        if (node.has("algorithm")) {
            String algorithm = text(node.get("algorithm"), at(path, "algorithm")).trim();
            if (!algorithm.equalsIgnoreCase("AES-128") && !algorithm.equalsIgnoreCase("AES")) {
                throw error(at(path, "algorithm"), "must be \"AES-128\" (the only algorithm the card has)");
            }
        }
        if (!node.has("value")) {
            throw error(at(path, "value"), "missing; the key, 16 bytes in hex");
        }
        byte[] value = bytes(node.get("value"), at(path, "value"), 16, 16, true);
        try {
            return new CardKey(ref, value, owner);
        } finally {
            Arrays.fill(value, (byte) 0);
        }
    }

    private int reference(Node node, String path, boolean global, String what) {
        if (!node.has("ref")) {
            throw error(at(path, "ref"), "missing; the " + what + "'s reference, 2 hex digits ("
                    + (global ? "01..1F in the MF" : "81..9F in a DF") + ")");
        }
        int ref = hexNumber(node.get("ref"), at(path, "ref"), 2, "2 hex digits");
        if (!AccessRule.validReference(ref) || ((ref & 0x80) == 0) != global) {
            throw error(at(path, "ref"), global ? "a " + what + " in the MF is global: 01..1F"
                    : "a " + what + " in a DF is local: 81..9F (b8 set)");
        }
        return ref;
    }

    // ------------------------------------------------------------------ JSON values

    private void requireObject(Node node, String path, Set<String> allowed) {
        if (!node.isObject()) {
            throw error(path, path.isEmpty() ? "the document must be a JSON object" : "must be a JSON object");
        }
        for (String field : node.fields().keySet()) {
            if (!allowed.contains(field)) {
                List<String> sorted = new ArrayList<>(allowed);
                sorted.sort(null);
                throw error(at(path, field), "unknown field; expected one of " + String.join(", ", sorted));
            }
        }
        if (node.has("comment")) {
            text(node.get("comment"), at(path, "comment"));
        }
        if (node.has("description")) {
            text(node.get("description"), at(path, "description"));
        }
    }

    private Node array(Node node, String path) {
        if (!node.isArray()) {
            throw error(path, "must be a JSON array");
        }
        return node;
    }

    private String text(Node node, String path) {
        if (!node.isTextual()) {
            throw error(path, "must be a string");
        }
        return node.asText();
    }

    private int integer(Node node, String path, int min, int max) {
        Integer value = node instanceof Node.NumberNode number ? number.intValue() : null;
        if (value == null || value < min || value > max) {
            throw error(path, "must be a whole number " + min + ".." + max);
        }
        return value;
    }

    private int required(Node node, String path, String field, int min, int max) {
        if (!node.has(field)) {
            throw error(at(path, field), "missing; a whole number " + min + ".." + max);
        }
        return integer(node.get(field), at(path, field), min, max);
    }

    /** A number written as exactly {@code digits} hex digits in a string (JSON numbers would be read as decimal). */
    private int hexNumber(Node node, String path, int digits, String expected) {
        if (!node.isTextual()) {
            throw error(path, "must be a string of " + expected + " (hexadecimal, so not a JSON number)");
        }
        String text = node.asText().trim();
        if (text.length() != digits) {
            throw error(path, "must be " + expected);
        }
        byte[] bytes = hex(CharBuffer.wrap(text), path);
        return (int) BerTlv.number(bytes, 0, bytes.length);
    }

    /**
     * A byte value: a string of hex digits (spaces and colons may separate them), or an object with exactly one of
     * {@code "hex"} (the same) and {@code "text"} (its UTF-8 bytes).
     */
    private byte[] bytes(Node node, String path, int min, int max) {
        return bytes(node, path, min, max, false);
    }

    /**
     * A byte value as {@link #bytes(Node, String, int, int)}; a {@code secret} one (a PIN, PUK or key value) is
     * not described by its length when the length is wrong, so the message tells nothing about the secret.
     */
    private byte[] bytes(Node node, String path, int min, int max, boolean secret) {
        byte[] bytes;
        if (node.isTextual()) {
            bytes = hex(node.chars(), path);
        } else if (node.isObject() && node.size() == 1 && node.has("hex")) {
            bytes = hex(textChars(node.get("hex"), at(path, "hex")), at(path, "hex"));
        } else if (node.isObject() && node.size() == 1 && node.has("text")) {
            bytes = utf8(textChars(node.get("text"), at(path, "text")));
        } else {
            throw error(path, "must be a hex string such as \"3F 00\", or {\"hex\": \"...\"} or {\"text\": \"...\"}");
        }
        if (bytes.length < min || bytes.length > max) {
            Arrays.fill(bytes, (byte) 0);
            throw error(path, (min == max ? "must be " + min : "must be " + min + ".." + max) + " bytes"
                    + (secret ? "" : ", not " + bytes.length));
        }
        return bytes;
    }

    /** The characters of a string value, as {@link #text} checks it, without making a String. */
    private CharBuffer textChars(Node node, String path) {
        if (!node.isTextual()) {
            throw error(path, "must be a string");
        }
        return node.chars();
    }

    /** The UTF-8 bytes of the characters; the encoder's buffer is cleared. */
    private static byte[] utf8(CharBuffer text) {
        ByteBuffer encoded;
        try {
            encoded = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).encode(text);
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("UTF-8 encoding with replacement cannot fail", e);
        }
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        Arrays.fill(encoded.array(), (byte) 0);
        return bytes;
    }

    /**
     * Hex digits, optionally separated by spaces, colons or tabs, decoded without a copy of the text; the message
     * names the position, not the character.
     */
    private byte[] hex(CharBuffer text, String path) {
        try {
            return HexDigits.decode(text, 0, " :\t");
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith("character")) {
                throw error(path, "not hexadecimal: " + e.getMessage() + " (use {\"text\": \"...\"} for text)");
            }
            throw error(path, "has " + e.getMessage());
        }
    }

    private static String at(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static String hex2(int value) {
        return String.format("%02X", value);
    }

    private CardProfileException error(String path, String problem) {
        return new CardProfileException(source, path, problem);
    }

    // ------------------------------------------------------------------ the JSON tree

    /**
     * A JSON value as read, immutable: just what the checks above ask of it (jackson-core has no tree model of its
     * own, and databind's costs start-up time). Objects keep their fields in document order.
     */
    private sealed interface Node {

        /** An object; its fields in document order (the parser rejects a field given twice). */
        record ObjectNode(Map<String, Node> fields) implements Node {
        }

        record ArrayNode(List<Node> items) implements Node {
        }

        /** A string value: its characters, which the parser clears once the profile is read. */
        record TextNode(char[] text) implements Node {
        }

        /** A number; {@code intValue} is null unless it is written as a whole number that fits an {@code int}. */
        record NumberNode(Integer intValue) implements Node {
        }

        /** {@code true}, {@code false} or {@code null}: never valid in a profile, only told apart from the rest. */
        record LiteralNode(JsonToken token) implements Node {
        }

        /**
         * The value that starts with {@code token}, the parser's current token; the parser ends on its last. The
         * characters of each string value are added to {@code texts}.
         */
        static Node read(JsonParser parser, JsonToken token, List<char[]> texts) throws IOException {
            if (token == null) {
                throw new JsonParseException(parser, "Unexpected end-of-input", parser.currentLocation());
            }
            switch (token) {
                case START_OBJECT -> {
                    Map<String, Node> fields = new LinkedHashMap<>();
                    for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                        fields.put(name, read(parser, parser.nextToken(), texts));
                    }
                    return new ObjectNode(Collections.unmodifiableMap(fields));
                }
                case START_ARRAY -> {
                    List<Node> items = new ArrayList<>();
                    for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
                        items.add(read(parser, next, texts));
                    }
                    return new ArrayNode(List.copyOf(items));
                }
                case VALUE_STRING -> {
                    // the characters, not getText(): no String of a PIN is made
                    int offset = parser.getTextOffset();
                    char[] text = Arrays.copyOfRange(parser.getTextCharacters(), offset,
                            offset + parser.getTextLength());
                    texts.add(text);
                    return new TextNode(text);
                }
                case VALUE_NUMBER_INT -> {
                    return new NumberNode(parser.getNumberType() == JsonParser.NumberType.INT ? parser.getIntValue()
                            : null);
                }
                case VALUE_NUMBER_FLOAT -> {
                    return new NumberNode(null);
                }
                case VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> {
                    return new LiteralNode(token);
                }
                default -> throw new JsonParseException(parser, "Unexpected token (" + token + ")",
                        parser.currentTokenLocation());
            }
        }

        default boolean isObject() {
            return this instanceof ObjectNode;
        }

        default boolean isArray() {
            return this instanceof ArrayNode;
        }

        default boolean isTextual() {
            return this instanceof TextNode;
        }

        /** The fields of an object; none for any other value. */
        default Map<String, Node> fields() {
            return this instanceof ObjectNode object ? object.fields() : Map.of();
        }

        default boolean has(String field) {
            return fields().containsKey(field);
        }

        /** A field of an object, or null. */
        default Node get(String field) {
            return fields().get(field);
        }

        /** An item of an array. */
        default Node get(int index) {
            return ((ArrayNode) this).items().get(index);
        }

        /** The number of fields of an object or items of an array; 0 for any other value. */
        default int size() {
            return this instanceof ArrayNode array ? array.items().size() : fields().size();
        }

        /** The text of a string value, as a String: never for a secret ({@link #chars()}). */
        default String asText() {
            return new String(((TextNode) this).text());
        }

        /** The characters of a string value, not copied. */
        default CharBuffer chars() {
            return CharBuffer.wrap(((TextNode) this).text());
        }
    }
}
