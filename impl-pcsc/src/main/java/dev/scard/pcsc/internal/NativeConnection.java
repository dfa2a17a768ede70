package dev.scard.pcsc.internal;

/**
 * One native PC/SC connection: its own {@code SCARDCONTEXT} and the {@code SCARDHANDLE} connected in it.
 *
 * <p><b>Why a context per connection.</b> pcsc-lite serializes every call on a context, and pcscd makes
 * {@code SCardConnect} wait (inside the daemon) while any handle holds the card's transaction. With one shared
 * context, a connect waiting for a transaction would hold up every other connection in that context, including the
 * one that must end the transaction: a deadlock. A context per connection keeps connections independent and lets
 * one connection's calls be aborted without touching the others.
 *
 * <p><b>Lifetime.</b> Callers {@link #enter()} before a native call on the handle and {@link #exit()} after it.
 * {@link #dispose(int)} disconnects the handle at once (a call that waits inside the library for another
 * application's transaction then returns {@code SCARD_E_INVALID_HANDLE} at its next poll) but releases the context
 * only when the last caller has left, so no call ever runs on a released context.
 */
final class NativeConnection {

    private final PcscApi api;
    final long context;
    final long handle;
    /** The active protocol, in the platform's value. */
    volatile long protocol;
    /** pcsc-lite's insertion counter when the handle last met the card, or -1 where unknown. */
    volatile int counter;
    /** The ATR when the handle last met the card (for platforms without an insertion counter). */
    volatile byte[] atr;

    private int users;
    private boolean disposed;

    NativeConnection(PcscApi api, long context, long handle, long protocol, int counter, byte[] atr) {
        this.api = api;
        this.context = context;
        this.handle = handle;
        this.protocol = protocol;
        this.counter = counter;
        this.atr = atr == null ? new byte[0] : atr;
    }

    /** The library this connection belongs to. */
    PcscApi api() {
        return api;
    }

    /** Registers a caller; false when the connection was disposed (the caller must not use it). */
    synchronized boolean enter() {
        if (disposed) {
            return false;
        }
        users++;
        return true;
    }

    /** Ends a caller's use; the last caller out of a disposed connection releases its context. */
    void exit() {
        boolean release;
        synchronized (this) {
            users--;
            release = disposed && users == 0;
        }
        if (release) {
            api.releaseContext(context);
        }
    }

    /** Whether {@link #dispose(int)} was called. */
    synchronized boolean disposed() {
        return disposed;
    }

    /**
     * Disconnects the handle ({@code disposition}, falling back to {@code SCARD_LEAVE_CARD} when that fails) and
     * releases the context once no caller is inside. Idempotent; never throws for a failing library.
     *
     * @return false when it was disposed already
     */
    boolean dispose(int disposition) {
        synchronized (this) {
            if (disposed) {
                return false;
            }
            disposed = true;
            users++; // the disconnect below is a call on the context too
        }
        try {
            int code = api.disconnect(handle, disposition);
            if (code != PcscErrors.SUCCESS && disposition != 0) {
                api.disconnect(handle, 0);
            }
        } catch (RuntimeException | LinkageError e) {
            // the library failed; the context is released below all the same
        } finally {
            try {
                exit();
            } catch (RuntimeException | LinkageError e) {
                // nothing more to release
            }
        }
        return true;
    }
}
