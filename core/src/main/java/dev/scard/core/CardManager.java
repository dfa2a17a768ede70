package dev.scard.core;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
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
import dev.scard.api.ShareMode;

/**
 * {@link ISCardManage} for every backend: the attachment state machine, lock ownership and argument checks of
 * the contract as DESIGN §5 decides them, over a {@link Backend}'s {@link ReaderConnection}s. Backends register
 * instances with prototype scope and call {@link #dispose(String)} when an instance is released.
 *
 * <p>A traffic lock keeps this manager's card exchanges in order; a separate monitor guards the attachment and is
 * never held while waiting for another connection, so {@link #status()}, {@link #detach()} and
 * {@link #dispose(String)} answer at once even while a transmit or {@link #lock()} of this manager waits for
 * another manager's lock. Managers attached to the same handle share one PC/SC connection; its
 * {@link HandleTable.Handle} records which of them holds the lock.
 */
public class CardManager implements ISCardManage {

    private final Backend backend;
    private final HandleTable handles;
    /** Orders this manager's card traffic (transmit, reconnect); taken before {@link #monitor}, never after. */
    private final ReentrantLock traffic = new ReentrantLock();
    /** Guards attachment changes; never held while waiting for another connection or manager. */
    private final Object monitor = new Object();

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
        /** Whether this manager holds the lock; changed under the monitor. */
        volatile boolean locked;
        /** Counts reconnects, which end a transaction: a lock obtained across one is not held. */
        volatile int epoch;

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

    /** A manager over {@code backend} that accepts the handles in {@code handles} for {@link #attachByHandle(long)}. */
    public CardManager(Backend backend, HandleTable handles) {
        this.backend = backend;
        this.handles = handles;
    }

