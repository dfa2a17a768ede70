package dev.scard.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import dev.scard.api.CardHandle;
import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.SCardInterfaceFactory;
import dev.scard.api.ShareMode;
import dev.scard.api.trace.CardTraceEvent;
import dev.scard.api.trace.TraceableManager;

import dev.scard.core.spi.Backend;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.core.spi.Arguments;

/**
 * {@link ISCardManage} for every backend: the attachment state machine, lock ownership and argument checks of
 * the contract as docs/decisions.md decides them, over a {@link Backend}'s {@link ReaderConnection}s. The core registers
 * instances with prototype scope for each backend ({@link HostedBackend}) and calls {@link #dispose(String)} when an
 * instance is released.
 *
 * <p><b>Who owns what.</b> A traffic lock keeps this manager's card exchanges (transmit, reconnect) in order. A
 * monitor guards the attachment and its lock state; it is never held while a backend call runs, so
 * {@link #status()}, {@link #detach()} and {@link #dispose(String)} answer at once even while a transmit or
 * {@link #lock()} of this manager waits for a card or for another manager's lock. The lock state is one of
 * {@link LockState}: only one thread of a manager at a time begins or ends the backend's transaction (the others
 * wait for its outcome, bounded), and a reconnect, which ends the transaction, makes a lock begun across it fail,
 * so the manager holds the lock exactly when its connection holds the transaction. Managers attached to the same
 * handle share one PC/SC connection; its {@link HandleTable.Handle} records which of them holds the lock.
 *
 * <p>Attach, detach and dispose of one manager also take an order lock across their change and its trace event, so
 * a trace's {@code ATTACHED} and {@code DETACHED} of a manager come in the order of the changes, never a detached
 * manager's {@code ATTACHED} last.
 *
 * <p><b>Bounded waits.</b> Every wait of a call is bounded: {@link #lock()} without a timeout and the wait for this
 * manager's own traffic by the backend's {@link Backend#callTimeout()} (then {@link HResult#E_FAIL} for a lock,
 * {@link HResult#SCARD_E_TIMEOUT} otherwise), the backend's calls by the backend itself.
 *
 * <p>The {@code create*} methods resolve {@link SCardInterfaceFactory} services from {@link #interfaceProviders()}
 * (the {@link BackendHost} feeds it from the service registry) and hand each factory an
 * {@linkplain AttachmentView attachment-scoped view} of this manager.
 *
 * <p><b>Trace.</b> Each manager has a {@linkplain #traceId() trace id}; it reports its APDUs (through
 * {@link ApduExchange}) and its attach, reconnect, lock, unlock and detach to its {@link CardTap}. While nobody
 * listens that costs one volatile read per call.
 */
public class CardManager implements ISCardManage, TraceableManager {

    /** Numbers the managers for their trace ids. */
    private static final AtomicLong TRACE_IDS = new AtomicLong();

    private final Backend backend;
    private final HandleTable handles;
    private final InterfaceProviders providers;
    private final CardTap tap;
    private final String traceId;
    /** The backend's name, for the trace. */
    private final String backendName;
    /** Orders this manager's card traffic (transmit, reconnect); taken before {@link #monitor}, never after. */
    private final ReentrantLock traffic = new ReentrantLock();
    /** The trace probe of this manager's last exchange, reused while it fits ({@link CardTap#probe}); under traffic. */
    private CardTap.Probe lastProbe;
    /** Guards attachment changes; never held while waiting for another connection or manager. */
    private final Object monitor = new Object();
    /**
     * Orders the trace of attachments: held by attach, detach and dispose across the change of {@link #attachment}
     * and its {@code ATTACHED} or {@code DETACHED} event, so the events (and the tap's record of which reader the
     * manager is on) follow the changes in order. Taken before {@link #monitor}, never while holding it or
     * {@link #traffic}; held while trace listeners run, which must not wait for this manager's attach or detach.
     */
    private final ReentrantLock attachOrder = new ReentrantLock();

    /** The current attachment, or null; replaced only while holding {@link #monitor}. */
    private volatile Attachment attachment;
    /** Why this manager no longer works, or null while it does. */
    private volatile String disposedReason;

