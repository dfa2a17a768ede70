package dev.scard.pcsc.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.api.SCardServiceProperties;
import dev.scard.api.ShareMode;
import dev.scard.core.log.Log;
import dev.scard.core.spi.Arguments;
import dev.scard.core.spi.Backend;
import dev.scard.pcsc.internal.PcscApi.ReaderState;
import dev.scard.pcsc.internal.PcscApi.StatusResult;
import dev.scard.pcsc.internal.PcscErrors.Call;

/**
 * The PC/SC readers as a {@link Backend} for the shared core. Plain Java: the DS components wrap it.
 *
 * <p><b>Contexts and recovery.</b> The backend's own {@code SCARDCONTEXT} (the <i>control context</i>) serves
 * {@link #listReaders()} and {@link #readerInfo(String)}; every connection has a context of its own (see
 * {@link NativeConnection} for why). Nothing is cached: readers that appear or disappear are seen at the next call.
 * When a call on the control context reports that the service is gone ({@code SCARD_E_NO_SERVICE},
 * {@code SCARD_E_SERVICE_STOPPED}, {@code SCARD_F_COMM_ERROR}) or that the context is invalid
 * ({@code SCARD_E_INVALID_HANDLE}), the context is released and a new one is established for one more try, so the
 * first call after pcscd came back works; while the service is away, calls fail with {@code SCARD_E_NO_SERVICE}
 * and a message that says so. Before each use the context is also checked with {@code SCardIsValidContext}, which
 * catches a context the client library no longer knows, but not a daemon that went away: pcsc-lite answers it from
 * its own table, where the context of a daemon that restarted stays "valid". When the PC/SC library itself
 * cannot be loaded, the backend still works as a service and every call fails with {@code SCARD_E_NO_SERVICE} naming
 * the library; loading is tried again at most once a second.
 *
 * <p><b>Transactions.</b> The backend knows which of its own connections holds (or is acquiring) the transaction
 * of each reader's card ({@link CardLock}). Its other connections wait for that one in Java, parked and
 * interruptible, and go on the moment it ends, instead of entering library calls that would poll pcscd every 100 ms
 * and could not be interrupted. A waiting caller checks the reader every {@link PcscSettings#cardCheck()}: a removed
 * card ends every transaction on it (pcscd drops the lock). Transactions of other applications are waited for inside
 * the library; see {@link PcscConnection} for how those waits are bounded.
 *
 * <p><b>Helper threads.</b> Native calls that may wait inside pcscd without a way to abort them (opening a
 * connection waits while any handle holds the card's transaction; beginning a transaction polls until the card is
 * free) run on the backend's helper threads while the caller waits in Java, interruptibly, with its timeout, and
 * watching for the connection to be closed. A begin-transaction call is ended by disconnecting its handle; an open
 * cannot be ended at all, so a caller that gives up abandons it (the helper disconnects what it opened once pcscd
 * lets it through). Every other native call on a connection's handle runs on that handle's worker thread, bounded
 * by the call timeout ({@link #callTimeout()}, see {@link PcscConnection}). {@link #stop()} closes every connection
 * (which ends every lock wait and library-side poll, and never waits for a call stuck on a card) and waits at most
 * {@value #STOP_WAIT_MILLIS} ms in all for the monitor and the helper threads, logging those still inside the
 * library; they are abandoned daemon threads that release what they hold when the library returns.
 */
public final class PcscBackend implements Backend {

    /** The backend's name, the {@code scard.backend} property value. */
    static final String NAME = SCardServiceProperties.BACKEND_PCSC;

    private static final Log LOG = PcscComponent.LOGS.logger(PcscBackend.class);
    private static final long RETRY_LOAD_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * How long stop() takes at most, whatever the cards and the library do: the monitor, the helper threads and the
     * contexts get what is left of it; threads still stuck in the library then are abandoned (daemon threads that
     * release what they hold when the library returns). Well under the 2 s a whole bundle stop may take: SCR
     * deactivates the backend's other components around it.
     */
    static final long STOP_WAIT_MILLIS = 1_000;
    /** The part of {@link #STOP_WAIT_MILLIS} the event monitor's thread gets to end. */
    private static final long MONITOR_STOP_MILLIS = 500;

    /** Loads the PC/SC library; throws {@link UnsatisfiedLinkError} when it cannot. */
    @FunctionalInterface
    interface Loader {
        PcscApi load();
    }

    /** Loads the PC/SC library at a path (empty: the platform's); throws {@link UnsatisfiedLinkError} when it cannot. */
    @FunctionalInterface
    interface LibraryLoader {
        PcscApi load(String libraryPath);
    }

    /** One call on a context, returning the PC/SC return code. */
    @FunctionalInterface
    interface ContextCall {
        int call(PcscApi api, long context);
    }

