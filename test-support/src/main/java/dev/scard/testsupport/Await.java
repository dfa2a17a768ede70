package dev.scard.testsupport;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting, polling, for a state that another thread brings about, always within a deadline. */
public final class Await {

    private Await() {
    }

    /**
     * Polls {@code condition} every few milliseconds until it holds; fails the test when it does not within
     * {@code bound}.
     *
     * @param what what the condition means, for the failure message
     * @param bound how long to wait at most
     * @param condition the condition
     * @throws InterruptedException when the test thread is interrupted while waiting
     */
    public static void until(String what, Duration bound, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within %s: %s", bound, what);
            }
            Thread.sleep(2);
        }
    }
}
