package dev.scard.pcsc.internal;

import static dev.scard.pcsc.internal.PcscdRig.READER_0;
import static dev.scard.pcsc.internal.PcscdRig.READER_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

import dev.scard.api.SCardException;
import dev.scard.testsupport.Workers;

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
    final Workers background = new Workers();
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
        background.assertAllEnded(Duration.ofSeconds(10));
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

    void awaitNoBusyHelpers() throws InterruptedException {
        PcscBackendTest.awaitNoBusyHelpers(backend);
    }

}
