package dev.scard.trace;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.StreamWriteFeature;

/**
 * Writes a trace file ({@value TraceHeader#FORMAT} JSON, UTF-8) as the session goes: {@link #open} writes the
 * header, {@link #write} appends one entry at a time, and {@link #close} ends the entries and the object, so that the
 * file is complete and {@link TraceReader} reads it back. Every entry is one line:
 *
 * <pre>
 * {
 *   "format": "scard-trace/1",
 *   "reader": "Simulated Reader 0",
 *   ...
 *   "entries": [
 *     {"t": 0, "type": "apdu", "command": "00A4040007A0000000031010", "response": "6F10...9000"},
 *     {"t": 3.25, "type": "apdu", "command": "0020008108", "redacted": 8, "response": "63C2"}
 *   ]
 * }
 * </pre>
 *
 * <p><b>Size limit.</b> A writer holds at most {@code maxBytes} bytes, the closing brackets included: an entry that
 * would go beyond fails with {@link TraceLimitException} and is not written, and so does every later one; the file
 * stays complete up to the entries before it once the writer is closed.
 *
 * <p><b>Buffering.</b> Output is buffered (128 KiB); {@link #flush()} pushes what was written to the file (a recorder
 * may call it now and then, so that a crash loses little), {@link #close()} always does.
 *
 * <p><b>Cost.</b> The header is written with Jackson (its texts are escaped as JSON needs); the entries, whose values
 * are all hex, numbers and names of constants, are written byte by byte straight into the buffer: the hex from a
 * table, the time with integer arithmetic, nothing copied or allocated per entry. So a recorder can write a few
 * million entries per second.
 *
 * <p>The methods may be called from several threads (they are synchronized); entries are written in the order the
 * calls come. The writer checks that entry times never decrease, as {@link Trace#of} does. It writes what it is given:
 * a command that carries a secret must be given as a {@link TraceEntry#redactedApdu redacted} entry.
 */
public final class TraceWriter implements Closeable {

