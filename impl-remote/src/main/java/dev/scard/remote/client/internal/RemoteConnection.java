package dev.scard.remote.client.internal;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.spi.Arguments;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.RemoteSession;
import dev.scard.remote.api.SessionToken;

/**
 * A connection to a card on a host: one session of the host's {@link RemoteCardHost}, each call one remote call
 * bounded by the backend's call timeout. The host does what the contract asks of a connection (sharing, transactions,
 * the T=0 exchange, removal and reset until reconnect), so this class only forwards, keeps the session alive and
 * reports a session that ended.
 *
 * <p><b>A session that ended.</b> When the host's service is gone, calls fail at once with
 * {@link HResult#SCARD_E_NO_SERVICE}. When the host answers but no longer knows the session (it restarted, or the
 * lease expired while the host could not be reached to renew it), the card may have been reset or used by others
 * meanwhile, so calls fail with {@link HResult#SCARD_W_RESET_CARD} (still {@code SCARD_E_NO_SERVICE} while no host of
 * that name is there) until {@link #reconnect}, which opens a new session on the host of the same name: the way a
 * client recovers once the host is back. {@link #status()} then reports the reader's state with
 * {@link Protocol#UNDEFINED}.
 *
 * <p><b>Locks.</b> {@link #beginTransaction} is a remote lock with the wait asked for (a negative timeout waits the
 * call timeout, then fails with {@link HResult#SCARD_E_TIMEOUT}); when the caller gives up on it (interrupted, or the
 * host too slow to answer) and the host grants the lock afterwards, the connection gives it back at once.
 *
 * <p>State: the session (link and token) is replaced only by a reconnect, under this object's monitor; the flags are
 * volatile. No monitor is held during a remote call.
 */
final class RemoteConnection implements ReaderConnection {

    /** The longest a disconnect waits for the host to close the session. */
    static final long CLOSE_WAIT_MILLIS = 5_000L;

    private final RemoteBackend backend;
    private final String localName;
    private final String hostName;
    private final String hostReader;
    private final ShareMode shareMode;
    private final Set<Protocol> protocols;
    /** The current session; replaced by a reconnect that opens a new one. */
    private volatile Session session;
    private volatile boolean closed;
    /** When a call with the session last ended well ({@link System#nanoTime()}). */
    private volatile long lastUse;
    private final AtomicBoolean renewing = new AtomicBoolean();

    /** One session: the host it is on, its token and lease; {@code lost} once the host no longer knows it. */
    private record Session(HostLink link, SessionToken token, long leaseNanos, boolean lost) {
        Session lose() {
            return new Session(link, token, leaseNanos, true);
        }
    }

    RemoteConnection(RemoteBackend backend, HostLink link, String hostReader, ShareMode shareMode,
            Set<Protocol> protocols, RemoteSession opened) {
        this.backend = backend;
        this.localName = link.localName(hostReader);
        this.hostName = link.name();
        this.hostReader = hostReader;
        this.shareMode = shareMode;
        this.protocols = Set.copyOf(protocols);
        this.session = new Session(link, opened.token(), TimeUnit.MILLISECONDS.toNanos(opened.leaseMillis()), false);
        this.lastUse = System.nanoTime();
    }

    /** Opens a session on {@code link} for {@code hostReader}. */
    static RemoteSession open(HostLink link, String hostReader, ShareMode shareMode, Set<Protocol> protocols) {
        Protocol[] preferred = protocols.toArray(Protocol[]::new);
        return link.call(host -> host.open(link.secret(), hostReader, shareMode, preferred));
    }

    @Override
    public String readerName() {
        return localName;
    }

    @Override
    public ShareMode shareMode() {
        return shareMode;
    }

    /** The lease of the current session, in nanoseconds. */
    long leaseNanos() {
        return session.leaseNanos();
    }

    @Override
    public CardStatus status() {
        Session current = usable();
        if (current.lost()) {
            return lostStatus();
        }
        try {
            return onSession(current, (host, token) -> host.status(token), 0L).toCardStatus(localName);
        } catch (SCardException e) {
            if (session.lost() && !closed) {
                return lostStatus();
            }
            throw e;
        }
    }

    @Override
    public byte[] transmit(byte[] commandApdu) {
        byte[] command = Arguments.require(commandApdu, "command APDU");
        return onSession(usableSession(), (host, token) -> host.transmit(token, command), 0L);
    }

    @Override
    public boolean beginTransaction(long timeoutNanos) {
        long waitNanos = timeoutNanos < 0 ? backend.callTimeout().toNanos() : timeoutNanos;
        long waitMillis = TimeUnit.NANOSECONDS.toMillis(waitNanos) + (waitNanos % 1_000_000L == 0 ? 0 : 1);
        Session current = usableSession();
        boolean begun = onSession(current, (host, token) -> host.lock(token, waitMillis), waitNanos,
                locked -> {
                    if (locked) {
                        giveBack(current);
                    }
                });
        if (!begun && timeoutNanos < 0) {
            throw new SCardException(HResult.SCARD_E_TIMEOUT, "the card in '" + localName
                    + "' stayed locked by another connection for longer than the call timeout of "
                    + backend.callTimeout());
        }
        return begun;
    }