    /** One attachment: to a reader ({@code connection} null until a card is reached) or to a card. */
    private static final class Attachment {
        final String readerName;
        final ShareMode shareMode;
        final Set<Protocol> protocols;
        /** The handle when attached by handle (its owner's connection: detach forgets it), else null. */
        final HandleTable.Handle handle;
        /** The connection; replaced only by reconnect, under the monitor. */
        volatile ReaderConnection connection;
        /** Where this manager's lock stands; changed under the monitor, which is notified of every change. */
        volatile LockState lockState = LockState.FREE;
        /** Counts reconnects (up at the start and at the end of each): a lock begun across one is not held. */
        int epoch;
        /** How many reconnects of this attachment run now; no lock is begun meanwhile. Under the monitor. */
        int reconnecting;
        /**
         * Counts the card insertions this attachment reached: a reconnect that finds the card removed (and reaches
         * the card in the reader now) starts a new one, which ends the views (and interfaces) of the old one.
         */
        volatile int insertion;
        /** The view every factory call of the current insertion receives, or null until the first; under the monitor. */
        AttachmentView view;

        Attachment(String readerName, ShareMode shareMode, Set<Protocol> protocols, HandleTable.Handle handle,
                ReaderConnection connection) {
            this.readerName = readerName;
            this.shareMode = shareMode;
            this.protocols = protocols;
            this.handle = handle;
            this.connection = connection;
        }

        boolean borrowed() {
            return handle != null;
        }
    }

    /**
     * Where a manager's lock stands. Exactly one thread at a time moves it out of {@link #FREE} or {@link #HELD}
     * and back, and only that thread calls the backend's transaction methods for it.
     */
    private enum LockState {
        /** No lock, and nobody is taking one. */
        FREE,
        /** A thread of this manager is beginning the transaction; others wait for its outcome. */
        ACQUIRING,
        /** The manager holds the lock: its connection holds the transaction. */
        HELD,
        /** A thread of this manager is ending the transaction; others wait for it. */
        RELEASING
    }

    /** A manager over {@code backend} that accepts the handles in {@code handles} for {@link #attachByHandle(long)}. */
    public CardManager(Backend backend, HandleTable handles) {
        this(backend, handles, new InterfaceProviders());
    }

    /**
     * A manager over {@code backend} that accepts the handles in {@code handles} and creates interfaces with the
     * factories in {@code providers} (which may be shared with other managers).
     */
    public CardManager(Backend backend, HandleTable handles, InterfaceProviders providers) {
        this(backend, handles, providers, new CardTap());
    }

    /**
     * A manager over {@code backend} that accepts the handles in {@code handles}, creates interfaces with the
     * factories in {@code providers} and reports its card traffic and events to {@code tap} (both may be shared
     * with other managers).
     */
    public CardManager(Backend backend, HandleTable handles, InterfaceProviders providers, CardTap tap) {
        this.backend = backend;
        this.handles = handles;
        this.providers = providers;
        this.tap = tap;
        this.backendName = backend.name();
        this.traceId = backendName + "/" + TRACE_IDS.incrementAndGet();
    }

    /** {@inheritDoc} */
    @Override
    public String traceId() {
        return traceId;
    }

    /**
     * Reports an event of this manager's attachment to {@code reader} to the tap when someone listens; for
     * {@code ATTACHED} and {@code RECONNECT}, with the share mode, protocol and ATR {@code connection} has now.
     * Never throws for the card's sake.
     */
    private void trace(CardTraceEvent.Type type, String reader, Disposition disposition, ReaderConnection connection) {
        if (!tap.isOn()) {
            return;
        }
        ShareMode mode = null;
        Protocol protocol = null;
        String atr = "";
        if (connection != null) {
            try {
                CardStatus card = connection.status();
                mode = connection.shareMode();
                protocol = card.protocol();
                atr = card.atrHex();
            } catch (SCardException e) {
                // the card was reset by another connection meanwhile (or is gone): the reader still knows its ATR
                atr = readerAtr(reader);
            }
        }
        tap.emit(CardTraceEvent.of(type, TraceClock.now(), backendName, reader, traceId, disposition, mode, protocol,
                atr));
    }

    /** The ATR the backend reports for {@code reader}, or empty when it reports none or fails. */
    private String readerAtr(String reader) {
        try {
            ReaderInfo info = backend.readerInfo(reader);
            return info.cardPresent() ? info.atrHex() : "";
        } catch (SCardException e) {
            return "";
        }
    }

    /**
     * Records a new attachment in the tap and reports it, unless it already ended (called holding
     * {@link #attachOrder}).
     */
    private void traceAttached(Attachment current) {
        if (attachment != current) {
            return;
        }
        tap.attachedTo(traceId, current.readerName);
        trace(CardTraceEvent.Type.ATTACHED, current.readerName, null, current.connection);
    }

    /** Reports the end of an attachment and forgets it in the tap (called holding {@link #attachOrder}). */
    private void traceDetached(Attachment ended) {
        trace(CardTraceEvent.Type.DETACHED, ended.readerName, null, null);
        tap.attachedTo(traceId, null);
    }

