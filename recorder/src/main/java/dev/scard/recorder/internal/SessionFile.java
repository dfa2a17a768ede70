package dev.scard.recorder.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

import dev.scard.api.trace.CardTraceEvent;
import dev.scard.recorder.Recording;

/**
 * One session being written into one trace file: takes the card trace's events of one attachment (and of its
 * reader) and writes them through a {@link TraceSink}. A failure to write ends the recording, is kept for
 * {@link #failure()} and logged once; it is never thrown to the caller of {@link #accept}, which is the card's
 * thread. Thread-safe (events come from the card's thread and from the backend's event thread).
 *
 * <p>Public for the benchmarks alone (they record outside OSGi); its package stays private to the bundle.
 */
public final class SessionFile implements Recording {

    private static final System.Logger LOG = System.getLogger(SessionFile.class.getName());

    private final Path file;
    private final Instant recordedAt;
    private TraceSink sink;
    private long apdus;
    private long events;
    private double lastMillis;
    private String failure;

    private SessionFile(Path file, TraceSink sink, TraceSink.Header header) throws IOException {
        this.file = file;
        this.sink = sink;
        this.recordedAt = header.recordedAt();
        try {
            sink.begin(header);
        } catch (IOException e) {
            closeQuietly(sink);
            throw e;
        }
    }

    /**
     * Creates {@code file} (which must not exist) and writes the header.
     *
     * @throws IOException naming the file and why it cannot be created
     */
    static SessionFile create(Path file, TraceSink.Header header) throws IOException {
        OutputStream out;
        try {
            out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
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
        return over(file, out, header);
    }

    /**
     * Creates {@code file} (which must not exist) and writes the header: the recording of a session on
     * {@code reader} of {@code backend} that started at {@code recordedAt}.
     *
     * @param atrHex the card's ATR, upper-case hex, empty when none
     * @param protocol the protocol, or null when not known
     * @throws IOException naming the file and why it cannot be created
     */
    public static SessionFile create(Path file, String reader, String backend, Instant recordedAt, String atrHex,
            dev.scard.api.Protocol protocol) throws IOException {
        return create(file, new TraceSink.Header(reader, backend, recordedAt, atrHex, protocol));
    }

    /** A recording into {@code out} (which it closes), named {@code file} in its messages. */
    static SessionFile over(Path file, OutputStream out, TraceSink.Header header) throws IOException {
        try {
            return new SessionFile(file, new JsonTraceSink(out), header);
        } catch (IOException e) {
            throw new IOException("cannot record into '" + file + "': " + reason(e), e);
        }
    }

    /** Writes one event of the session; after a failure or {@link #stop()}, nothing. Never throws. */
    public synchronized void accept(CardTraceEvent event) {
        if (sink == null) {
            return;
        }
        double millis = Duration.between(recordedAt, event.time()).toNanos() / 1_000_000.0;
        lastMillis = Math.max(lastMillis, millis);
        try {
            sink.entry(event, lastMillis);
        } catch (IOException | RuntimeException e) {
            fail(e);
            return;
        }
        if (event.type() == CardTraceEvent.Type.APDU) {
            apdus++;
        } else if (event.type() != CardTraceEvent.Type.ATTACHED && event.type() != CardTraceEvent.Type.DETACHED) {
            events++;
        }
    }

    private void fail(Exception e) {
        failure = "writing '" + file + "' failed: " + reason(e) + "; the recording stopped (the file holds what was"
                + " written before)";
        LOG.log(Level.WARNING, failure);
        TraceSink broken = sink;
        sink = null;
        closeQuietly(broken);
    }

    private static String reason(Exception e) {
        String message = e.getMessage();
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static void closeQuietly(TraceSink sink) {
        try {
            sink.close();
        } catch (IOException | RuntimeException e) {
            // the failure is reported already
        }
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
        return sink != null;
    }

    @Override
    public synchronized String failure() {
        return failure;
    }

    @Override
    public synchronized void stop() {
        if (sink == null) {
            return;
        }
        TraceSink open = sink;
        try {
            open.close();
            sink = null;
        } catch (IOException | RuntimeException e) {
            sink = null;
            failure = "completing '" + file + "' failed: " + reason(e);
            LOG.log(Level.WARNING, failure);
        }
    }
}
