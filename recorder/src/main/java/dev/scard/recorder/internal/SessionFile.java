package dev.scard.recorder.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.trace.CardTraceEvent;
import dev.scard.recorder.Recording;
import dev.scard.trace.TraceEntry;
import dev.scard.trace.TraceHeader;
import dev.scard.trace.TraceWriter;

/**
 * One session being written into one trace file: takes the card trace's events of one attachment (and of its
 * reader) and writes them as {@link TraceEntry}s through a {@link TraceWriter}. The command of an APDU event comes
 * with its secret data withheld already (the core's tap does that); it is stored as it is, with the count of withheld
 * bytes. A failure to write (a full disk, the file's size limit) ends the recording, is kept for {@link #failure()}
 * and logged once; it is never thrown to the caller of {@link #accept}, which is the card's thread. An event the
 * format cannot hold (a reconnect that found no card, so no ATR) is left out. Thread-safe (events come from the
 * card's thread and from the backend's event thread).
 *
 * <p>Public for the benchmarks alone (they record outside OSGi); its package stays private to the bundle.
 */
public final class SessionFile implements Recording {

    private static final System.Logger LOG = System.getLogger(SessionFile.class.getName());
    private static final HexFormat HEX = HexFormat.of();

    private final Path file;
    private final Instant recordedAt;
    private TraceWriter writer;
    private long apdus;
    private long events;
    private double lastMillis;
    private String failure;

    private SessionFile(Path file, TraceWriter writer, Instant recordedAt) {
        this.file = file;
        this.writer = writer;
        this.recordedAt = recordedAt;
    }

    /**
     * Creates {@code file} (which must not exist) and writes the header: the recording of a session on
     * {@code reader} of {@code backend} that started at {@code recordedAt}.
     *
     * @param atrHex the card's ATR, hex
     * @param protocol the protocol, T0 or T1
     * @throws IOException naming the file and why it cannot be created: it exists, its directory does not, no
     *         permission, or there is no card to record (no ATR, no T0/T1 protocol); nothing is created then
     */
    public static SessionFile create(Path file, String reader, String backend, Instant recordedAt, String atrHex,
            Protocol protocol) throws IOException {
        TraceHeader header = header(file, reader, backend, recordedAt, atrHex, protocol);
        try {
            return new SessionFile(file, TraceWriter.open(file, header), recordedAt);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot record into '" + file + "': the file exists (choose another name)", e);
        } catch (NoSuchFileException e) {
            Path parent = file.toAbsolutePath().getParent();
            throw new IOException("cannot record into '" + file + "': the directory '" + parent
                    + "' does not exist", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot record into '" + file + "': permission denied", e);
        } catch (IOException e) {
            throw new IOException("cannot record into '" + file + "': " + reason(e), e);
        }
    }

    /** A recording into {@code out} (which it closes), named {@code file} in its messages (tests). */
    static SessionFile over(Path file, OutputStream out, String reader, String backend, Instant recordedAt,
            String atrHex, Protocol protocol) throws IOException {
        TraceHeader header = header(file, reader, backend, recordedAt, atrHex, protocol);
        return new SessionFile(file, TraceWriter.open(out, header, TraceWriter.DEFAULT_MAX_BYTES), recordedAt);
    }

    private static TraceHeader header(Path file, String reader, String backend, Instant recordedAt, String atrHex,
            Protocol protocol) throws IOException {
        if (atrHex == null || atrHex.isEmpty()) {
            throw new IOException("cannot record into '" + file + "': there is no card in '" + reader
                    + "' (no ATR); insert one and reconnect first");
        }
        try {
            return TraceHeader.of(reader, backend, recordedAt, HEX.parseHex(atrHex), protocol);
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot record into '" + file + "': " + e.getMessage() + " (the card in '"
                    + reader + "' has ATR " + atrHex + ", protocol " + protocol + ")", e);
        }
    }

    /** Writes one event of the session; after a failure or {@link #stop()}, nothing. Never throws. */
    public synchronized void accept(CardTraceEvent event) {
        if (writer == null) {
            return;
        }
        double millis = Duration.between(recordedAt, event.time()).toNanos() / 1_000_000.0;
        lastMillis = Math.max(lastMillis, millis);
        TraceEntry entry;
        try {
            entry = entry(event, lastMillis);
        } catch (IllegalArgumentException e) {
            LOG.log(Level.DEBUG, "not recorded in '" + file + "': " + event + ": " + e.getMessage());
            return;
        }
        if (entry == null) {
            return;
        }
        try {
            writer.write(entry);
        } catch (IOException | RuntimeException e) {
            fail(e);
            return;
        }
        if (entry.type() == TraceEntry.Type.APDU) {
            apdus++;
        } else {
            events++;
        }
    }

    /**
     * The entry for a trace event at {@code millis}, or null for the events that are the session's start and end.
     *
     * @throws IllegalArgumentException for an event the format cannot hold (no ATR where it needs one)
     */
    static TraceEntry entry(CardTraceEvent event, double millis) {
        return switch (event.type()) {
            case APDU -> TraceEntry.storedApdu(millis, event.command(), event.withheld(), event.response(),
                    event.byCore());
            case RESET -> TraceEntry.reset(millis, event.disposition() == null ? Disposition.RESET
                    : event.disposition());
            case RECONNECT -> TraceEntry.reconnect(millis, event.disposition(), event.shareMode(), event.protocol(),
                    HEX.parseHex(event.atrHex()));
            case LOCK -> TraceEntry.lock(millis);
            case UNLOCK -> TraceEntry.unlock(millis, event.disposition());
            case REMOVED -> TraceEntry.removed(millis);
            case INSERTED -> TraceEntry.inserted(millis, HEX.parseHex(event.atrHex()));
            case ATTACHED, DETACHED -> null;
        };
    }

    private void fail(Exception e) {
        failure = "writing '" + file + "' failed: " + reason(e) + "; the recording stopped (the file holds what was"
                + " written before)";
        LOG.log(Level.WARNING, failure);
        TraceWriter broken = writer;
        writer = null;
        try {
            broken.close();
        } catch (IOException | RuntimeException closing) {
            // the failure is reported already
        }
    }

    private static String reason(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public synchronized long apdus() {
        return apdus;
    }

    @Override
    public synchronized long events() {
        return events;
    }

    @Override
    public synchronized boolean isRecording() {
        return writer != null;
    }

    @Override
    public synchronized String failure() {
        return failure;
    }

    @Override
    public synchronized void stop() {
        if (writer == null) {
            return;
        }
        TraceWriter open = writer;
        writer = null;
        try {
            open.close();
        } catch (IOException | RuntimeException e) {
            failure = "completing '" + file + "' failed: " + reason(e);
            LOG.log(Level.WARNING, failure);
        }
    }
}