    /** The interface factories this manager chooses from; backends add and remove them as services come and go. */
    public InterfaceProviders interfaceProviders() {
        return providers;
    }

    /**
     * Adds an interface factory with its service properties (tests; in the framework the managers share the {@link BackendHost}'s providers).
     *
     * @see InterfaceProviders#add
     */
    public void bindInterfaceFactory(SCardInterfaceFactory factory, Map<String, ?> properties) {
        providers.add(factory, properties);
    }

    /** Removes an interface factory (tests; see {@link #bindInterfaceFactory}). */
    public void unbindInterfaceFactory(SCardInterfaceFactory factory, Map<String, ?> properties) {
        providers.remove(factory, properties);
    }

    @Override
    public void attachByHandle(long handle) {
        attachOrder.lock();
        try {
            attachByHandleOrdered(handle);
        } finally {
            attachOrder.unlock();
        }
    }

    private void attachByHandleOrdered(long handle) {
        Attachment current;
        synchronized (monitor) {
            requireDetached();
            HandleTable.Handle issued = handles.lookup(handle);
            if (issued == null) {
                throw Arguments.invalidArgument("handle " + handle + " is not an open handle of the '"
                        + backend.name() + "' resource manager");
            }
            ReaderConnection connection = issued.connection();
            attachment = new Attachment(connection.readerName(), connection.shareMode(), issued.protocols(), issued,
                    connection);
            current = attachment;
        }
        traceAttached(current);
    }

    @Override
    public void attachByHandle(CardHandle handle) {
        Arguments.require(handle, "handle");
        if (!handle.backend().equals(backend.name())) {
            throw Arguments.invalidArgument("handle " + handle.value() + " belongs to backend '" + handle.backend()
                    + "', not to '" + backend.name() + "'");
        }
        attachByHandle(handle.value());
    }

    @Override
    public void attachByIfd(String readerName) {
        attachByIfd(readerName, ShareMode.SHARED, Protocol.T0_OR_T1);
    }

    @Override
    public void attachByIfd(String readerName, ShareMode shareMode) {
        attachByIfd(readerName, shareMode, Protocol.T0_OR_T1);
    }

    @Override
    public void attachByIfd(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
        Arguments.requireReaderName(readerName);
        Arguments.require(shareMode, "share mode");
        Set<Protocol> protocols = Arguments.requireProtocols(preferredProtocols);
        attachOrder.lock();
        try {
            attachByIfdOrdered(readerName, shareMode, protocols);
        } finally {
            attachOrder.unlock();
        }
    }

    private void attachByIfdOrdered(String readerName, ShareMode shareMode, Set<Protocol> protocols) {
        Attachment current;
        synchronized (monitor) {
            requireDetached();
            ReaderConnection connection;
            try {
                connection = connectKnownReader(backend, readerName, shareMode, protocols);
            } catch (SCardException e) {
                if (e.code() != HResult.SCARD_E_NO_SMARTCARD) {
                    throw e;
                }
                connection = null; // a reader attachment: reconnect() reaches the card once one is in
            }
            attachment = new Attachment(readerName, shareMode, protocols, null, connection);
            current = attachment;
        }
        traceAttached(current);
    }

    /** Connects through {@code backend}, reporting an unknown reader as the contract's E_INVALIDARG. */
    static ReaderConnection connectKnownReader(Backend backend, String readerName, ShareMode shareMode,
            Set<Protocol> protocols) {
        try {
            return backend.connect(readerName, shareMode, protocols);
        } catch (SCardException e) {
            if (e.code() == HResult.SCARD_E_UNKNOWN_READER) {
                throw new SCardException(HResult.E_INVALIDARG, "unknown reader '" + readerName + "' (backend '"
                        + backend.name() + "')", e);
            }
            throw e;
        }
    }

    @Override
    public void detach() {
        attachOrder.lock();
        try {
            Attachment current;
            synchronized (monitor) {
                current = attachment;
                if (current == null) {
                    return;
                }
                attachment = null;
                monitor.notifyAll();
            }
            release(current);
            traceDetached(current);
        } finally {
            attachOrder.unlock();
        }
    }

