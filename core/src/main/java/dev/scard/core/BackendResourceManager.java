package dev.scard.core;

import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.scard.api.CardHandle;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.ShareMode;

import dev.scard.core.spi.Backend;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.core.spi.Arguments;

/**
 * The resource manager of any backend: lists the backend's readers and turns its connections into handles kept
 * in a {@link HandleTable}. The core registers it for each backend as a bundle-scoped {@link SCardResourceManager}
 * service ({@link HostedBackend}): each bundle gets an instance over a view of the backend's table scoped to that
 * bundle ({@link HandleTable#scopedTo}), so the handles it opens are its own: no other bundle can disconnect them or
 * attach to them, and another bundle's handle is to it what an unknown one is.
 */
public class BackendResourceManager implements SCardResourceManager {
    private final Backend backend;
    private final HandleTable handles;

    /** A resource manager over a backend, issuing handles into {@code handles}. */
    public BackendResourceManager(Backend backend, HandleTable handles) {
        this.backend = backend;
        this.handles = handles;
    }

    /**
     * A resource manager over the same backend and table whose handles belong to {@code owner} (see
     * {@link HandleTable#scopedTo}).
     *
     * @param owner who opens the handles, compared by identity (a bundle, say)
     * @return the resource manager for {@code owner}
     */
    public BackendResourceManager forOwner(Object owner) {
        Objects.requireNonNull(owner, "owner");
        return new BackendResourceManager(backend, handles.scopedTo(() -> owner));
    }

    @Override
    public String backend() {
        return backend.name();
    }

    @Override
    public List<ReaderInfo> listReaders() {
        return backend.listReaders();
    }

    @Override
    public CardHandle connect(String readerName) {
        return connect(readerName, ShareMode.SHARED, Protocol.T0_OR_T1);
    }

    /** {@inheritDoc} An unknown reader fails with {@link HResult#E_INVALIDARG}. */
    @Override
    public CardHandle connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
        Arguments.requireReaderName(readerName);
        Arguments.require(shareMode, "share mode");
        Set<Protocol> protocols = Arguments.requireProtocols(preferredProtocols);
        ReaderConnection connection = CardManager.connectKnownReader(backend, readerName, shareMode, protocols);
        Protocol protocol;
        try {
            protocol = connection.status().protocol();
        } catch (SCardException e) {
            connection.disconnect(Disposition.LEAVE);
            throw e;
        }
        long handle = handles.register(connection, protocols);
        return new CardHandle(handle, backend.name(), readerName, shareMode, protocol);
    }

    @Override
    public void disconnect(long handle, Disposition disposition) {
        Arguments.require(disposition, "disposition");
        if (!handles.remove(handle, connection -> connection.disconnect(disposition))) {
            throw Arguments.invalidArgument("handle " + handle + " is not an open handle of the '"
                    + backend.name() + "' resource manager");
        }
    }

    /**
     * Disconnects every handle this resource manager sees (over the backend's own table: every handle; over a view:
     * its owner's); backends call it when they stop, or when the owner goes away.
     */
    public void closeAll() {
        handles.removeAll(connection -> {
            try {
                connection.disconnect(Disposition.LEAVE);
            } catch (RuntimeException e) {
                // The backend is going away; a connection that cannot be closed cleanly is closed anyway.
            }
        });
    }
}
