package dev.scard.pcsc.internal;

import java.lang.System.Logger.Level;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import dev.scard.core.log.Log;

/**
 * One native PC/SC connection: a {@code SCARDCONTEXT} of its own (taken from the backend's {@link ContextPool}) and
 * the {@code SCARDHANDLE} connected in it.
 *
 * <p><b>Why a context per connection.</b> pcsc-lite serializes every call on a context, and pcscd makes
 * {@code SCardConnect} wait (inside the daemon) while any handle holds the card's transaction. With one shared
 * context, a connect waiting for a transaction would hold up every other connection in that context, including the
 * one that must end the transaction: a deadlock. A context per connection keeps connections independent and lets
 * one connection's calls be aborted without touching the others.
 *
 * <p><b>Lifetime.</b> Callers {@link #enter()} before a native call on the handle and {@link #exit()} after it.
 * {@link #dispose(int)} disconnects the handle at once (a call that waits inside the library for another
 * application's transaction then returns {@code SCARD_E_INVALID_HANDLE} at its next poll) but gives the context
 * back to its {@link ContextPool} (or releases it) only when the last caller has left, so no call ever runs on a
 * context another connection uses or that was released.
 *
 * <p><b>Bounded calls.</b> Calls that can wait for the card or the reader run through {@link #call}: on a worker
 * thread of this connection, while the caller waits at most its timeout. A call that outlives the wait is
 * <i>abandoned</i>: the caller gets {@link #TIMED_OUT} (or {@link #CLOSED} when the connection was disposed
 * meanwhile), the worker stays in the library until the call returns, then disconnects the handle and releases the
 * context; an abandoned connection's context never goes back to the pool (pcsc-lite serializes the calls on a
 * context, so nothing else could use it meanwhile, and whatever the stuck call left behind goes with it). While a
 * worker call runs, {@link #dispose(int)} does not wait for it: the disconnect runs on a thread of its own.
 */
final class NativeConnection {

    /** What {@link #dispose(int)} returns when the connection was disposed already (not a PC/SC code). */
    static final int ALREADY_DISPOSED = 1;
    /** What {@link #dispose(int)} returns when a call was in flight: the disconnect runs later (not a PC/SC code). */
    static final int DEFERRED = 2;
    /** What {@link #call} returns when the call did not return in time and was abandoned (not a PC/SC code). */
    static final int TIMED_OUT = 3;
    /** What {@link #call} returns when the connection was disposed before the call returned (not a PC/SC code). */
    static final int CLOSED = 4;
    /** What an interruptible {@link #call} returns when the caller was interrupted: the call is abandoned. */
    static final int INTERRUPTED = 5;

    private static final Log LOG = PcscComponent.LOGS.logger(NativeConnection.class);
    /** How long an idle worker thread waits for the next call before it ends (a new one starts when needed). */
    private static final long WORKER_IDLE_NANOS = TimeUnit.SECONDS.toNanos(5);
    /**
     * How long a worker waits for the next call yielding (see {@link #CALLER_SPIN_NANOS}) before it parks: a caller in
     * a loop hands the next call within this, and the worker takes it without being woken.
     */
    private static final long WORKER_SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    /**
     * How long a caller waits for its call's result yielding ({@link Thread#yield()}, which lets the PC/SC service and
     * the other threads run) before it parks: a round trip to a fast card is shorter, and the answer is taken without
     * a wake-up. A wake-up costs about 5 to 10 us on a loaded machine, which against a 70 us round trip is 10%.
     */
    private static final long CALLER_SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    /** A native call on the handle, returning the PC/SC return code. */
    @FunctionalInterface
    interface Call {
        int run(PcscApi api, long handle);
    }

    private final ContextPool pool;
    /** Runs the worker loop (the backend's helper threads, reused between connections). */
    private final Executor workers;
    final long context;
    final long handle;
    /** The active protocol, in the platform's value. */
    volatile long protocol;
    /** Whether {@link #counter} and {@link #atr} tell the card insertion the handle met; false until asked. */
    volatile boolean insertionKnown;
    /** pcsc-lite's insertion counter when the handle last met the card, or -1 where unknown. */
    volatile int counter;
    /** The ATR when the handle last met the card (for platforms without an insertion counter). */
    volatile byte[] atr;