    @Override
    public void endTransaction(Disposition disposition) {
        Arguments.require(disposition, "disposition");
        onSession(usableSession(), (host, token) -> {
            host.unlock(token, disposition);
            return null;
        }, 0L);
    }

    /**
     * Reconnects the session; when the host no longer knows it (or it is on a host that went and came back), opens a
     * new session on the host of the same name. The share mode and protocols stay those of the connection.
     */
    @Override
    public void reconnect(ShareMode mode, Set<Protocol> preferredProtocols, Disposition initialization) {
        Arguments.require(mode, "share mode");
        Set<Protocol> asked = Arguments.requireProtocols(preferredProtocols);
        if (Arguments.require(initialization, "initialization") == Disposition.EJECT) {
            throw Arguments.invalidArgument("reconnect cannot EJECT the card; use LEAVE, RESET or UNPOWER");
        }
        if (mode != shareMode || !asked.equals(protocols)) {
            throw Arguments.invalidArgument("a remote connection keeps its share mode and protocols (" + shareMode
                    + ", " + protocols + "); attach again to change them");
        }
        Session current = usable();
        if (!current.lost() && !current.link().gone()) {
            try {
                onSession(current, (host, token) -> {
                    host.reconnect(token, initialization);
                    return null;
                }, 0L);
                return;
            } catch (SCardException e) {
                if (!session.lost() || closed) {
                    throw e;
                }
            }
        }
        reopen(initialization);
    }

    /** Opens a new session on the host named as this connection's, replacing the one that ended. */
    private void reopen(Disposition initialization) {
        HostLink link = backend.link(hostName);
        if (link == null) {
            throw new SCardException(HResult.SCARD_E_NO_SERVICE, "host '" + hostName
                    + "' is gone; reconnect once it is back");
        }
        Session ended = session;
        if (ended.link() != link) {
            // The same host may be back under a new service (the session may live on): end it there first.
            closeQuietly(new Session(link, ended.token(), ended.leaseNanos(), false), Disposition.LEAVE);
        }
        RemoteSession opened = open(link, hostReader, shareMode, protocols);
        Session replacement = new Session(link, opened.token(), TimeUnit.MILLISECONDS.toNanos(opened.leaseMillis()),
                false);
        Session current;
        synchronized (this) {
            current = session;
            if (!closed && current.token().equals(ended.token()) && current.link() == ended.link()) {
                session = replacement;
                lastUse = System.nanoTime();
                current = replacement;
            }
        }
        if (closed) {
            closeQuietly(replacement, Disposition.LEAVE);
            throw closedFailure();
        }
        if (current != replacement) {
            // A concurrent reconnect replaced the ended session first: ours would stay open on the host for up to
            // 1.25 leases (an EXCLUSIVE one blocking everybody else), so close it and go on with theirs.
            closeQuietly(replacement, Disposition.LEAVE);
        }
        if (initialization != Disposition.LEAVE) {
            onSession(current, (host, token) -> {
                host.reconnect(token, initialization);
                return null;
            }, 0L);
        }
    }

