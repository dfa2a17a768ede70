package dev.scard.trace;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.iso7816.CommandApdu;
import dev.scard.iso7816.HexDigits;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

/**
 * Reads a trace file in the {@value TraceHeader#FORMAT} JSON format (the format is described in
 * {@code docs/traces.md}; {@link TraceWriter} writes it) into a {@link Trace}, checking every field. The first
 * problem fails the whole read with a {@link TraceFormatException} whose message starts with the JSON path of the
 * problem and never repeats a value from the file:
 *
 * <pre>
 * $.format: must be "scard-trace/1"
 * $.entries[3].command: not hexadecimal (character 5 is not a hex digit)
 * $.entries[3].comand: unknown field
 * $.entries[0].response: missing
 * $.entries[2].t: earlier than the entry before it
 * $: not valid JSON at line 7, column 12: Unexpected character ...
 * </pre>
 *
 * <p>What it accepts: strict JSON (UTF-8); the top-level fields {@code format}, {@code reader}, {@code backend},
 * {@code recordedAt}, {@code atr}, {@code protocol} and {@code entries}, each exactly once and in any order; entries
 * with the fields their {@code type} has (see {@link TraceEntry}); hex in upper or lower case, with spaces between
 * digits allowed. Unknown fields are errors, so that a misspelt field is not silently ignored. A file longer than the
 * limit ({@link #DEFAULT_MAX_BYTES} unless given) is refused before it is parsed further.
 */
public final class TraceReader {

