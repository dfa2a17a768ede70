package dev.scard.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connections a backend's resource manager handed out, by handle value (the contract's {@code HSCARD}).
 * {@link CardManager#attachByHandle(long)} accepts exactly the handles in this table.
 */
public final class HandleTable {
    private final ConcurrentHashMap<Long, ReaderConnection> connections = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(0x1001);

    /** Registers a connection and returns its new handle value. */
    public long register(ReaderConnection connection) {
        long handle = nextHandle.getAndIncrement();
        connections.put(handle, connection);
        return handle;
    }

    /** The connection behind a handle, or null when the handle is unknown or was removed. */
    public ReaderConnection lookup(long handle) {
        return connections.get(handle);
    }

    /** Removes a handle; returns its connection, or null when it was unknown. */
    public ReaderConnection remove(long handle) {
        return connections.remove(handle);
    }

    /** Removes every handle and returns their connections. */
    public List<ReaderConnection> removeAll() {
        List<ReaderConnection> all = new ArrayList<>();
        for (Long handle : List.copyOf(connections.keySet())) {
            ReaderConnection connection = connections.remove(handle);
            if (connection != null) {
                all.add(connection);
            }
        }
        return all;
    }

    /** The number of open handles. */
    public int size() {
        return connections.size();
    }
}
