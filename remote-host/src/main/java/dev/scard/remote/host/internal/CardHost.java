package dev.scard.remote.host.internal;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import dev.scard.api.CardState;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.RemoteEvents;
import dev.scard.remote.api.RemoteReader;
import dev.scard.remote.api.RemoteReaders;
import dev.scard.remote.api.RemoteSession;
import dev.scard.remote.api.RemoteStatus;
import dev.scard.remote.api.SessionToken;

/**
 * {@link RemoteCardHost} over the host machine's public API ({@link LocalCards}): each session is an
 * {@link ISCardManage} of the served backend attached with {@code attachByIfd}, kept in a {@link SessionTable} with
 * its lease; the events come from an {@link EventLog} the component fills. Failures leave as plain
 * {@link SCardException}s (code, detail and remaining tries, no cause), so the caller needs only the API to read
 * them; anything else a manager throws becomes {@link HResult#SCARD_F_INTERNAL_ERROR} naming its class only.
 */
public final class CardHost implements RemoteCardHost {

    private final HostSecret secret;
    private final LocalCards cards;
    private final SessionTable sessions;
    private final EventLog events;
    private final long maxLockWaitMillis;

    /**
     * @param maxLockWaitMillis the longest {@link #lock} waits, whatever the client asks (the host's call timeout)
     */
    CardHost(HostSecret secret, LocalCards cards, SessionTable sessions, EventLog events, long maxLockWaitMillis) {
        this.secret = secret;
        this.cards = cards;
        this.sessions = sessions;
        this.events = events;
        this.maxLockWaitMillis = maxLockWaitMillis;
    }

    @Override
    public RemoteReaders listReaders(byte[] offered) {
        secret.check(offered);
        return plain(() -> {
            long sequence = events.sequence();
            List<RemoteReader> readers = cards.listReaders().stream().map(RemoteReader::of).toList();
            return new RemoteReaders(events.incarnation(), sequence, readers);
        });
    }

    @Override
    public RemoteEvents events(byte[] offered, long afterSequence, long waitMillis) {
        secret.check(offered);
        if (afterSequence < 0 || waitMillis < 0) {
            throw invalid("event sequence numbers and waits are never negative, were " + afterSequence + " and "
                    + waitMillis);
        }
        return events.after(afterSequence, Math.min(waitMillis, MAX_EVENT_WAIT_MILLIS));
    }

