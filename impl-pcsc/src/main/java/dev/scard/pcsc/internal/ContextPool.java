package dev.scard.pcsc.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Established {@code SCARDCONTEXT}s that no connection uses now, kept for the next connection instead of being
 * released: with pcsc-lite, establishing a context opens a new socket to pcscd (which starts a thread for it) and
 * costs two round trips, releasing it another one, while a connect and a disconnect cost one each. Reusing contexts
 * makes an attach + detach two round trips, as in a C program that keeps its context.
 *
 * <p>Every context is used by one {@link NativeConnection} at a time (pcsc-lite serializes the calls on a context,
 * and pcscd makes an {@code SCardConnect} wait while the card is in a transaction: sharing a context would couple
 * connections, see {@link NativeConnection}). A context goes back to the pool only after its handle was disconnected
 * successfully and no caller is inside a call on it; otherwise it is released, and pcscd drops whatever the context
 * still held. Contexts from before a restart of pcscd are dead: the first call that reports the service gone or the
 * context invalid discards it and {@link #drain drains} the others (they died with the same daemon).
 *
 * <p>At most {@link #MAX_IDLE} contexts are kept; more are released. {@link #close} releases the idle ones and makes
 * every later {@link #giveBack} release its context: a stopped backend holds nothing in pcscd. Thread-safe.
 */
final class ContextPool {

    /** How many unused contexts are kept. */
    static final int MAX_IDLE = 4;

    private final PcscApi api;
    private final ArrayDeque<Long> idle = new ArrayDeque<>(); // guarded by this
    private boolean closed; // guarded by this

    /** A pool for contexts of {@code api}. */
    ContextPool(PcscApi api) {
        this.api = api;
    }

    /** The library the contexts belong to. */
    PcscApi api() {
        return api;
    }

    /**
     * The most recently used idle context, or 0 when there is none: the caller establishes a new one then. The caller
     * owns the context until it hands it to {@link #giveBack} or releases it. It is not checked: a context that died
     * with pcscd (or that the client library forgot) fails the caller's first call with the service gone or an
     * invalid handle, and the caller then releases it, {@link #drain drains} the pool and tries a new one.
     */
    synchronized long take() {
        if (closed || idle.isEmpty()) {
            return 0;
        }
        return idle.pop();
    }

    /**
     * Takes back a context whose handle was disconnected and which no call uses any more; releases it instead when
     * the pool is closed or full.
     */
    void giveBack(long context) {
        synchronized (this) {
            if (!closed && idle.size() < MAX_IDLE) {
                idle.push(context);
                return;
            }
        }
        release(context);
    }

    /** Releases a context that must not be used again (it failed, or the backend stopped). */
    void release(long context) {
        try {
            api.releaseContext(context);
        } catch (RuntimeException | LinkageError e) {
            // the context goes with the library's state; nothing else holds it
        }
    }

    /** Releases every idle context: they are from a PC/SC service that went away. */
    void drain() {
        for (long context : takeAll()) {
            release(context);
        }
    }

    /** Releases the idle contexts and every context given back from now on. Idempotent. */
    void close() {
        synchronized (this) {
            closed = true;
        }
        drain();
    }

    /** The contexts kept now (for tests and diagnostics). */
    synchronized int idle() {
        return idle.size();
    }

    private synchronized List<Long> takeAll() {
        List<Long> all = new ArrayList<>(idle);
        idle.clear();
        return all;
    }
}
