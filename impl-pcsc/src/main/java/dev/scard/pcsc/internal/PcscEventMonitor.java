package dev.scard.pcsc.internal;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.core.log.Log;
import dev.scard.pcsc.internal.PcscApi.ReaderState;

/**
 * Watches the PC/SC readers and publishes what changes as {@link SCardEvent}s (docs/decisions.md, "Services and scopes"): one thread
 * ({@value #THREAD_NAME}) with a context of its own, blocked in {@code SCardGetStatusChange} over every reader the
 * filter admits plus {@link PcscApi#PNP_NOTIFICATION}, so it costs nothing while nothing happens (no polling loop).
 * Each time the call returns it lists the readers again, reads their states (timeout 0) and publishes the difference
 * to what it saw before ({@link #diff}): {@code READER_ADDED}/{@code READER_REMOVED}, {@code CARD_INSERTED} (with
 * the ATR) and {@code CARD_REMOVED}, in the order they happened for each reader.
 *
 * <p><b>What pcsc-lite lets it see.</b> Readers that come and go (the PnP reader; a reader that appeared in the
 * microseconds between listing the readers and waiting is seen at the next wake-up, at the latest after
 * {@value #WAIT_MILLIS} ms, the wait's safety timeout, since pcsc-lite 1.9 counts readers from the start of each
 * call); insertions and removals (the reader's state and its event counter, so a card removed and inserted again
 * between two wake-ups gives {@code CARD_REMOVED} then {@code CARD_INSERTED}). Not a card inserted and removed
 * again between two wake-ups (no ATR to tell), and not resets: a reset changes neither the reader's state nor its
 * counter. Resets that this backend's own connections carry out are handed to this thread ({@link #cardReset}), which
 * publishes {@code CARD_RESET} after its next look, in order with the other events (dropped when the card went away
 * meanwhile); resets by other applications are not visible. Sharing changes (a connection opened or
 * closed) are masked out of the known state, so they do not wake the monitor.
 *
 * <p><b>Service restarts.</b> When pcscd goes away ({@code SCARD_E_NO_SERVICE}, {@code SCARD_E_SERVICE_STOPPED},
 * {@code SCARD_F_COMM_ERROR}, an invalid context) the monitor releases its context, backs off (50 ms doubling to
 * 2 s, waiting on a monitor, not spinning), establishes a new context and publishes what changed meanwhile. Nothing
 * is published while the service is away. A card present before and after a restart was powered up anew by the new
 * daemon (every handle to it died): it gives {@code CARD_REMOVED} and {@code CARD_INSERTED}.
 *
 * <p><b>Lifetime.</b> The first listing publishes {@code READER_ADDED} for every reader and {@code CARD_INSERTED}
 * for every card in them; {@link #stop()} ends the wait with {@code SCardCancel}, joins the thread, releases the
 * context and publishes {@code CARD_REMOVED} (where a card was in) and {@code READER_REMOVED} for every reader it
 * knew, as when a reader goes away.
 */
final class PcscEventMonitor {

    /** Name of the monitor thread. */
    static final String THREAD_NAME = "scard-pcsc-monitor";
    /** The wait's safety timeout: the reader list is read again at least this often. */
    static final int WAIT_MILLIS = 60_000;

    private static final Log LOG = PcscComponent.LOGS.logger(PcscEventMonitor.class);
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final long MIN_BACKOFF_MILLIS = 50;
    private static final long MAX_BACKOFF_MILLIS = 2_000;
    private static final long STOP_WAIT_MILLIS = 3_000;
    /**
     * Quick returns in a row that changed nothing (a wake-up within {@value #QUICK_MILLIS} ms without events,
     * {@code SCARD_E_UNKNOWN_READER} or {@code SCARD_E_TIMEOUT} at once) before the monitor slows down (a confused
     * library, a reader that keeps vanishing).
     */
    private static final int IDLE_WAKEUPS_BEFORE_PAUSE = 20;
    /** What counts as a quick return of SCardGetStatusChange. */
    private static final long QUICK_MILLIS = 5;
    /** The wait's renewal when the library rejects the PnP reader: readers that come and go are seen this late. */
    static final int NO_PNP_WAIT_MILLIS = 5_000;
    /** State bits that only tell who uses the card; masked out of the known state so they never wake the monitor. */
    private static final int SHARING_BITS = PcscPlatform.STATE_INUSE | PcscPlatform.STATE_EXCLUSIVE;