    /**
     * Ends what an ended attachment holds (called outside the monitor, once the attachment is no longer current):
     * its lock, and its connection unless borrowed. A lock being begun meanwhile is ended by the thread beginning
     * it, which finds the attachment gone. While a call of this manager still talks to the card (it may be stuck),
     * an own connection is only disconnected, which ends its transaction too and never waits for the card. Never
     * throws.
     */
    private void release(Attachment current) {
        boolean held;
        ReaderConnection connection;
        synchronized (monitor) {
            held = current.lockState == LockState.HELD;
            if (held) {
                current.lockState = LockState.RELEASING;
            }
            connection = current.connection;
        }
        try {
            if (held && connection != null) {
                if (current.borrowed() || !traffic.isLocked()) {
                    endTransaction(current, connection, Disposition.LEAVE);
                }
            }
        } catch (SCardException e) {
            // The card is gone or was reset: there is no transaction left to end.
        } finally {
            if (held) {
                settle(current, LockState.FREE);
            }
            if (connection != null && !current.borrowed()) {
                connection.disconnect(Disposition.LEAVE);
            }
        }
    }

    /** Ends the transaction of this manager's lock, then its hold of a shared handle (outside the monitor). */
    private void endTransaction(Attachment current, ReaderConnection connection, Disposition disposition) {
        try {
            connection.endTransaction(disposition);
        } finally {
            if (current.borrowed()) {
                current.handle.release(this);
            }
        }
    }

    /** Moves the lock state to {@code state} and wakes the threads of this manager waiting for a change. */
    private void settle(Attachment current, LockState state) {
        synchronized (monitor) {
            current.lockState = state;
            monitor.notifyAll();
        }
    }

    @Override
    public void reconnect() {
        reconnect(Disposition.LEAVE);
    }

    @Override
    public void reconnect(Disposition initialization) {
        reconnect(null, initialization);
    }

    private void reconnect(AttachmentView expected, Disposition initialization) {
        Arguments.require(initialization, "initialization");
        if (initialization == Disposition.EJECT) {
            throw Arguments.invalidArgument("reconnect cannot EJECT the card; use LEAVE, RESET or UNPOWER");
        }
        lockTraffic();
        try {
            Attachment current;
            boolean wasHeld;
            synchronized (monitor) {
                current = requireAttachment(expected);
                // The reconnect ends the transaction: the lock is no longer held, a lock being begun now is not either.
                current.epoch++;
                current.reconnecting++;
                wasHeld = current.lockState == LockState.HELD;
                if (wasHeld) {
                    current.lockState = LockState.FREE;
                }
            }
            try {
                if (current.borrowed()) {
                    current.handle.exchange(this, callTimeoutNanos(), () -> {
                        reconnectConnection(expected, current, initialization);
                        return null;
                    });
                } else {
                    reconnectConnection(expected, current, initialization);
                }
                trace(CardTraceEvent.Type.RECONNECT, current.readerName, initialization, current.connection);
            } finally {
                if (wasHeld && current.borrowed()) {
                    current.handle.release(this);
                }
                synchronized (monitor) {
                    current.epoch++;
                    current.reconnecting--;
                    monitor.notifyAll();
                }
            }
        } finally {
            traffic.unlock();
        }
    }

    /** The backend part of a reconnect (outside the monitor; the traffic lock is held). */
    private void reconnectConnection(AttachmentView expected, Attachment current, Disposition initialization) {
        ReaderConnection connection;
        synchronized (monitor) {
            if (requireAttachment(expected) != current) {
                throw notAttached();
            }
            connection = current.connection;
        }
        if (connection == null) {
            install(current, null, connectKnownReader(backend, current.readerName, current.shareMode,
                    current.protocols), false);
            return;
        }
        try {
            connection.reconnect(current.shareMode, current.protocols, initialization);
        } catch (SCardException e) {
            if (current.borrowed() || e.code() != HResult.SCARD_W_REMOVED_CARD) {
                throw e;
            }
            // The card this connection knew is gone; reach the card that is in the reader now. Interfaces
            // created for the old card must not talk to the new one: a new insertion ends their view.
            connection.disconnect(Disposition.LEAVE);
            install(current, connection, null, true);
            install(current, null, connectKnownReader(backend, current.readerName, current.shareMode,
                    current.protocols), false);
        }
    }

    /**
     * Replaces the connection of {@code current} (which was {@code old}) with {@code replacement}, starting a new card
     * insertion when {@code newInsertion}; disconnects {@code replacement} instead when the manager detached
     * meanwhile.
     */
    private void install(Attachment current, ReaderConnection old, ReaderConnection replacement,
            boolean newInsertion) {
        synchronized (monitor) {
            if (attachment == current && current.connection == old) {
                current.connection = replacement;
                if (newInsertion) {
                    current.insertion++;
                    current.view = null;
                }
                return;
            }
        }
        if (replacement != null && !current.borrowed()) {
            replacement.disconnect(Disposition.LEAVE);
        }
        throw notAttached();
    }

