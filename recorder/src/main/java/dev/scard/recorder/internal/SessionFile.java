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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
 * bytes. An event the format cannot hold (a reconnect that found no card, so no ATR) is left out.
 *
 * <p><b>Off the card's thread.</b> {@link #accept} only puts the (immutable) event into a bounded queue without a lock
 * ({@link EventRing}, {@value #QUEUE_CAPACITY} events) and returns; it never touches the file, and it waits only when
 * the queue is full (below). A writer thread of this recording ({@code scard-recorder <file name>}, a daemon) takes
 * the events in batches, makes the entries, writes them through the buffered {@link TraceWriter} and flushes at most
 * every {@value #FLUSH_MILLIS} ms (at once after a pause), so a crash loses at most that much. The card's thread does
 * not wake the writer per event (no system call per event): when there is nothing to write the writer sleeps,
 * {@value #IDLE_FIRST_MICROS} us at first and twice as long each time up to {@value #IDLE_MILLIS} ms (so a busy card
 * finds it awake soon, an idle one costs a wake-up every few ms), and only a card's thread that finds the queue full
 * wakes it early. {@link #stop()} writes what is queued, completes the file and ends the thread, waiting at most
 * {@value #STOP_WAIT_SECONDS} s; {@link #end()} asks for the same without waiting (for the card's thread, when the
 * attachment ends).
 *
 * <p><b>A full queue: the card waits for the file (backpressure).</b> A recording is complete: when the queue is
 * full (the card answers faster than the file is written, which only an in-process card can), {@link #accept} waits
 * on the card's thread until the writer has taken events (it wakes the writer, spins briefly, then parks
 * {@value #FULL_PARK_MICROS} us at a time until half the queue is free, so that the writer has plenty to write while
 * the card goes on; the writer never wakes it, so writing costs no system call per event), and the card goes at the
 * writer's pace. It waits at most {@value #FULL_WAIT_MILLIS} ms per event: when the queue is still full then, the
 * writer is stuck (a disk that hangs), and the recording stops rather than the card waiting on: the events queued
 * before are written once the writer moves again, the file is completed, later events are counted as dropped
 * ({@link #dropped()}) and {@link #failure()} says that the recording fell behind. An interrupted card thread does not
 * wait (the recording stops the same way, its interrupt kept).
 *
 * <p><b>Failures.</b> A failure to write (a full disk, the file's size limit) likewise ends the recording, is kept
 * for {@link #failure()} (naming the file) and logged once; it never reaches the card's thread.
 *
 * <p>Thread-safe (events come from the card's thread and from the backend's event thread; either waits, as above,
 * when the queue is full).
 *
 * <p>Public for the benchmarks alone (they record outside OSGi); its package stays private to the bundle.
 */
public final class SessionFile implements Recording {

    /** How many events may wait for the writer thread. */
    static final int QUEUE_CAPACITY = 16_384;
    /** The longest time a written entry stays in the buffers before it is flushed to the file. */
    static final long FLUSH_MILLIS = 200;
    /** How long {@link #stop()} waits for the writer thread to complete the file. */
    static final long STOP_WAIT_SECONDS = 10;
    /** How long {@link #accept} waits at most for room in a full queue before the recording stops. */
    static final long FULL_WAIT_MILLIS = 2000;
    /** How long {@link #accept} parks at a time while it waits for room (after spinning and yielding). */
    static final long FULL_PARK_MICROS = 50;
    /** How often {@link #accept} retries a full queue with {@link Thread#onSpinWait()} before it parks. */
    private static final int FULL_SPINS = 200;

    private static final System.Logger LOG = System.getLogger(SessionFile.class.getName());
    private static final HexFormat HEX = HexFormat.of();
    /** The most events the writer takes from the queue at once. */
    private static final int BATCH = 256;
    /** How long the writer thread sleeps when the queue is empty. */
    static final long IDLE_MILLIS = 5;
    /** How long the writer thread sleeps first when the queue has become empty. */
    static final long IDLE_FIRST_MICROS = 50;

    private final Path file;
    private final Instant recordedAt;
    private final EventRing<CardTraceEvent> queue;
    private final int capacity;
    private final Thread thread;
    private final long fullWaitNanos;
    private final long recordedAtSecond;
    private final int recordedAtNano;
    /** Written by the writer thread only (and by {@link #stop()} once that thread has ended). */
    private TraceWriter writer;
    private long lastNanos;
    private volatile long apdus;
    private volatile long events;
    /** Whether {@link #accept} still queues events: false once stopped, failed or fallen behind. */
    private volatile boolean accepting = true;
    private volatile boolean stopRequested;
    private volatile boolean fellBehind;
    /** Why it fell behind: the queue stayed full, or the card's thread was interrupted while it waited. */
    private volatile String behind;
    private final AtomicLong dropped = new AtomicLong();
    private volatile String failure;

    private SessionFile(Path file, TraceWriter writer, Instant recordedAt, int capacity, Duration fullWait) {
        this.file = file;
        this.writer = writer;
        this.recordedAt = recordedAt;
        this.recordedAtSecond = recordedAt.getEpochSecond();
        this.recordedAtNano = recordedAt.getNano();
        this.fullWaitNanos = fullWait.toNanos();
        this.queue = new EventRing<>(capacity);
        this.capacity = queue.capacity();
        Path name = file.getFileName();
        this.thread = new Thread(this::run, "scard-recorder " + (name == null ? file : name));
        thread.setDaemon(true);
        thread.start();
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
        return create(file, reader, backend, recordedAt, atrHex, protocol, TraceWriter.DEFAULT_MAX_BYTES);
    }

    /**
     * As {@link #create(Path, String, String, Instant, String, Protocol)}, for a file of at most {@code maxBytes}
     * (the benchmarks record more than the default 64 MiB in a second).
     *
     * @param maxBytes the most bytes the file may hold, at least 1024
     * @throws IOException as there
     */
    public static SessionFile create(Path file, String reader, String backend, Instant recordedAt, String atrHex,
            Protocol protocol, long maxBytes) throws IOException {
        TraceHeader header = header(file, reader, backend, recordedAt, atrHex, protocol);
        try {
            return new SessionFile(file, TraceWriter.open(file, header, maxBytes), recordedAt, QUEUE_CAPACITY,
                    Duration.ofMillis(FULL_WAIT_MILLIS));
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

    /**
     * A recording into {@code out} (which it closes), named {@code file} in its messages, with a queue of
     * {@code capacity} events whose producers wait at most {@code fullWait} for room (tests).
     */
    static SessionFile over(Path file, OutputStream out, String reader, String backend, Instant recordedAt,
            String atrHex, Protocol protocol, int capacity, Duration fullWait) throws IOException {
        TraceHeader header = header(file, reader, backend, recordedAt, atrHex, protocol);
        return new SessionFile(file, TraceWriter.open(out, header, TraceWriter.DEFAULT_MAX_BYTES), recordedAt,
                capacity, fullWait);
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

    /**
     * Queues one event of the session for the writer thread; when the queue is full, waits for room (at most
     * {@value #FULL_WAIT_MILLIS} ms, then the recording stops as fallen behind). After {@link #stop()} or a failure,
     * nothing; once fallen behind, nothing but counting the event as {@linkplain #dropped() dropped}. Never throws.
     */
    public void accept(CardTraceEvent event) {
        if (accepting && (queue.offer(event) || offerWaiting(event))) {
            return;
        }
        if (fellBehind) {
            dropped.incrementAndGet();
        }
    }

    /**
     * Offers {@code event} to the full queue until it takes it (true), the recording ends meanwhile (false), or
     * {@link #fullWaitNanos} pass or the thread is interrupted (false, and the recording has fallen behind).
     */
    private boolean offerWaiting(CardTraceEvent event) {
        long deadline = System.nanoTime() + fullWaitNanos;
        LockSupport.unpark(thread); // the writer may be in its idle sleep: one wake-up per wait, not per event
        for (int spin = 0; spin < FULL_SPINS && accepting; spin++) {
            Thread.onSpinWait();
            if (queue.offer(event)) {
                return true;
            }
        }
        // parked, it resumes once half the queue is free: the writer then has plenty to write while the card goes on
        while (accepting) {
            if (queue.size() <= capacity / 2 && queue.offer(event)) {
                return true;
            }
            if (Thread.currentThread().isInterrupted()) {
                fallBehind("the card's thread was interrupted while it waited for the writer");
                return false;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                if (queue.offer(event)) {
                    return true; // slow, but it moves
                }
                fallBehind("the queue of " + capacity + " events was still full after waiting "
                        + TimeUnit.NANOSECONDS.toMillis(fullWaitNanos) + " ms for the writer");
                return false;
            }
            LockSupport.parkNanos(this, Math.min(left, TimeUnit.MICROSECONDS.toNanos(FULL_PARK_MICROS)));
        }
        return false;
    }

    /** Stops taking events because the writer could not keep up (the first reason counts). */
    private synchronized void fallBehind(String reason) {
        if (!fellBehind && accepting) {
            behind = reason;
            fellBehind = true;
            accepting = false;
        }
    }

    /**
     * The writer thread: writes the queued events in batches until the recording ends. The queue has no lock and
     * nobody waits on it (a waiting consumer would make every {@link #accept} a wake-up, a system call on the card's
     * thread): when it is empty the writer sleeps (from {@value #IDLE_FIRST_MICROS} us, doubling, up to
     * {@value #IDLE_MILLIS} ms), or until {@link #end()} or a card's thread that found the queue full wakes it.
     */
    private void run() {
        List<CardTraceEvent> batch = new ArrayList<>(BATCH);
        long idle = TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS);
        long flushed = System.nanoTime();
        boolean dirty = false;
        try {
            while (true) {
                int taken = queue.drainTo(batch, BATCH);
                for (CardTraceEvent event : batch) {
                    if (write(event)) {
                        dirty = true;
                    }
                }
                batch.clear();
                if ((stopRequested || fellBehind) && queue.isEmpty()) {
                    complete();
                    return;
                }
                if (dirty && System.nanoTime() - flushed >= TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS)) {
                    writer.flush();
                    dirty = false;
                    flushed = System.nanoTime();
                }
                if (taken > 0) {
                    idle = TimeUnit.MICROSECONDS.toNanos(IDLE_FIRST_MICROS);
                } else {
                    LockSupport.parkNanos(this, idle);
                    idle = Math.min(idle * 2, TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS));
                    if (Thread.interrupted()) {
                        end(); // only stop() ends this thread; an interrupt from elsewhere completes the file
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    /**
     * Writes one event (writer thread); whether an entry was written. Its time is the nanoseconds since
     * {@link #recordedAt} (never before the entry before: an event of the backend's thread may come a little later
     * than APDUs sent after it), as milliseconds.
     */
    private boolean write(CardTraceEvent event) throws IOException {
        Instant time = event.time();
        long nanos = (time.getEpochSecond() - recordedAtSecond) * 1_000_000_000L + (time.getNano() - recordedAtNano);
        lastNanos = Math.max(lastNanos, nanos);
        TraceEntry entry;
        try {
            entry = entry(event, lastNanos / 1_000_000.0);
        } catch (IllegalArgumentException e) {
            LOG.log(Level.DEBUG, "not recorded in '" + file + "': " + event + ": " + e.getMessage());
            return false;
        }
        if (entry == null) {
            return false;
        }
        writer.write(entry);
        if (entry.type() == TraceEntry.Type.APDU) {
            apdus++;
        } else {
            events++;
        }
        return true;
    }

    /** Completes the file (writer thread): the end of a stopped recording, or of one that fell behind. */
    private void complete() {
        TraceWriter open = writer;
        writer = null;
        accepting = false;
        if (fellBehind) {
            LOG.log(Level.WARNING, failure());
        }
        try {
            open.close();
        } catch (IOException | RuntimeException e) {
            if (failure == null && !fellBehind) {
                failure = "completing '" + file + "' failed: " + reason(e);
                LOG.log(Level.WARNING, failure);
            }
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

    /** Ends the recording after a failure to write (writer thread). */
    private void fail(Exception e) {
        accepting = false;
        failure = "writing '" + file + "' failed: " + reason(e) + "; the recording stopped (the file holds what was"
                + " written before)";
        LOG.log(Level.WARNING, failure);
        TraceWriter broken = writer;
        writer = null;
        if (broken == null) {
            return;
        }
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

    /** How many APDUs were written so far (the writer thread may still hold some queued). */
    @Override
    public long apdus() {
        return apdus;
    }

    /** How many other entries were written so far (the writer thread may still hold some queued). */
    @Override
    public long events() {
        return events;
    }

    /** How many events were not recorded because the recording had fallen behind (the first one included). */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public boolean isRecording() {
        return accepting;
    }

    /**
     * Why the recording stopped on its own: it fell behind (the events not recorded counted up to now), writing
     * failed, or completing the file takes too long; null when it did not.
     */
    @Override
    public String failure() {
        if (fellBehind) {
            return "recording into '" + file + "' fell behind the card (" + behind + ") and stopped; the file holds"
                    + " the session up to there, " + dropped.get() + " later events were not recorded";
        }
        return failure;
    }

    /**
     * Ends the recording without waiting: later events are not queued, the writer thread writes the queued ones and
     * completes the file. For the card's thread (the attachment ended); idempotent.
     */
    public void end() {
        accepting = false;
        stopRequested = true;
        LockSupport.unpark(thread);
    }

    /**
     * Ends the recording and returns once the file is complete, waiting at most {@value #STOP_WAIT_SECONDS} s for the
     * writer thread (then {@link #failure()} says that the file is being completed still); idempotent.
     */
    @Override
    public void stop() {
        end();
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(STOP_WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive() && failure == null) {
            failure = "completing '" + file + "' takes longer than " + STOP_WAIT_SECONDS + " s; it goes on in the"
                    + " background (the file is incomplete until then)";
            LOG.log(Level.WARNING, failure);
        }
    }
}
