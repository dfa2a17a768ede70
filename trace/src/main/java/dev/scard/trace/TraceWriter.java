package dev.scard.trace;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;

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
 * <p><b>Buffering.</b> Output is buffered; {@link #flush()} pushes what was written to the file (a recorder may call
 * it now and then, so that a crash loses little), {@link #close()} always does.
 *
 * <p>The methods may be called from several threads (they are synchronized); entries are written in the order the
 * calls come. The writer checks that entry times never decrease, as {@link Trace#of} does. It writes what it is given:
 * a command that carries a secret must be given as a {@link TraceEntry#redactedApdu redacted} entry.
 */
public final class TraceWriter implements Closeable {

    /** The default limit of {@link #open(Path, TraceHeader)}: 64 MiB. */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    /** What {@link #close()} still writes: the end of the array, of the object and a newline. */
    private static final int CLOSING_BYTES = 8;
    /** What an entry takes beyond its hex: its field names, time, type, share mode and so on. */
    private static final int ENTRY_OVERHEAD = 200;

    private final CountingStream out;
    private final JsonGenerator json;
    private final long maxBytes;
    private int entries;
    private double lastTime;
    private boolean full;
    private boolean closed;

    private TraceWriter(OutputStream target, long maxBytes) throws IOException {
        this.out = new CountingStream(new BufferedOutputStream(target, 1 << 16));
        this.json = JSON.createGenerator(out, JsonEncoding.UTF8);
        this.json.setPrettyPrinter(new Layout());
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
        json.writeStartObject();
        json.writeStringField("format", TraceHeader.FORMAT);
        json.writeStringField("reader", header.reader());
        json.writeStringField("backend", header.backend());
        json.writeStringField("recordedAt", DateTimeFormatter.ISO_INSTANT.format(header.recordedAt()));
        json.writeStringField("atr", HEX.formatHex(header.atr()));
        json.writeStringField("protocol", header.protocol().name());
        json.writeArrayFieldStart("entries");
        json.flush();
        if (out.count + CLOSING_BYTES > maxBytes) {
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
        long bound = out.count + json.getOutputBuffered() + ENTRY_OVERHEAD + CLOSING_BYTES
                + 2L * (length(entry.command()) + length(entry.response()) + length(entry.atr()));
        if (full || bound > maxBytes) {
            full = true;
            throw new TraceLimitException("the trace has reached its limit of " + maxBytes + " bytes after "
                    + entries + " entries");
        }
        json.writeStartObject();
        json.writeFieldName("t");
        json.writeNumber(time(entry.time()));
        json.writeStringField("type", entry.type().jsonName());
        switch (entry.type()) {
            case APDU -> {
                json.writeStringField("command", HEX.formatHex(entry.command()));
                if (entry.redacted() > 0) {
                    json.writeNumberField("redacted", entry.redacted());
                }
                json.writeStringField("response", HEX.formatHex(entry.response()));
                if (entry.byCore()) {
                    json.writeStringField("by", "core");
                }
            }
            case RESET, UNLOCK -> json.writeStringField("disposition", entry.disposition().name());
            case RECONNECT -> {
                json.writeStringField("disposition", entry.disposition().name());
                json.writeStringField("shareMode", entry.shareMode().name());
                json.writeStringField("protocol", entry.protocol().name());
                json.writeStringField("atr", HEX.formatHex(entry.atr()));
            }
            case INSERTED -> json.writeStringField("atr", HEX.formatHex(entry.atr()));
            case LOCK, REMOVED -> {
            }
        }
        json.writeEndObject();
        entries++;
        lastTime = entry.time();
    }

    /** Pushes what was written so far to the file or stream. */
    public synchronized void flush() throws IOException {
        if (!closed) {
            json.flush();
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
        try {
            json.writeEndArray();
            json.writeEndObject();
            json.writeRaw('\n');
        } finally {
            json.close();
        }
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    /** Milliseconds with at most microsecond precision and never in exponent form: {@code 0}, {@code 1.5}. */
    static String time(double millis) {
        return BigDecimal.valueOf(millis).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /** Counts the bytes that reach the file (after Jackson's own buffer). */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream target) {
            super(target);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
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