    private int users;
    private boolean disposed;
    /** Whether the disconnect left the context clean for another connection. Guarded by this. */
    private boolean reusable;
    /** A call was abandoned (or disposed while running): the context is released, never pooled. Guarded by this. */
    private boolean abandoned;
    /** The context was handed back or released: nothing of this connection is left in the library. Guarded by this. */
    private boolean released;

    // The worker. Turns, start and end of the worker, and closing: guarded by calls. The handoff of one call is
    // lock-free (volatile fields and LockSupport), see call().
    private final ReentrantLock calls = new ReentrantLock();
    private final Condition turnFree = calls.newCondition();
    /** A worker loop is running (or was started) for this connection. Guarded by calls. */
    private boolean workerRunning;
    /** A caller owns the worker: from handing it a call until it took the result (or gave up). Guarded by calls. */
    private boolean busy;
    /** The current call was given up by its caller: the worker cleans up after it and ends. Guarded by calls. */
    private boolean callAbandoned;
    /** What to free once the abandoned call returned (e.g. the native transmit buffer it writes into). */
    private AutoCloseable afterAbandoned; // guarded by calls
    /** Disposed: no more calls; callers waiting for one wake up. Written under calls. */
    private volatile boolean closing;
    /** The call handed to the worker and not yet taken. */
    private volatile Call task;
    /** The worker's thread while its loop runs. */
    private volatile Thread workerThread;
    /** Whether the worker is parked (or about to park) waiting for a call. */
    private volatile boolean workerParked;
    /** The caller waiting for the current call's result. */
    private volatile Thread waiter;
    /** The current call: {@link #IDLE}, {@link #RUNNING}, then {@link #DONE} (worker) or {@link #GIVEN_UP} (caller). */
    private final AtomicInteger phase = new AtomicInteger(IDLE);
    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int GIVEN_UP = 3;
    /** The current call's return code, published by {@link #phase} becoming {@link #DONE}. */
    private int result;
    private final String name;

    /**
     * A connection in {@code context} (taken from {@code pool}, to which it returns when the connection is disposed).
     *
     * @param insertionKnown whether {@code counter} and {@code atr} come from an SCardStatus on the handle; when
     *        false they are -1 and empty until a caller learns them
     */
    NativeConnection(ContextPool pool, Executor workers, long context, long handle, long protocol,
            boolean insertionKnown, int counter, byte[] atr) {
        this.pool = pool;
        this.workers = workers;
        this.context = context;
        this.handle = handle;
        this.protocol = protocol;
        this.insertionKnown = insertionKnown;
        this.counter = insertionKnown ? counter : -1;
        this.atr = insertionKnown && atr != null ? atr : new byte[0];
        this.name = "scard-pcsc-call-" + Long.toHexString(handle);
    }

    /**
     * Runs {@code call} on this connection's worker thread and waits at most {@code timeoutNanos} for it (also for
     * the worker to finish a call another thread handed it before). The caller must have {@link #enter() entered}.
     * An interrupt does not end the wait (it is bounded anyway); the thread's interrupt status is kept.
     *
     * @param release freed by the worker when the call is abandoned (native memory the call writes into), or null
     * @see #call(Call, long, AutoCloseable, boolean)
     * @return the call's return code; {@link #TIMED_OUT} when it did not return in time (it is abandoned: the
     *         connection is useless from now on, see the class comment); {@link #CLOSED} when the connection was
     *         disposed first
     */
    int call(Call call, long timeoutNanos, AutoCloseable release) {
        return call(call, timeoutNanos, release, false);
    }