    @Override
    public RemoteSession open(byte[] offered, String readerName, ShareMode shareMode, Protocol[] preferredProtocols) {
        secret.check(offered);
        if (readerName == null || readerName.isBlank()) {
            throw invalid("reader name must not be null or blank");
        }
        require(shareMode, "share mode");
        Set<Protocol> protocols = protocols(preferredProtocols);
        return plain(() -> {
            if (cards.listReaders().stream().map(ReaderInfo::name).noneMatch(readerName::equals)) {
                throw new SCardException(HResult.SCARD_E_UNKNOWN_READER, "the host has no reader '" + readerName + "'");
            }
            LocalCards.Manager manager = cards.newManager();
            HostSession session = null;
            try {
                manager.manage().attachByIfd(readerName, shareMode, protocols);
                if (manager.manage().status().state() == CardState.ABSENT) {
                    throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + readerName
                            + "' on the host");
                }
                session = sessions.add(readerName, manager);
                return new RemoteSession(session.token(), sessions.leaseMillis());
            } finally {
                if (session == null) {
                    new HostSession(null, readerName, manager).close();
                }
            }
        });
    }

    @Override
    public byte[] transmit(SessionToken token, byte[] commandApdu) {
        require(commandApdu, "command APDU");
        return withSession(token, manage -> manage.transmit(commandApdu));
    }

    @Override
    public boolean lock(SessionToken token, long timeoutMillis) {
        if (timeoutMillis < 0) {
            throw invalid("lock timeout must not be negative, was " + timeoutMillis + " ms");
        }
        long wait = Math.min(timeoutMillis, maxLockWaitMillis);
        return withSession(token, manage -> {
            try {
                manage.lock(Duration.ofMillis(wait));
                return true;
            } catch (SCardException e) {
                if (e.code() == HResult.E_FAIL) {
                    return false; // ISCardManage.lock(Duration): not taken within the timeout
                }
                throw e;
            }
        });
    }

    @Override
    public void unlock(SessionToken token, Disposition disposition) {
        require(disposition, "disposition");
        withSession(token, manage -> {
            manage.unlock(disposition);
            return null;
        });
    }

    @Override
    public void reconnect(SessionToken token, Disposition initialization) {
        require(initialization, "initialization");
        withSession(token, manage -> {
            manage.reconnect(initialization);
            return null;
        });
    }

    @Override
    public RemoteStatus status(SessionToken token) {
        return withSession(token, manage -> RemoteStatus.of(manage.status()));
    }

    /**
     * {@inheritDoc}
     *
     * <p><b>A close that comes too late.</b> The client waits a few seconds for a close; one that took longer here (the
     * session's manager was busy with another call, the card was slow) may be applied after its client gave up and
     * went on, maybe with a new session on the same reader. So a disposition other than {@code LEAVE} is applied only
     * when no session was opened on the reader since this close arrived; otherwise the card is left as it is, and the
     * newer session keeps its card. (A close that arrives late, delayed on the network, cannot be told apart from a
     * timely one: the client reports a close it did not see confirmed as failed.)
     */
    @Override
    public boolean close(SessionToken token, Disposition disposition) {
        require(token, "session token");
        require(disposition, "disposition");
        long newestAtArrival = sessions.newestId();
        HostSession session = sessions.remove(token);
        if (session == null) {
            return false;
        }
        session.close(disposition, () -> sessions.openedSince(session.readerName(), newestAtArrival));
        return true;
    }

    @Override
    public long renew(SessionToken token) {
        return withSession(token, manage -> sessions.leaseMillis());
    }

    /** Closes the sessions whose lease expired (the component's sweeper calls it); returns how many. */
    int closeExpired() {
        List<HostSession> expired = sessions.expire();
        expired.forEach(HostSession::close);
        return expired.size();
    }

    /** Closes every session (the host stops). */
    void closeAll() {
        sessions.removeAll().forEach(HostSession::close);
    }

    /** Runs {@code call} on the manager of the session of {@code token}, which is in use (and cannot expire) meanwhile. */
    private <T> T withSession(SessionToken token, Function<ISCardManage, T> call) {
        require(token, "session token");
        HostSession session = sessions.begin(token);
        try {
            return plain(() -> call.apply(session.manage()));
        } finally {
            sessions.end(session);
        }
    }

    /** Runs {@code call}, turning its failures into plain {@link SCardException}s (no cause). */
    private static <T> T plain(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (SCardException e) {
            throw withoutCause(e);
        } catch (RuntimeException e) {
            // The class only: a message might echo command data.
            throw new SCardException(HResult.SCARD_F_INTERNAL_ERROR, "the host failed with " + e.getClass().getName());
        }
    }

    /** The same failure without its cause (which the caller may not be able to load), or {@code e} when it has none. */
    static SCardException withoutCause(SCardException e) {
        if (e.getCause() == null && e.getClass() == SCardException.class) {
            return e;
        }
        return new SCardException(e.code(), detail(e), e.remainingTries().orElse(-1), null);
    }

    /** The detail of a failure: its message without the code that {@link SCardException#format} appends. */
    static String detail(SCardException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        String suffix = " [" + e.code().name() + " " + e.code().hex() + "]";
        return message.endsWith(suffix) ? message.substring(0, message.length() - suffix.length()) : message;
    }

    private static Set<Protocol> protocols(Protocol[] preferred) {
        if (preferred == null || preferred.length == 0) {
            throw invalid("preferred protocols must name at least one of T0, T1, RAW");
        }
        Set<Protocol> protocols = EnumSet.noneOf(Protocol.class);
        for (Protocol protocol : preferred) {
            if (protocol == null || protocol == Protocol.UNDEFINED) {
                throw invalid("preferred protocols may contain only T0, T1 and RAW");
            }
            protocols.add(protocol);
        }
        return protocols;
    }

    private static <T> T require(T value, String name) {
        if (value == null) {
            throw invalid(name + " must not be null");
        }
        return value;
    }

    private static SCardException invalid(String detail) {
        return new SCardException(HResult.E_INVALIDARG, detail);
    }
}
