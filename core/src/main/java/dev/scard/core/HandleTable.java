package dev.scard.core;

import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;

import dev.scard.core.spi.ReaderConnection;

/**
 * The connections a backend's resource manager handed out, by handle value (the contract's {@code HSCARD}).
 * {@link CardManager#attachByHandle(long)} accepts exactly the handles in this table that its owner opened.
 *
 * <p>Several managers may attach to one handle. PC/SC knows only the handle, so its transaction cannot tell them
 * apart; each {@link Handle} therefore also records which manager holds the lock, so that a lock held by one
 * manager keeps the others' traffic and locks waiting, as it does for managers with connections of their own.
 *
 * <p><b>Owners.</b> Every handle belongs to whoever opened it: the backends pass the bundle that got the resource
 * manager (a bundle-scoped service) and give each manager (a prototype-scoped service) the bundle that got it. A
 * backend keeps one table and hands out <i>views</i> of it ({@link #scopedTo}): a view registers handles for its
 * owner and sees, attaches to and removes only its owner's handles; another owner's handle is to it exactly what an
 * unknown one is, so nobody learns that it exists. The table itself ({@link #HandleTable(int)}) is the backend's
 * own view: it sees every handle (to close them all when the backend stops).
 *
 * <p><b>Handle values.</b> A value is {@code space << 48 | r}, {@code r} a random 48-bit number from
 * {@link SecureRandom} (never 0, never a value in use): values cannot be guessed from the ones seen before. Each
 * backend gives its table a space of its own ({@link #SIMULATOR_SPACE}, {@link #PCSC_SPACE}), so the handle values
 * of two backends never meet, and a handle of one backend handed to another backend's manager (the default
 * {@code ISCardManage} may be either) is unknown there ({@code SCARD_E_INVALID_HANDLE}) instead of addressing one of
 * its connections. Values are positive: below 2^48 in the simulator's space, from 2^48 to 2^49 in PC/SC's.
 */
public final class HandleTable {
    /** The simulator backend's space (and the default): handle values from 1 to 2^48 - 1. */
    public static final int SIMULATOR_SPACE = 0;
    /** The PC/SC backend's space: handle values from 2^48 + 1 to 2^49 - 1. */
    public static final int PCSC_SPACE = 1;
    /** The largest space: handle values stay positive. */
    public static final int MAX_SPACE = 0x7FFF;
    /** The bits of the random part of a handle value. */
    public static final int RANDOM_BITS = 48;
    private static final long RANDOM_MASK = (1L << RANDOM_BITS) - 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The handles of every owner, shared by the table and its views. */
    private final ConcurrentHashMap<Long, Handle> handles;
    private final long space;
    /** The owner of this view; null for the table itself, which sees every handle. */
    private final Supplier<?> owner;

    /** A table in the {@link #SIMULATOR_SPACE}. */
    public HandleTable() {
        this(SIMULATOR_SPACE);
    }

    /**
     * A table whose handle values lie in {@code space} ({@code space << 48 | random}); each backend uses its own.
     *
     * @throws IllegalArgumentException when {@code space} is outside 0..{@value #MAX_SPACE}
     */
    public HandleTable(int space) {
        if (space < 0 || space > MAX_SPACE) {
            throw new IllegalArgumentException("handle space " + space + " is outside 0.." + MAX_SPACE);
        }
        this.handles = new ConcurrentHashMap<>();
        this.space = (long) space << RANDOM_BITS;
        this.owner = null;
    }

    private HandleTable(HandleTable table, Supplier<?> owner) {
        this.handles = table.handles;
        this.space = table.space;
        this.owner = owner;
    }

    /**
     * A view of this table for one owner: it registers handles for the owner and sees (looks up, removes, counts)
     * only the owner's handles. The owner is asked for at every call, so a backend may hand a manager over to another
     * owner (see {@link DefaultRegistration}); an owner is compared by identity.
     *
     * @param owner supplies the owner (a bundle, say); it must not supply null
     * @return the view
     */
    public HandleTable scopedTo(Supplier<?> owner) {
        return new HandleTable(this, Objects.requireNonNull(owner, "owner"));
    }

    /** One issued handle: its connection, the protocols it was opened with, and the manager holding its lock. */
    public static final class Handle {
        private final ReaderConnection connection;
        private final Set<Protocol> protocols;
        /** Who opened the handle (null: the backend itself); only its views see the handle. */
        private final Object owner;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition released = lock.newCondition();
        /** The manager whose lock (transaction) this handle carries, or null; guarded by {@link #lock}. */
        private Object lockOwner;
        private boolean closed;

        Handle(ReaderConnection connection, Set<Protocol> protocols, Object owner) {
            this.connection = connection;
            this.protocols = Set.copyOf(protocols);
            this.owner = owner;
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

    /**
     * Registers a connection opened with {@code protocols} for this view's owner (for the table itself: for the
     * backend) and returns its new handle value.
     */
    public long register(ReaderConnection connection, Set<Protocol> protocols) {
        return register(connection, protocols, currentOwner());
    }

    /**
     * Registers a connection opened with {@code protocols} for {@code owner} and returns its new, random handle
     * value; only the views of {@code owner} (and the table itself) see it.
     *
     * @param owner who opened it (compared by identity); null for the backend itself
     */
    public long register(ReaderConnection connection, Set<Protocol> protocols, Object owner) {
        Handle handle = new Handle(connection, protocols, owner);
        while (true) {
            long value = space | (RANDOM.nextLong() & RANDOM_MASK);
            if ((value & RANDOM_MASK) != 0 && handles.putIfAbsent(value, handle) == null) {
                return value;
            }
        }
    }

    /** The handle with this value if this view may see it (its owner's), or null when unknown, removed or not. */
    public Handle lookup(long handle) {
        Handle found = handles.get(handle);
        return found != null && visible(found) ? found : null;
    }

    /**
     * Removes a handle this view sees: first {@code closer} runs on its connection (a
     * {@link ReaderConnection#disconnect}, which does not wait and wakes an exchange running on the handle), then the
     * managers waiting for the handle's lock wake and fail. Closing the connection first matters: an exchange holds
     * the handle's lock while it runs, so the handle could not be closed before it ends.
     *
     * @return false when the handle is unknown or another owner's (nothing is closed then)
     */
    public boolean remove(long handle, Consumer<ReaderConnection> closer) {
        Handle found = handles.get(handle);
        if (found == null || !visible(found) || !handles.remove(handle, found)) {
            return false;
        }
        try {
            closer.accept(found.connection);
        } finally {
            found.close();
        }
        return true;
    }

    /**
     * Removes every handle this view sees, as {@link #remove(long, Consumer)} does.
     *
     * @return how many were removed
     */
    public int removeAll(Consumer<ReaderConnection> closer) {
        int removed = 0;
        for (Long handle : List.copyOf(handles.keySet())) {
            if (remove(handle, closer)) {
                removed++;
            }
        }
        return removed;
    }

    /** The number of open handles this view sees. */
    public int size() {
        if (owner == null) {
            return handles.size();
        }
        Object current = owner.get();
        return (int) handles.values().stream().filter(handle -> handle.owner == current).count();
    }

    private Object currentOwner() {
        return owner == null ? null : Objects.requireNonNull(owner.get(), "owner");
    }

    /** Whether this view sees {@code handle}: the table sees every handle, a view its owner's. */
    private boolean visible(Handle handle) {
        return owner == null || handle.owner == owner.get();
    }
}
