package dev.scard.remote.client.internal;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * Runs calls to hosts on threads of its own ({@code scard-remote-call-N}, at most {@value #MAX_THREADS}) so that the
 * caller waits for each at most a bound: a host that does not answer makes the call fail with
 * {@link HResult#SCARD_E_TIMEOUT}, an interrupted caller with {@link HResult#SCARD_E_CANCELLED} (the call's thread is
 * interrupted too). A host's {@link SCardException} reaches the caller as it is; any other failure (Remote Services'
 * {@code ServiceException}, an I/O or serialization failure, a proxy whose endpoint is gone) means the host cannot be
 * reached: {@link HResult#SCARD_E_NO_SERVICE}, naming the failure's class only.
 *
 * <p>A call that the caller gave up on may still complete on the host; {@code onAbandoned} then receives its result,
 * so that what it took (a lock) can be given back.
 */
final class RemoteCalls implements AutoCloseable {

    /** The most calls in progress at once. */
    static final int MAX_THREADS = 256;

    private final ThreadPoolExecutor executor;

    RemoteCalls() {
        AtomicInteger count = new AtomicInteger();
        executor = new ThreadPoolExecutor(0, MAX_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
            Thread thread = new Thread(task, "scard-remote-call-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Runs {@code call} for {@code host}, waiting at most {@code boundNanos}. */
    <T> T call(String host, long boundNanos, Supplier<T> call) {
        return call(host, boundNanos, call, null);
    }

    /**
     * Runs {@code call} for {@code host}, waiting at most {@code boundNanos}; when the caller gives up and the call
     * completes later, {@code onAbandoned} (if not null) gets its result.
     */
    <T> T call(String host, long boundNanos, Supplier<T> call, Consumer<T> onAbandoned) {
        Outcome<T> outcome = new Outcome<>(onAbandoned);
        Future<T> task = start(() -> outcome.finish(call.get()));
        return await(host, task, System.nanoTime() + boundNanos, Duration.ofNanos(boundNanos)
                + " (the remote backend's call timeout)", outcome::abandon);
    }

    /**
     * Starts {@code call} on a call thread without waiting for it; {@link #await} gets its result.
     *
     * @throws SCardException {@link HResult#SCARD_E_SERVER_TOO_BUSY} when every call thread is busy
     */
    <T> Future<T> start(Supplier<T> call) {
        FutureTask<T> task = new FutureTask<>(call::get);
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            throw new SCardException(HResult.SCARD_E_SERVER_TOO_BUSY, MAX_THREADS
                    + " calls to remote hosts are in progress already; try again");
        }
        return task;
    }

    /**
     * Waits for a call {@link #start started} for {@code host} until {@code deadlineNanos} ({@link System#nanoTime()}):
     * its result, or its failure as {@link #failure}; a call not done by then is cancelled (its thread interrupted)
     * and fails with {@link HResult#SCARD_E_TIMEOUT} naming {@code bound}, and {@code onGiveUp} (if not null) runs.
     */
    <T> T await(String host, Future<T> task, long deadlineNanos, String bound, Runnable onGiveUp) {
        try {
            return task.get(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw failure(host, e.getCause());
        } catch (TimeoutException e) {
            giveUp(task, onGiveUp);
            throw new SCardException(HResult.SCARD_E_TIMEOUT, "host '" + host + "' did not answer within " + bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            giveUp(task, onGiveUp);
            throw new SCardException(HResult.SCARD_E_CANCELLED, "interrupted while waiting for host '" + host + "'");
        }
    }

    private static void giveUp(Future<?> task, Runnable onGiveUp) {
        if (onGiveUp != null) {
            onGiveUp.run();
        }
        task.cancel(true);
    }

    /** Runs {@code task} on a call thread without waiting for it; false when every thread is busy. */
    boolean submit(Runnable task) {
        try {
            executor.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** What a call's failure means to its caller: the host's own error, or a host that cannot be reached. */
    static SCardException failure(String host, Throwable failure) {
        if (failure instanceof SCardException e) {
            return e;
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof SCardException e) {
            return e;
        }
        // Class names only: a message might carry data of the call.
        String what = failure.getClass().getName() + (root == failure ? "" : ", caused by " + root.getClass().getName());
        return new SCardException(HResult.SCARD_E_NO_SERVICE, "host '" + host + "' cannot be reached (" + what + ")");
    }

    /** Stops the call threads (interrupting calls in progress). */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** A call's result, and whether its caller gave up on it: exactly one of the two sides hands it over. */
    private static final class Outcome<T> {
        private final Consumer<T> onAbandoned;
        private boolean finished;
        private boolean abandoned;
        private T result;

        Outcome(Consumer<T> onAbandoned) {
            this.onAbandoned = onAbandoned;
        }

        T finish(T value) {
            boolean handOver;
            synchronized (this) {
                finished = true;
                result = value;
                handOver = abandoned;
            }
            if (handOver && onAbandoned != null) {
                onAbandoned.accept(value);
            }
            return value;
        }

        void abandon() {
            boolean handOver;
            T value;
            synchronized (this) {
                abandoned = true;
                handOver = finished;
                value = result;
            }
            if (handOver && onAbandoned != null) {
                onAbandoned.accept(value);
            }
        }
    }
}