    /** The default limit of {@link #open(Path, TraceHeader)}: 64 MiB. */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamWriteFeature.AUTO_CLOSE_CONTENT)
            .build();
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    /** Upper-case hex digits: the two of byte {@code b} are at {@code 2 * (b & 0xFF)} and the next index. */
    private static final byte[] HEX_DIGITS = new byte[512];
    /** The two decimal digits of {@code n} (0 to 99) are at {@code 2 * n} and the next index. */
    private static final byte[] DIGIT_PAIRS = new byte[200];
    /** What {@link #close()} still writes: the end of the array, of the object and a newline. */
    private static final int CLOSING_BYTES = 8;
    /** What an entry takes beyond its hex: its field names, time, type, share mode and so on. */
    private static final int ENTRY_OVERHEAD = 200;
    /** The size of the buffer (larger only for an entry that does not fit). */
    private static final int BUFFER_BYTES = 1 << 17;
    /** The longest time {@link #time} writes: a double's plain decimal form. */
    static final int MAX_TIME_BYTES = 350;
    /** Below this many milliseconds (11 days) a double holds every whole number of nanoseconds apart. */
    private static final double NANOS_EXACT_LIMIT = 1e9;
    /** Above this many milliseconds (31 years) a time is formatted through {@link BigDecimal}. */
    private static final double FAST_TIME_LIMIT = 1e12;

    private static final byte[] FIRST_TIME = ascii("\n    {\"t\": ");
    private static final byte[] NEXT_TIME = ascii(",\n    {\"t\": ");
    private static final byte[] REDACTED = ascii("\", \"redacted\": ");
    private static final byte[] RESPONSE_AFTER_COMMAND = ascii("\", \"response\": \"");
    private static final byte[] RESPONSE_AFTER_REDACTED = ascii(", \"response\": \"");
    private static final byte[] BY_CORE = ascii("\", \"by\": \"core");
    private static final byte[] SHARE_MODE = ascii("\", \"shareMode\": \"");
    private static final byte[] PROTOCOL = ascii("\", \"protocol\": \"");
    private static final byte[] ATR = ascii("\", \"atr\": \"");
    private static final byte[] END_ENTRY = ascii("\"}");
    private static final byte[] CLOSE = ascii("\n  ]\n}\n");
    private static final byte[] CLOSE_EMPTY = ascii("]\n}\n");
    /** By type: the type and the start of the entry's first field ({@code command}, {@code disposition}, ...). */
    private static final byte[][] TYPE_AND_FIRST_FIELD = new byte[TraceEntry.Type.values().length][];

    static {
        byte[] digits = ascii("0123456789ABCDEF");
        for (int b = 0; b < 256; b++) {
            HEX_DIGITS[2 * b] = digits[b >>> 4];
            HEX_DIGITS[2 * b + 1] = digits[b & 0xF];
        }
        for (int n = 0; n < 100; n++) {
            DIGIT_PAIRS[2 * n] = (byte) ('0' + n / 10);
            DIGIT_PAIRS[2 * n + 1] = (byte) ('0' + n % 10);
        }
        for (TraceEntry.Type type : TraceEntry.Type.values()) {
            String first = switch (type) {
                case APDU -> "\", \"command\": \"";
                case RESET, UNLOCK, RECONNECT -> "\", \"disposition\": \"";
                case INSERTED -> "\", \"atr\": \"";
                case LOCK, REMOVED -> "";
            };
            TYPE_AND_FIRST_FIELD[type.ordinal()] = ascii(", \"type\": \"" + type.jsonName() + first);
        }
    }

    private final OutputStream target;
    private final long maxBytes;
    /** The bytes not yet handed to {@link #target}: {@code buffer[0..position)}. */
    private byte[] buffer = new byte[BUFFER_BYTES];
    private int position;
    /** How many bytes were handed to {@link #target}. */
    private long written;
    private int entries;
    private double lastTime;
    private boolean full;
    private boolean closed;

    private TraceWriter(OutputStream target, long maxBytes) {
        this.target = target;
        this.maxBytes = maxBytes;
    }

    /**
     * Creates a trace file and writes its header, with the {@linkplain #DEFAULT_MAX_BYTES default limit}.
     *
     * @param file the new file
     * @param header the trace's header
     * @throws java.nio.file.FileAlreadyExistsException when the file exists (a recording never overwrites one)
     * @throws IOException when the file cannot be created or written
     */
    public static TraceWriter open(Path file, TraceHeader header) throws IOException {
        return open(file, header, DEFAULT_MAX_BYTES);
    }

    /**
     * Creates a trace file and writes its header.
     *
     * @param file the new file
     * @param header the trace's header
     * @param maxBytes the most bytes the file may hold, at least 1024
     * @throws java.nio.file.FileAlreadyExistsException when the file exists (a recording never overwrites one)
     * @throws IOException when the file cannot be created or written
     * @throws IllegalArgumentException for a null argument or a limit below 1024
     */
    public static TraceWriter open(Path file, TraceHeader header, long maxBytes) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("no trace file given");
        }
        checkArguments(header, maxBytes);
        OutputStream stream = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            return open(stream, header, maxBytes);
        } catch (IOException | RuntimeException e) {
            stream.close();
            throw e;
        }
    }

    /**
     * Writes a trace's header to a stream; {@link #close()} closes the stream.
     *
     * @param stream where the JSON goes
     * @param header the trace's header
     * @param maxBytes the most bytes to write, at least 1024
     * @throws IOException when the stream fails
     * @throws IllegalArgumentException for a null argument or a limit below 1024
     */
    public static TraceWriter open(OutputStream stream, TraceHeader header, long maxBytes) throws IOException {
        if (stream == null) {
            throw new IllegalArgumentException("no stream given");
        }
        checkArguments(header, maxBytes);
        TraceWriter writer = new TraceWriter(stream, maxBytes);
        writer.writeHeader(header);
        return writer;
    }

    /**
     * Writes a whole trace to a new file (for tools that build a trace in memory, such as the importers).
     *
     * @throws java.nio.file.FileAlreadyExistsException when the file exists
     * @throws TraceLimitException when the trace is longer than {@link #DEFAULT_MAX_BYTES} (the file then holds the
     *         entries that fit)
     * @throws IOException when the file cannot be written
     */
    public static void write(Path file, Trace trace) throws IOException {
        try (TraceWriter writer = open(file, trace.header())) {
            for (TraceEntry entry : trace.entries()) {
                writer.write(entry);
            }
        }
    }

    private static void checkArguments(TraceHeader header, long maxBytes) {
        if (header == null) {
            throw new IllegalArgumentException("no trace header given");
        }
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("a trace needs a limit of at least 1024 bytes");
        }
    }

    private void writeHeader(TraceHeader header) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(text, JsonEncoding.UTF8)) {
            json.setPrettyPrinter(new Layout());
            json.writeStartObject();
            json.writeStringField("format", TraceHeader.FORMAT);
            json.writeStringField("reader", header.reader());
            json.writeStringField("backend", header.backend());
            json.writeStringField("recordedAt", DateTimeFormatter.ISO_INSTANT.format(header.recordedAt()));
            json.writeStringField("atr", HEX.formatHex(header.atr()));
            json.writeStringField("protocol", header.protocol().name());
            json.writeArrayFieldStart("entries");
        }
        byte[] bytes = text.toByteArray();
        put(bytes);
        flush();
        if (bytes.length + CLOSING_BYTES > maxBytes) {
            full = true;
            throw new TraceLimitException("the trace header alone is longer than the limit of " + maxBytes
                    + " bytes");
        }
    }

    /**
     * Appends an entry.
     *
     * @throws TraceLimitException when the entry would take the file beyond its limit, or an entry before did (the
     *         entry is not written; the writer stays usable for {@link #close()})
     * @throws IOException when the writer is closed or the output fails
     * @throws IllegalArgumentException for a null entry or one earlier than the entry before it
     */
    public synchronized void write(TraceEntry entry) throws IOException {
        if (entry == null) {
            throw new IllegalArgumentException("no trace entry given");
        }
        if (closed) {
            throw new IOException("the trace writer is closed");
        }
        if (entries > 0 && entry.time() < lastTime) {
            throw new IllegalArgumentException("a trace entry at " + entry.time()
                    + " ms is earlier than the entry before it, at " + lastTime + " ms");
        }
        byte[] command = entry.commandBytes();
        byte[] response = entry.responseBytes();
        byte[] atr = entry.atrBytes();
        // the overhead holds a time below FAST_TIME_LIMIT (at most 17 characters); a later one may be much longer
        int most = ENTRY_OVERHEAD + (entry.time() < FAST_TIME_LIMIT ? 0 : MAX_TIME_BYTES)
                + 2 * (length(command) + length(response) + length(atr));
        long bound = written + position + most + CLOSING_BYTES;
        if (full || bound > maxBytes) {
            full = true;
            throw new TraceLimitException("the trace has reached its limit of " + maxBytes + " bytes after "
                    + entries + " entries");
        }
        // from here on the buffer has room for the whole entry: the parts are copied without further checks
        room(most);
        copy(entries == 0 ? FIRST_TIME : NEXT_TIME);
        putTime(entry.time());
        copy(TYPE_AND_FIRST_FIELD[entry.type().ordinal()]);
        switch (entry.type()) {
            case APDU -> {
                putHex(command);
                if (entry.redacted() > 0) {
                    copy(REDACTED);
                    putDecimal(entry.redacted());
                    copy(RESPONSE_AFTER_REDACTED);
                } else {
                    copy(RESPONSE_AFTER_COMMAND);
                }
                putHex(response);
                if (entry.byCore()) {
                    copy(BY_CORE);
                }
            }
            case RESET, UNLOCK -> putName(entry.disposition());
            case RECONNECT -> {
                putName(entry.disposition());
                copy(SHARE_MODE);
                putName(entry.shareMode());
                copy(PROTOCOL);
                putName(entry.protocol());
                copy(ATR);
                putHex(atr);
            }
            case INSERTED -> putHex(atr);
            case LOCK, REMOVED -> {
            }
        }
        copy(END_ENTRY);
        entries++;
        lastTime = entry.time();
    }

    /** Pushes what was written so far to the file or stream. */
    public synchronized void flush() throws IOException {
        if (!closed) {
            drain();
            target.flush();
        }
    }

    /** How many entries were written. */
    public synchronized int entriesWritten() {
        return entries;
    }

    /** Whether the limit was reached (an entry was refused). */
    public synchronized boolean limitReached() {
        return full;
    }

    /**
     * Ends the entries and the object and closes the file or stream. Closing twice does nothing.
     *
     * @throws IOException when the output fails (the stream is closed all the same)
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (target) {
            room(CLOSING_BYTES);
            put(entries == 0 ? CLOSE_EMPTY : CLOSE);
            drain();
            target.flush();
        }
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    /**
     * Milliseconds with at most microsecond precision (rounded half up) and never in exponent form: {@code 0},
     * {@code 1.5}, {@code 12345678.063}; as {@link #write} writes an entry's time.
     */
    static String time(double millis) {
        byte[] text = new byte[MAX_TIME_BYTES];
        return new String(text, 0, formatTime(millis, text, 0), StandardCharsets.US_ASCII);
    }

    /**
     * {@code millis} rounded half up to whole microseconds, as {@link #slowTime} rounds its decimal form, or -1
     * when that cannot be told from the double alone: a time beyond {@link #FAST_TIME_LIMIT}, or one within a few
     * units in the last place of a half microsecond (where the double's decimal form decides) that is not a whole
     * number of nanoseconds ({@link #tieMicros}).
     */
    private static long micros(double millis) {
        if (!(millis >= 0 && millis < FAST_TIME_LIMIT)) {
            return -1;
        }
        double scaled = millis * 1000;
        double whole = Math.floor(scaled);
        double rest = scaled - whole;
        if (Math.abs(rest - 0.5) <= scaled * 0x1p-50) { // at least 4 units in the last place of scaled
            return tieMicros(millis);
        }
        return (long) whole + (rest > 0.5 ? 1 : 0);
    }

    /**
     * {@link #micros} of a time near a half microsecond, without {@link BigDecimal} when the time is a whole number
     * of nanoseconds (as a recorder's are: 1 in 1000 of them is an exact half microsecond), or -1. Below
     * {@link #NANOS_EXACT_LIMIT} ms the double of a whole number of nanoseconds has that number as its shortest
     * decimal form (two such numbers are further apart than the double's precision there), which {@link #slowTime}
     * rounds half up.
     */
    private static long tieMicros(double millis) {
        if (millis >= NANOS_EXACT_LIMIT) {
            return -1;
        }
        long nanos = Math.round(millis * 1e6);
        if (nanos / 1e6 != millis) {
            return -1;
        }
        return (nanos + 500) / 1000;
    }

    /** {@link #time} through the double's decimal form and {@link BigDecimal}: exact, and slow. */
    static String slowTime(double millis) {
        return BigDecimal.valueOf(millis).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /**
     * Writes the time {@code millis} into {@code into} from {@code at} (room for {@link #MAX_TIME_BYTES} there);
     * returns the position after it.
     */
    private static int formatTime(double millis, byte[] into, int at) {
        long micros = micros(millis);
        if (micros < 0) {
            byte[] slow = ascii(slowTime(millis));
            System.arraycopy(slow, 0, into, at, slow.length);
            return at + slow.length;
        }
        at = formatDecimal(micros / 1000, into, at);
        int fraction = (int) (micros % 1000);
        if (fraction != 0) {
            into[at++] = '.';
            into[at++] = (byte) ('0' + fraction / 100);
            fraction %= 100;
            if (fraction != 0) {
                into[at++] = (byte) ('0' + fraction / 10);
                fraction %= 10;
                if (fraction != 0) {
                    into[at++] = (byte) ('0' + fraction);
                }
            }
        }
        return at;
    }

    /** Writes a number of at least 0 in decimal into {@code into} from {@code at}; returns the position after it. */
    private static int formatDecimal(long value, byte[] into, int at) {
        if (value < 10) {
            into[at] = (byte) ('0' + value);
            return at + 1;
        }
        if (value > Integer.MAX_VALUE) {
            at = formatDecimal(value / 1_000_000_000, into, at);
            int low = (int) (value % 1_000_000_000);
            for (int i = 8; i >= 0; i--, low /= 10) {
                into[at + i] = (byte) ('0' + low % 10);
            }
            return at + 9;
        }
        int rest = (int) value;
        int digits = 1;
        for (int power = 10; digits < 10 && rest >= power; power *= 10) {
            digits++;
        }
        int end = at + digits;
        int i = end;
        while (rest >= 100) { // two digits at a time
            int quotient = rest / 100;
            int pair = 2 * (rest - quotient * 100);
            into[--i] = DIGIT_PAIRS[pair + 1];
            into[--i] = DIGIT_PAIRS[pair];
            rest = quotient;
        }
        if (rest >= 10) {
            into[--i] = DIGIT_PAIRS[2 * rest + 1];
            into[--i] = DIGIT_PAIRS[2 * rest];
        } else {
            into[--i] = (byte) ('0' + rest);
        }
        return end;
    }

    /** Writes {@link #time} into the buffer (with room for it). */
    private void putTime(double millis) {
        position = formatTime(millis, buffer, position);
    }

    /** Writes a number of at least 0 in decimal into the buffer (with room for it). */
    private void putDecimal(long value) {
        position = formatDecimal(value, buffer, position);
    }

    /** Writes {@code bytes} as upper-case hex into the buffer (with room for it). */
    private void putHex(byte[] bytes) {
        byte[] into = buffer;
        int at = position;
        for (byte b : bytes) {
            int i = (b & 0xFF) << 1;
            into[at++] = HEX_DIGITS[i];
            into[at++] = HEX_DIGITS[i + 1];
        }
        position = at;
    }

    /** Writes a constant's name (ASCII) into the buffer (with room for it). */
    private void putName(Enum<?> constant) {
        String name = constant.name();
        for (int i = 0; i < name.length(); i++) {
            buffer[position++] = (byte) name.charAt(i);
        }
    }

    /** Writes {@code bytes} into the buffer, making room first. */
    private void put(byte[] bytes) throws IOException {
        room(bytes.length);
        System.arraycopy(bytes, 0, buffer, position, bytes.length);
        position += bytes.length;
    }

    /** Copies {@code bytes} into the buffer (with room for them). */
    private void copy(byte[] bytes) {
        System.arraycopy(bytes, 0, buffer, position, bytes.length);
        position += bytes.length;
    }

    /** Makes room for {@code bytes} more bytes in the buffer: hands it to the target first, or grows it. */
    private void room(int bytes) throws IOException {
        if (buffer.length - position >= bytes) {
            return;
        }
        drain();
        if (buffer.length < bytes) {
            buffer = new byte[bytes];
        }
    }

    /** Hands the buffer's bytes to the target (without flushing it). */
    private void drain() throws IOException {
        if (position > 0) {
            int count = position;
            position = 0;
            target.write(buffer, 0, count);
            written += count;
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** The header's fields one per line, each entry on a line of its own. */
    private static final class Layout implements PrettyPrinter {
        private int depth;

        @Override
        public void writeRootValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
        }

        @Override
        public void writeStartObject(JsonGenerator g) throws IOException {
            depth++;
            g.writeRaw('{');
        }

        @Override
        public void writeEndObject(JsonGenerator g, int entries) throws IOException {
            if (depth == 1 && entries > 0) {
                g.writeRaw('\n');
            }
            g.writeRaw('}');
            depth--;
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(depth == 1 ? ",\n  " : ", ");
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeStartArray(JsonGenerator g) throws IOException {
            depth++;
            g.writeRaw('[');
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) throws IOException {
            if (values > 0) {
                g.writeRaw("\n  ");
            }
            g.writeRaw(']');
            depth--;
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(",\n    ");
        }

        @Override
        public void beforeArrayValues(JsonGenerator g) throws IOException {
            g.writeRaw("\n    ");
        }

        @Override
        public void beforeObjectEntries(JsonGenerator g) throws IOException {
            if (depth == 1) {
                g.writeRaw("\n  ");
            }
        }
    }
}