    /** What the monitor knows of a reader: whether a card is in, its event counter (-1 where none) and ATR. */
    record Seen(boolean present, int counter, byte[] atr) {

        Seen {
            atr = atr == null ? new byte[0] : atr.clone();
        }

        @Override
        public byte[] atr() {
            return atr.clone();
        }

        boolean sameInsertion(Seen other) {
            if (counter >= 0 && other.counter >= 0) {
                return counter == other.counter;
            }
            return Arrays.equals(atr, other.atr);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Seen s && present == s.present && counter == s.counter && Arrays.equals(atr, s.atr);
        }

        @Override
        public int hashCode() {
            return Boolean.hashCode(present) * 31 + counter;
        }

        @Override
        public String toString() {
            return present ? "card " + HEX.formatHex(atr) + " #" + counter : "empty #" + counter;
        }
    }

    private final PcscBackend backend;
    private final Consumer<SCardEvent> sink;
    private final Thread thread;
    private final Object lock = new Object();
    private volatile boolean stopping;
    /** Incremented by {@link #wake()}; the thread copies it to {@link #refreshSeen} each time it looks again. */
    private volatile long refreshRequested;
    private volatile long refreshSeen;
    /** The context the thread waits in, for {@link #wake()}; guarded by {@link #lock}. */
    private PcscApi contextApi;
    private long context;
    private boolean hasContext;
    /**
     * SCardCancel calls on {@link #context} running now (made outside {@link #lock}, so a wedged library holds up
     * neither the thread's bookkeeping nor {@link #stop()}); the thread releases the context only when none runs, or
     * after {@value #STOP_WAIT_MILLIS} ms. Guarded by {@link #lock}.
     */
    private int cancelsInFlight;
    /** Readers whose card this backend's connections reset, to publish after the next look; guarded by {@link #lock}. */
    private final List<String> resets = new ArrayList<>();
    /** What the thread saw last; written by the thread, read by {@link #stop()} after it ended. */
    private final Map<String, Seen> known = new LinkedHashMap<>();
    private boolean warnedTooMany;

    /** A monitor of {@code backend}'s readers publishing to {@code sink}; {@link #start()} starts it. */
    PcscEventMonitor(PcscBackend backend, Consumer<SCardEvent> sink) {
        this.backend = backend;
        this.sink = sink;
        this.thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
    }

    /** Starts the monitor thread. */
    void start() {
        thread.start();
    }

    /** Whether the monitor thread runs (for tests). */
    boolean running() {
        return thread.isAlive();
    }

