package dev.scard.simulator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.simulator.internal.card.CardProfile;

/** The bundle's activator: it reads the sample profile ahead on a thread of its own and never waits for it. */
class ActivatorTest {

    /** Holds the test read-ahead until the test lets it go. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch running = new CountDownLatch(1);
    private final AtomicInteger runs = new AtomicInteger();
    private final Runnable blockingReadAhead = () -> {
        runs.incrementAndGet();
        running.countDown();
        try {
            release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    };

    @AfterEach
    void letGo() {
        release.countDown();
    }

    private static void assertEnds(Thread thread) throws InterruptedException {
        thread.join(10_000);
        assertThat(thread.isAlive()).as("the read-ahead thread has ended").isFalse();
    }

    @Test
    void startReturnsWhileTheReadAheadStillRunsOnADaemonThreadOfItsOwn() throws InterruptedException {
        Activator activator = new Activator(blockingReadAhead);
        activator.start(null);
        // start has returned although the read-ahead cannot end before the release below
        Thread thread = activator.thread();
        assertThat(running.await(10, TimeUnit.SECONDS)).as("the read-ahead began").isTrue();
        assertThat(thread).isNotSameAs(Thread.currentThread());
        assertThat(thread.getName()).isEqualTo("scard-simulator-profile-warmup");
        assertThat(thread.isDaemon()).isTrue();
        assertThat(thread.isAlive()).isTrue();
        release.countDown();
        assertEnds(thread);
        assertThat(runs).hasValue(1);
    }

    @Test
    void aSecondStartWhileTheReadAheadRunsStartsNoSecondThread() throws InterruptedException {
        Activator activator = new Activator(blockingReadAhead);
        activator.start(null);
        Thread first = activator.thread();
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        activator.start(null);
        assertThat(activator.thread()).isSameAs(first);
        release.countDown();
        assertEnds(first);
        assertThat(runs).hasValue(1);

        activator.start(null); // after the first has ended (a bundle started again): one more, harmless read-ahead
        assertThat(activator.thread()).isNotSameAs(first);
        assertEnds(activator.thread());
        assertThat(runs).hasValue(2);
    }

    @Test
    void stopBeforeTheReadAheadFinishedLetsItFinish() throws InterruptedException {
        Activator activator = new Activator(blockingReadAhead);
        activator.start(null);
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        activator.stop(null);
        Thread thread = activator.thread();
        assertThat(thread.isAlive()).as("stop does not end the read-ahead").isTrue();
        assertThat(thread.isInterrupted()).as("stop does not interrupt it").isFalse();
        release.countDown();
        assertEnds(thread);
        assertThat(runs).hasValue(1);
    }

    @Test
    void stopWithoutStartIsHarmless() {
        Activator activator = new Activator(blockingReadAhead);
        activator.stop(null);
        assertThat(activator.thread()).isNull();
        assertThat(runs).hasValue(0);
    }

    @Test
    void theActivatorReadsTheSampleProfileThatSampleThenReturns() throws InterruptedException {
        Activator activator = new Activator();
        activator.start(null);
        assertEnds(activator.thread());
        CardProfile sample = CardProfile.sample();
        CardProfile fresh = CardProfile.parse(CardProfile.bundledBytes("sample-card.json"), "sample-card.json");
        assertThat(sample.name()).isEqualTo("sample-card").isEqualTo(fresh.name());
        assertThat(sample.atr()).isEqualTo(fresh.atr());
        assertThat(sample.protocol()).isEqualTo(fresh.protocol());
        assertThat(CardProfile.sample()).isSameAs(sample);
    }

    @Test
    void aFailingReadAheadPrintsNothing() throws InterruptedException {
        PrintStream err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            Activator activator = new Activator(() -> {
                throw new IllegalStateException("the read failed");
            });
            activator.start(null);
            assertEnds(activator.thread());
        } finally {
            System.setErr(err);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
