package dev.scard.core.spi;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;

/**
 * What a backend provides so that the core can run the contract on it: its readers and how bytes reach a card,
 * nothing else. Every method may throw {@link SCardException} with the contract's codes; the core never interprets
 * backend-specific errors.
 *
 * <p><b>Registration.</b> A backend registers its {@code Backend} as a service (whiteboard) with
 * {@value dev.scard.api.SCardServiceProperties#BACKEND}{@code =}{@link #name()} and a {@code service.ranking} (the
 * simulator 100, PC/SC 50): the core then registers the backend's {@code ISCardManage} and
 * {@code SCardResourceManager} with the same two properties (the ranking replaced by the one its configuration
 * {@value dev.scard.api.SCardServiceProperties#SERVICES_PID_PREFIX}{@code <name>} sets, if any), and withdraws them
 * when the service is unregistered: every manager is then disposed (its calls fail with
 * {@code SCARD_E_SERVICE_STOPPED}) and every handle disconnected, while the backend still works. A service without a
 * usable name, or with the name of a backend already registered, is logged and ignored.
 *
 * <p>Implementations must be thread-safe: the core calls them from the callers' threads, several at once.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface Backend {

    /**
     * The backend's name, the {@code scard.backend} property value ({@code simulator}, {@code pcsc}): lower-case
     * letters, digits and {@code -}; the same as the service property.
     */
    String name();

    /** What {@link #callTimeout()} is unless a backend's configuration says otherwise: two minutes. */
    Duration DEFAULT_CALL_TIMEOUT = Duration.ofMinutes(2);

    /**
     * The longest a call that waits for a card, a reader or another connection may block before it fails: every
     * {@link ReaderConnection} call and {@code ISCardManage.lock()} without a timeout of its own. Long enough by
     * default ({@link #DEFAULT_CALL_TIMEOUT}) for slow card operations such as on-card key generation; backends
     * make it configurable ({@code callTimeoutMillis}).
     */
    default Duration callTimeout() {
        return DEFAULT_CALL_TIMEOUT;
    }

    /** The readers with their current state, in a stable order. */
    List<ReaderInfo> listReaders();

    /**
     * The current state of one reader.
     *
     * @throws SCardException {@link HResult#SCARD_E_UNKNOWN_READER} when there is no such reader
     */
    ReaderInfo readerInfo(String readerName);

    /**
     * Opens a connection to the card in a reader (SCardConnect).
     *
     * @throws SCardException {@link HResult#SCARD_E_UNKNOWN_READER}, {@link HResult#SCARD_E_NO_SMARTCARD},
     *         {@link HResult#SCARD_E_SHARING_VIOLATION}, {@link HResult#SCARD_E_PROTO_MISMATCH}
     */
    ReaderConnection connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols);
}
