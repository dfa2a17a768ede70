package dev.scard.core;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;

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
 * <p>One monitor serializes this manager's state changes and card traffic. {@link #lock()} waits for another
 * connection's transaction outside that monitor, so {@link #detach()} from another thread ends the wait.
 */
public class CardManager implements ISCardManage {

    private final Backend backend;
    private final HandleTable handles;
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
        /** True when the connection belongs to a handle's owner: detach forgets it, never closes it. */
        final boolean borrowed;
        /** Volatile so {@link #dispose(String)} can close it without the monitor. */
        volatile ReaderConnection connection;
        boolean locked;

        Attachment(String readerName, ShareMode shareMode, Set<Protocol> protocols, boolean borrowed,
                ReaderConnection connection) {
            this.readerName = readerName;
            this.shareMode = shareMode;
            this.protocols = protocols;
            this.borrowed = borrowed;
            this.connection = connection;
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
            ReaderConnection connection = handles.lookup(handle);
            if (connection == null) {
                throw Arguments.invalidArgument("handle " + handle + " is not an open handle of the '"
                        + backend.name() + "' resource manager");
            }
            attachment = new Attachment(connection.readerName(), connection.shareMode(), Protocol.T0_OR_T1, true,
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
            attachment = new Attachment(readerName, shareMode, protocols, false, connection);
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

    private static void release(Attachment current) {
        ReaderConnection connection = current.connection;
        if (connection == null) {
            return;
        }
        try {
            if (current.locked) {
                current.locked = false;
                connection.endTransaction(Disposition.LEAVE);
            }
        } catch (SCardException e) {
            // The card is gone or was reset: there is no transaction left to end.
        } finally {
            if (!current.borrowed) {
                connection.disconnect(Disposition.LEAVE);
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
        synchronized (monitor) {
            Attachment current = requireAttachment();
            ReaderConnection connection = current.connection;
            current.locked = false;
            if (connection == null) {
                current.connection = connectKnownReader(backend, current.readerName, current.shareMode,
                        current.protocols);
                return;
            }
            try {
                connection.reconnect(current.shareMode, current.protocols, initialization);
            } catch (SCardException e) {
                if (current.borrowed || e.code() != HResult.SCARD_W_REMOVED_CARD) {
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
        synchronized (monitor) {
            current = requireAttachment();
            connection = requireCard(current);
            if (current.locked) {
                return;
            }
        }
        // Wait outside the monitor: the holder may be another thread of ours detaching, or another manager.
        if (!connection.beginTransaction(timeoutNanos)) {
            throw new SCardException(HResult.E_FAIL, "the card in '" + current.readerName
                    + "' is locked by another connection; gave up after " + Duration.ofNanos(timeoutNanos));
        }
        synchronized (monitor) {
            if (attachment != current || current.connection != connection) {
                try {
                    connection.endTransaction(Disposition.LEAVE);
                } catch (SCardException e) {
                    // Already ended with the connection.
                }
                throw new SCardException(HResult.SCARD_E_INVALID_HANDLE,
                        "the manager was detached or reconnected while waiting for the lock");
            }
            current.locked = true;
        }
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
            current.locked = false;
            current.connection.endTransaction(disposition);
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
        synchronized (monitor) {
            return ApduExchange.exchange(requireCard(requireAttachment()), commandApdu);
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
        disposedReason = reason;
        // Close our own connection before taking the monitor: a transmit of this manager may hold the monitor
        // while it waits for another connection's transaction, and closing the connection ends that wait.
        Attachment current = attachment;
        if (current != null && !current.borrowed && current.connection != null) {
            current.connection.disconnect(Disposition.LEAVE);
        }
        synchronized (monitor) {
            current = attachment;
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
            throw new SCardException(HResult.SCARD_E_INVALID_HANDLE,
                    "not attached; attach to a reader or a card handle first");
        }
        return current;
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
