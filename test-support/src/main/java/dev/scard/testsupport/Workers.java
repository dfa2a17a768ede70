package dev.scard.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link Worker}s one test started, so that after the test each is checked to have ended: a caller left
 * waiting is a leak. Not thread-safe: the test's own thread starts and checks them.
 */
public final class Workers {
    private final List<Worker<?>> workers = new ArrayList<>();

    /** No workers yet. */
    public Workers() {
    }

    /**
     * Starts {@code task} on a new daemon thread called {@code name} and keeps it.
     *
     * @param <T> what the task returns
     * @param name the thread's name
     * @param task the task
     * @return the running worker
     */
    public <T> Worker<T> start(String name, Callable<T> task) {
        Worker<T> worker = Worker.start(name, task);
        workers.add(worker);
        return worker;
    }

    /**
     * Starts {@code task} as {@link #start} does and returns its outcome only.
     *
     * @param <T> what the task returns
     * @param name the thread's name
     * @param task the task
     * @return the task's outcome
     */
    public <T> CompletableFuture<T> inBackground(String name, Callable<T> task) {
        return start(name, task).future();
    }

    /**
     * The worker started with this name (the first, when there are more).
     *
     * @param name the thread's name
     * @return the worker
     */
    public Worker<?> named(String name) {
        return workers.stream().filter(w -> w.thread().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no worker named " + name));
    }

    /**
     * Waits up to {@code bound} for each worker's thread to end, interrupts those that did not, forgets them all
     * and fails the test when any was still running.
     *
     * @param bound how long to wait at most for each
     * @throws InterruptedException when the test thread is interrupted while waiting
     */
    public void assertAllEnded(Duration bound) throws InterruptedException {
        List<String> stuck = new ArrayList<>();
        for (Worker<?> worker : workers) {
            if (!worker.join(bound)) {
                stuck.add(worker.thread().getName() + " (" + worker.thread().getState() + ")");
                worker.thread().interrupt();
            }
        }
        workers.clear();
        assertThat(stuck).as("test threads still running after the test").isEmpty();
    }
}