    /** The default limit of a trace file: 64 MiB. */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build())
            .build();

    private static final Set<String> TOP_FIELDS = Set.of("format", "reader", "backend", "recordedAt", "atr",
            "protocol", "entries");
    private static final Set<String> ENTRY_FIELDS = Set.of("t", "type", "command", "response", "redacted", "by",
            "disposition", "shareMode", "protocol", "atr");

    private TraceReader() {
    }

    /**
     * Reads a trace file with the {@linkplain #DEFAULT_MAX_BYTES default limit}.
     *
     * @throws TraceFormatException when the file is not a valid trace or longer than the limit
     * @throws IOException when the file cannot be read
     */
    public static Trace read(Path file) throws IOException {
        return read(file, DEFAULT_MAX_BYTES);
    }

    /**
     * Reads a trace file.
     *
     * @param file the file
     * @param maxBytes the longest file accepted
     * @throws TraceFormatException when the file is not a valid trace or longer than {@code maxBytes}
     * @throws IOException when the file cannot be read
     */
    public static Trace read(Path file, long maxBytes) throws IOException {
        if (Files.size(file) > maxBytes) {
            throw tooLong(maxBytes);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, maxBytes);
        }
    }

    /**
     * Reads a trace from a stream (not closed here).
     *
     * @param in the JSON, UTF-8
     * @param maxBytes the most bytes read from the stream
     * @throws TraceFormatException when the text is not a valid trace or longer than {@code maxBytes}
     * @throws IOException when the stream fails
     */
    public static Trace read(InputStream in, long maxBytes) throws IOException {
        LimitedStream limited = new LimitedStream(in, maxBytes);
        try (JsonParser parser = JSON.createParser(limited)) {
            return new TraceReader.Run(parser).trace();
        } catch (LimitedStream.TooLong e) {
            throw tooLong(maxBytes);
        }
    }

    /**
     * Reads a trace from JSON text.
     *
     * @throws TraceFormatException when the text is not a valid trace
     */
    public static Trace parse(String json) throws TraceFormatException {
        if (json == null) {
            throw TraceFormatException.atPath("$", "no trace text given");
        }
        try (JsonParser parser = JSON.createParser(json)) {
            return new TraceReader.Run(parser).trace();
        } catch (TraceFormatException e) {
            throw e;
        } catch (IOException e) {
            throw TraceFormatException.atPath("$", "cannot be read: " + e.getMessage());
        }
    }

    private static TraceFormatException tooLong(long maxBytes) {
        return TraceFormatException.atPath("$", "the trace is longer than the limit of " + maxBytes + " bytes");
    }

    /** One read: the parser and the path to where it is. */
    private static final class Run {
        private final JsonParser parser;

        Run(JsonParser parser) {
            this.parser = parser;
        }

        Trace trace() throws IOException {
            try {
                return document();
            } catch (JsonProcessingException e) {
                var where = e.getLocation();
                String at = where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
                String problem = e.getOriginalMessage();
                int marker = problem.indexOf(" (start marker at");
                throw TraceFormatException.atPath(path(), "not valid JSON" + at + ": "
                        + (marker < 0 ? problem : problem.substring(0, marker)));
            }
        }

        /** Where the parser is, as a JSON path: {@code $.entries[3].command}. */
        private String path() {
            return path(parser.getParsingContext());
        }

        private static String path(com.fasterxml.jackson.core.JsonStreamContext context) {
            if (context == null || context.inRoot()) {
                return "$";
            }
            String parent = path(context.getParent());
            if (context.inArray()) {
                return parent + "[" + Math.max(0, context.getCurrentIndex()) + "]";
            }
            String name = context.getCurrentName();
            return name == null ? parent : parent + "." + shortName(name);
        }

        private static String shortName(String name) {
            return name.length() <= 40 ? name : name.substring(0, 40) + "...";
        }

        private Trace document() throws IOException {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw TraceFormatException.atPath("$", "a trace must be a JSON object");
            }
            Set<String> seen = new HashSet<>();
            String format = null;
            String reader = null;
            String backend = null;
            Instant recordedAt = null;
            byte[] atr = null;
            Protocol protocol = null;
            List<TraceEntry> entries = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                if (!TOP_FIELDS.contains(name)) {
                    throw TraceFormatException.atPath(path(), "unknown field");
                }
                if (!seen.add(name)) {
                    throw TraceFormatException.atPath(path(), "given twice");
                }
                switch (name) {
                    case "format" -> {
                        format = string();
                        if (!TraceHeader.FORMAT.equals(format)) {
                            throw TraceFormatException.atPath(path(), "must be \"" + TraceHeader.FORMAT + "\"");
                        }
                    }
                    case "reader" -> reader = string();
                    case "backend" -> backend = string();
                    case "recordedAt" -> recordedAt = instant();
                    case "atr" -> atr = atr();
                    case "protocol" -> protocol = oneOf(Protocol.class, EnumSet.of(Protocol.T0, Protocol.T1));
                    case "entries" -> entries = entries();
                    default -> throw new IllegalStateException(name);
                }
            }
            if (parser.nextToken() != null) {
                throw TraceFormatException.atPath("$", "text after the end of the trace object");
            }
            missing("format", format);
            missing("reader", reader);
            missing("backend", backend);
            missing("recordedAt", recordedAt);
            missing("atr", atr);
            missing("protocol", protocol);
            missing("entries", entries);
            return Trace.of(TraceHeader.of(reader, backend, recordedAt, atr, protocol), entries);
        }

        private static void missing(String field, Object value) throws TraceFormatException {
            if (value == null) {
                throw TraceFormatException.atPath("$." + field, "missing");
            }
        }

        private List<TraceEntry> entries() throws IOException {
            if (parser.currentToken() != JsonToken.START_ARRAY) {
                throw TraceFormatException.atPath(path(), "must be an array of entries");
            }
            List<TraceEntry> entries = new ArrayList<>();
            double last = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                String at = "$.entries[" + entries.size() + "]";
                TraceEntry entry = entry(at);
                if (entry.time() < last) {
                    throw TraceFormatException.atPath(at + ".t", "earlier than the entry before it");
                }
                last = entry.time();
                entries.add(entry);
            }
            return entries;
        }

        private TraceEntry entry(String at) throws IOException {
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                throw TraceFormatException.atPath(at, "an entry must be a JSON object");
            }
            Set<String> seen = new HashSet<>();
            Double time = null;
            TraceEntry.Type type = null;
            byte[] command = null;
            byte[] response = null;
            int redacted = 0;
            boolean byCore = false;
            Disposition disposition = null;
            ShareMode shareMode = null;
            Protocol protocol = null;
            byte[] atr = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                if (!ENTRY_FIELDS.contains(name)) {
                    throw TraceFormatException.atPath(path(), "unknown field");
                }
                if (!seen.add(name)) {
                    throw TraceFormatException.atPath(path(), "given twice");
                }
                switch (name) {
                    case "t" -> time = millis();
                    case "type" -> type = type();
                    case "command" -> command = hex(4, CommandApdu.MAX_LENGTH);
                    case "response" -> response = hex(2, TraceEntry.MAX_RESPONSE_LENGTH);
                    case "redacted" -> redacted = redacted();
                    case "by" -> byCore = by();
                    case "disposition" -> disposition = oneOf(Disposition.class, EnumSet.allOf(Disposition.class));
                    case "shareMode" -> shareMode = oneOf(ShareMode.class, EnumSet.allOf(ShareMode.class));
                    case "protocol" -> protocol = oneOf(Protocol.class,
                            EnumSet.of(Protocol.T0, Protocol.T1, Protocol.RAW));
                    case "atr" -> atr = atr();
                    default -> throw new IllegalStateException(name);
                }
            }
            if (type == null) {
                throw TraceFormatException.atPath(at + ".type", "missing");
            }
            Set<String> allowed = fieldsOf(type);
            for (String name : seen) {
                if (!allowed.contains(name)) {
                    throw TraceFormatException.atPath(at + "." + name, "not a field of an entry of type "
                            + type.jsonName());
                }
            }
            for (String name : allowed) {
                if (!seen.contains(name) && !name.equals("redacted") && !name.equals("by")) {
                    throw TraceFormatException.atPath(at + "." + name, "missing");
                }
            }
            double t = time;
            return switch (type) {
                case APDU -> {
                    try {
                        yield TraceEntry.storedApdu(t, command, redacted, response, byCore);
                    } catch (IllegalArgumentException e) {
                        throw TraceFormatException.atPath(at + ".command", e.getMessage());
                    }
                }
                case RESET -> TraceEntry.reset(t, disposition);
                case RECONNECT -> TraceEntry.reconnect(t, disposition, shareMode, protocol, atr);
                case LOCK -> TraceEntry.lock(t);
                case UNLOCK -> TraceEntry.unlock(t, disposition);
                case REMOVED -> TraceEntry.removed(t);
                case INSERTED -> TraceEntry.inserted(t, atr);
            };
        }

        private static Set<String> fieldsOf(TraceEntry.Type type) {
            return switch (type) {
                case APDU -> Set.of("t", "type", "command", "response", "redacted", "by");
                case RESET, UNLOCK -> Set.of("t", "type", "disposition");
                case RECONNECT -> Set.of("t", "type", "disposition", "shareMode", "protocol", "atr");
                case LOCK, REMOVED -> Set.of("t", "type");
                case INSERTED -> Set.of("t", "type", "atr");
            };
        }

        private String string() throws IOException {
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw TraceFormatException.atPath(path(), "must be a string");
            }
            return parser.getText();
        }

        private Instant instant() throws IOException {
            String text = string();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw TraceFormatException.atPath(path(),
                        "must be an ISO 8601 instant in UTC, such as 2026-12-06T21:00:00.123Z");
            }
        }

        private double millis() throws IOException {
            JsonToken token = parser.currentToken();
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                throw TraceFormatException.atPath(path(), "must be a number of milliseconds");
            }
            double value = parser.getDoubleValue();
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw TraceFormatException.atPath(path(), "must be a number of milliseconds, 0 or more");
            }
            return value;
        }

        private TraceEntry.Type type() throws IOException {
            TraceEntry.Type type = TraceEntry.Type.ofJsonName(string());
            if (type == null) {
                throw TraceFormatException.atPath(path(), "must be one of " + Arrays.stream(TraceEntry.Type.values())
                        .map(TraceEntry.Type::jsonName).collect(Collectors.joining(", ")));
            }
            return type;
        }

        private int redacted() throws IOException {
            if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT
                    || parser.getNumberType() != JsonParser.NumberType.INT
                    || parser.getIntValue() < 1 || parser.getIntValue() > CommandApdu.MAX_EXTENDED_NC) {
                throw TraceFormatException.atPath(path(), "must be the number of data bytes left out, 1 to "
                        + CommandApdu.MAX_EXTENDED_NC);
            }
            return parser.getIntValue();
        }

        private boolean by() throws IOException {
            String by = string();
            if (!by.equals("core") && !by.equals("caller")) {
                throw TraceFormatException.atPath(path(), "must be \"core\" or \"caller\"");
            }
            return by.equals("core");
        }

        private <E extends Enum<E>> E oneOf(Class<E> type, Set<E> allowed) throws IOException {
            String text = string();
            for (E value : allowed) {
                if (value.name().equals(text)) {
                    return value;
                }
            }
            throw TraceFormatException.atPath(path(), "must be one of " + allowed.stream().map(Enum::name)
                    .collect(Collectors.joining(", ")));
        }

        private byte[] atr() throws IOException {
            return hex(2, 33);
        }

        private byte[] hex(int min, int max) throws IOException {
            String text = string();
            byte[] bytes;
            try {
                bytes = HexDigits.decode(text, 0, " ");
            } catch (IllegalArgumentException e) {
                throw TraceFormatException.atPath(path(), "not hexadecimal (" + e.getMessage() + ")");
            }
            if (bytes.length < min || bytes.length > max) {
                throw TraceFormatException.atPath(path(), "must have " + min + " to " + max + " bytes, not "
                        + bytes.length);
            }
            return bytes;
        }
    }

    /** Fails the read once more than the limit was read. */
    private static final class LimitedStream extends FilterInputStream {
        private final long max;
        private long count;

        LimitedStream(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws TooLong {
            count += n;
            if (count > max) {
                throw new TooLong();
            }
        }

        /** Thrown through Jackson, turned into a {@link TraceFormatException} by {@link TraceReader#read}. */
        static final class TooLong extends IOException {
            private static final long serialVersionUID = 1L;
        }
    }
}