    @Override
    public void lock() {
        lockWithin(null, -1L);
    }

    @Override
    public void lock(Duration timeout) {
        lock(null, timeout);
    }

    private void lock(AttachmentView expected, Duration timeout) {
        Arguments.require(timeout, "timeout");
        if (timeout.isNegative()) {
            throw Arguments.invalidArgument("timeout must not be negative, was " + timeout);
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        lockWithin(expected, nanos);
    }

    /**
     * Takes the lock within {@code timeoutNanos} (negative: within the backend's call timeout). Waits for another
     * thread of this manager that is taking, ending or reconnecting away the lock, then begins the transaction
     * outside the monitor and the traffic lock (the holder is another manager or connection).
     */
    private void lockWithin(AttachmentView expected, long timeoutNanos) {
        long wait = timeoutNanos < 0 ? callTimeoutNanos() : timeoutNanos;
        long deadline = System.nanoTime() + wait;
        Attachment current;
        ReaderConnection connection;
        int epoch;
        synchronized (monitor) {
            current = requireAttachment(expected);
            while (true) {
                connection = requireCard(current);
                if (current.lockState == LockState.HELD) {
                    return;
                }
                if (current.lockState == LockState.FREE && current.reconnecting == 0) {
                    break;
                }
                awaitChange(current, deadline, wait);
                if (requireAttachment(expected) != current) {
                    throw notAttached();
                }
            }
            current.lockState = LockState.ACQUIRING;
            epoch = current.epoch;
        }
        boolean handleHeld = false;
        boolean begun = false;
        LockState outcome = LockState.ACQUIRING;
        try {
            if (current.borrowed()) {
                handleHeld = current.handle.acquire(this, remaining(deadline));
                if (!handleHeld) {
                    throw lockTimedOut(current, wait);
                }
            }
            begun = connection.beginTransaction(remaining(deadline));
            if (!begun) {
                throw lockTimedOut(current, wait);
            }
            synchronized (monitor) {
                if (attachment == current && current.connection == connection && current.epoch == epoch) {
                    // Held from here: set under the same monitor hold as the check, so that no reconnect or
                    // detach can come between.
                    current.lockState = LockState.HELD;
                    monitor.notifyAll();
                    outcome = LockState.HELD;
                }
            }
            if (outcome == LockState.HELD) {
                trace(CardTraceEvent.Type.LOCK, current.readerName, null, null);
                return;
            }
            throw new SCardException(HResult.SCARD_E_INVALID_HANDLE,
                    "the manager was detached or reconnected while waiting for the lock; lock again");
        } catch (RuntimeException | Error e) {
            if (begun) {
                try {
                    connection.endTransaction(Disposition.LEAVE);
                } catch (SCardException ended) {
                    // Already ended with the connection or by the reconnect.
                }
            }
            if (handleHeld) {
                current.handle.release(this);
            }
            throw e;
        } finally {
            if (outcome != LockState.HELD) {
                settle(current, LockState.FREE);
            }
        }
    }

    /**
     * Waits (monitor held) until the lock state of {@code current} may have changed, failing like an expired
     * lock at {@code deadline}.
     */
    private void awaitChange(Attachment current, long deadline, long wait) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw new SCardException(HResult.E_FAIL, "another thread of this manager is still taking, ending or"
                    + " reconnecting away the lock on '" + current.readerName + "'; gave up after "
                    + Duration.ofNanos(wait));
        }
        try {
            TimeUnit.NANOSECONDS.timedWait(monitor, remaining);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SCardException(HResult.SCARD_E_CANCELLED,
                    "interrupted while waiting for the lock on '" + current.readerName + "'");
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0L, deadline - System.nanoTime());
    }

    private long callTimeoutNanos() {
        try {
            return backend.callTimeout().toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Takes the traffic lock, waiting at most the backend's call timeout for this manager's other traffic. */
    private void lockTraffic() {
        try {
            if (traffic.tryLock(callTimeoutNanos(), TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SCardException(HResult.SCARD_E_CANCELLED,
                    "interrupted while waiting for this manager's other card traffic");
        }
        throw new SCardException(HResult.SCARD_E_TIMEOUT, "another call of this manager has been talking to the"
                + " card for longer than the call timeout (" + backend.callTimeout() + ")");
    }

    private static SCardException lockTimedOut(Attachment current, long timeoutNanos) {
        return new SCardException(HResult.E_FAIL, "the card in '" + current.readerName
                + "' is locked by another connection; gave up after " + Duration.ofNanos(timeoutNanos));
    }

    @Override
    public void unlock() {
        unlock(Disposition.LEAVE);
    }

    @Override
    public void unlock(Disposition disposition) {
        unlock(null, disposition);
    }

    private void unlock(AttachmentView expected, Disposition disposition) {
        Arguments.require(disposition, "disposition");
        Attachment current;
        ReaderConnection connection;
        synchronized (monitor) {
            current = requireAttachment(expected);
            if (current.lockState != LockState.HELD) {
                throw new SCardException(HResult.SCARD_E_NOT_TRANSACTED,
                        "this manager holds no lock on '" + current.readerName + "'");
            }
            current.lockState = LockState.RELEASING;
            connection = current.connection;
        }
        try {
            endTransaction(current, connection, disposition);
        } finally {
            settle(current, LockState.FREE);
        }
        trace(CardTraceEvent.Type.UNLOCK, current.readerName, disposition, null);
    }

    @Override
    public CardStatus status() {
        return status(null);
    }

    private CardStatus status(AttachmentView expected) {
        Attachment current;
        ReaderConnection connection;
        synchronized (monitor) {
            current = requireAttachment(expected);
            connection = current.connection;
        }
        if (connection != null) {
            return connection.status();
        }
        ReaderInfo reader = backend.readerInfo(current.readerName);
        CardState state = reader.cardPresent() ? CardState.PRESENT : CardState.ABSENT;
        return new CardStatus(state, Protocol.UNDEFINED, current.readerName, reader.atr());
    }

    @Override
    public boolean isAttached() {
        return disposedReason == null && attachment != null;
    }

    @Override
    public boolean isLocked() {
        Attachment current = attachment;
        return disposedReason == null && current != null && current.lockState == LockState.HELD;
    }

    @Override
    public byte[] transmit(byte[] commandApdu) {
        return transmit(null, commandApdu);
    }

    private byte[] transmit(AttachmentView expected, byte[] commandApdu) {
        lockTraffic();
        try {
            Attachment current = requireAttachment(expected);
            ReaderConnection connection = requireCard(current);
            CardTap.Probe probe = tap.probe(backendName, current.readerName, traceId, connection, lastProbe);
            if (probe != lastProbe) {
                lastProbe = probe;
            }
            if (current.borrowed()) {
                return current.handle.exchange(this, callTimeoutNanos(),
                        () -> ApduExchange.exchange(connection, commandApdu, probe));
            }
            return ApduExchange.exchange(connection, commandApdu, probe);
        } finally {
            traffic.unlock();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Resolved as {@link InterfaceProviders} describes, with the name {@code ISCardFileAccess} or
     * {@link ISCardFileAccess#IID}.
     */
    @Override
    public ISCardFileAccess createFileAccess() {
        return createStandard(null, InterfaceProviders.FILE_ACCESS, ISCardFileAccess.IID, ISCardFileAccess.class);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Resolved with the name {@code ISCardVerify} or {@link ISCardVerify#IID}.
     */
    @Override
    public ISCardVerify createCHVerification() {
        return createStandard(null, InterfaceProviders.VERIFY, ISCardVerify.IID, ISCardVerify.class);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Resolved with the name {@code ISCardAuth} or {@link ISCardAuth#IID}.
     */
    @Override
    public ISCardAuth createCardAuth() {
        return createStandard(null, InterfaceProviders.AUTH, ISCardAuth.IID, ISCardAuth.class);
    }

    @Override
    public Object createInterface(UUID interfaceId, String name, Object userData) {
        return createInterface(null, interfaceId, name, userData);
    }

    private Object createInterface(AttachmentView expected, UUID interfaceId, String name, Object userData) {
        if (interfaceId == null && name == null) {
            throw Arguments.invalidArgument("createInterface needs an interface GUID or a name");
        }
        if (interfaceId == null && name.isBlank()) {
            throw Arguments.invalidArgument("createInterface needs an interface GUID or a non-blank name");
        }
        InterfaceProviders.Request request = InterfaceProviders.forCreateInterface(interfaceId, name);
        return create(expected, request, userData, request.isStandard() ? standardType(request.name()) : Object.class);
    }

    private static Class<?> standardType(String name) {
        return switch (name) {
            case InterfaceProviders.FILE_ACCESS -> ISCardFileAccess.class;
            case InterfaceProviders.VERIFY -> ISCardVerify.class;
            default -> ISCardAuth.class;
        };
    }

    private <T> T createStandard(AttachmentView expected, String name, UUID iid, Class<T> type) {
        return type.cast(create(expected, InterfaceProviders.standard(name, iid), null, type));
    }

    /**
     * Finds the factory for the attached card and calls it with a view of the current attachment.
     *
     * @param type what the created object must implement
     */
    private Object create(AttachmentView expected, InterfaceProviders.Request request, Object userData, Class<?> type) {
        Attachment current;
        AttachmentView view;
        CardStatus card;
        ReaderConnection connection;
        synchronized (monitor) {
            current = requireAttachment(expected);
            connection = requireCard(current);
            view = current.view;
            if (view == null) {
                view = new AttachmentView(this, current, current.insertion);
                current.view = view;
            }
        }
        card = connection.status();
        if (card.state() == CardState.ABSENT) {
            throw new SCardException(HResult.SCARD_W_REMOVED_CARD, "the card in '" + current.readerName
                    + "' was removed; insert one and reconnect before creating " + request.describe());
        }
        InterfaceProviders.Provider provider = providers.select(request, card.atrHex());
        if (provider == null) {
            throw noInterface(request, current.readerName, card.atrHex());
        }
        Object created;
        try {
            created = provider.factory().create(view, userData);
        } catch (SCardException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new SCardException(HResult.E_FAIL, "the factory " + provider.describe() + " failed to create "
                    + request.describe() + ": " + e, e);
        }
        if (created == null) {
            throw new SCardException(HResult.E_FAIL, "the factory " + provider.describe() + " returned null for "
                    + request.describe());
        }
        if (!type.isInstance(created)) {
            throw new SCardException(HResult.E_FAIL, "the factory " + provider.describe() + " returned a "
                    + created.getClass().getName() + ", which is not an " + type.getSimpleName());
        }
        return created;
    }

    private SCardException noInterface(InterfaceProviders.Request request, String readerName, String atrHex) {
        StringBuilder message = new StringBuilder("no interface factory provides ").append(request.describe())
                .append(" for the card in '").append(readerName).append("' (ATR ").append(atrHex).append(')');
        String why = providers.whyNoMatch(request);
        if (!why.isEmpty()) {
            message.append(": ").append(why);
        }
        if (request.isStandard()) {
            message.append("; the generic ISO 7816-4 ").append(request.name())
                    .append(" comes from the dev.scard.card-services bundle: is it installed and started?");
        }
        return new SCardException(HResult.E_NOINTERFACE, message.toString());
    }

    /**
     * Detaches and releases everything, then makes every later call fail with
     * {@link HResult#SCARD_E_SERVICE_STOPPED}. Backends call it when the service instance is released or the
     * backend stops.
     *
     * @param reason why, for the error message (e.g. {@code "the simulator backend stopped"})
     */
    public void dispose(String reason) {
        attachOrder.lock();
        try {
            Attachment current;
            synchronized (monitor) {
                disposedReason = reason;
                current = attachment;
                attachment = null;
                monitor.notifyAll();
            }
            if (current != null) {
                try {
                    release(current);
                } catch (RuntimeException e) {
                    // Released as far as the backend lets us; nothing else holds on to it.
                }
                traceDetached(current);
            }
        } finally {
            attachOrder.unlock();
        }
    }

    private void requireDetached() {
        requireUsable();
        Attachment current = attachment;
        if (current != null) {
            throw new SCardException(HResult.E_FAIL,
                    "already attached to '" + current.readerName + "'; detach first");
        }
    }

    /**
     * The current attachment; with {@code expected} non-null (a call through an {@link AttachmentView}), that
     * attachment, which must still be the current one.
     */
    private Attachment requireAttachment(AttachmentView expected) {
        if (expected != null) {
            if (!expected.isAttached()) {
                throw AttachmentView.ended();
            }
            return expected.attachment;
        }
        return requireAttachment();
    }

    private Attachment requireAttachment() {
        requireUsable();
        Attachment current = attachment;
        if (current == null) {
            throw notAttached();
        }
        return current;
    }

    private static SCardException notAttached() {
        return new SCardException(HResult.SCARD_E_INVALID_HANDLE,
                "not attached; attach to a reader or a card handle first");
    }

    private static ReaderConnection requireCard(Attachment current) {
        ReaderConnection connection = current.connection;
        if (connection == null) {
            throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + current.readerName
                    + "' when attached; insert one and reconnect");
        }
        return connection;
    }

    private void requireUsable() {
        String reason = disposedReason;
        if (reason != null) {
            throw new SCardException(HResult.SCARD_E_SERVICE_STOPPED, "this ISCardManage instance was released: "
                    + reason);
        }
    }

    /**
     * What an {@link SCardInterfaceFactory} receives: this manager, limited to the attachment the interface was
     * created from. Every factory call for the same attachment (and card insertion) receives the same view object,
     * so card services can synchronize their select-then-command sequences on it across interfaces (the rule
     * {@link SCardInterfaceFactory#create} states). Its {@link #isLocked()} tells whether the manager holds the
     * lock. While that attachment lasts (a
     * {@link #reconnect()} after a reset keeps it; a reconnect that finds the card removed and reaches the card
     * inserted since ends it for the views of the old card), every call behaves as on the
     * manager itself, except that {@code attachBy*} fail with {@link HResult#E_FAIL} (the view is attached already)
     * and {@link #detach()} does nothing (an interface cannot end its creator's attachment). Once the manager
     * detaches, attaches anew or is released, every call fails with {@link HResult#SCARD_E_INVALID_HANDLE}
     * ({@code "the attachment this interface was created from has ended"}), except {@link #detach()} (still
     * nothing) and {@link #isAttached()} ({@code false}). Interfaces created through the view belong to the same
     * attachment.
     */
    private static final class AttachmentView implements ISCardManage {
        private final CardManager manager;
        private final Attachment attachment;
        /** The card insertion of {@link #attachment} this view belongs to. */
        private final int insertion;

        AttachmentView(CardManager manager, Attachment attachment, int insertion) {
            this.manager = manager;
            this.attachment = attachment;
            this.insertion = insertion;
        }

        /**
         * Whether the manager holds the lock (a transaction) on the card of this attachment: what a card service
         * asks before it would end the transaction with a warm reset.
         */
        @Override
        public boolean isLocked() {
            return isAttached() && attachment.lockState == LockState.HELD;
        }

        static SCardException ended() {
            return new SCardException(HResult.SCARD_E_INVALID_HANDLE,
                    "the attachment this interface was created from has ended");
        }

        private void requireAlive() {
            if (!isAttached()) {
                throw ended();
            }
        }

        private SCardException cannotAttach() {
            requireAlive();
            return new SCardException(HResult.E_FAIL, "this is an interface's view of an attachment to '"
                    + attachment.readerName + "'; it cannot attach anew");
        }

        @Override
        public void attachByHandle(long handle) {
            throw cannotAttach();
        }

        @Override
        public void attachByHandle(CardHandle handle) {
            throw cannotAttach();
        }

        @Override
        public void attachByIfd(String readerName) {
            throw cannotAttach();
        }

        @Override
        public void attachByIfd(String readerName, ShareMode shareMode) {
            throw cannotAttach();
        }

        @Override
        public void attachByIfd(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
            throw cannotAttach();
        }

        @Override
        public void detach() {
            // An interface cannot end the attachment of the manager that created it.
        }

        @Override
        public void reconnect() {
            manager.reconnect(this, Disposition.LEAVE);
        }

        @Override
        public void reconnect(Disposition initialization) {
            manager.reconnect(this, initialization);
        }

        @Override
        public void lock() {
            manager.lockWithin(this, -1L);
        }

        @Override
        public void lock(Duration timeout) {
            manager.lock(this, timeout);
        }

        @Override
        public void unlock() {
            manager.unlock(this, Disposition.LEAVE);
        }

        @Override
        public void unlock(Disposition disposition) {
            manager.unlock(this, disposition);
        }

        @Override
        public CardStatus status() {
            return manager.status(this);
        }

        @Override
        public boolean isAttached() {
            return manager.disposedReason == null && manager.attachment == attachment
                    && attachment.insertion == insertion;
        }

        @Override
        public byte[] transmit(byte[] commandApdu) {
            return manager.transmit(this, commandApdu);
        }

        @Override
        public ISCardFileAccess createFileAccess() {
            return manager.createStandard(this, InterfaceProviders.FILE_ACCESS, ISCardFileAccess.IID,
                    ISCardFileAccess.class);
        }

        @Override
        public ISCardVerify createCHVerification() {
            return manager.createStandard(this, InterfaceProviders.VERIFY, ISCardVerify.IID, ISCardVerify.class);
        }

        @Override
        public ISCardAuth createCardAuth() {
            return manager.createStandard(this, InterfaceProviders.AUTH, ISCardAuth.IID, ISCardAuth.class);
        }

        @Override
        public Object createInterface(UUID interfaceId, String name, Object userData) {
            return manager.createInterface(this, interfaceId, name, userData);
        }

        @Override
        public String toString() {
            return "ISCardManage view of the attachment to '" + attachment.readerName + "'"
                    + (isAttached() ? "" : " (ended)");
        }
    }
}