    /**
     * {@link #call(Call, long, AutoCloseable)}; when {@code interruptible}, an interrupt of the waiting caller
     * abandons the call as a timeout would and returns {@link #INTERRUPTED} (the interrupt status is kept).
     */
    int call(Call call, long timeoutNanos, AutoCloseable release, boolean interruptible) {
        long deadline = System.nanoTime() + timeoutNanos;
        boolean interrupted = false;
        Thread self = Thread.currentThread();
        calls.lock();
        try {
            while (busy && !closing && !callAbandoned) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return TIMED_OUT; // another thread's call holds the worker (its caller abandons it in time)
                }
                try {
                    turnFree.awaitNanos(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (closing) {
                return CLOSED;
            }
            if (callAbandoned) {
                return TIMED_OUT; // the worker is stuck in an earlier call
            }
            synchronized (this) {
                users++; // the worker's use, ended by the worker when the call returns
            }
            busy = true;
            waiter = self;
            phase.set(RUNNING);
            task = call;
            if (!workerRunning) {
                try {
                    workers.execute(this::work);
                } catch (RejectedExecutionException e) { // the backend stopped
                    task = null;
                    phase.set(IDLE);
                    busy = false;
                    turnFree.signal();
                    exit();
                    return CLOSED;
                }
                workerRunning = true;
            }
        } finally {
            calls.unlock();
        }
        if (workerParked) {
            LockSupport.unpark(workerThread); // (a worker that is spinning takes the call without it)
        }
        long spinUntil = System.nanoTime() + CALLER_SPIN_NANOS;
        while (phase.get() == RUNNING && System.nanoTime() - spinUntil < 0 && !closing) {
            Thread.yield();
        }
        try {
            while (phase.get() == RUNNING) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closing || (interrupted && interruptible)) {
                    int given = giveUp(release);
                    if (given != 0) {
                        return closing ? CLOSED : left <= 0 ? TIMED_OUT : INTERRUPTED;
                    }
                    break; // it returned meanwhile
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
            int code = result;
            calls.lock();
            try {
                phase.set(IDLE);
                busy = false;
                turnFree.signal();
            } finally {
                calls.unlock();
            }
            return code;
        } finally {
            if (interrupted) {
                self.interrupt();
            }
        }
    }

    /** The caller gives the running call up; returns 0 when it had returned meanwhile (the caller takes its result). */
    private int giveUp(AutoCloseable release) {
        calls.lock();
        try {
            if (!phase.compareAndSet(RUNNING, GIVEN_UP)) {
                return 0;
            }
            callAbandoned = true;
            afterAbandoned = release;
            busy = false;
            turnFree.signalAll();
        } finally {
            calls.unlock();
        }
        markAbandoned();
        return 1;
    }

    private void work() {
        workerThread = Thread.currentThread();
        for (;;) {
            Call call = awaitCall();
            if (call == null) {
                return;
            }
            int code = PcscErrors.F_INTERNAL_ERROR;
            try {
                code = call.run(pool.api(), handle);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.WARNING, "a PC/SC call on handle " + Long.toHexString(handle) + " failed", e);
            }
            result = code;
            Thread caller = waiter;
            if (phase.compareAndSet(RUNNING, DONE)) {
                LockSupport.unpark(caller);
                exit();
                continue;
            }
            // given up by its caller: clean up after it and end
            AutoCloseable release;
            calls.lock();
            try {
                release = afterAbandoned;
                afterAbandoned = null;
                workerRunning = false;
                closing = true;
                workerThread = null;
                turnFree.signalAll();
            } finally {
                calls.unlock();
            }
            LOG.log(Level.INFO, "an abandoned PC/SC call on handle " + Long.toHexString(handle) + " returned "
                    + PcscErrors.hex(code) + "; disconnecting it and releasing its context");
            closeQuietly(release);
            dispose(0); // (a no-op when disposed already; the context is released, not pooled)
            exit();
            return;
        }
    }