    @Override
    public void attachByHandle(long handle) {
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
        }
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
        }
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
        synchronized (monitor) {
            Attachment current = attachment;
            if (current == null) {
                return;
            }
            attachment = null;
            release(current);
        }
    }

    /** Ends what an attachment holds: its lock, and its connection unless borrowed. Never throws. */
    private void release(Attachment current) {
        ReaderConnection connection = current.connection;
        if (connection == null) {
            return;
        }
        try {
            if (current.locked) {
                endLock(current, Disposition.LEAVE);
            }
        } catch (SCardException e) {
            // The card is gone or was reset: there is no transaction left to end.
        } finally {
            if (!current.borrowed()) {
                connection.disconnect(Disposition.LEAVE);
            }
        }
    }

    /** Ends this manager's lock (monitor held): the transaction, then its hold of a shared handle. */
    private void endLock(Attachment current, Disposition disposition) {
        current.locked = false;
        try {
            current.connection.endTransaction(disposition);
        } finally {
            if (current.borrowed()) {
                current.handle.release(this);
            }
        }
    }

    @Override
    public void reconnect() {
        reconnect(Disposition.LEAVE);
    }

    @Override
    public void reconnect(Disposition initialization) {
        Arguments.require(initialization, "initialization");
        if (initialization == Disposition.EJECT) {
            throw Arguments.invalidArgument("reconnect cannot EJECT the card; use LEAVE, RESET or UNPOWER");
        }
        traffic.lock();
        try {
            Attachment current = requireAttachment();
            if (current.borrowed()) {
                current.handle.exchange(this, () -> {
                    reconnectLocked(current, initialization);
                    return null;
                });
            } else {
                reconnectLocked(current, initialization);
            }
        } finally {
            traffic.unlock();
        }
    }

    private void reconnectLocked(Attachment current, Disposition initialization) {
        synchronized (monitor) {
            requireUsable();
            if (attachment != current) {
                throw notAttached();
            }
            current.epoch++;
            if (current.locked) {
                current.locked = false; // the reconnect ends the transaction
                if (current.borrowed()) {
                    current.handle.release(this);
                }
            }
            ReaderConnection connection = current.connection;
            if (connection == null) {
                current.connection = connectKnownReader(backend, current.readerName, current.shareMode,
                        current.protocols);
                return;
            }
            try {
                connection.reconnect(current.shareMode, current.protocols, initialization);
            } catch (SCardException e) {
                if (current.borrowed() || e.code() != HResult.SCARD_W_REMOVED_CARD) {
                    throw e;
                }
                // The card this connection knew is gone; reach the card that is in the reader now.
                connection.disconnect(Disposition.LEAVE);
                current.connection = null;
                current.connection = connectKnownReader(backend, current.readerName, current.shareMode,
                        current.protocols);
            }
        }
    }

    @Override
    public void lock() {
        lockWithin(-1L);
    }

    @Override
    public void lock(Duration timeout) {
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
        lockWithin(nanos);
    }

    private void lockWithin(long timeoutNanos) {
        Attachment current;
        ReaderConnection connection;
        int epoch;
        synchronized (monitor) {
            current = requireAttachment();
            connection = requireCard(current);
            if (current.locked) {
                return;
            }
            epoch = current.epoch;
        }
        // Wait outside the monitor and the traffic lock: the holder is another manager or connection.
        long deadline = System.nanoTime() + timeoutNanos;
        if (current.borrowed() && !current.handle.acquire(this, timeoutNanos)) {
            throw lockTimedOut(current, timeoutNanos);
        }
        boolean begun = false;
        try {
            begun = connection.beginTransaction(timeoutNanos < 0 ? -1L : Math.max(0L, deadline - System.nanoTime()));
            if (!begun) {
                throw lockTimedOut(current, timeoutNanos);
            }
            synchronized (monitor) {
                if (attachment == current && current.connection == connection && current.epoch == epoch) {
                    current.locked = true;
                    return;
                }
            }
            throw new SCardException(HResult.SCARD_E_INVALID_HANDLE,
                    "the manager was detached or reconnected while waiting for the lock; lock again");
        } catch (RuntimeException e) {
            if (begun) {
                try {
                    connection.endTransaction(Disposition.LEAVE);
                } catch (SCardException ended) {
                    // Already ended with the connection or by the reconnect.
                }
            }
            if (current.borrowed()) {
                current.handle.release(this);
            }
            throw e;
        }
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
        Arguments.require(disposition, "disposition");
        synchronized (monitor) {
            Attachment current = requireAttachment();
            if (!current.locked) {
                throw new SCardException(HResult.SCARD_E_NOT_TRANSACTED,
                        "this manager holds no lock on '" + current.readerName + "'");
            }
            endLock(current, disposition);
        }
    }

    @Override
    public CardStatus status() {
        synchronized (monitor) {
            Attachment current = requireAttachment();
            if (current.connection != null) {
                return current.connection.status();
            }
            ReaderInfo reader = backend.readerInfo(current.readerName);
            CardState state = reader.cardPresent() ? CardState.PRESENT : CardState.ABSENT;
            return new CardStatus(state, Protocol.UNDEFINED, current.readerName, reader.atr());
        }
    }

    @Override
    public boolean isAttached() {
        return disposedReason == null && attachment != null;
    }

    @Override
    public byte[] transmit(byte[] commandApdu) {
        traffic.lock();
        try {
            Attachment current = requireAttachment();
            ReaderConnection connection = requireCard(current);
            if (current.borrowed()) {
                return current.handle.exchange(this, () -> ApduExchange.exchange(connection, commandApdu));
            }
            return ApduExchange.exchange(connection, commandApdu);
        } finally {
            traffic.unlock();
        }
    }

    @Override
    public ISCardFileAccess createFileAccess() {
        return notYetImplemented("ISCardFileAccess");
    }

    @Override
    public ISCardVerify createCHVerification() {
        return notYetImplemented("ISCardVerify");
    }

    @Override
    public ISCardAuth createCardAuth() {
        return notYetImplemented("ISCardAuth");
    }

    @Override
    public Object createInterface(UUID interfaceId, String name, Object userData) {
        if (interfaceId == null && name == null) {
            throw Arguments.invalidArgument("createInterface needs an interface GUID or a name");
        }
        return notYetImplemented(interfaceId != null ? interfaceId.toString() : name);
    }

    private <T> T notYetImplemented(String what) {
        synchronized (monitor) {
            requireAttachment();
        }
        throw new SCardException(HResult.E_NOTIMPL, what + " is not available yet: the ISO 7816-4 card services"
                + " are not part of this release");
    }

    /**
     * Detaches and releases everything, then makes every later call fail with
     * {@link HResult#SCARD_E_SERVICE_STOPPED}. Backends call it when the service instance is released or the
     * backend stops.
     *
     * @param reason why, for the error message (e.g. {@code "the simulator backend stopped"})
     */
    public void dispose(String reason) {
        synchronized (monitor) {
            disposedReason = reason;
            Attachment current = attachment;
            attachment = null;
            if (current != null) {
                try {
                    release(current);
                } catch (RuntimeException e) {
                    // Released as far as the backend lets us; nothing else holds on to it.
                }
            }
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
}
