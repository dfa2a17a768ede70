package dev.scard.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A task on a daemon thread of its own with a name, for tests that need a second caller: it can tell whether the
 * task is parked in a wait, and every wait for it is bounded. {@link Workers} keeps the workers of one test and
 * checks after it that they all ended.
 *
 * @param <T> what the task returns
 */
public final class Worker<T> {
    private final Thread thread;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CompletableFuture<T> result = new CompletableFuture<>();

    private Worker(String name, Callable<T> task) {
        thread = new Thread(() -> {
            started.countDown();
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, name);
        thread.setDaemon(true);
    }

    /**
     * Starts {@code task} on a new daemon thread called {@code name}.
     *
     * @param <T> what the task returns
     * @param name the thread's name
     * @param task the task
     * @return the running worker
     */
    public static <T> Worker<T> start(String name, Callable<T> task) {
        Worker<T> worker = new Worker<>(name, task);
        worker.thread.start();
        return worker;
    }

    /**
     * The worker's thread.
     *
     * @return the thread
     */
    public Thread thread() {
        return thread;
    }

    /**
     * The task's outcome, for tests that wait with {@link java.util.concurrent.Future#get(long, TimeUnit)} or
     * check {@link CompletableFuture#isDone()} themselves.
     *
     * @return the outcome, completed when the task returns or throws
     */
    public CompletableFuture<T> future() {
        return result;
    }

    /**
     * Whether the task has ended.
     *
     * @return true when it returned or threw
     */
    public boolean isDone() {
        return result.isDone();
    }

    /**
     * Waits until the task has started and its thread is parked (WAITING or TIMED_WAITING) without having
     * finished: it is blocked in a wait, not merely slow. Fails the test when the task ends first or does not
     * park within {@code bound}.
     *
     * @param bound how long to wait at most
     * @return this worker
     * @throws InterruptedException when the test thread is interrupted while waiting
     */
    public Worker<T> awaitParked(Duration bound) throws InterruptedException {
        assertThat(started.await(bound.toMillis(), TimeUnit.MILLISECONDS)).as("%s started", thread.getName()).isTrue();
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (result.isDone()) {
                fail("%s finished instead of waiting: %s", thread.getName(), describeResult());
            }
            Thread.State state = thread.getState();
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
                return this;
            }
            Thread.sleep(5);
        }
        return fail("%s did not start waiting within %s (state %s)", thread.getName(), bound, thread.getState());
    }

    /**
     * Asserts that the task is still running after {@code grace}.
     *
     * @param grace how long to watch it
     * @return this worker
     * @throws InterruptedException when the test thread is interrupted while waiting
     */
    public Worker<T> assertStillRunningAfter(Duration grace) throws InterruptedException {
        try {
            result.get(grace.toMillis(), TimeUnit.MILLISECONDS);
            fail("%s finished while it should still wait: %s", thread.getName(), describeResult());
        } catch (TimeoutException expected) {
            // still waiting, as it should
        } catch (ExecutionException e) {
            fail("%s failed while it should still wait: %s", thread.getName(), e.getCause());
        }
        return this;
    }

    /**
     * The task's result; fails the test when it does not finish within {@code bound} or threw.
     *
     * @param bound how long to wait at most
     * @return what the task returned
     * @throws InterruptedException when the test thread is interrupted while waiting
     */
    public T get(Duration bound) throws InterruptedException {
        try {
            return result.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return fail("%s did not finish within %s (state %s)", thread.getName(), bound, thread.getState());
        } catch (ExecutionException e) {
            throw new AssertionError(thread.getName() + " failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * What the task threw; fails the test when it does not finish within {@code bound} or returned normally.
     * {@link Expect#failureOf(java.util.concurrent.Future, Duration)} does the same for an
     * {@link dev.scard.api.SCardException}.
     *
     * @param bound how long to wait at most
     * @return what the task threw
     * @throws InterruptedException when the test thread is interrupted while waiting
     */
    public Throwable failure(Duration bound) throws InterruptedException {
        try {
            T value = result.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return fail("%s returned %s instead of failing", thread.getName(), value);
        } catch (TimeoutException e) {
            return fail("%s did not finish within %s (state %s)", thread.getName(), bound, thread.getState());
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /**
     * Waits for the thread to end.
     *
     * @param bound how long to wait at most
     * @return true when it ended within {@code bound}
     * @throws InterruptedException when the test thread is interrupted while waiting
     */
    public boolean join(Duration bound) throws InterruptedException {
        thread.join(Math.max(1, bound.toMillis()));
        return !thread.isAlive();
    }

    private String describeResult() {
        try {
            return String.valueOf(result.getNow(null));
        } catch (RuntimeException e) {
            return "threw " + e.getCause();
        }
    }
}
