package dev.scard.api;

import java.util.List;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The smart-card resource manager of one backend: lists its readers and connects to cards, handing out
 * the contract's {@code HSCARD} handles that {@link ISCardManage#attachByHandle(long)} accepts.
 * Registered as a singleton service with the {@link SCardServiceProperties#BACKEND} property.
 */
@ProviderType
public interface SCardResourceManager {

    /** The backend this resource manager belongs to ({@link SCardServiceProperties#BACKEND} value). */
    String backend();

    /**
     * The readers of this backend, in a stable order, with their state at this moment.
     *
     * @throws SCardException {@link HResult#SCARD_E_NO_SERVICE} when the backend's service is unavailable
     */
    List<ReaderInfo> listReaders();

    /**
     * Connects to the card in a reader in {@link ShareMode#SHARED} mode with T=0 or T=1.
     *
     * @see #connect(String, ShareMode, Set)
     */
    CardHandle connect(String readerName);

    /**
     * Connects to the card in a reader (like {@code SCardConnect}). The connection stays open until
     * {@link #disconnect} or until this backend stops.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} for a null or unknown reader;
     *         {@link HResult#SCARD_E_NO_SMARTCARD} when no card is in;
     *         {@link HResult#SCARD_E_SHARING_VIOLATION} when the share mode conflicts with other connections;
     *         {@link HResult#SCARD_E_PROTO_MISMATCH} when the card speaks none of the protocols
     */
    CardHandle connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols);

    /**
     * Disconnects a handle from {@link #connect} (like {@code SCardDisconnect}); managers attached by this handle
     * fail afterwards with {@link HResult#SCARD_E_INVALID_HANDLE}.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} when the handle is unknown or already disconnected
     */
    void disconnect(long handle, Disposition disposition);
}
