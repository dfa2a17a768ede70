package dev.scard.simulator.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.api.SCardServiceProperties;
import dev.scard.api.ShareMode;
import dev.scard.core.spi.Arguments;
import dev.scard.core.spi.Backend;
import dev.scard.simulator.control.ReplayMatch;
import dev.scard.simulator.control.ReplayStatus;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.control.SimulatorControl;
import dev.scard.simulator.control.VpcdAddress;
import dev.scard.trace.TraceHeader;

/**
 * The simulated readers as a {@link Backend} for the shared core, and their {@link SimulatorControl}. Plain Java:
 * the DS components wrap it. Thread-safe; see {@link SimulatedReader} for the locking and
 * {@link SimulatedConnection} for the PC/SC decisions.
 *
 * <p>Once {@link #stop() stopped}, every connection is closed (waiting threads wake and fail with
 * {@link HResult#SCARD_E_INVALID_HANDLE}, a command waiting for a plugged-in model's answer with
 * {@link HResult#SCARD_E_SERVICE_STOPPED}), every {@link #serve served} reader's vpcd connection is closed and its
 * thread ended, and every other call fails with {@link HResult#SCARD_E_SERVICE_STOPPED}; the cards stay as they were.
 * Stopping never waits for a card model: a plugged-in model still running is abandoned with its card thread.
 *
 * <p><b>Call timeout.</b> Every wait of a connection call (for the card, a foreign transaction, a plugged-in model's
 * answer) is bounded by {@link #callTimeout()}, configurable ({@code callTimeoutMillis}, see {@link SimulatedReader}).
 *
 * <p>Outside OSGi (tests and benchmarks of the PC/SC backend), {@link #standalone} makes one, {@link #serve} serves
 * a reader's card to pcscd through vpcd (see {@link VpcdLink}), and {@link #close()} stops it.
 */
public final class SimulatorBackend implements Backend, SimulatorControl, AutoCloseable {

    /** The backend's name, the {@code scard.backend} property value. */
    static final String NAME = SCardServiceProperties.BACKEND_SIMULATOR;

    private static final String STOPPED = "the simulator backend has stopped";
    /** How long stopping waits for vpcd threads in all. */
    private static final long LINK_STOP_WAIT_NANOS = 2_000_000_000L;

    private final EventSink events;
    /** Serializes changes to the set of readers. */
    private final Object configurationLock = new Object();
    /** The readers by name, in order; replaced as a whole (copy on write). */
    private volatile Map<String, SimulatedReader> readers = Map.of();
    private volatile List<String> readerNames = List.of();
    private volatile boolean stopped;
    /** {@link #callTimeout()} in nanoseconds. */
    private volatile long callTimeoutNanos = DEFAULT_CALL_TIMEOUT.toNanos();
    /** Makes "is this model in another reader?" and the insertion one step, so a model is never in two readers. */
    private final Object insertionLock = new Object();
    /** The served readers' links by reader name; guarded by {@link #configurationLock}. */
    private final Map<String, VpcdLink> links = new HashMap<>();

    /**
     * Simulated readers with the given names, all empty.
     *
     * @param readerNames distinct, non-blank names, in the order the readers are listed
     * @param events where reader and card events go
     * @throws IllegalArgumentException for a null, blank or repeated name
     */
    SimulatorBackend(List<String> readerNames, EventSink events) {
        this.events = events;
        configureReaders(readerNames);
    }

    /**
     * Empty simulated readers that publish no events, for use outside OSGi (the benchmarks). The class is public
     * for that alone: its package stays private to the bundle.
     *
     * @param readerNames distinct, non-blank names
     */
    public static SimulatorBackend standalone(List<String> readerNames) {
        return new SimulatorBackend(readerNames, EventSink.NONE);
    }

