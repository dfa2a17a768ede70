package dev.scard.pcsc.internal;

import static dev.scard.pcsc.internal.PcscdRig.READER_0;
import static dev.scard.pcsc.internal.PcscdRig.READER_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * What the tests against a real pcscd share (see {@link PcscdRig}: skipped loudly without one, failed when
 * CI=true): a backend on the vpcd readers, a {@link VpcdTestCard} in {@link PcscdRig#READER_0} and none in
 * {@link PcscdRig#READER_1} at the start of every test, "another application" played by direct library calls on
 * contexts of their own (which the backend cannot see, as a separate process would), and background threads that
 * must have ended after each test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class PcscdTestBase {

    static final byte[] GET_CHALLENGE = {0x00, (byte) 0x84, 0x00, 0x00, 0x08};
    static final byte[] SELECT_MF = {0x00, (byte) 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};
    static final Duration STILL_WAITING = Duration.ofMillis(300);

    PcscdRig rig;
    PcscBackend backend;
    VpcdTestCard card0;
    VpcdTestCard card1;
    JnaPcscApi raw;
    final List<Thread> threads = new ArrayList<>();
    final List<long[]> foreignContexts = new ArrayList<>();

    @BeforeEach
    void setUpPcscd() throws Exception {
        rig = PcscdRig.require();
        raw = JnaPcscApi.load(PcscPlatform.current(), null);
        backend = newBackend();
        card0 = VpcdTestCard.insert(VpcdTestCard.SLOT0);
        awaitCard(READER_0, true);
        awaitCard(READER_1, false);
    }

    @AfterEach
    void tearDownPcscd() throws Exception {
        if (backend != null) {
            backend.stop();
        }
        for (long[] context : foreignContexts) {
            raw.releaseContext(context[0]);
        }
        for (Thread thread : threads) {
            thread.join(10_000);
            assertThat(thread.isAlive()).as("test thread %s ended", thread.getName()).isFalse();
        }
        if (card0 != null) {
            card0.remove();
        }
        if (card1 != null) {
            card1.remove();
        }
        if (rig != null) {
            awaitCard(READER_0, false);
            awaitCard(READER_1, false);
        }
    }

    static PcscBackend newBackend() {
        PcscSettings settings = new PcscSettings(Pattern.compile("Virtual PCD.*"), "", Duration.ofMillis(2),
                Duration.ofMillis(50), Duration.ofMillis(250));
        return new PcscBackend(PcscPlatform.current(), settings);
    }

    /** Waits until pcscd sees a card in (or no card in) a reader. */
    void awaitCard(String reader, boolean present) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        PcscBackend probe = backend != null && !backend.stopped() ? backend : newBackend();
        try {
            while (System.nanoTime() < deadline) {
                try {
                    if (probe.readerInfo(reader).cardPresent() == present) {
                        return;
                    }
                } catch (SCardException e) {
                    // pcscd starting
                }
                Thread.sleep(20);
            }
        } finally {
            if (probe != backend) {
                probe.stop();
            }
        }
        throw new AssertionError("reader " + reader + (present ? " got no card" : " kept its card") + " in 10 s");
    }

    /** Another application's connection: {context, handle, protocol}. */
    long[] foreignConnect(String reader, int shareMode) {
        long[] context = new long[1];
        assertThat(raw.establishContext(context)).isZero();
        foreignContexts.add(context);
        long[] out = new long[2];
        assertThat(raw.connect(context[0], reader, shareMode, 3, out)).isZero();
        return new long[] {context[0], out[0], out[1]};
    }

    <T> CompletableFuture<T> inBackground(String name, Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
        return result;
    }

    /** Waits until the named thread waits (parked, not merely slow) and is still waiting a while later. */
    void assertParkedAndWaiting(CompletableFuture<?> future, String name) throws InterruptedException {
        Thread thread = threads.stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(future).as("%s finished instead of waiting", name).isNotDone();
            Thread.State state = thread.getState();
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
                Thread.sleep(STILL_WAITING.toMillis());
                assertThat(future).as("%s still waits", name).isNotDone();
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError(name + " did not start waiting (state " + thread.getState() + ")");
    }

    void awaitNoBusyHelpers() throws InterruptedException {
        PcscBackendTest.awaitNoBusyHelpers(backend);
    }

    static HResult causeCode(CompletableFuture<?> future) throws InterruptedException, TimeoutException {
        try {
            Object value = future.get(5, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SCardException.class);
            return ((SCardException) e.getCause()).code();
        }
    }

    /** The code an action fails with, or null when it succeeds. */
    static HResult code(Runnable action) {
        try {
            action.run();
            return null;
        } catch (SCardException e) {
            return e.code();
        }
    }

    static SCardException failure(Runnable action) {
        try {
            action.run();
        } catch (SCardException e) {
            return e;
        }
        throw new AssertionError("expected an SCardException");
    }
}
