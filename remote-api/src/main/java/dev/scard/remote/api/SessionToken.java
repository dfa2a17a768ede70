package dev.scard.remote.api;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Names one session of a {@link RemoteCardHost}: what {@link RemoteCardHost#open} returns and every session call
 * takes. The {@link #id()} finds the session, the random {@link #nonce()} proves that the caller got it from
 * {@code open} (the host compares it in constant time), so a token cannot be guessed from another one.
 *
 * <p>Whoever holds a token uses the session: treat it like a password (it is never logged; {@link #toString()} shows
 * the id only). Immutable.
 */
public final class SessionToken implements Serializable {
    private static final long serialVersionUID = 1L;

    /** How long {@link #nonce()} is: 16 bytes (128 bits). */
    public static final int NONCE_LENGTH = 16;

    /** @serial the session's number on its host */
    private final long id;
    /** @serial the random proof of possession, {@value #NONCE_LENGTH} bytes */
    private final byte[] nonce;

    /**
     * A token (the host makes them).
     *
     * @param id the session's number on its host
     * @param nonce {@value #NONCE_LENGTH} random bytes (copied)
     * @throws IllegalArgumentException when {@code nonce} is null or not {@value #NONCE_LENGTH} bytes long
     */
    public SessionToken(long id, byte[] nonce) {
        if (nonce == null || nonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException("a session token's nonce must be " + NONCE_LENGTH + " bytes long");
        }
        this.id = id;
        this.nonce = nonce.clone();
    }

    /** The session's number on its host (not secret: it only finds the session). */
    public long id() {
        return id;
    }

    /** A copy of the random proof of possession. */
    public byte[] nonce() {
        return nonce.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SessionToken that && id == that.id && Arrays.equals(nonce, that.nonce);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(nonce));
    }

    /** {@code SessionToken[id]}: never the nonce. */
    @Override
    public String toString() {
        return "SessionToken[" + id + "]";
    }

    /** Checks a deserialized token as the constructor checks a new one. */
    private Object readResolve() {
        return new SessionToken(id, nonce);
    }
}