    /**
     * Makes the readers exactly the named ones, in that order: readers that are new are added empty
     * ({@code READER_ADDED}); readers no longer named are removed ({@code READER_REMOVED}): their connections are
     * closed and threads waiting on them wake and fail. The other readers keep their cards and connections.
     *
     * @return the names of the readers added
     * @throws IllegalArgumentException for a null, blank or repeated name
     * @throws SCardException {@link HResult#SCARD_E_SERVICE_STOPPED} after {@link #stop()}
     */
    List<String> configureReaders(List<String> names) {
        Set<String> distinct = new HashSet<>();
        for (String readerName : names) {
            if (readerName == null || readerName.isBlank()) {
                throw new IllegalArgumentException("reader names must not be null or blank: " + names);
            }
            if (!distinct.add(readerName)) {
                throw new IllegalArgumentException("reader name '" + readerName + "' appears twice");
            }
        }
        Map<String, SimulatedReader> next = new LinkedHashMap<>();
        synchronized (configurationLock) {
            if (stopped) {
                throw new SCardException(HResult.SCARD_E_SERVICE_STOPPED, STOPPED);
            }
            Map<String, SimulatedReader> current = readers;
            List<String> added = new ArrayList<>();
            for (String readerName : names) {
                SimulatedReader reader = current.get(readerName);
                if (reader == null) {
                    reader = new SimulatedReader(readerName, NAME, events, this::callTimeoutNanos);
                    added.add(readerName);
                    events.publish(new SCardEvent(SCardEvent.Type.READER_ADDED, readerName, NAME, ""));
                }
                next.put(readerName, reader);
            }
            readers = Collections.unmodifiableMap(next);
            readerNames = List.copyOf(next.keySet());
            for (SimulatedReader reader : current.values()) {
                if (!next.containsKey(reader.name())) {
                    reader.stop("reader '" + reader.name() + "' was removed from the simulator");
                    events.publish(new SCardEvent(SCardEvent.Type.READER_REMOVED, reader.name(), NAME, ""));
                    VpcdLink link = links.remove(reader.name());
                    if (link != null) {
                        link.stop();
                    }
                }
            }
            return added;
        }
    }

    // ---------------------------------------------------------------- Backend

    /** {@value #NAME}. */
    @Override
    public String name() {
        return NAME;
    }

    /** {@inheritDoc} The simulator's {@code callTimeoutMillis}; {@link #DEFAULT_CALL_TIMEOUT} unless configured. */
    @Override
    public Duration callTimeout() {
        return Duration.ofNanos(callTimeoutNanos);
    }

    /** The longest call timeout: {@value} ms (about 24.8 days). */
    static final long MAX_CALL_TIMEOUT_MILLIS = Integer.MAX_VALUE;

    /**
     * Sets {@link #callTimeout()}; waits that have begun keep the bound they began with.
     *
     * @throws IllegalArgumentException for null, less than a millisecond or more than
     *         {@value #MAX_CALL_TIMEOUT_MILLIS} ms
     */
    public void setCallTimeout(Duration timeout) {
        if (timeout == null || timeout.compareTo(Duration.ofMillis(1)) < 0
                || timeout.compareTo(Duration.ofMillis(MAX_CALL_TIMEOUT_MILLIS)) > 0) {
            throw new IllegalArgumentException("the call timeout must be 1 to " + MAX_CALL_TIMEOUT_MILLIS
                    + " ms, not " + (timeout == null ? "null" : timeout.toMillis() + " ms"));
        }
        callTimeoutNanos = timeout.toNanos();
    }

    private long callTimeoutNanos() {
        return callTimeoutNanos;
    }

    /** {@inheritDoc} Fails with {@link HResult#SCARD_E_SERVICE_STOPPED} after {@link #stop()}. */
    @Override
    public List<ReaderInfo> listReaders() {
        if (stopped) {
            throw new SCardException(HResult.SCARD_E_SERVICE_STOPPED, STOPPED);
        }
        Map<String, SimulatedReader> current = readers;
        List<ReaderInfo> infos = new ArrayList<>(current.size());
        for (SimulatedReader reader : current.values()) {
            infos.add(reader.info());
        }
        return infos;
    }

    /** {@inheritDoc} Exclusive is true while an exclusive connection is open, also after its card was removed. */
    @Override
    public ReaderInfo readerInfo(String readerName) {
        return knownReader(readerName).info();
    }

