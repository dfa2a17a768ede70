package dev.scard.remote.api;

import org.osgi.annotation.versioning.ProviderType;

import dev.scard.api.CardState;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;

/**
 * The readers of one machine, served to other machines: a coarse service meant for OSGi Remote Services (the bundle
 * {@code dev.scard.remote-host} registers it for export through Apache Aries RSA and the distribution provider
 * {@code scard.tcp} of {@code dev.scard.remote-transport}; the backend {@code scard.backend=remote} of
 * {@code dev.scard.impl-remote} imports it and turns its readers into readers of its own). One call per contract operation, no callbacks, plain data only (see the package).
 *
 * <p><b>Access.</b> Every call needs either the host's secret (the calls that take {@code secret}: listing readers,
 * events, opening a session) or a {@link SessionToken} from {@link #open}. A missing or wrong secret fails with
 * {@link #ACCESS_DENIED} ({@link HResult#E_ACCESSDENIED}) and tells nothing else; the host compares secrets as bytes,
 * in constant time, and never logs them.
 *
 * <p><b>Sessions and leases.</b> A session is one attachment on the host (an {@link ISCardManage} attached with
 * {@code attachByIfd}). It lives until {@link #close} or until its lease expires: a session that sees no call (every
 * call with its token counts, {@link #renew} is the one that does nothing else) for longer than
 * {@link RemoteSession#leaseMillis()} (by default {@value #DEFAULT_LEASE_MILLIS} ms) is closed by the host: its lock
 * is released, its transaction ended and its connection closed with {@link Disposition#LEAVE}, so a client that
 * crashed or was cut off holds nothing for longer than the lease (plus the host's sweep interval, at most a quarter of
 * the lease). A call in progress keeps its session alive. After that, or after {@link #close}, or when the host
 * restarted, the token is unknown: every session call fails with {@link #UNKNOWN_SESSION}
 * ({@link HResult#SCARD_E_INVALID_HANDLE}), except {@link #close}, which returns {@code false}.
 *
 * <p><b>Errors.</b> Failures are {@link SCardException}s with the contract's code, the same the host's
 * {@link ISCardManage} gives (with no cause attached, so that the caller can read them with the API alone). A host
 * that can no longer serve its readers (its backend stopped) fails with {@link HResult#SCARD_E_NO_SERVICE} or
 * {@link HResult#SCARD_E_SERVICE_STOPPED}. Null arguments fail with {@link HResult#E_INVALIDARG}.
 *
 * <p><b>Bounded calls.</b> Every call returns within the host's call timeout; {@link #lock} and {@link #events} wait
 * at most as long as asked (capped by the host).
 */
@ProviderType
public interface RemoteCardHost {

    /** Service property: the name the importing side shows after {@code @} in its reader names (a String). */
    String HOST_NAME_PROPERTY = "remote.host.name";
    /** Configuration PID of the export side ({@code dev.scard.remote-host}): secret, lease, port, bind address. */
    String HOST_PID = "dev.scard.remote.host";
    /** Configuration PID of the import side ({@code dev.scard.impl-remote}): its secret and call timeout. */
    String CLIENT_PID = "dev.scard.remote.client";
    /** The {@code scard.backend} name of the import side. */
    String BACKEND = "remote";
    /**
     * The lease a host gives its sessions unless configured otherwise: 8 seconds, so that with the host's sweep every
     * quarter lease a client that crashed or was cut off holds nothing for longer than 10 seconds.
     */
    long DEFAULT_LEASE_MILLIS = 8_000L;
    /** The longest {@link #events} waits for an event, whatever the caller asks: 5 seconds. */
    long MAX_EVENT_WAIT_MILLIS = 5_000L;
    /** What a missing or wrong secret fails with. */
    HResult ACCESS_DENIED = HResult.E_ACCESSDENIED;
    /** What a session call with a token the host does not know (closed, expired, forged) fails with. */
    HResult UNKNOWN_SESSION = HResult.SCARD_E_INVALID_HANDLE;

    /**
     * The host's readers with their state now (models {@code SCardResourceManager.listReaders()}), and where its
     * event sequence stands, so that polling {@link #events} from {@link RemoteReaders#eventSequence()} misses no
     * change.
     *
     * @param secret the host's secret
     * @throws SCardException {@link #ACCESS_DENIED} for a missing or wrong secret;
     *         {@link HResult#SCARD_E_NO_SERVICE} when the host's backend is not there
     */
    RemoteReaders listReaders(byte[] secret);

    /**
     * The reader and card events of the host's backend after {@code afterSequence} (what {@code SCardEventListener}s
     * get on the host, reader names as the host has them): returns at once when there are some, otherwise waits up to
     * {@code waitMillis} (at most {@value #MAX_EVENT_WAIT_MILLIS}) for the next. The host keeps only its latest events;
     * when {@code afterSequence} is older than those, or of another run of the host, the answer is
     * {@linkplain RemoteEvents#complete() incomplete} and the caller lists the readers again. Events replace the
     * callbacks Remote Services do not have.
     *
     * @param secret the host's secret
     * @param afterSequence the last sequence number the caller has (0 for all the host still has)
     * @param waitMillis how long to wait when there is no event yet; 0 does not wait
     * @throws SCardException {@link #ACCESS_DENIED} for a missing or wrong secret; {@link HResult#E_INVALIDARG} for a
     *         negative number; {@link HResult#SCARD_E_CANCELLED} when the host's thread is interrupted (it stops)
     */
    RemoteEvents events(byte[] secret, long afterSequence, long waitMillis);

