package dev.scard.remote.api;

import java.io.Serializable;
import java.util.Objects;

/**
 * What {@link RemoteCardHost#open} returns: the new session's token and how long its lease lasts. The host closes a
 * session that sees no call for longer than its lease; the caller renews it ({@link RemoteCardHost#renew}, or any
 * call with the token) well within that time. Immutable.
 */
public final class RemoteSession implements Serializable {
    private static final long serialVersionUID = 1L;

    /** @serial the session's token */
    private final SessionToken token;
    /** @serial the lease in milliseconds */
    private final long leaseMillis;

    /**
     * @param token the session's token
     * @param leaseMillis the lease in milliseconds, positive
     * @throws IllegalArgumentException when {@code token} is null or {@code leaseMillis} is not positive
     */
    public RemoteSession(SessionToken token, long leaseMillis) {
        if (token == null) {
            throw new IllegalArgumentException("a remote session needs a token");
        }
        if (leaseMillis <= 0) {
            throw new IllegalArgumentException("a remote session's lease must be positive, was " + leaseMillis);
        }
        this.token = token;
        this.leaseMillis = leaseMillis;
    }

    /** The token every session call takes. */
    public SessionToken token() {
        return token;
    }

    /** How long, in milliseconds, the host keeps the session without a call. */
    public long leaseMillis() {
        return leaseMillis;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RemoteSession that && token.equals(that.token) && leaseMillis == that.leaseMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(token, leaseMillis);
    }

    @Override
    public String toString() {
        return "RemoteSession[" + token + ", lease " + leaseMillis + " ms]";
    }

    /** Checks a deserialized value as the constructor checks a new one. */
    private Object readResolve() {
        return new RemoteSession(token, leaseMillis);
    }
}