    /**
     * The next call for the worker: waits yielding a little first (a caller in a loop hands the next one at once, and
     * a parked worker would cost a wake-up per call), then parks. Null when the loop ends (the connection is disposed,
     * or no call came for {@link #WORKER_IDLE_NANOS}).
     */
    private Call awaitCall() {
        long start = System.nanoTime();
        for (;;) {
            Call call = task;
            if (call != null) {
                task = null;
                return call;
            }
            long waited = System.nanoTime() - start;
            if (closing || waited >= WORKER_IDLE_NANOS) {
                calls.lock();
                try {
                    if (task == null) {
                        workerRunning = false;
                        workerThread = null;
                        return null;
                    }
                } finally {
                    calls.unlock();
                }
                continue;
            }
            if (waited < WORKER_SPIN_NANOS) {
                Thread.yield();
                continue;
            }
            workerParked = true;
            if (task == null && !closing) {
                LockSupport.parkNanos(this, WORKER_IDLE_NANOS - waited);
            }
            workerParked = false;
            Thread.interrupted(); // a worker is never interrupted on purpose
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception e) {
                // native memory of a buffer nothing uses any more; nothing else to do
            }
        }
    }

    /** Disposes a connection nobody took over (an abandoned open): its context is released, not pooled. */
    void discard() {
        markAbandoned();
        dispose(0);
    }

    private synchronized void markAbandoned() {
        abandoned = true;
    }

    /** The library this connection belongs to. */
    PcscApi api() {
        return pool.api();
    }

    /** Records the insertion the handle meets (from SCardStatus, or from the reader state checked by a probe). */
    void learn(int insertionCounter, byte[] insertionAtr) {
        counter = insertionCounter;
        atr = insertionAtr == null ? new byte[0] : insertionAtr;
        insertionKnown = true;
    }

    /** Registers a caller; false when the connection was disposed (the caller must not use it). */
    synchronized boolean enter() {
        if (disposed) {
            return false;
        }
        users++;
        return true;
    }

    /**
     * Ends a caller's use; the last caller out of a disposed connection hands its context back to the pool (or
     * releases it when the disconnect failed).
     */
    void exit() {
        boolean done;
        boolean clean;
        synchronized (this) {
            users--;
            done = disposed && users == 0;
            clean = reusable && !abandoned;
        }
        if (done) {
            try {
                if (clean) {
                    pool.giveBack(context);
                } else {
                    pool.release(context);
                }
            } finally {
                synchronized (this) {
                    released = true;
                    notifyAll();
                }
            }
        }
    }

    /**
     * Waits at most {@code timeoutNanos} until the connection was disposed and its last call returned, so that
     * nothing of it is left in the library (its context handed back or released).
     *
     * @return whether that happened in time
     */
    synchronized boolean awaitReleased(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        boolean interrupted = false;
        try {
            while (!released) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether {@link #dispose(int)} was called. */
    synchronized boolean disposed() {
        return disposed;
    }

    /**
     * Disconnects the handle ({@code disposition}, falling back to {@code SCARD_LEAVE_CARD} when that fails) and,
     * once no caller is inside, hands the context back to the pool, or releases it when the handle could not be
     * disconnected (pcscd then drops the handle with the context). Idempotent; never throws for a failing library.
     *
     * @return the return code of the disconnect with {@code disposition} ({@code SCARD_S_SUCCESS}: carried out), or
     *         {@link #ALREADY_DISPOSED}
     */
    int dispose(int disposition) {
        synchronized (this) {
            if (disposed) {
                return ALREADY_DISPOSED;
            }
            disposed = true;
            users++; // the disconnect below is a call on the context too
        }
        boolean inFlight;
        calls.lock();
        try {
            closing = true;
            inFlight = phase.get() == RUNNING || callAbandoned && workerRunning;
        } finally {
            calls.unlock();
        }
        LockSupport.unpark(waiter); // a caller waiting for a result sees the connection closed
        Thread worker = workerThread;
        if (worker != null) {
            LockSupport.unpark(worker); // an idle worker ends
        }
        if (inFlight) {
            // pcsc-lite would make this disconnect wait for the call on the same context: never on the caller's
            // thread. The disconnect still ends a call that polls for another application's transaction.
            markAbandoned();
            Thread thread = new Thread(() -> disconnect(disposition), name + "-dispose");
            thread.setDaemon(true);
            thread.start();
            return DEFERRED;
        }
        return disconnect(disposition);
    }

    /** The disconnect part of {@link #dispose(int)}, after it counted itself as a user. */
    private int disconnect(int disposition) {
        boolean clean = false;
        int first = PcscErrors.F_INTERNAL_ERROR;
        try {
            PcscApi api = pool.api();
            first = api.disconnect(handle, disposition);
            int code = first;
            if (code != PcscErrors.SUCCESS && disposition != 0) {
                code = api.disconnect(handle, 0);
            }
            clean = code == PcscErrors.SUCCESS;
        } catch (RuntimeException | LinkageError e) {
            // the library failed; the context is released below all the same
        } finally {
            synchronized (this) {
                reusable = clean;
            }
            try {
                exit();
            } catch (RuntimeException | LinkageError e) {
                // nothing more to release
            }
        }
        return first;
    }
}
