package dev.scard.remote.host.internal;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.SessionToken;

/**
 * The host's open sessions and their leases: the one owner of every {@link HostSession}'s bookkeeping.
 *
 * <p><b>Lock.</b> One monitor (this object) guards the table and each session's last use, call count and end; it is
 * held only to look up, count and remove, never while a manager or a card is called, so a call stuck on a card
 * never holds up another session or the sweep.
 *
 * <p><b>Leases.</b> A session is in use from {@link #begin} to {@link #end}; both count as a use. {@link #expire}
 * takes out every session that is not in use and was last used more than the lease ago; the caller then closes them
 * outside the monitor. A session cannot expire during a call, and a call cannot begin on a session once it expired:
 * both are decided under the monitor.
 *
 * <p><b>Tokens.</b> A session's token is its number and 16 random bytes from {@link SecureRandom}; {@link #begin}
 * finds the session by number and compares the bytes in constant time.
 */
final class SessionTable {

    private final Map<Long, HostSession> sessions = new HashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final LongSupplier nanoClock;
    private final long leaseNanos;
    private final int maxSessions;
    private long nextId = 1;

    /**
     * @param leaseMillis how long a session lives without a call, positive
     * @param maxSessions how many sessions may be open at once, positive
     * @param nanoClock the time, on the {@link System#nanoTime()} scale (tests give their own)
     */
    SessionTable(long leaseMillis, int maxSessions, LongSupplier nanoClock) {
        if (leaseMillis <= 0 || maxSessions <= 0) {
            throw new IllegalArgumentException("a session table needs a positive lease and session limit");
        }
        this.leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis);
        this.maxSessions = maxSessions;
        this.nanoClock = nanoClock;
    }

    /** The lease in milliseconds. */
    long leaseMillis() {
        return TimeUnit.NANOSECONDS.toMillis(leaseNanos);
    }

    /**
     * Adds a session for an attached manager, last used now.
     *
     * @throws SCardException {@link HResult#SCARD_E_SERVER_TOO_BUSY} when the table is full (the caller gives the
     *         manager back)
     */
    synchronized HostSession add(String readerName, LocalCards.Manager manager) {
        if (sessions.size() >= maxSessions) {
            throw new SCardException(HResult.SCARD_E_SERVER_TOO_BUSY, "the host has " + maxSessions
                    + " sessions open, as many as it allows (maxSessions); close one or raise the limit");
        }
        byte[] nonce = new byte[SessionToken.NONCE_LENGTH];
        random.nextBytes(nonce);
        HostSession session = new HostSession(new SessionToken(nextId++, nonce), readerName, manager);
        session.lastUse = nanoClock.getAsLong();
        sessions.put(session.token().id(), session);
        return session;
    }

    /**
     * Starts a call with the session of {@code token}: counts it as in use (so it does not expire) until {@link #end}.
     *
     * @throws SCardException {@link RemoteCardHost#UNKNOWN_SESSION} for a token of no open session
     */
    synchronized HostSession begin(SessionToken token) {
        HostSession session = find(token);
        if (session == null) {
            throw unknown(token);
        }
        session.calls++;
        session.lastUse = nanoClock.getAsLong();
        return session;
    }

    /** Ends a call that {@link #begin} started: the lease runs again from now. */
    synchronized void end(HostSession session) {
        session.calls--;
        session.lastUse = nanoClock.getAsLong();
    }

    /** Takes out the session of {@code token}, or returns null when there is none; the caller closes it. */
    synchronized HostSession remove(SessionToken token) {
        HostSession session = find(token);
        if (session != null) {
            sessions.remove(session.token().id());
            session.ended = true;
        }
        return session;
    }

    /** Takes out the sessions whose lease expired (not in use, last used more than a lease ago); the caller closes them. */
    synchronized List<HostSession> expire() {
        long now = nanoClock.getAsLong();
        List<HostSession> expired = new ArrayList<>();
        for (Iterator<HostSession> it = sessions.values().iterator(); it.hasNext();) {
            HostSession session = it.next();
            if (session.calls == 0 && now - session.lastUse > leaseNanos) {
                it.remove();
                session.ended = true;
                expired.add(session);
            }
        }
        return expired;
    }

    /** Takes out every session (the host stops); the caller closes them. */
    synchronized List<HostSession> removeAll() {
        List<HostSession> all = new ArrayList<>(sessions.values());
        all.forEach(session -> session.ended = true);
        sessions.clear();
        return all;
    }

    /**
     * The id of the newest session opened so far (0 before the first); sessions opened later have greater ids, so
     * {@link #openedSince} can tell which sessions came after a moment.
     */
    synchronized long newestId() {
        return nextId - 1;
    }

    /** Whether a session on {@code readerName} that is open now was opened after the one of id {@code newestId}. */
    synchronized boolean openedSince(String readerName, long newestId) {
        for (HostSession session : sessions.values()) {
            if (session.token().id() > newestId && session.readerName().equals(readerName)) {
                return true;
            }
        }
        return false;
    }

    /** How many sessions are open. */
    synchronized int size() {
        return sessions.size();
    }

    private HostSession find(SessionToken token) {
        HostSession session = sessions.get(token.id());
        if (session == null || !MessageDigest.isEqual(session.token().nonce(), token.nonce())) {
            return null;
        }
        return session;
    }

    private static SCardException unknown(SessionToken token) {
        return new SCardException(RemoteCardHost.UNKNOWN_SESSION, "the host has no session " + token.id()
                + " (it was closed, its lease expired, or the host restarted); open a new one");
    }
}