    /**
     * Closes the connection for every later call at once, then asks the host to close the session with the
     * disposition, waiting at most {@value #CLOSE_WAIT_MILLIS} ms (and at most the call timeout) for its answer.
     *
     * <p>With {@link Disposition#LEAVE} it never throws: a host that does not answer ends the session when its lease
     * expires, leaving the card, which is what was asked. With another disposition a close the host did not confirm
     * (it did not answer in time, could not be reached or is gone) fails, the connection being closed all the same:
     * the card may or may not have been treated as asked (a close the host applies late leaves the card of a session
     * opened on the reader meanwhile). A session the host had ended already (its lease, a restart) is closed
     * quietly: it ended leaving the card.
     *
     * @throws SCardException for a disposition other than {@code LEAVE} that the host did not confirm:
     *         {@link HResult#SCARD_E_TIMEOUT} (no answer in time), {@link HResult#SCARD_E_NO_SERVICE} (the host cannot
     *         be reached or is gone), {@link HResult#SCARD_E_CANCELLED} (the caller was interrupted)
     */
    @Override
    public void disconnect(Disposition disposition) {
        Disposition asked = disposition == null ? Disposition.LEAVE : disposition;
        Session current;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            current = session;
        }
        backend.forget(this);
        if (current.lost()) {
            return;
        }
        if (asked == Disposition.LEAVE) {
            closeQuietly(current, asked);
            return;
        }
        try {
            if (current.link().gone()) {
                throw new SCardException(HResult.SCARD_E_NO_SERVICE, "host '" + hostName + "' is gone");
            }
            close(current, asked);
        } catch (SCardException e) {
            if (e.code() == RemoteCardHost.UNKNOWN_SESSION) {
                return;
            }
            String why = switch (e.code()) {
                case SCARD_E_TIMEOUT -> "it did not answer within "
                        + Math.min(CLOSE_WAIT_MILLIS, backend.callTimeout().toMillis()) + " ms";
                case SCARD_E_CANCELLED -> "the wait for it was interrupted";
                default -> "it cannot be reached";
            };
            throw new SCardException(e.code(), "the connection to '" + localName + "' is closed, but host '"
                    + hostName + "' did not confirm closing it with " + asked + " (" + why
                    + "): the card may or may not have been treated so", e);
        }
    }

    /** Keeps the session alive when it was not used for a third of its lease: one renew call, not waited for. */
    void renewIfDue(long now) {
        Session current = session;
        if (closed || current.lost() || current.link().gone() || now - lastUse < current.leaseNanos() / 3
                || !renewing.compareAndSet(false, true)) {
            return;
        }
        boolean submitted = backend.calls().submit(() -> {
            try {
                onSession(current, (host, token) -> host.renew(token), 0L);
            } catch (SCardException e) {
                // A session that ended is marked lost by onSession; a host out of reach is retried next time.
            } finally {
                renewing.set(false);
            }
        });
        if (!submitted) {
            renewing.set(false);
        }
    }

    /** A remote call with the session's token; a host that no longer knows it marks the session lost. */
    private <T> T onSession(Session current, SessionCall<T> call, long waitNanos) {
        return onSession(current, call, waitNanos, null);
    }

    private <T> T onSession(Session current, SessionCall<T> call, long waitNanos,
            java.util.function.Consumer<T> onAbandoned) {
        try {
            T result = current.link().call(host -> call.apply(host, current.token()), waitNanos, onAbandoned);
            lastUse = System.nanoTime();
            return result;
        } catch (SCardException e) {
            if (closed) {
                throw closedFailure();
            }
            if (e.code() == RemoteCardHost.UNKNOWN_SESSION) {
                markLost(current);
                throw lostFailure();
            }
            throw e;
        }
    }

    /** Gives back a lock the caller gave up on; never throws. */
    private void giveBack(Session current) {
        try {
            current.link().call(host -> {
                host.unlock(current.token(), Disposition.LEAVE);
                return null;
            });
        } catch (SCardException e) {
            // The session or the host is gone: the lock went with it.
        }
    }

    /**
     * Ends a session on its host, waiting at most {@value #CLOSE_WAIT_MILLIS} ms (a host that does not answer ends it
     * when the lease expires); never throws.
     */
    private static void closeQuietly(Session current, Disposition disposition) {
        if (current.link().gone()) {
            return;
        }
        try {
            close(current, disposition);
        } catch (SCardException e) {
            // The host is out of reach: its lease ends the session.
        }
    }

    /** Ends a session on its host, waiting at most {@value #CLOSE_WAIT_MILLIS} ms. */
    private static void close(Session current, Disposition disposition) {
        current.link().callWithin(TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS),
                host -> host.close(current.token(), disposition));
    }

    private synchronized void markLost(Session current) {
        if (session == current) {
            session = current.lose();
        }
    }

    /** The current session, whatever its state; fails once the connection is closed. */
    private Session usable() {
        if (closed) {
            throw closedFailure();
        }
        return session;
    }

    /** The current session when it can take calls: not lost, on a host that is there. */
    private Session usableSession() {
        Session current = usable();
        if (current.link().gone()) {
            markLost(current);
            throw lostFailure();
        }
        if (current.lost()) {
            throw lostFailure();
        }
        return current;
    }

    private SCardException lostFailure() {
        HostLink link = backend.link(hostName);
        if (link == null) {
            return new SCardException(HResult.SCARD_E_NO_SERVICE, "host '" + hostName
                    + "' is gone; reconnect once it is back");
        }
        return new SCardException(HResult.SCARD_W_RESET_CARD, "the session on host '" + hostName
                + "' ended (the host restarted, or it could not be reached to renew the lease); reconnect to go on");
    }

    private CardStatus lostStatus() {
        HostLink link = backend.link(hostName);
        if (link == null) {
            throw lostFailure();
        }
        ReaderInfo reader = backend.readerInfo(localName);
        return new CardStatus(reader.cardPresent() ? CardState.PRESENT : CardState.ABSENT, Protocol.UNDEFINED,
                localName, reader.atr());
    }

    private SCardException closedFailure() {
        return new SCardException(HResult.SCARD_E_INVALID_HANDLE, "the connection to '" + localName + "' is closed");
    }

    /** A call with the host's service and the session's token. */
    @FunctionalInterface
    private interface SessionCall<T> {
        T apply(RemoteCardHost host, SessionToken token);
    }
}