    private final PcscPlatform platform;
    private volatile PcscSettings settings;
    private final LibraryLoader libraries;
    private final Object reconfigureLock = new Object();
    private volatile Loader loader; // guarded by loadLock when written
    private volatile String libraryName; // guarded by loadLock when written

    private final Object loadLock = new Object();
    private volatile PcscApi api;
    /** The idle connection contexts of {@link #api}; created with it, closed by {@link #stop()}. */
    private volatile ContextPool contexts;
    private volatile String unavailableReason;
    private long nextLoadAttempt; // guarded by loadLock

    private final ReentrantReadWriteLock controlLock = new ReentrantReadWriteLock();
    private long controlContext; // guarded by controlLock
    private PcscApi controlLibrary; // guarded by controlLock: the library the control context belongs to
    private boolean controlValid; // guarded by controlLock

    private final ConcurrentHashMap<String, CardLock> cardLocks = new ConcurrentHashMap<>();
    private final Set<PcscConnection> connections = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor natives;
    /** Runs the connections' call workers ({@link NativeConnection#call}); threads are reused between connections. */
    private final ThreadPoolExecutor workers;
    private volatile boolean stopped;
    private PcscEventMonitor monitor; // guarded by this

    /** A backend on the platform's PC/SC library (or the configured one), loaded at first use. */
    public PcscBackend(PcscPlatform platform, PcscSettings settings) {
        this(platform, settings, path -> JnaPcscApi.load(platform, path));
    }

    /** A backend on the libraries {@code libraries} loads by path (tests use fake libraries). */
    PcscBackend(PcscPlatform platform, PcscSettings settings, LibraryLoader libraries) {
        this(platform, settings, () -> libraries.load(settings.libraryPath()), libraryName(platform, settings),
                libraries);
    }

    /** A backend on whatever {@code loader} loads, for any library path (tests use a fake library). */
    PcscBackend(PcscPlatform platform, PcscSettings settings, Loader loader, String libraryName) {
        this(platform, settings, loader, libraryName, path -> loader.load());
    }

