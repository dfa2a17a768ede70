package dev.scard.itest.reliability;

import static dev.scard.itest.support.Apdus.selectMf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.itest.support.Apdus;
import dev.scard.itest.support.VpcdRig;
import dev.scard.testsupport.Worker;
import dev.scard.simulator.control.SimulatorControl;

/**
 * pcscd killed and started again while several threads exchange APDUs through the PC/SC backend: every call either
 * succeeds with the right answer or fails with a code that says the service or the card went away, no call hangs,
 * and every thread works again after the restart (the recovery time is recorded). Runs only where the tests may
 * restart pcscd ({@code SCARD_PCSCD_RESTARTABLE=true}, as root); the replacement pcscd keeps running afterwards.
 */
public class PcscdRestartTest extends ReliabilityBase {

    static final Path PID_FILE = Path.of("/run/pcscd/pcscd.pid");
    static final int THREADS = 4;
    /** The failures a call may give while pcscd is gone or the card is being served again. */
    static final Set<HResult> ALLOWED = EnumSet.of(HResult.SCARD_E_NO_SERVICE, HResult.SCARD_E_SERVICE_STOPPED,
            HResult.SCARD_E_READER_UNAVAILABLE, HResult.SCARD_W_REMOVED_CARD, HResult.SCARD_E_NO_SMARTCARD,
            HResult.SCARD_E_UNKNOWN_READER, HResult.SCARD_E_NO_READERS_AVAILABLE, HResult.SCARD_W_RESET_CARD,
            HResult.SCARD_E_INVALID_HANDLE, HResult.SCARD_F_COMM_ERROR, HResult.SCARD_E_COMM_DATA_LOST,
            HResult.SCARD_W_UNPOWERED_CARD, HResult.SCARD_E_TIMEOUT);
    /** How long after its start a restarted pcscd may still refuse clients. */
    static final long SETTLE_MILLIS = 5_000;
    /** How long one call may take before it counts as a hang. */
    static final long HANG_MILLIS = 10_000;
    /** How long all threads may take to work again after pcscd is back. */
    static final long RECOVERY_BOUND_MILLIS = 30_000;

    @Test
    void pcscdRestartUnderTrafficFromSeveralThreads() throws Exception {
        requirePcsc("the pcscd restart");
        Assumptions.assumeTrue(restartable(), "pcscd may not be restarted here (SCARD_PCSCD_RESTARTABLE=true and"
                + " root needed)");
        onCleanup(() -> VpcdRig.settle(awaitService(SimulatorControl.class, null), resourceManager(PCSC)));
        byte[] expected = attached(PCSC, VpcdRig.CARD_READER).transmit(selectMf());
        Apdus.assertSuccess(expected);

        AtomicLong calls = new AtomicLong();
        AtomicLong successes = new AtomicLong();
        AtomicLong allowedFailures = new AtomicLong();
        List<String> wrong = new CopyOnWriteArrayList<>();
        Map<HResult, Long> codes = new ConcurrentHashMap<>();
        AtomicLongArray lastSuccess = new AtomicLongArray(THREADS);
        AtomicLongArray longestCall = new AtomicLongArray(THREADS);
        List<Worker<Void>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int index = t;
            ISCardManage manager = attached(PCSC, VpcdRig.CARD_READER);
            workers.add(inBackground("traffic " + t, () -> {
                while (!stop.get()) {
                    long start = System.nanoTime();
                    try {
                        calls.incrementAndGet();
                        if (!manager.isAttached()) {
                            manager.attachByIfd(VpcdRig.CARD_READER);
                        }
                        byte[] response = manager.transmit(selectMf());
                        if (java.util.Arrays.equals(response, expected)) {
                            successes.incrementAndGet();
                            lastSuccess.set(index, System.nanoTime());
                        } else {
                            wrong.add(Apdus.hex(response));
                        }
                    } catch (SCardException e) {
                        codes.merge(e.code(), 1L, Long::sum);
                        if (ALLOWED.contains(e.code()) || e.code() == HResult.SCARD_W_SECURITY_VIOLATION
                                && restartWindow()) {
                            allowedFailures.incrementAndGet();
                        } else {
                            wrong.add(e.getMessage());
                        }
                        recover(manager);
                        Thread.sleep(50);
                    }
                    longestCall.accumulateAndGet(index, millisSince(start), Math::max);
                }
                return null;
            }));
        }
        Thread.sleep(1000);
        long successesBefore = successes.get();
        killedAt = System.nanoTime();
        VpcdRig.killPcscd();
        Thread.sleep(1000);
        long restarted = System.nanoTime();
        VpcdRig.startPcscd();
        startedAt = System.nanoTime();
        long recovered = -1;
        while (millisSince(restarted) < RECOVERY_BOUND_MILLIS) {
            boolean all = true;
            for (int t = 0; t < THREADS; t++) {
                all &= lastSuccess.get(t) - restarted > 0;
            }
            if (all) {
                recovered = millisSince(restarted);
                break;
            }
            Thread.sleep(20);
        }
        Thread.sleep(500);
        stop.set(true);
        for (Worker<Void> worker : workers) {
            worker.get(Duration.ofMillis(HANG_MILLIS));
        }
        long longest = 0;
        for (int t = 0; t < THREADS; t++) {
            longest = Math.max(longest, longestCall.get(t));
        }
        Figures.record("d. pcscd killed and restarted, " + THREADS + " threads, pcsc", calls.get() + " calls, "
                + successes.get() + " right answers (" + successesBefore + " before the kill), "
                + allowedFailures.get() + " expected failures " + codes + ", " + wrong.size()
                + " wrong answers or unexpected failures" + (wrong.isEmpty() ? "" : " " + wrong.subList(0,
                        Math.min(3, wrong.size()))) + "; all threads recovered " + (recovered < 0
                                ? "NOT within " + RECOVERY_BOUND_MILLIS + " ms" : recovered + " ms")
                + " after pcscd started; longest call " + longest + " ms");
        assertThat(wrong).as("wrong answers and unexpected failures").isEmpty();
        assertThat(recovered).as("ms until every thread had a right answer after the restart").isNotNegative();
        assertThat(longest).as("the longest call (ms)").isLessThan(HANG_MILLIS);
    }

    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile long killedAt;
    private volatile long startedAt;

    /**
     * Whether now is between the kill and {@value #SETTLE_MILLIS} ms after the new pcscd's socket appeared: then
     * pcsc-lite's client may also answer {@code SCARD_W_SECURITY_VIOLATION} (a daemon that is not ready for it).
     */
    private boolean restartWindow() {
        long now = System.nanoTime();
        return killedAt != 0 && now - killedAt >= 0 && (startedAt == 0
                || TimeUnit.NANOSECONDS.toMillis(now - startedAt) < SETTLE_MILLIS);
    }

    /** Reconnects, or attaches anew, whichever works; failures are left to the next round. */
    private static void recover(ISCardManage manager) {
        try {
            manager.reconnect();
        } catch (SCardException e) {
            try {
                manager.detach();
            } catch (SCardException ignored) {
                // attached again next round
            }
        }
    }

    static boolean restartable() {
        return "true".equalsIgnoreCase(System.getenv("SCARD_PCSCD_RESTARTABLE"))
                && "root".equals(System.getProperty("user.name")) && Files.exists(PID_FILE);
    }
}
