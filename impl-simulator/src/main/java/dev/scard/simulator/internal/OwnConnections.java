package dev.scard.simulator.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.ShareMode;
import dev.scard.core.Backend;

/**
 * One manager's view of the simulator backend: the same readers, but it remembers the connections the manager
 * opened, so that {@link #closeAll()} can close them from outside the manager. That wakes a manager thread that
 * waits in the backend for another connection's transaction while holding the manager's monitor, which
 * {@code CardManager.dispose} needs.
 */
final class OwnConnections implements Backend {

    private final SimulatorBackend backend;
    private final Set<SimulatedConnection> open = ConcurrentHashMap.newKeySet();

    OwnConnections(SimulatorBackend backend) {
        this.backend = backend;
    }

    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public List<ReaderInfo> listReaders() {
        return backend.listReaders();
    }

    @Override
    public ReaderInfo readerInfo(String readerName) {
        return backend.readerInfo(readerName);
    }

    @Override
    public SimulatedConnection connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
        open.removeIf(connection -> connection.closed);
        SimulatedConnection connection = backend.connect(readerName, shareMode, preferredProtocols);
        open.add(connection);
        return connection;
    }

    /** Disconnects every connection opened through this view (leaving the cards as they are). */
    void closeAll() {
        for (SimulatedConnection connection : open) {
            connection.disconnect(Disposition.LEAVE);
        }
        open.clear();
    }

    /** The open connections (for tests). */
    int openCount() {
        open.removeIf(connection -> connection.closed);
        return open.size();
    }
}