    /**
     * {@inheritDoc} The card speaks one protocol: the connection uses it when it is preferred; otherwise
     * {@link Protocol#RAW}, when preferred, always matches (commands reach the card model unchanged either way).
     *
     * @throws SCardException also {@link HResult#E_INVALIDARG} for null or empty arguments;
     *         {@link HResult#SCARD_E_SERVICE_STOPPED} after {@link #stop()}
     */
    @Override
    public SimulatedConnection connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
        SimulatedReader reader = knownReader(readerName);
        Arguments.require(shareMode, "share mode");
        Arguments.requireProtocols(preferredProtocols);
        return reader.connect(shareMode, preferredProtocols);
    }

    private SimulatedReader knownReader(String readerName) {
        Arguments.require(readerName, "reader name");
        SimulatedReader reader = readers.get(readerName);
        if (reader == null) {
            throw new SCardException(HResult.SCARD_E_UNKNOWN_READER,
                    "unknown reader '" + readerName + "'; the simulated readers are " + readerNames);
        }
        return reader;
    }

    // ---------------------------------------------------------------- SimulatorControl

    @Override
    public List<String> readers() {
        return readerNames;
    }

    @Override
    public boolean isCardPresent(String readerName) {
        return controlledReader(readerName).isCardPresent();
    }

    /** {@inheritDoc} Insertion powers the card up (calls its {@link SimulatedCard#reset()}). */
    @Override
    public void insert(String readerName) {
        SimulatedReader reader = controlledReader(readerName);
        synchronized (insertionLock) {
            reader.insert(null);
        }
    }

    /**
     * {@inheritDoc} Insertion powers the card up. A model can be in one reader at a time: a model another reader
     * holds is refused, and a model another reader only remembers (it was removed from there) moves here, so that
     * reader's next {@link #insert(String)} brings a fresh default card.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} for a null card, a model already in another reader, or
     *         a model that fails to power up or reports an invalid ATR or protocol
     */
    @Override
    public void insert(String readerName, SimulatedCard card) {
        SimulatedReader reader = controlledReader(readerName);
        Arguments.require(card, "card");
        synchronized (insertionLock) {
            for (SimulatedReader other : readers.values()) {
                if (other != reader && other.holds(card)) {
                    throw new SCardException(HResult.E_INVALIDARG, "this card model is already in reader '"
                            + other.name() + "'; a card can be in one reader at a time");
                }
            }
            reader.insert(card);
            for (SimulatedReader other : readers.values()) {
                if (other != reader) {
                    other.forget(card);
                }
            }
        }
    }

    /**
     * Replaces the card of a reader in one step (for reader configurations whose profile changed): the card in the
     * reader, if any, is removed and, when {@code insert} is true, {@code card} is inserted, under the reader's locks,
     * so that no {@code sim:insert} or {@code sim:remove} can come in between. With {@code insert} true the new model
     * is checked first (not in another reader, powers up, valid ATR and protocol): if that fails nothing changes.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} as {@link #insert(String, SimulatedCard)}
     */
    void replace(String readerName, SimulatedCard card, boolean insert) {
        SimulatedReader reader = controlledReader(readerName);
        if (!insert) {
            reader.replace(null, false);
            return;
        }
        Arguments.require(card, "card");
        synchronized (insertionLock) {
            for (SimulatedReader other : readers.values()) {
                if (other != reader && other.holds(card)) {
                    throw new SCardException(HResult.E_INVALIDARG, "this card model is already in reader '"
                            + other.name() + "'; a card can be in one reader at a time");
                }
            }
            reader.replace(card, true);
            for (SimulatedReader other : readers.values()) {
                if (other != reader) {
                    other.forget(card);
                }
            }
        }
    }

    /**
     * {@inheritDoc} The file is parsed with the simulator's card profile parser ({@link CardProfiles}); the card is
     * then inserted as {@link #insert(String, SimulatedCard)} inserts a model.
     */
    @Override
    public void insertProfile(String readerName, Path profile) {
        controlledReader(readerName);
        insert(readerName, CardProfiles.load(profile).newCard());
    }

    /**
     * {@inheritDoc} The file is read and checked as a whole first ({@link CardProfiles}); a {@link ReplayCard} of it
     * is then inserted as {@link #insert(String, SimulatedCard)} inserts a model.
     */
    @Override
    public void insertTrace(String readerName, Path trace, ReplayMatch match, int unansweredStatusWord) {
        controlledReader(readerName);
        Arguments.require(trace, "trace file");
        CardProfiles.Profile replay = CardProfiles.load(trace, match, unansweredStatusWord);
        if (!replay.isTrace()) {
            throw new SCardException(HResult.E_INVALIDARG, "trace " + trace + ": not a trace: neither "
                    + TraceHeader.FORMAT + " JSON (an object with a \"format\" field), nor an OpenSC debug log,"
                    + " nor an apdu4j or GlobalPlatformPro log, nor a pcscd --apdu log");
        }
        insert(readerName, replay.newCard());
    }

    @Override
    public List<ReplayStatus> replays() {
        List<ReplayStatus> replays = new ArrayList<>();
        for (String readerName : readerNames) {
            SimulatedReader reader = readers.get(readerName);
            if (reader != null && reader.card() instanceof ReplayCard replay) {
                replays.add(replay.status(readerName, reader.holds(replay)));
            }
        }
        return replays;
    }

    @Override
    public void remove(String readerName) {
        controlledReader(readerName).remove();
    }

    @Override
    public void reset(String readerName) {
        controlledReader(readerName).reset();
    }

    /** {@inheritDoc} The link runs on a daemon thread of its own (see {@link VpcdLink}). */
    @Override
    public void serve(String readerName, String host, int port) {
        SimulatedReader reader = controlledReader(readerName);
        VpcdAddress address = VpcdAddress.of(host, port);
        VpcdLink replaced;
        synchronized (configurationLock) {
            if (stopped) {
                throw new SCardException(HResult.SCARD_E_SERVICE_STOPPED, STOPPED);
            }
            if (readers.get(readerName) != reader) {
                throw new SCardException(HResult.E_INVALIDARG, "reader '" + readerName
                        + "' was removed from the simulator meanwhile");
            }
            for (VpcdLink other : links.values()) {
                if (other.reader() != reader && other.address().equals(address)) {
                    throw new SCardException(HResult.E_INVALIDARG, "reader '" + other.reader().name()
                            + "' is already served to vpcd at " + address + "; vpcd takes one card per port (its "
                            + "second slot listens on 35964)");
                }
            }
            replaced = links.get(readerName);
            if (replaced != null && replaced.address().equals(address) && replaced.running()) {
                return;
            }
            if (replaced != null) {
                replaced.stop();
            }
            VpcdLink link = new VpcdLink(reader, address);
            links.put(readerName, link);
            link.start();
        }
        if (replaced != null) {
            awaitEnd(List.of(replaced));
        }
    }

    /** {@inheritDoc} Waits up to two seconds for the link's thread to end (it ends at once unless a card model hangs). */
    @Override
    public boolean unserve(String readerName) {
        controlledReader(readerName);
        VpcdLink link;
        synchronized (configurationLock) {
            link = links.remove(readerName);
        }
        if (link == null) {
            return false;
        }
        link.stop();
        awaitEnd(List.of(link));
        return true;
    }

    @Override
    public List<ServedReader> served() {
        List<ServedReader> served = new ArrayList<>();
        synchronized (configurationLock) {
            for (String readerName : readerNames) {
                VpcdLink link = links.get(readerName);
                if (link != null) {
                    served.add(link.status());
                }
            }
        }
        return served;
    }

    /** The link serving a reader, or null (for tests). */
    VpcdLink link(String readerName) {
        synchronized (configurationLock) {
            return links.get(readerName);
        }
    }

    private SimulatedReader controlledReader(String readerName) {
        Arguments.require(readerName, "reader name");
        SimulatedReader reader = readers.get(readerName);
        if (reader == null) {
            throw new SCardException(HResult.E_INVALIDARG,
                    "unknown simulated reader '" + readerName + "'; the simulated readers are " + readerNames);
        }
        return reader;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Closes every connection and wakes every waiting thread; later calls fail. The readers go away
     * ({@code READER_REMOVED}); the cards are left as they are. Idempotent.
     */
    void stop() {
        List<VpcdLink> stopping;
        synchronized (configurationLock) {
            if (stopped) {
                return;
            }
            stopped = true;
            stopping = new ArrayList<>(links.values());
            links.clear();
            for (VpcdLink link : stopping) {
                link.stop();
            }
            for (SimulatedReader reader : readers.values()) {
                if (reader.stop(STOPPED)) {
                    events.publish(new SCardEvent(SCardEvent.Type.READER_REMOVED, reader.name(), NAME, ""));
                }
            }
        }
        awaitEnd(stopping);
    }

    /**
     * Stops the simulator as {@link #stop()} does (for standalone use): every connection and every vpcd connection
     * is closed, the vpcd threads end. Idempotent.
     */
    @Override
    public void close() {
        stop();
    }

    /** Waits a little for stopped links' threads; a link stuck in a card model is left to end by itself. */
    private static void awaitEnd(List<VpcdLink> stopped) {
        long deadline = System.nanoTime() + LINK_STOP_WAIT_NANOS;
        for (VpcdLink link : stopped) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (!link.awaitEnd(Math.max(1, left))) {
                SimulatorComponent.LOGS.logger(SimulatorBackend.class).log(System.Logger.Level.WARNING,
                        link + ": the link's thread has not ended yet (a card model still running?)");
            }
        }
    }

    /** The reader with this name (for tests). */
    SimulatedReader reader(String readerName) {
        return knownReader(readerName);
    }
}