    private PcscBackend(PcscPlatform platform, PcscSettings settings, Loader loader, String libraryName,
            LibraryLoader libraries) {
        this.platform = platform;
        this.settings = settings;
        this.loader = loader;
        this.libraryName = libraryName;
        this.libraries = libraries;
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, "scard-pcsc-native-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        natives = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), factory);
        AtomicInteger workerNumber = new AtomicInteger();
        ThreadFactory workerFactory = task -> {
            Thread thread = new Thread(task, "scard-pcsc-call-" + workerNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        workers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                workerFactory);
    }

    /** The platform the backend runs on. */
    PcscPlatform platform() {
        return platform;
    }

    /** The settings in force (those it was created with, or the last ones {@link #reconfigure} applied). */
    PcscSettings settings() {
        return settings;
    }

    /** The library a configuration names, for messages: its path, or the platform's default. */
    static String libraryName(PcscPlatform platform, PcscSettings settings) {
        return settings.libraryPath().isBlank() ? platform.defaultLibrary() : settings.libraryPath();
    }

    /**
     * Applies changed settings in place, keeping every connection, lock and attachment: the reader filter (readers
     * it hides become unknown to new calls; the event monitor publishes them as removed), the waits' intervals, and
     * the library. A new library path is loaded first; connections already open stay on the library they were opened
     * with, new connections and the reader listing use the new one.
     *
     * @throws IllegalArgumentException when the new library cannot be loaded: nothing changed then
     * @throws SCardException {@link HResult#SCARD_E_SERVICE_STOPPED} after {@link #stop()}
     */
    void reconfigure(PcscSettings next) {
        requireRunning();
        synchronized (reconfigureLock) {
            if (next.otherLibrary(settings)) {
                String name = libraryName(platform, next);
                PcscApi loaded;
                try {
                    loaded = libraries.load(next.libraryPath());
                } catch (UnsatisfiedLinkError | SecurityException e) {
                    String detail = String.valueOf(e.getMessage()).lines().findFirst().orElse("").trim();
                    throw new IllegalArgumentException("libraryPath '" + next.libraryPath() + "': PC/SC library "
                            + name + " not found or not loadable (" + detail + ")");
                }
                useLibrary(loaded, name, next);
            } else {
                settings = next;
            }
        }
        wakeMonitor();
    }

    /** Switches to another, loaded, library: new connections and the control context use it. */
    private void useLibrary(PcscApi loaded, String name, PcscSettings next) {
        ContextPool old;
        synchronized (loadLock) {
            old = contexts;
            contexts = new ContextPool(loaded);
            api = loaded;
            loader = () -> loaded;
            libraryName = name;
            unavailableReason = null;
            settings = next;
            if (stopped) {
                contexts.close();
            }
        }
        if (old != null) {
            old.close(); // connections still on the old library give their contexts back to it: released then
        }
        controlLock.writeLock().lock();
        try {
            if (controlValid) {
                controlValid = false;
                releaseQuietly(controlLibrary, controlContext);
            }
        } finally {
            controlLock.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------------- events

    /**
     * Starts publishing reader and card events to {@code sink} (see {@link PcscEventMonitor}); resets that this
     * backend's connections carry out are published too. Does nothing after {@link #stop()} or when started already.
     */
    void startEvents(Consumer<SCardEvent> sink) {
        synchronized (this) {
            if (stopped || monitor != null) {
                return;
            }
            monitor = new PcscEventMonitor(this, sink);
            monitor.start();
        }
    }

    /** The event monitor, or null when events were not started (for tests). */
    synchronized PcscEventMonitor monitor() {
        return monitor;
    }

    private void wakeMonitor() {
        PcscEventMonitor running;
        synchronized (this) {
            running = monitor;
        }
        if (running != null) {
            running.wake();
        }
    }

    /**
     * Publishes {@code CARD_RESET} for a reset that a connection of this backend carried out on the card in
     * {@code readerName}. pcscd shows resets in no reader state, so the monitor cannot see them; resets by other
     * applications are not published. The notice goes through the monitor thread ({@link PcscEventMonitor#cardReset}),
     * which publishes it after what its next look at the readers shows, with the ATR it reads then, so that it keeps
     * its order with the monitor's own events: it is dropped when the card or the reader went away meanwhile, or the
     * backend stopped. Does not wait for the monitor.
     */
    void cardReset(String readerName) {
        PcscEventMonitor running;
        synchronized (this) {
            running = monitor;
        }
        if (running == null || stopped) {
            return;
        }
        running.cardReset(readerName);
    }

    // ---------------------------------------------------------------- Backend

    /** {@value #NAME}. */
    @Override
    public String name() {
        return NAME;
    }

    /** {@inheritDoc} The configured {@code callTimeoutMillis} ({@link PcscSettings#callTimeout()}), applied live. */
    @Override
    public Duration callTimeout() {
        return settings.callTimeout();
    }

    /** {@link #callTimeout()} in nanoseconds. */
    long callTimeoutNanos() {
        return settings.callTimeout().toNanos();
    }

    /** The failure of a call that did not return within the call timeout. */
    SCardException timeoutFailure(Call call, String readerName) {
        return new SCardException(HResult.SCARD_E_TIMEOUT, call.function() + " on reader '" + readerName
                + "' did not return within the call timeout of " + settings.callTimeout().toMillis()
                + " ms (callTimeoutMillis)");
    }

    /**
     * {@inheritDoc} The readers the PC/SC service lists now (those the reader filter admits), in its order, each
     * with its state from {@code SCardGetStatusChange}; no readers ({@code SCARD_E_NO_READERS_AVAILABLE}) is an
     * empty list.
     *
     * @throws SCardException {@link HResult#SCARD_E_NO_SERVICE} when the service or the library is unavailable;
     *         {@link HResult#SCARD_E_SERVICE_STOPPED} after {@link #stop()}
     */
    @Override
    public List<ReaderInfo> listReaders() {
        for (int attempt = 0;; attempt++) {
            List<String> names = readerNames();
            try {
                List<ReaderInfo> infos = new ArrayList<>(names.size());
                for (ReaderSnapshot snapshot : snapshots(names)) {
                    infos.add(snapshot.info(NAME));
                }
                return infos;
            } catch (SCardException e) {
                if (e.code() != HResult.SCARD_E_UNKNOWN_READER || attempt >= 2) {
                    throw e;
                }
                // a reader went away between listing and asking for its state: list again
            }
        }
    }

    /** {@inheritDoc} Readers the filter hides are unknown. */
    @Override
    public ReaderInfo readerInfo(String readerName) {
        requireAdmitted(readerName);
        return snapshot(readerName).info(NAME);
    }

    /**
     * {@inheritDoc} Waits while another connection of this backend holds the card's transaction, and (inside pcscd)
     * while another application does: pcscd does not connect while the card is in a transaction. {@link Protocol#RAW}
     * is asked for only when T=0 and T=1 do not match (pcsc-lite would switch the card to RAW otherwise).
     *
     * @throws SCardException also {@link HResult#SCARD_E_CANCELLED} when the thread is interrupted while waiting;
     *         {@link HResult#SCARD_E_NO_SERVICE}; {@link HResult#E_INVALIDARG} for null or empty arguments
     */
    @Override
    public PcscConnection connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
        requireRunning();
        Arguments.require(shareMode, "share mode");
        Set<Protocol> protocols = Arguments.requireProtocols(preferredProtocols);
        requireAdmitted(readerName);
        PcscConnection connection = new PcscConnection(this, readerName, cardLock(readerName), shareMode, protocols);
        connections.add(connection);
        boolean opened = false;
        try {
            connection.open();
            opened = true;
        } finally {
            if (!opened) {
                connections.remove(connection);
            }
        }
        if (stopped) { // stop() may have run between the add and the open: it must not leave this one open
            connection.disconnect(Disposition.LEAVE);
            throw stoppedFailure();
        }
        return connection;
    }

    // ---------------------------------------------------------------- readers

    /** The admitted reader names in the service's order. */
    List<String> readerNames() {
        List<String> names = new ArrayList<>();
        int code = callControl((library, context) -> {
            names.clear();
            return library.listReaders(context, names);
        });
        if (code == PcscErrors.E_NO_READERS_AVAILABLE) {
            return List.of();
        }
        if (code != PcscErrors.SUCCESS) {
            throw failure(code, Call.LIST_READERS, null);
        }
        names.removeIf(name -> !settings.admits(name));
        return names;
    }

    /** The state of one reader now. */
    ReaderSnapshot snapshot(String readerName) {
        try {
            return snapshots(List.of(readerName)).get(0);
        } catch (SCardException e) {
            if (e.code() == HResult.SCARD_E_UNKNOWN_READER) {
                throw new SCardException(HResult.SCARD_E_UNKNOWN_READER, "unknown PC/SC reader '" + readerName + "'",
                        e);
            }
            throw e;
        }
    }

    private List<ReaderSnapshot> snapshots(List<String> names) {
        List<ReaderSnapshot> snapshots = new ArrayList<>(names.size());
        int chunk = platform.maxReadersPerStatusCall();
        for (int from = 0; from < names.size(); from += chunk) {
            List<String> part = names.subList(from, Math.min(names.size(), from + chunk));
            ReaderState[] states = new ReaderState[part.size()];
            for (int i = 0; i < states.length; i++) {
                states[i] = new ReaderState(part.get(i));
            }
            int code = callControl((library, context) -> library.getStatusChange(context, 0, states));
            if (code != PcscErrors.SUCCESS) {
                throw failure(code, Call.GET_STATUS_CHANGE, part.size() == 1 ? part.get(0) : null);
            }
            for (ReaderState state : states) {
                snapshots.add(new ReaderSnapshot(state.readerName, state.eventState, state.atr,
                        platform.eventCounter(state.eventState)));
            }
        }
        return snapshots;
    }

    private void requireAdmitted(String readerName) {
        Arguments.require(readerName, "reader name");
        if (!settings.admits(readerName)) {
            throw new SCardException(HResult.SCARD_E_UNKNOWN_READER, "unknown PC/SC reader '" + readerName
                    + "' (the reader filter '" + settings.readerFilter().pattern() + "' hides it)");
        }
    }

    // ---------------------------------------------------------------- the library and the control context

    /** The loaded library. */
    PcscApi api() {
        requireRunning();
        PcscApi loaded = api;
        if (loaded != null) {
            return loaded;
        }
        synchronized (loadLock) {
            if (api != null) {
                return api;
            }
            long now = System.nanoTime();
            if (unavailableReason != null && now - nextLoadAttempt < 0) {
                throw new SCardException(HResult.SCARD_E_NO_SERVICE, unavailableReason);
            }
            try {
                PcscApi loadedNow = loader.load();
                contexts = new ContextPool(loadedNow);
                api = loadedNow;
                unavailableReason = null;
                if (stopped) { // stop() ran meanwhile and may have missed the pool
                    contexts.close();
                }
                return loadedNow;
            } catch (UnsatisfiedLinkError | SecurityException e) {
                String detail = String.valueOf(e.getMessage()).lines().findFirst().orElse("").trim();
                unavailableReason = "PC/SC library " + libraryName + " not found or not loadable (" + detail + ")"
                        + installHint();
                nextLoadAttempt = now + RETRY_LOAD_NANOS;
                throw new SCardException(HResult.SCARD_E_NO_SERVICE, unavailableReason);
            }
        }
    }

    private String installHint() {
        return switch (platform.os()) {
            case LINUX -> "; install pcsc-lite (Debian/Ubuntu: libpcsclite1 and pcscd)";
            case MACOS, WINDOWS -> "";
        };
    }

    /** Why the PC/SC service cannot be reached, in the platform's terms. */
    String serviceDown() {
        return switch (platform.os()) {
            case LINUX -> "pcscd is not running (the PC/SC service)";
            case MACOS -> "the PC/SC service is not running";
            case WINDOWS -> "the Smart Card service (SCardSvr) is not running";
        };
    }

    /**
     * Runs {@code call} on the control context, establishing it when needed. When the call reports that the service
     * or the context is gone, the context is released and the call is tried once more on a new one.
     *
     * @return the return code of the last try
     */
    int callControl(ContextCall call) {
        PcscApi library = api();
        for (int attempt = 0;; attempt++) {
            long context = controlContext(library);
            int code;
            controlLock.readLock().lock();
            try {
                if (!controlValid || controlContext != context || controlLibrary != library) {
                    continue; // replaced meanwhile by another thread: take the new one
                }
                code = call.call(library, context);
            } finally {
                controlLock.readLock().unlock();
            }
            boolean gone = PcscErrors.serviceGone(code) || code == PcscErrors.E_INVALID_HANDLE;
            if (gone) {
                invalidateControl(library, context);
                if (attempt == 0) {
                    continue;
                }
            }
            return code;
        }
    }

    /**
     * The control context, established when there is none or when SCardIsValidContext rejects the current one (a
     * check in the client library only: it does not notice a daemon that went away, the return codes of the calls
     * do).
     */
    private long controlContext(PcscApi library) {
        boolean rejected = false;
        long stale = 0;
        controlLock.readLock().lock();
        try {
            if (controlValid) {
                if (controlLibrary == library && library.isValidContext(controlContext) == PcscErrors.SUCCESS) {
                    return controlContext;
                }
                rejected = true;
                stale = controlContext;
            }
        } finally {
            controlLock.readLock().unlock();
        }
        if (rejected) {
            invalidateControl(library, stale);
        }
        controlLock.writeLock().lock();
        try {
            requireRunning();
            if (!controlValid) {
                controlContext = establish(library, null);
                controlLibrary = library;
                controlValid = true;
            }
            return controlContext;
        } finally {
            controlLock.writeLock().unlock();
        }
    }

    private void invalidateControl(PcscApi library, long context) {
        controlLock.writeLock().lock();
        try {
            if (controlValid && controlContext == context) {
                controlValid = false;
                releaseQuietly(controlLibrary, context);
            }
        } finally {
            controlLock.writeLock().unlock();
        }
    }

    /** A new context; fails with {@code SCARD_E_NO_SERVICE} and {@link #serviceDown()} when the service is away. */
    long establish(PcscApi library, String readerName) {
        long[] out = new long[1];
        int code = library.establishContext(out);
        if (code != PcscErrors.SUCCESS) {
            throw failure(code, Call.ESTABLISH_CONTEXT, readerName);
        }
        return out[0];
    }

    private static void releaseQuietly(PcscApi library, long context) {
        try {
            library.releaseContext(context);
        } catch (RuntimeException | LinkageError e) {
            // the context goes with the library's state; nothing else holds it
        }
    }

    /**
     * The failure for a return code of a call, as {@link PcscErrors#failure} reads it; {@code SCARD_E_NO_SERVICE}
     * says why the service is away in the platform's terms ({@link #serviceDown()}).
     */
    SCardException failure(int code, Call call, String readerName) {
        if (code == PcscErrors.E_NO_SERVICE) {
            return new SCardException(HResult.SCARD_E_NO_SERVICE, (readerName == null ? call.function()
                    : call.function() + " on reader '" + readerName + "'") + " failed: " + serviceDown());
        }
        return PcscErrors.failure(platform, code, call, readerName);
    }

    /**
     * Whether the PC/SC service answers now (one call on the control context); throws its failure when it does not.
     */
    void requireService() {
        int code = callControl((library, context) -> library.listReaders(context, new ArrayList<>()));
        if (code != PcscErrors.SUCCESS && code != PcscErrors.E_NO_READERS_AVAILABLE) {
            throw failure(code, Call.LIST_READERS, null);
        }
    }

    // ---------------------------------------------------------------- native connections

    /** The {@code dwPreferredProtocols} values to try, in order: T=0/T=1 first, RAW only when they do not match. */
    int[] protocolAttempts(Set<Protocol> protocols) {
        Set<Protocol> framed = EnumSet.noneOf(Protocol.class);
        framed.addAll(protocols);
        boolean raw = framed.remove(Protocol.RAW);
        int masks = platform.protocolMask(framed);
        if (masks != 0 && raw) {
            return new int[] {masks, platform.protocolRaw()};
        }
        return new int[] {masks != 0 ? masks : platform.protocolRaw()};
    }

    /**
     * Opens a native connection: SCardConnect in a context from the {@link ContextPool} (a new one when none is idle).
     * On pcsc-lite ({@link PcscPlatform#probesLocks()}) the open runs on the calling thread when the caller allows it
     * ({@code inline}: a new connection, never a reopen), it may wait as long as it takes ({@link Deadline#NONE}) and
     * the card was seen free of transactions very recently ({@link CardLock#freeRecently()}, e.g. by the previous
     * connect): then no helper thread is handed the call, and the connection costs what SCardConnect costs.
     * Otherwise (pcscd would make SCardConnect wait for another application's transaction, without a way to abort the
     * call) it runs on a helper thread while the caller waits in Java, interruptibly, with its deadline, and watching
     * {@code cancelled} (the connection closed, the backend stopped).
     *
     * @param inline whether the open may run on the calling thread when the card was seen free recently
     * @param learn whether the card insertion the handle meets must be known at once (one SCardStatus more); it is
     *        learned anyway where locks cannot be probed and after another application's transaction was seen
     * @param deadline when to give up, or {@link Deadline#NONE} to wait as long as it takes; a wait without one, or
     *        with one after the call timeout, is bounded by the call timeout and then fails
     * @param cancelled the failure to end the wait with (the connection was closed, the backend stopped), or null
     *        while the wait may go on
     * @return the connection, or null when {@code deadline} (not the call timeout) passed first
     * @throws SCardException the open's failure; {@link HResult#SCARD_E_CANCELLED} when the caller is interrupted
     *         while waiting for a helper; what {@code cancelled} supplies; {@link HResult#SCARD_E_TIMEOUT} when the
     *         call timeout passed first
     */
    NativeConnection openNative(CardLock cardLock, ShareMode shareMode, Set<Protocol> protocols, boolean learn,
            boolean inline, Deadline deadline, Supplier<SCardException> cancelled) {
        api(); // loaded (with its pool), or the failure saying why not
        ContextPool pool = contexts;
        String readerName = cardLock.readerName();
        if (inline && !deadline.isBounded() && platform.probesLocks() && cardLock.freeRecently()) {
            NativeConnection opened = openNow(pool, readerName, shareMode, protocols, learn);
            cardLock.sawFree(); // SCardConnect went through: no transaction was on the card
            return opened;
        }
        // a wait as long as it takes, or longer than the call timeout, is bounded by the call timeout
        Deadline bound = Deadline.after(callTimeoutNanos());
        boolean byCallTimeout = deadline.isLaterThan(bound);
        Deadline wait = byCallTimeout ? bound : deadline;
        // after another application's transaction the insertion is read at once: later probes may not tell it
        boolean learnNow = learn || cardLock.foreignLockSeen();
        PendingOpen pending = new PendingOpen();
        try {
            natives.execute(() -> pending.run(() -> {
                NativeConnection opened = openNow(pool, readerName, shareMode, protocols, learnNow);
                cardLock.sawFree();
                return opened;
            }));
        } catch (RejectedExecutionException e) {
            throw stoppedFailure();
        }
        NativeConnection opened = pending.await(wait, cancelled, readerName);
        if (opened == null && byCallTimeout) {
            throw timeoutFailure(Call.CONNECT, readerName);
        }
        return opened;
    }

    /**
     * Opens a native connection on the calling thread. A pooled context that reports the service gone (it is from
     * before a restart of pcscd) is released with every other idle one, and the connect is tried once more in a new
     * context, so the first connect after pcscd came back works.
     */
    private NativeConnection openNow(ContextPool pool, String readerName, ShareMode shareMode,
            Set<Protocol> protocols, boolean learn) {
        PcscApi library = pool.api();
        for (;;) {
            long context = pool.take();
            boolean pooled = context != 0;
            if (!pooled) {
                context = establish(library, readerName);
            }
            boolean handedOn = false;
            try {
                long[] out = new long[2];
                int code = PcscErrors.E_PROTO_MISMATCH;
                for (int mask : protocolAttempts(protocols)) {
                    code = library.connect(context, readerName, platform.shareMode(shareMode), mask, out);
                    if (code != PcscErrors.E_PROTO_MISMATCH) {
                        break;
                    }
                }
                if (code == PcscErrors.SUCCESS) {
                    boolean known = false;
                    int counter = -1;
                    byte[] atr = null;
                    if (learn || !platform.probesLocks()) {
                        StatusResult status = new StatusResult();
                        if (library.status(out[0], status) == PcscErrors.SUCCESS) {
                            known = true;
                            counter = platform.eventCounter(status.state);
                            atr = status.atr;
                        }
                    }
                    handedOn = true;
                    return new NativeConnection(pool, workers, context, out[0], out[1], known, counter, atr);
                }
                if (PcscErrors.serviceGone(code) || code == PcscErrors.E_INVALID_HANDLE) {
                    handedOn = true;
                    pool.release(context);
                    if (pooled) {
                        pool.drain(); // they died with the same pcscd
                        continue;
                    }
                    throw connectFailure(code, readerName, protocols);
                }
                handedOn = true;
                pool.giveBack(context); // nothing was connected in it
                throw connectFailure(code, readerName, protocols);
            } finally {
                if (!handedOn) {
                    pool.release(context);
                }
            }
        }
    }

    private SCardException connectFailure(int code, String readerName, Set<Protocol> protocols) {
        if (code == PcscErrors.E_NO_SMARTCARD) {
            return new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + readerName + "'");
        }
        if (code == PcscErrors.E_UNKNOWN_READER) {
            return new SCardException(HResult.SCARD_E_UNKNOWN_READER, "unknown PC/SC reader '" + readerName + "'");
        }
        if (code == PcscErrors.E_PROTO_MISMATCH) {
            return new SCardException(HResult.SCARD_E_PROTO_MISMATCH, "the card in reader '" + readerName
                    + "' speaks none of the protocols " + protocols + " (or another connection fixed another one)");
        }
        if (code == PcscErrors.E_SHARING_VIOLATION) {
            return new SCardException(HResult.SCARD_E_SHARING_VIOLATION, "SCardConnect on reader '" + readerName
                    + "' failed: another connection uses the card exclusively, or an exclusive connection was asked "
                    + "for while others are open");
        }
        return failure(code, Call.CONNECT, readerName);
    }

    /** Runs a native call on a helper thread; the caller waits on the returned latch. */
    void runNative(Runnable task) {
        try {
            natives.execute(task);
        } catch (RejectedExecutionException e) {
            throw stoppedFailure();
        }
    }

    /**
     * An open running on a helper thread that its caller may abandon (interrupted, timed out, closed): the helper
     * then disconnects what it opened itself. A helper cannot be interrupted inside the library, so abandoning is
     * the only way to free the caller; the helper ends as soon as the library returns.
     */
    private final class PendingOpen {
        private static final int RUNNING = 0;
        private static final int DONE = 1;
        private static final int ABANDONED = 2;

        private final AtomicInteger state = new AtomicInteger(RUNNING);
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile NativeConnection result;
        private volatile RuntimeException failure;

        void run(Supplier<NativeConnection> open) {
            NativeConnection opened = null;
            try {
                opened = open.get();
            } catch (RuntimeException e) {
                failure = e;
            } catch (LinkageError e) {
                failure = new SCardException(HResult.SCARD_F_INTERNAL_ERROR, "the PC/SC library failed: " + e);
            } catch (Error e) {
                failure = new SCardException(HResult.SCARD_F_INTERNAL_ERROR, "opening the connection failed: " + e);
                throw e;
            } finally {
                // Always wake the waiting caller, whatever the open threw.
                result = opened;
                boolean wanted = state.compareAndSet(RUNNING, DONE);
                done.countDown();
                if (!wanted && opened != null) {
                    opened.discard(); // abandoned: its context is released, not pooled
                }
            }
        }

        NativeConnection await(Deadline deadline, Supplier<SCardException> cancelled, String readerName) {
            long slice = Math.max(TimeUnit.MILLISECONDS.toNanos(5), settings.cardCheck().toNanos());
            for (;;) {
                long wait = Math.min(slice, deadline.remainingNanos());
                try {
                    if (wait > 0 && done.await(wait, TimeUnit.NANOSECONDS)) {
                        return take();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    giveUp();
                    throw new SCardException(HResult.SCARD_E_CANCELLED,
                            "interrupted while connecting to reader '" + readerName + "'");
                }
                SCardException reason = cancelled.get();
                if (reason != null) {
                    giveUp();
                    throw reason;
                }
                if (deadline.isExpired()) {
                    if (state.compareAndSet(RUNNING, ABANDONED)) {
                        return null;
                    }
                    return take();
                }
            }
        }

        private NativeConnection take() {
            awaitDone();
            if (failure != null) {
                throw failure;
            }
            return result;
        }

        /** Abandons the open; when it finished meanwhile, disconnects its result. */
        private void giveUp() {
            if (!state.compareAndSet(RUNNING, ABANDONED)) {
                awaitDone();
                NativeConnection opened = result;
                if (opened != null) {
                    opened.discard();
                }
            }
        }

        private void awaitDone() {
            boolean interrupted = false;
            for (;;) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------- transactions of this backend's connections

    /**
     * The card of one reader as this backend's connections share it (one per reader name, kept for the backend's
     * life); its waiters check for a removed card every {@link PcscSettings#cardCheck()}.
     */
    CardLock cardLock(String readerName) {
        return cardLocks.computeIfAbsent(readerName, name -> new CardLock(name,
                () -> settings.cardCheck().toNanos(), (counter, atr) -> insertionGone(name, counter, atr)));
    }

    /**
     * Whether a card insertion (counter and ATR, the ATR null when unknown) has left the reader: the reader is empty,
     * holds another card, or went away. A reader that cannot be read now does not count as one without the card.
     */
    private boolean insertionGone(String readerName, int counter, byte[] atr) {
        try {
            ReaderSnapshot snapshot = snapshot(readerName);
            if (atr == null) { // the insertion is unknown: only an empty reader tells
                return !snapshot.present();
            }
            return !snapshot.present()
                    || !PcscConnection.sameInsertion(counter, atr, snapshot.counter(), snapshot.atr());
        } catch (SCardException e) {
            return e.code() == HResult.SCARD_E_UNKNOWN_READER; // the reader went away with its card
        }
    }

    /** The shortest native lock wait. */
    long minimumLockWaitNanos() {
        return settings.minimumLockWait().toNanos();
    }

    /** The sleep between retries after a sharing violation the library did not wait for. */
    long transactionPollNanos() {
        return settings.transactionPoll().toNanos();
    }

    // ---------------------------------------------------------------- lifecycle

    /** Forgets a closed connection. */
    void forget(PcscConnection connection) {
        connections.remove(connection);
    }

    /** Whether {@link #stop()} was called. */
    boolean stopped() {
        return stopped;
    }

    /** The failure of every call after {@link #stop()}. */
    SCardException stoppedFailure() {
        return new SCardException(HResult.SCARD_E_SERVICE_STOPPED, "the PC/SC backend has stopped");
    }

    private void requireRunning() {
        if (stopped) {
            throw stoppedFailure();
        }
    }

    /** The connections open now (for tests and diagnostics). */
    int openConnections() {
        return connections.size();
    }

    /** The idle contexts kept for new connections (for tests and diagnostics). */
    int idleContexts() {
        ContextPool pool = contexts;
        return pool == null ? 0 : pool.idle();
    }

    /** Helper threads running a native call now (for tests and diagnostics). */
    int busyHelperThreads() {
        return natives.getActiveCount();
    }

    /**
     * One line for the activation log: the library, whether the service answers, and the readers, or why the
     * backend cannot work yet.
     */
    String describe() {
        try {
            List<ReaderInfo> readers = listReaders();
            List<String> names = new ArrayList<>();
            for (ReaderInfo reader : readers) {
                names.add(reader.name() + (reader.cardPresent() ? " (card)" : ""));
            }
            return "PC/SC backend ready on " + api().description() + " (" + platform + "): " + readers.size()
                    + " reader(s) " + names;
        } catch (SCardException e) {
            return "PC/SC backend registered, but its calls fail with " + e.code().name() + " until this is fixed: "
                    + e.getMessage();
        }
    }

    /**
     * Closes every connection (threads waiting for a transaction or for a connection wake and fail), waits for the
     * helper threads to leave the library, and releases the control context. Returns within
     * {@value #STOP_WAIT_MILLIS} ms whatever the cards and the library do: helper threads still stuck in a native
     * call then are abandoned (daemon threads; each disconnects and releases what it holds when its call returns).
     * Later calls fail with {@link HResult#SCARD_E_SERVICE_STOPPED}. Idempotent.
     */
    /**
     * Releases the pool's idle contexts and the control context ({@code library} null: none) on a thread of its own:
     * pcscd may not answer even SCardReleaseContext while a reader hangs, so the stop waits only until
     * {@code deadline} and abandons the thread after that.
     */
    private static void releaseContexts(ContextPool pool, PcscApi library, long context, Deadline deadline)
            throws InterruptedException {
        Thread release = new Thread(() -> {
            if (pool != null) {
                pool.close(); // the idle contexts: no call runs on them
            }
            if (library != null) {
                releaseQuietly(library, context);
            }
        }, "scard-pcsc-release-contexts");
        release.setDaemon(true);
        release.start();
        release.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline.remainingNanos())));
    }

    void stop() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        PcscEventMonitor running;
        synchronized (this) {
            running = monitor;
        }
        Deadline deadline = Deadline.after(TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MILLIS));
        if (running != null) {
            running.stop(MONITOR_STOP_MILLIS); // its wait ends (SCardCancel), READER_REMOVED goes out
        }
        for (PcscConnection connection : List.copyOf(connections)) {
            connection.disconnect(Disposition.LEAVE); // never waits for a call stuck on the card
        }
        for (CardLock cardLock : cardLocks.values()) {
            cardLock.wakeAll(); // their waiters see the backend stopped
        }
        natives.shutdown();
        workers.shutdown(); // idle workers end as their connections were disposed; stuck ones are abandoned
        boolean interrupted = false;
        try {
            if (!natives.awaitTermination(deadline.remainingNanos(), TimeUnit.NANOSECONDS)
                    | !workers.awaitTermination(deadline.remainingNanos(), TimeUnit.NANOSECONDS)) {
                LOG.log(Level.WARNING, PcscComponent.PID + ": " + (natives.getActiveCount()
                        + workers.getActiveCount()) + " helper thread(s) are "
                        + "still inside PC/SC calls when the backend stopped (a card or reader that does not answer, "
                        + "or an open that pcscd holds up while another application keeps the card locked); they "
                        + "are abandoned and release what they hold when the library returns");
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        ContextPool pool;
        synchronized (loadLock) {
            pool = contexts;
        }
        try {
            // a control call stuck in the library holds the read lock: its context is abandoned then
            if (controlLock.writeLock().tryLock(deadline.remainingNanos(), TimeUnit.NANOSECONDS)) {
                PcscApi library;
                long context;
                try {
                    if (!controlValid) {
                        library = null;
                        context = 0;
                    } else {
                        controlValid = false;
                        library = controlLibrary;
                        context = controlContext;
                    }
                } finally {
                    controlLock.writeLock().unlock();
                }
                releaseContexts(pool, library, context, deadline);
            } else {
                releaseContexts(pool, null, 0, deadline);
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
