package dev.scard.core;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;

/**
 * What a backend provides so that the shared {@link CardManager} and {@link HandleTable} can run on it:
 * how bytes reach a card, and nothing else. Every method may throw {@link SCardException} with the
 * contract's codes; the core never interprets backend-specific errors.
 */
public interface Backend {

    /** The backend's name, the {@code scard.backend} property value ({@code simulator}, {@code pcsc}). */
    String name();

    /** What {@link #callTimeout()} is unless a backend's configuration says otherwise: two minutes. */
    Duration DEFAULT_CALL_TIMEOUT = Duration.ofMinutes(2);

    /**
     * The longest a call that waits for a card, a reader or another connection may block before it fails: every
     * {@link ReaderConnection} call and {@link CardManager#lock()} without a timeout of its own. Long enough by
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
