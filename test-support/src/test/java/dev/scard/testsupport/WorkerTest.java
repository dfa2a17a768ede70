package dev.scard.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class WorkerTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    @Test
    void runsOnANamedDaemonThreadAndReturnsItsResult() throws Exception {
        Worker<String> worker = Worker.start("answering", () -> Thread.currentThread().getName());
        assertThat(worker.get(BOUND)).isEqualTo("answering");
        assertThat(worker.thread().isDaemon()).isTrue();
        assertThat(worker.join(BOUND)).isTrue();
        assertThat(worker.isDone()).isTrue();
        assertThat(worker.future()).isCompletedWithValue("answering");
    }

    @Test
    void failureIsWhatTheTaskThrewAndFailsTheTestWhenItReturned() throws Exception {
        IllegalStateException thrown = new IllegalStateException("broken");
        assertThat(Worker.start("failing", () -> {
            throw thrown;
        }).failure(BOUND)).isSameAs(thrown);
        Worker<String> returning = Worker.start("returning", () -> "fine");
        assertThatThrownBy(() -> returning.failure(BOUND)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("returned fine");
        assertThatThrownBy(() -> Worker.start("failing-get", () -> {
            throw thrown;
        }).get(BOUND)).isInstanceOf(AssertionError.class).hasMessageContaining("broken");
    }

    @Test
    void awaitParkedSeesAWaitingTaskAndBoundsEveryWait() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Worker<Boolean> waiting = Worker.start("waiting", () -> release.await(1, TimeUnit.MINUTES));
        waiting.awaitParked(BOUND).assertStillRunningAfter(Duration.ofMillis(20));
        assertThatThrownBy(() -> waiting.get(Duration.ofMillis(20))).isInstanceOf(AssertionError.class)
                .hasMessageContaining("did not finish within");
        assertThat(waiting.join(Duration.ofMillis(10))).isFalse();
        release.countDown();
        assertThat(waiting.get(BOUND)).isTrue();
        assertThatThrownBy(() -> waiting.assertStillRunningAfter(Duration.ofMillis(10)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("finished while it should still wait");
        Worker<String> quick = Worker.start("quick", () -> "done");
        quick.join(BOUND);
        assertThatThrownBy(() -> quick.awaitParked(BOUND)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("finished instead of waiting");
    }

    @Test
    void workersFailTheTestForAThreadLeftRunningAndInterruptIt() throws Exception {
        Workers workers = new Workers();
        assertThat(workers.inBackground("short", () -> 1).get(10, TimeUnit.SECONDS)).isEqualTo(1);
        Worker<Boolean> stuck = workers.start("stuck", () -> new CountDownLatch(1).await(1, TimeUnit.MINUTES));
        assertThat(workers.named("stuck")).isSameAs(stuck);
        assertThatThrownBy(() -> workers.named("nobody")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> workers.assertAllEnded(Duration.ofMillis(20))).isInstanceOf(AssertionError.class)
                .hasMessageContaining("stuck");
        assertThat(stuck.failure(BOUND)).isInstanceOf(InterruptedException.class);
        workers.assertAllEnded(Duration.ofMillis(20));
    }

    @Test
    void awaitUntilReturnsOnceTheConditionHoldsAndFailsAfterTheBound() throws Exception {
        long start = System.nanoTime();
        Await.until("a moment passed", BOUND, () -> System.nanoTime() - start > 1_000_000);
        assertThatThrownBy(() -> Await.until("never", Duration.ofMillis(20), () -> false))
                .isInstanceOf(AssertionError.class).hasMessageContaining("never");
    }
}
