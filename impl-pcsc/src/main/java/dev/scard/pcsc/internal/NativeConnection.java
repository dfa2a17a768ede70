package dev.scard.pcsc.internal;

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
 */
final class NativeConnection {

    /** What {@link #dispose(int)} returns when the connection was disposed already (not a PC/SC code). */
    static final int ALREADY_DISPOSED = 1;

    private final ContextPool pool;
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

    /**
     * A connection in {@code context} (taken from {@code pool}, to which it returns when the connection is disposed).
     *
     * @param insertionKnown whether {@code counter} and {@code atr} come from an SCardStatus on the handle; when
     *        false they are -1 and empty until a caller learns them
     */
    NativeConnection(ContextPool pool, long context, long handle, long protocol, boolean insertionKnown, int counter,
            byte[] atr) {
        this.pool = pool;
        this.context = context;
        this.handle = handle;
        this.protocol = protocol;
        this.insertionKnown = insertionKnown;
        this.counter = insertionKnown ? counter : -1;
        this.atr = insertionKnown && atr != null ? atr : new byte[0];
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
            clean = reusable;
        }
        if (done) {
            if (clean) {
                pool.giveBack(context);
            } else {
                pool.release(context);
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
