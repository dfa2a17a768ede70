package dev.scard.remote.host.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

import dev.scard.api.SCardException;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.SecretBytes;

/**
 * The host's secret, kept only as its SHA-256 digest: {@link #check} digests what a client offers and compares the
 * two digests in constant time ({@link MessageDigest#isEqual}), so neither the secret's bytes nor its length show in
 * how long a refusal takes, and the host holds no copy of the secret after it started (Config Admin still stores the configured value). Nothing here is ever logged.
 */
final class HostSecret {

    /** The shortest secret the host accepts, in bytes (UTF-8). */
    static final int MIN_LENGTH = 8;

    private final byte[] digest;

    private HostSecret(byte[] digest) {
        this.digest = digest;
    }

    /**
     * The secret of a configuration value, encoded as UTF-8; the intermediate bytes are wiped.
     *
     * @throws IllegalArgumentException when the secret is missing or shorter than {@value #MIN_LENGTH} bytes (the
     *         message never shows the value)
     */
    static HostSecret of(CharSequence secret) {
        if (secret == null || secret.length() == 0) {
            throw new IllegalArgumentException("no secret is configured; a host never serves its readers without one");
        }
        byte[] bytes = SecretBytes.utf8(secret);
        try {
            if (bytes.length < MIN_LENGTH) {
                throw new IllegalArgumentException("the secret is shorter than " + MIN_LENGTH + " bytes");
            }
            return new HostSecret(sha256(bytes));
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * Passes when {@code offered} is the secret.
     *
     * @throws SCardException {@link RemoteCardHost#ACCESS_DENIED} for a null, empty or wrong secret
     */
    void check(byte[] offered) {
        boolean given = offered != null && offered.length > 0;
        byte[] offeredDigest = sha256(given ? offered : new byte[1]);
        if (!MessageDigest.isEqual(digest, offeredDigest) || !given) {
            throw new SCardException(RemoteCardHost.ACCESS_DENIED, given ? "the host refused the client's secret"
                    : "the client sent no secret; the host serves only clients configured with its secret");
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