    /**
     * Opens a session on a reader with a card (models {@code SCardConnect}, and {@code ISCardManage.attachByIfd} with a
     * share mode and the preferred protocols): the host attaches an {@link ISCardManage} of its backend to the reader.
     * Unlike {@code attachByIfd}, a reader without a card is refused: the importing side makes reader attachments
     * itself.
     *
     * @param secret the host's secret
     * @param readerName the reader's name on the host
     * @param shareMode {@link ShareMode#SHARED} or {@link ShareMode#EXCLUSIVE}
     * @param preferredProtocols a non-empty set of {@link Protocol#T0}, {@link Protocol#T1}, {@link Protocol#RAW}
     * @return the session's token and lease
     * @throws SCardException {@link #ACCESS_DENIED} for a missing or wrong secret (checked first);
     *         {@link HResult#SCARD_E_UNKNOWN_READER} for a reader the host does not have;
     *         {@link HResult#SCARD_E_NO_SMARTCARD} when the reader has no card;
     *         {@link HResult#SCARD_E_SHARING_VIOLATION}, {@link HResult#SCARD_E_PROTO_MISMATCH} as
     *         {@code attachByIfd}; {@link HResult#E_INVALIDARG} for a null or blank argument;
     *         {@link HResult#SCARD_E_SERVER_TOO_BUSY} when the host has as many sessions as it allows
     */
    RemoteSession open(byte[] secret, String readerName, ShareMode shareMode, Protocol[] preferredProtocols);

    /**
     * Exchanges one command APDU with the session's card: the whole exchange, as {@link ISCardManage#transmit} does it
     * on the host (under T=0 the {@code 61xx} GET RESPONSE and the {@code 6Cxx} resend are done there), so one call
     * is one round trip. Renews the lease.
     *
     * @return the response data followed by the two status-word bytes
     * @throws SCardException {@link #UNKNOWN_SESSION}; the failures of {@link ISCardManage#transmit}
     *         ({@link HResult#SCARD_W_REMOVED_CARD}, {@link HResult#SCARD_W_RESET_CARD} until {@link #reconnect},
     *         {@link HResult#E_INVALIDARG} for a malformed APDU, ...)
     */
    byte[] transmit(SessionToken token, byte[] commandApdu);

    /**
     * Takes the session's lock on the card (models {@code SCardLock} with a bound, {@link ISCardManage#lock(java.time.Duration)}):
     * a transaction that keeps the card's other connections, on the host and elsewhere, waiting. Locks do not nest: a
     * session that holds the lock gets {@code true} at once. The lock ends with {@link #unlock}, {@link #reconnect},
     * {@link #close} or the session's lease. Renews the lease (and the lease does not run while the call waits).
     *
     * @param timeoutMillis how long to wait at most (0 tries once); the host caps it at its call timeout
     * @return whether the session holds the lock; {@code false} when another connection kept it for the whole wait
     * @throws SCardException {@link #UNKNOWN_SESSION}; {@link HResult#E_INVALIDARG} for a negative timeout;
     *         {@link HResult#SCARD_W_REMOVED_CARD}, {@link HResult#SCARD_W_RESET_CARD} as {@link ISCardManage#lock()}
     */
    boolean lock(SessionToken token, long timeoutMillis);

    /**
     * Releases the session's lock and treats the card as {@code disposition} says (models {@code SCardUnlock},
     * {@link ISCardManage#unlock(Disposition)}). Renews the lease.
     *
     * @throws SCardException {@link #UNKNOWN_SESSION}; {@link HResult#SCARD_E_NOT_TRANSACTED} when the session holds
     *         no lock; {@link HResult#SCARD_E_CANT_DISPOSE} when the reader cannot carry out the disposition
     */
    void unlock(SessionToken token, Disposition disposition);

    /**
     * Re-establishes the session's link to the card with its share mode and protocols, first treating the card as
     * {@code initialization} says (models {@code Reconnect}, {@link ISCardManage#reconnect(Disposition)}); a lock held
     * by the session ends. After the card was removed and another inserted, the session reaches the new card. Renews
     * the lease.
     *
     * @param initialization {@link Disposition#LEAVE}, {@link Disposition#RESET} or {@link Disposition#UNPOWER}
     * @throws SCardException {@link #UNKNOWN_SESSION}; {@link HResult#E_INVALIDARG} for {@link Disposition#EJECT};
     *         {@link HResult#SCARD_E_NO_SMARTCARD} when the reader has no card
     */
    void reconnect(SessionToken token, Disposition initialization);

    /**
     * The session's card state, active protocol and ATR (models {@code Status}, {@link ISCardManage#status()}): after
     * the card was removed, {@link CardState#ABSENT} (or {@link CardState#PRESENT} once another card is in) with
     * {@link Protocol#UNDEFINED}; never fails for a removed or reset card. Renews the lease.
     *
     * @throws SCardException {@link #UNKNOWN_SESSION}
     */
    RemoteStatus status(SessionToken token);

    /**
     * Ends the session (models {@code SCardDisconnect}, {@code SCardResourceManager.disconnect(handle, disposition)}):
     * a lock it holds is released, and the card is treated as {@code disposition} says unless another connection holds
     * the card's transaction (the card is then left as it is), then the connection is closed. Never fails for a card
     * that is gone or cannot be disposed of that way: the session ends all the same.
     *
     * @return {@code true} when the session was open; {@code false} for a token the host does not know (already
     *         closed, expired, forged): closing is idempotent
     * @throws SCardException {@link HResult#E_INVALIDARG} for a null argument
     */
    boolean close(SessionToken token, Disposition disposition);

    /**
     * Keeps the session alive for another lease and does nothing else (the importing side calls it for its open
     * sessions about three times per lease).
     *
     * @return the lease in milliseconds: the session stays open at least that long without another call
     * @throws SCardException {@link #UNKNOWN_SESSION} when the session is closed or expired (it cannot be revived)
     */
    long renew(SessionToken token);
}
