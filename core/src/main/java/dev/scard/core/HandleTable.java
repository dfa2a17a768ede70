package dev.scard.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;

/**
 * The connections a backend's resource manager handed out, by handle value (the contract's {@code HSCARD}).
 * {@link CardManager#attachByHandle(long)} accepts exactly the handles in this table.
 *
 * <p>Several managers may attach to one handle. PC/SC knows only the handle, so its transaction cannot tell them
 * apart; each {@link Handle} therefore also records which manager holds the lock, so that a lock held by one
 * manager keeps the others' traffic and locks waiting, as it does for managers with connections of their own.
 *
 * <p><b>Handle spaces.</b> Handle values are {@code space << 32 | n}, {@code n} counting from 0x1001: each backend
 * gives its table a space of its own ({@link #SIMULATOR_SPACE}, {@link #PCSC_SPACE}), so the handle values of two
 * backends never meet, and a handle of one backend handed to another backend's manager (the default
 * {@code ISCardManage} may be either) is unknown there ({@code SCARD_E_INVALID_HANDLE}) instead of addressing one of
 * its connections. The simulator's space is 0: its handles stay 4097, 4098, ...
 */
public final class HandleTable {
    /** The simulator backend's space (and the default): handles 0x1001, 0x1002, ... */
    public static final int SIMULATOR_SPACE = 0;
    /** The PC/SC backend's space: handles 0x1_0000_1001, 0x1_0000_1002, ... */
    public static final int PCSC_SPACE = 1;
    /** The largest space: handle values stay positive and below 2^48. */
    public static final int MAX_SPACE = 0xFFFF;
    private static final long FIRST = 0x1001;

    private final ConcurrentHashMap<Long, Handle> handles = new ConcurrentHashMap<>();
    private final long space;
    private final AtomicLong nextHandle = new AtomicLong(FIRST);

    /** A table in the {@link #SIMULATOR_SPACE} (handles 0x1001, 0x1002, ...). */
    public HandleTable() {
        this(SIMULATOR_SPACE);
    }

    /**
     * A table whose handle values lie in {@code space} ({@code space << 32 | n}); each backend uses its own.
     *
     * @throws IllegalArgumentException when {@code space} is outside 0..{@value #MAX_SPACE}
     */
    public HandleTable(int space) {
        if (space < 0 || space > MAX_SPACE) {
            throw new IllegalArgumentException("handle space " + space + " is outside 0.." + MAX_SPACE);
        }
        this.space = (long) space << 32;
    }

    /** One issued handle: its connection, the protocols it was opened with, and the manager holding its lock. */
    public static final class Handle {
        private final ReaderConnection connection;
        private final Set<Protocol> protocols;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition released = lock.newCondition();
        /** The manager whose lock (transaction) this handle carries, or null; guarded by {@link #lock}. */
        private Object lockOwner;
        private boolean closed;

        Handle(ReaderConnection connection, Set<Protocol> protocols) {
            this.connection = connection;
            this.protocols = Set.copyOf(protocols);
        }

        /** The connection behind the handle. */
        public ReaderConnection connection() {
            return connection;
        }

        /** The preferred protocols the handle was opened with. */
        public Set<Protocol> protocols() {
            return protocols;
        }

        /**
         * Runs {@code work} (card traffic of {@code manager} over this handle) once no other manager holds the lock;
         * the traffic of managers sharing the handle goes one exchange at a time.
         *
         * @param timeoutNanos the longest wait for another manager's lock
         * @throws SCardException {@link HResult#SCARD_E_TIMEOUT} when another manager held the lock that long
         */
        <T> T exchange(Object manager, long timeoutNanos, Supplier<T> work) {
            lock.lock();
            try {
                if (!awaitOwnerIn(manager, timeoutNanos)) {
                    throw new SCardException(HResult.SCARD_E_TIMEOUT, "another manager held the lock on '"
                            + connection.readerName() + "' for longer than the call timeout");
                }
                return work.get();
            } finally {
                lock.unlock();
            }
        }

        /**
         * Makes {@code manager} the lock holder once no other manager is.
         *
         * @param timeoutNanos the longest wait; negative waits forever
         * @return false when the timeout expired first
         */
        boolean acquire(Object manager, long timeoutNanos) {
            lock.lock();
            try {
                if (!awaitOwnerIn(manager, timeoutNanos)) {
                    return false;
                }
                lockOwner = manager;
                return true;
            } finally {
                lock.unlock();
            }
        }

        /** Ends {@code manager}'s hold of the lock, if it has it, and wakes the managers waiting for it. */
        void release(Object manager) {
            lock.lock();
            try {
                if (lockOwner == manager) {
                    lockOwner = null;
                    released.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        private void close() {
            lock.lock();
            try {
                closed = true;
                lockOwner = null;
                released.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Waits (holding {@link #lock}) until the lock is free or {@code manager}'s; false on timeout. */
        private boolean awaitOwnerIn(Object manager, long timeoutNanos) {
            long remaining = timeoutNanos;
            while (lockOwner != null && lockOwner != manager) {
                if (closed) {
                    break;
                }
                try {
                    if (timeoutNanos < 0) {
                        released.await();
                    } else if (remaining <= 0) {
                        return false;
                    } else {
                        remaining = released.awaitNanos(remaining);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SCardException(HResult.SCARD_E_CANCELLED,
                            "interrupted while another manager held the lock on '" + connection.readerName() + "'");
                }
            }
            if (closed) {
                throw new SCardException(HResult.SCARD_E_INVALID_HANDLE,
                        "the handle to '" + connection.readerName() + "' was disconnected by its owner");
            }
            return true;
        }
    }

    /** Registers a connection opened with {@code protocols} and returns its new handle value. */
    public long register(ReaderConnection connection, Set<Protocol> protocols) {
        long n = nextHandle.getAndIncrement();
        if (n > 0xFFFF_FFFFL) {
            throw new SCardException(HResult.SCARD_E_NO_MEMORY, "no handle values left in handle space "
                    + (space >>> 32));
        }
        long handle = space | n;
        handles.put(handle, new Handle(connection, protocols));
        return handle;
    }

    /** The handle with this value, or null when it is unknown or was removed. */
    public Handle lookup(long handle) {
        return handles.get(handle);
    }

    /**
     * Removes a handle and wakes the managers waiting for its lock (they fail); returns its connection, or null
     * when it was unknown. The caller disconnects the connection.
     */
    public ReaderConnection remove(long handle) {
        Handle removed = handles.remove(handle);
        if (removed == null) {
            return null;
        }
        removed.close();
        return removed.connection;
    }

    /** Removes every handle, as {@link #remove(long)} does, and returns their connections. */
    public List<ReaderConnection> removeAll() {
        List<ReaderConnection> all = new ArrayList<>();
        for (Long handle : List.copyOf(handles.keySet())) {
            ReaderConnection connection = remove(handle);
            if (connection != null) {
                all.add(connection);
            }
        }
        return all;
    }

    /** The number of open handles. */
    public int size() {
        return handles.size();
    }
}