    /**
     * Makes the thread look again (list the readers, read their states) before this returns, at most a second later:
     * ends its wait ({@code SCardCancel}) or its back-off, again until the thread has started a new look (a cancel
     * that arrives just before the thread enters SCardGetStatusChange is lost). Used when the reader filter or the
     * library changed.
     */
    void wake() {
        long request;
        synchronized (lock) {
            request = ++refreshRequested;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (refreshSeen < request && thread.isAlive() && !stopping && System.nanoTime() - deadline < 0) {
            interruptWait(false);
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Notes a reset that a connection of this backend carried out on the card in {@code readerName}: the thread
     * publishes {@code CARD_RESET} after its next look at the readers (so after any removal that happened before),
     * with the ATR it reads then, unless the card or the reader went away (or was replaced) meanwhile. Does not wait:
     * the thread is woken from a helper thread. Dropped once the monitor stops.
     */
    void cardReset(String readerName) {
        synchronized (lock) {
            if (stopping) {
                return;
            }
            resets.add(readerName);
        }
        try {
            backend.runNative(this::wake);
        } catch (SCardException e) {
            // stopped meanwhile: the notice is dropped
        }
    }

    /**
     * Ends the thread's wait in SCardGetStatusChange ({@code SCardCancel}) or its back-off, once. The cancel runs
     * outside {@link #lock}; {@code async} runs it on a thread of its own (at most one at a time), for {@link #stop()}
     * whose wait is bounded even when the library does not return.
     */
    private void interruptWait(boolean async) {
        PcscApi api;
        long ctx;
        synchronized (lock) {
            lock.notifyAll();
            if (!hasContext || (async && cancelsInFlight > 0)) {
                return;
            }
            api = contextApi;
            ctx = context;
            cancelsInFlight++;
        }
        Runnable cancel = () -> {
            try {
                api.cancel(ctx);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.DEBUG, "SCardCancel failed", e);
            } finally {
                synchronized (lock) {
                    cancelsInFlight--;
                    lock.notifyAll();
                }
            }
        };
        if (!async) {
            cancel.run();
            return;
        }
        Thread canceller = new Thread(cancel, THREAD_NAME + "-cancel");
        canceller.setDaemon(true);
        try {
            canceller.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            cancel.run();
        }
    }

    /**
     * Stops the thread (cancelling its wait until it has left, since a cancel that comes before the call is lost),
     * which releases its context, then publishes {@code READER_REMOVED} for the readers it knew. Idempotent.
     */
    void stop() {
        stop(STOP_WAIT_MILLIS);
    }

    /** {@link #stop()} waiting at most {@code waitMillis} for the thread (the backend's stop has its own limit). */
    void stop(long waitMillis) {
        if (stopping) {
            return;
        }
        stopping = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        boolean interrupted = false;
        synchronized (lock) {
            resets.clear(); // resets not published yet are dropped: the readers go now
        }
        while (thread.isAlive() && System.nanoTime() - deadline < 0) {
            interruptWait(true);
            try {
                thread.join(20);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.log(Level.WARNING, PcscComponent.PID + ": the PC/SC monitor thread did not end within "
                    + waitMillis + " ms; it ends when the PC/SC library returns");
            return;
        }
        // as if every reader went away: CARD_REMOVED (where a card was in) before each READER_REMOVED
        for (SCardEvent event : diff(known, Map.of(), false, PcscBackend.NAME)) {
            sink.accept(event);
        }
        known.clear();
    }

    // ---------------------------------------------------------------- the thread

    private void run() {
        long backoff = MIN_BACKOFF_MILLIS;
        boolean restarted = false;
        while (!stopping) {
            PcscApi api;
            long[] out = new long[1];
            int code;
            try {
                api = backend.api();
                code = api.establishContext(out);
            } catch (SCardException e) {
                if (stopping) {
                    break;
                }
                pause(Math.max(backoff, 1000)); // no library: it is tried again at most once a second anyway
                continue;
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.WARNING, PcscComponent.PID + ": the PC/SC monitor could not establish a context", e);
                pause(MAX_BACKOFF_MILLIS);
                continue;
            }
            if (code != PcscErrors.SUCCESS) {
                restarted |= !known.isEmpty(); // the service is away: what comes back is a new daemon
                pause(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                continue;
            }
            synchronized (lock) {
                contextApi = api;
                context = out[0];
                hasContext = true;
            }
            try {
                code = watch(api, out[0], restarted);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.WARNING, PcscComponent.PID + ": the PC/SC monitor failed; it starts again", e);
                code = PcscErrors.F_INTERNAL_ERROR;
            } finally {
                synchronized (lock) {
                    hasContext = false;
                    // a cancel still running on the context would meet a released (or another) context
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MILLIS);
                    long left;
                    while (cancelsInFlight > 0 && (left = until - System.nanoTime()) > 0) {
                        try {
                            lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                }
                try {
                    api.releaseContext(out[0]);
                } catch (RuntimeException | LinkageError e) {
                    // the context goes with the library's state
                }
            }
            restarted = PcscErrors.serviceGone(code) || code == PcscErrors.E_INVALID_HANDLE;
            if (restarted || code == PcscErrors.F_INTERNAL_ERROR) {
                pause(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            } else {
                backoff = MIN_BACKOFF_MILLIS;
            }
        }
    }

    /**
     * Lists, reads, publishes and waits until the context fails or the monitor stops or the library changed.
     *
     * @return the code that ended it: a service-gone code, {@code SCARD_E_INVALID_HANDLE}, or 0 (stopping, or the
     *         backend uses another library now)
     */
    private int watch(PcscApi api, long ctx, boolean afterRestart) {
        boolean restarted = afterRestart;
        int pnpState = 0;
        boolean pnp = true; // false once the library rejected the PnP reader: the wait is renewed more often then
        int idleWakeups = 0;
        List<String> resetsToPublish = new ArrayList<>();
        for (;;) {
            synchronized (lock) {
                refreshSeen = refreshRequested;
                resetsToPublish.addAll(resets);
                resets.clear();
            }
            if (stopping || currentApi() != api) {
                return 0;
            }
            List<String> names = new ArrayList<>();
            int code = api.listReaders(ctx, names);
            if (code == PcscErrors.E_NO_READERS_AVAILABLE) {
                names.clear();
            } else if (code != PcscErrors.SUCCESS) {
                if (gone(code)) {
                    return code;
                }
                LOG.log(Level.DEBUG, "SCardListReaders returned " + PcscErrors.hex(code));
                pause(MIN_BACKOFF_MILLIS);
                continue;
            }
            names.removeIf(name -> !backend.settings().admits(name) || name.equals(PcscApi.PNP_NOTIFICATION));
            int room = backend.platform().maxReadersPerStatusCall() - 1; // one entry is the PnP reader
            if (names.size() > room) {
                if (!warnedTooMany) {
                    warnedTooMany = true;
                    LOG.log(Level.WARNING, PcscComponent.PID + ": " + names.size() + " readers; events are "
                            + "published for the first " + room + " only (one SCardGetStatusChange takes "
                            + (room + 1) + " entries)");
                }
                names = new ArrayList<>(names.subList(0, room));
            }
            ReaderState[] now = new ReaderState[names.size()];
            for (int i = 0; i < now.length; i++) {
                now[i] = new ReaderState(names.get(i));
            }
            if (now.length > 0) {
                code = api.getStatusChange(ctx, 0, now);
                if (code == PcscErrors.E_UNKNOWN_READER || code == PcscErrors.E_TIMEOUT) {
                    // a reader went away between listing and reading: list again (slowing down if it keeps on)
                    idleWakeups = quickReturn(idleWakeups);
                    continue;
                }
                if (code != PcscErrors.SUCCESS) {
                    if (gone(code)) {
                        return code;
                    }
                    LOG.log(Level.DEBUG, "SCardGetStatusChange returned " + PcscErrors.hex(code));
                    pause(MIN_BACKOFF_MILLIS);
                    continue;
                }
            }
            Map<String, Seen> observed = new LinkedHashMap<>();
            for (ReaderState state : now) {
                observed.put(state.readerName, seen(state));
            }
            List<SCardEvent> events = diff(known, observed, restarted, PcscBackend.NAME);
            restarted = false;
            known.clear();
            known.putAll(observed);
            for (SCardEvent event : events) {
                sink.accept(event);
            }
            for (String reader : resetsToPublish) {
                Seen current = observed.get(reader);
                boolean removed = events.stream().anyMatch(e -> e.type() == SCardEvent.Type.CARD_REMOVED
                        && e.readerName().equals(reader));
                if (current != null && current.present() && !removed && !stopping) {
                    sink.accept(new SCardEvent(SCardEvent.Type.CARD_RESET, reader, PcscBackend.NAME,
                            HEX.formatHex(current.atr())));
                } // else the card (or its reader) went away after the reset, or was replaced: dropped
            }
            resetsToPublish.clear();

            ReaderState[] wait = new ReaderState[now.length + (pnp ? 1 : 0)];
            for (int i = 0; i < now.length; i++) {
                wait[i] = new ReaderState(now[i].readerName);
                wait[i].currentState = (int) now[i].eventState & ~PcscPlatform.STATE_CHANGED & ~SHARING_BITS;
            }
            if (pnp) {
                wait[now.length] = new ReaderState(PcscApi.PNP_NOTIFICATION);
                wait[now.length].currentState = pnpState;
            }
            if (stopping) {
                return 0;
            }
            if (wait.length == 0) { // no reader and no PnP reader: nothing to wait on but the renewal
                pause(NO_PNP_WAIT_MILLIS);
                continue;
            }
            synchronized (lock) {
                if (!resets.isEmpty()) {
                    continue; // a reset came meanwhile: look again at once rather than wait
                }
            }
            long began = System.nanoTime();
            code = api.getStatusChange(ctx, pnp ? WAIT_MILLIS : NO_PNP_WAIT_MILLIS, wait);
            boolean quick = System.nanoTime() - began < TimeUnit.MILLISECONDS.toNanos(QUICK_MILLIS);
            if (code == PcscErrors.SUCCESS) {
                if (pnp) {
                    pnpState = (int) wait[now.length].eventState & ~PcscPlatform.STATE_CHANGED;
                }
                idleWakeups = quick && events.isEmpty() ? quickReturn(idleWakeups) : 0;
            } else if (gone(code)) {
                return code;
            } else if (code == PcscErrors.E_UNKNOWN_READER) {
                if (pnp && quick && allStillListed(api, ctx, names)) {
                    // every reader waited on is there: it is the PnP reader the library does not know
                    pnp = false;
                    LOG.log(Level.DEBUG, "SCardGetStatusChange does not know " + PcscApi.PNP_NOTIFICATION
                            + "; readers that come and go are seen within " + NO_PNP_WAIT_MILLIS + " ms");
                }
                idleWakeups = quick ? quickReturn(idleWakeups) : 0;
            } else if (code == PcscErrors.E_TIMEOUT) {
                idleWakeups = quick ? quickReturn(idleWakeups) : 0;
            } else if (code != PcscErrors.E_CANCELLED) {
                LOG.log(Level.DEBUG, "SCardGetStatusChange returned " + PcscErrors.hex(code));
                pause(MIN_BACKOFF_MILLIS);
            }
        }
    }

    /**
     * Counts one more quick return that changed nothing and pauses after {@value #IDLE_WAKEUPS_BEFORE_PAUSE} in a row.
     *
     * @return the new count
     */
    private int quickReturn(int idleWakeups) {
        if (idleWakeups + 1 < IDLE_WAKEUPS_BEFORE_PAUSE) {
            return idleWakeups + 1;
        }
        LOG.log(Level.DEBUG, "SCardGetStatusChange keeps returning at once without a change; pausing");
        pause(100);
        return 0;
    }

    /** Whether the library lists every reader of {@code names} still. */
    private static boolean allStillListed(PcscApi api, long ctx, List<String> names) {
        List<String> listed = new ArrayList<>();
        int code = api.listReaders(ctx, listed);
        if (code == PcscErrors.E_NO_READERS_AVAILABLE) {
            return names.isEmpty();
        }
        return code == PcscErrors.SUCCESS && listed.containsAll(names);
    }

    private PcscApi currentApi() {
        try {
            return backend.api();
        } catch (SCardException e) {
            return null;
        }
    }

    private static boolean gone(int code) {
        return PcscErrors.serviceGone(code) || code == PcscErrors.E_INVALID_HANDLE;
    }

    private Seen seen(ReaderState state) {
        ReaderSnapshot snapshot = new ReaderSnapshot(state.readerName, state.eventState, state.atr,
                backend.platform().eventCounter(state.eventState));
        return new Seen(snapshot.present(), snapshot.counter(), snapshot.atr());
    }

    /** Waits {@code millis} or until {@link #wake()} / {@link #stop()}. */
    private void pause(long millis) {
        synchronized (lock) {
            if (stopping) {
                return;
            }
            try {
                lock.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------- the difference

    /**
     * The events that lead from {@code before} to {@code after}, reader by reader in {@code after}'s order (readers
     * that went away first): a reader that went away gives {@code CARD_REMOVED} (when it had a card) then
     * {@code READER_REMOVED}; a new reader {@code READER_ADDED} then {@code CARD_INSERTED} (when it has a card); a
     * reader that stayed gives {@code CARD_REMOVED} when its card went, {@code CARD_INSERTED} when one came, and both
     * when another insertion replaced its card (the event counter, or the ATR where there is none, changed) or when
     * the PC/SC service restarted in between ({@code restarted}: the new daemon powered every card up anew).
     */
    static List<SCardEvent> diff(Map<String, Seen> before, Map<String, Seen> after, boolean restarted,
            String backendName) {
        List<SCardEvent> events = new ArrayList<>();
        for (Map.Entry<String, Seen> old : before.entrySet()) {
            if (!after.containsKey(old.getKey())) {
                if (old.getValue().present()) {
                    events.add(new SCardEvent(SCardEvent.Type.CARD_REMOVED, old.getKey(), backendName, ""));
                }
                events.add(new SCardEvent(SCardEvent.Type.READER_REMOVED, old.getKey(), backendName, ""));
            }
        }
        for (Map.Entry<String, Seen> now : after.entrySet()) {
            String reader = now.getKey();
            Seen current = now.getValue();
            Seen previous = before.get(reader);
            if (previous == null) {
                events.add(new SCardEvent(SCardEvent.Type.READER_ADDED, reader, backendName, ""));
                if (current.present()) {
                    events.add(inserted(reader, current, backendName));
                }
                continue;
            }
            if (previous.present() && (!current.present() || restarted || !previous.sameInsertion(current))) {
                events.add(new SCardEvent(SCardEvent.Type.CARD_REMOVED, reader, backendName, ""));
                if (current.present()) {
                    events.add(inserted(reader, current, backendName));
                }
            } else if (!previous.present() && current.present()) {
                events.add(inserted(reader, current, backendName));
            }
        }
        return events;
    }

    private static SCardEvent inserted(String reader, Seen seen, String backendName) {
        return new SCardEvent(SCardEvent.Type.CARD_INSERTED, reader, backendName, HEX.formatHex(seen.atr()));
    }
}
