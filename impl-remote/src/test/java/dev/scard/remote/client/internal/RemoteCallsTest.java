package dev.scard.remote.client.internal;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Worker;

/** What a call to a host fails with, and what happens to a result its caller gave up on. */
class RemoteCallsTest {

    private static final Duration BOUND = Duration.ofSeconds(20);
    private final RemoteCalls calls = new RemoteCalls();

    @AfterEach
    void tearDown() {
        calls.close();
    }

    @Test
    void theHostsOwnErrorPassesAndAnythingElseIsNoService() {
        failure(HResult.SCARD_W_REMOVED_CARD, "gone", () -> calls.call("h", BOUND.toNanos(), () -> {
            throw new SCardException(HResult.SCARD_W_REMOVED_CARD, "gone");
        }));
        SCardException unreachable = failure(HResult.SCARD_E_NO_SERVICE, "host 'h' cannot be reached",
                () -> calls.call("h", BOUND.toNanos(), () -> {
                    throw new UndeclaredThrowableException(new IOException("secret-ish detail"));
                }));
        assertThat(unreachable.getMessage()).contains("java.io.IOException").doesNotContain("secret-ish detail");
        failure(HResult.SCARD_E_NO_SERVICE, () -> calls.call("h", BOUND.toNanos(), () -> {
            throw new UncheckedIOException(new IOException("refused"));
        }));
        SCardException wrapped = new SCardException(HResult.SCARD_E_SHARING_VIOLATION, "busy");
        assertThat(RemoteCalls.failure("h", new IllegalStateException(wrapped))).isSameAs(wrapped);
        assertThat(calls.call("h", BOUND.toNanos(), () -> 42)).isEqualTo(42);
    }

    @Test
    void aCallBeyondItsBoundTimesOutAndItsLateResultGoesToTheAbandonedHandler() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        AtomicReference<String> late = new AtomicReference<>();
        failure(HResult.SCARD_E_TIMEOUT, "did not answer", () -> calls.call("h", TimeUnit.MILLISECONDS.toNanos(50),
                () -> {
                    awaitIgnoringInterrupts(answer);
                    return "granted";
                }, late::set));
        assertThat(late.get()).isNull();
        answer.countDown();
        Await.until("the late result is handed over", BOUND, () -> "granted".equals(late.get()));
    }

    @Test
    void anInterruptedCallerIsCancelled() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        Worker<String> caller = Worker.start("caller", () -> calls.call("h", BOUND.toNanos(), () -> {
            awaitIgnoringInterrupts(never);
            return "x";
        }));
        caller.awaitParked(BOUND).thread().interrupt();
        Throwable failure = caller.failure(BOUND);
        assertThat(failure).isInstanceOf(SCardException.class);
        assertThat(((SCardException) failure).code()).isEqualTo(HResult.SCARD_E_CANCELLED);
        never.countDown();
    }

    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // a remote call's socket read does not stop at an interrupt either
            }
        }
    }
}
