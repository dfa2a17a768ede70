package dev.scard.itest.reliability;

import static dev.scard.itest.support.Apdus.assertSuccess;
import static dev.scard.itest.support.Apdus.selectMf;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

import dev.scard.api.ISCardManage;
import dev.scard.itest.support.VpcdRig;

/**
 * Nothing leaks: {@value #CYCLES} attach/detach cycles and {@value #RESTARTS} stop/starts of the PC/SC backend's
 * bundle with attachments open leave the process with no more file descriptors and threads than a small slack, and
 * another process can then connect to the card exclusively (pyscard, {@code SCARD_SHARE_EXCLUSIVE}): no PC/SC
 * connection of ours survived.
 */
public class LeakTest extends ReliabilityBase {

    static final int CYCLES = 10_000;
    static final int RESTARTS = 50;
    static final int OPEN_ATTACHMENTS = 3;
    static final long FD_SLACK = 10;
    static final int THREAD_SLACK = 5;

    @Test
    void attachDetachCyclesAndBackendRestartsLeakNothing() throws Exception {
        requirePcsc("the leak test through pcscd");
        Bundle backend = bundle(PCSC_BUNDLE);
        // warm up: the first cycle and restart load classes, open the PC/SC library and start its threads
        cycles(1);
        restart(backend, 1);
        System.gc();
        long fdsBefore = openFds();
        int threadsBefore = liveThreads();

        long start = System.nanoTime();
        cycles(CYCLES);
        long cyclesMillis = millisSince(start);
        start = System.nanoTime();
        restart(backend, RESTARTS);
        long restartsMillis = millisSince(start);
        Thread.sleep(500); // threads of the stopped components end asynchronously
        System.gc();
        long fdsAfter = openFds();
        int threadsAfter = liveThreads();

        String output = pyscard("exclusive connect after the cycles", pyscardPrologue(VpcdRig.CARD_READER)
                + "hr, card, proto = SCardConnect(ctx, reader, SCARD_SHARE_EXCLUSIVE, protocols)\n"
                + "print(SCardGetErrorMessage(hr) if hr != SCARD_S_SUCCESS else 'exclusive')\n"
                + "if hr == SCARD_S_SUCCESS: SCardDisconnect(card, SCARD_LEAVE_CARD)\n");
        Figures.record("g. leaks, pcsc", CYCLES + " attach/detach cycles in " + cyclesMillis + " ms, " + RESTARTS
                + " impl-pcsc stop/starts with " + OPEN_ATTACHMENTS + " attachments open in " + restartsMillis
                + " ms; fds " + fdsBefore + " -> " + fdsAfter + ", threads " + threadsBefore + " -> "
                + threadsAfter + "; exclusive connect from pyscard: " + output);
        assertThat(output).as("pyscard's exclusive connect").isEqualTo("exclusive");
        assertThat(fdsAfter).as("open file descriptors (before: %d)", fdsBefore).isLessThanOrEqualTo(
                fdsBefore + FD_SLACK);
        assertThat(threadsAfter).as("live threads (before: %d)", threadsBefore).isLessThanOrEqualTo(
                threadsBefore + THREAD_SLACK);
    }

    private void cycles(int count) throws InterruptedException {
        ISCardManage manager = manager(PCSC);
        for (int i = 0; i < count; i++) {
            manager.attachByIfd(VpcdRig.CARD_READER);
            if (i % 100 == 0) { // the attachment is a real connection: it exchanges APDUs
                assertSuccess(manager.transmit(selectMf()));
            }
            manager.detach();
        }
    }

    /** Stops and starts the backend's bundle {@code count} times, each time with attachments open. */
    private void restart(Bundle backend, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            List<ISCardManage> open = new ArrayList<>();
            for (int m = 0; m < OPEN_ATTACHMENTS; m++) {
                ISCardManage manager = manager(PCSC);
                manager.attachByIfd(VpcdRig.CARD_READER);
                open.add(manager);
            }
            if (i % 10 == 0) {
                open.get(0).lock();
                assertSuccess(open.get(0).transmit(selectMf()));
            }
            assertThat(bounded("stop of impl-pcsc", BOUND, () -> {
                backend.stop();
                return null;
            })).as("impl-pcsc stopped").isTrue();
            backend.start();
            resourceManager(PCSC);
        }
    }
}
