package dev.scard.simulator.internal;

import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * The thread a plugged-in card model runs on, one per insertion of such a model in a reader: the model's calls
 * (power-up, commands, resets) queue up here and run one at a time, while the caller waits for the answer at most
 * the backend's call timeout. A model that does not answer in time is {@link #abandon abandoned}: its thread is
 * interrupted and left to end by itself (it is a daemon thread), the calls queued behind it fail, and the next call
 * starts a new thread. The simulator's built-in models answer promptly and run on the caller's thread instead.
 *
 * <p>The thread ends when idle for a while and starts again on the next call, so an idle card holds no thread.
 */
final class CardThread {

    private static final long IDLE_SECONDS = 30;

    private final String readerName;
    // Guarded by this.
    private Worker worker;
    /** The thread given up last, which may still be inside the model; guarded by this. */
    private Worker lastAbandoned;
    private boolean retired;

    CardThread(String readerName) {
        this.readerName = readerName;
    }

    /**
     * Queues a call to the model.
     *
     * @throws SCardException {@link HResult#SCARD_W_REMOVED_CARD} once the card was removed ({@link #retire})
     */
    <T> Call<T> submit(Callable<T> task) {
        synchronized (this) {
            if (retired) {
                throw new SCardException(HResult.SCARD_W_REMOVED_CARD,
                        "the card in reader '" + readerName + "' was removed");
            }
            if (worker == null) {
                worker = new Worker(lastAbandoned);
            }
            Call<T> call = new Call<>(task, worker);
            worker.outstanding.add(call);
            worker.executor.execute(call);
            return call;
        }
    }

    /**
     * The card left the reader: no new calls are taken; the ones queued still run (their callers wait for them as
     * long as they would have).
     */
    synchronized void retire() {
        retired = true;
        if (worker != null) {
            worker.executor.shutdown(); // kept, so that abandonAll still reaches what runs on it
        }
    }

    /** Whether nothing runs or waits on this card thread any more after {@link #retire}. */
    synchronized boolean retiredAndIdle() {
        return retired && (worker == null || worker.outstanding.isEmpty());
    }

    /**
     * Gives up {@code call}'s thread (its call overran the timeout): the thread is interrupted and left to end by
     * itself, every call on it fails; the next call starts a new thread, which lets the model be called only once the
     * given-up thread has left it (a model never sees two calls at once): until then the next calls wait, bounded by
     * their callers' timeouts. Nothing happens when that thread was given up already.
     */
    void abandon(Call<?> call) {
        Worker abandoned;
        synchronized (this) {
            if (worker != call.worker) {
                abandoned = call.worker; // retired or replaced meanwhile: still wake its callers
            } else {
                abandoned = worker;
                worker = null;
                // a worker still waiting for its predecessor never reached the model: the predecessor is the one
                // that may still be inside it
                Worker before = abandoned.predecessor;
                lastAbandoned = before != null && !before.executor.isTerminated() ? before : abandoned;
            }
        }
        abandoned.abandon();
    }

    /** Gives up the thread and every call at once, and takes no more calls (the reader stopped). */
    void abandonAll() {
        Worker abandoned;
        synchronized (this) {
            retired = true;
            abandoned = worker;
            worker = null;
        }
        if (abandoned != null) {
            abandoned.abandon();
        }
    }

    /** One call to the model, and the thread it runs on. */
    static final class Call<T> extends FutureTask<T> {
        private final Worker worker;

        private Call(Callable<T> task, Worker worker) {
            super(task);
            this.worker = worker;
        }

        @Override
        protected void done() {
            worker.outstanding.remove(this);
        }

        /**
         * The call's result, waiting at most {@code timeoutNanos}.
         *
         * @throws TimeoutException when it did not come in time
         * @throws ExecutionException with what the model threw
         * @throws CancellationException when the call was given up
         * @throws InterruptedException when the caller was interrupted
         */
        T await(long timeoutNanos) throws TimeoutException, ExecutionException, InterruptedException {
            return get(timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A single daemon thread with its queue of calls. */
    private final class Worker {
        final Set<Call<?>> outstanding = ConcurrentHashMap.newKeySet();
        final ThreadPoolExecutor executor;
        /** The given-up worker whose thread this one waits for before it calls the model, or null. */
        final Worker predecessor;

        /** A worker whose thread first waits until {@code predecessor}'s thread (null: none) has ended. */
        Worker(Worker predecessor) {
            this.predecessor = predecessor;
            executor = new ThreadPoolExecutor(1, 1, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    task -> {
                        Thread thread = new Thread(() -> {
                            if (predecessor == null || awaitEnd(predecessor)) {
                                task.run();
                            }
                        }, "scard-simulator-card " + readerName);
                        thread.setDaemon(true);
                        return thread;
                    });
            executor.allowCoreThreadTimeOut(true);
        }

        /** Waits until a given-up worker's thread has left the model; false when this thread was given up first. */
        private boolean awaitEnd(Worker predecessor) {
            try {
                while (!predecessor.executor.awaitTermination(1, TimeUnit.SECONDS)) {
                    // a model stuck beyond the interrupt: the calls waiting here time out and are given up in turn
                }
                return true;
            } catch (InterruptedException e) {
                return false; // given up: the calls queued here are cancelled
            }
        }

        void abandon() {
            for (Call<?> call : outstanding) {
                call.cancel(true); // first, so that an answer the interrupt brings about is not taken
            }
            executor.shutdownNow();
        }
    }
}
