package dev.scard.itest.reliability;

import static dev.scard.itest.support.Apdus.selectMf;
import static dev.scard.itest.support.Apdus.sw;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.itest.support.Apdus;
import dev.scard.itest.support.VpcdRig;
import dev.scard.simulator.control.SimulatorControl;
import dev.scard.testprovider.witness.WitnessCard;
import dev.scard.testsupport.Worker;

/**
 * A card that never answers (or answers late) wedges nothing: with {@code callTimeoutMillis} set, a transmit fails
 * with {@code SCARD_E_TIMEOUT} within the bound; {@code detach()} returns at once while the transmit hangs; a reader
 * elsewhere keeps working; stopping the backend's bundle returns within 2 s; a slow card's answer arrives when the
 * timeout is longer than its delay. Through pcscd with a {@link VpcdCardProgram} in vpcd's first slot, and on the
 * simulator with a plugged-in {@link BlockingCard}.
 *
 * <p>The bounds are behavioural (generous), not timing measurements: 1 s for a detach that should return at once,
 * the configured timeout plus 5 s for a transmit that should time out, 2 s for a bundle stop.
 */
public class HungCardTest extends ReliabilityBase {

    static final long SHORT_TIMEOUT = 1500;
    static final long LONG_TIMEOUT = 60_000;
    static final Duration DETACH_BOUND = Duration.ofSeconds(1);
    static final Duration STOP_BOUND = Duration.ofSeconds(2);
    static final Duration TIMEOUT_SLACK = Duration.ofSeconds(5);
    static final long SLOW_CARD_MILLIS = 3000;
    /** Lets a transmit reach the card before the test acts while it hangs. */
    static final long SETTLE_MILLIS = 300;

    // ---- through pcscd --------------------------------------------------------------------------------------

    /**
     * Puts a card program in vpcd's first slot instead of the simulator's card; all put back after the test. A test
     * registers {@code program::close} again once it has its managers, so the program goes first in the clean-up: a
     * PC/SC call that hangs on the card blocks the backend's other calls until the card goes.
     */
    private VpcdCardProgram pcscCard(long answerDelay) throws Exception {
        requirePcsc("a hanging card through pcscd");
        onCleanup(() -> VpcdRig.serve(awaitService(SimulatorControl.class, null), resourceManager(PCSC)));
        control.unserve(SIM_READER_0);
        VpcdRig.awaitPcscd(resourceManager(PCSC), VpcdRig.CARD_READER, false);
        VpcdCardProgram program = VpcdCardProgram.connect(SimulatorControl.VPCD_PORT, answerDelay,
                Duration.ofMillis(VpcdRig.SERVE_WAIT_MILLIS));
        onCleanup(program::close);
        VpcdRig.awaitPcscd(resourceManager(PCSC), VpcdRig.CARD_READER, true);
        return program;
    }

    @Test
    void transmitToACardThatNeverAnswersTimesOutThroughPcscd() throws Exception {
        callTimeout(SHORT_TIMEOUT);
        VpcdCardProgram program = pcscCard(VpcdCardProgram.NEVER);
        ISCardManage manager = attached(PCSC, VpcdRig.CARD_READER);
        onCleanup(program::close);
        assertTransmitTimesOut("c. never-answering card, pcsc", manager);
    }

    @Test
    void detachReturnsAtOnceWhileATransmitHangsThroughPcscd() throws Exception {
        callTimeout(LONG_TIMEOUT);
        VpcdCardProgram program = pcscCard(VpcdCardProgram.NEVER);
        ISCardManage manager = attached(PCSC, VpcdRig.CARD_READER);
        onCleanup(program::close);
        assertDetachReturnsAtOnce("c. detach during a hung transmit, pcsc", manager);
    }

    @Test
    void anotherReaderWorksWhileACardHangsThroughPcscd() throws Exception {
        callTimeout(LONG_TIMEOUT);
        VpcdCardProgram program = pcscCard(VpcdCardProgram.NEVER);
        insertModel(SIM_READER_1, new WitnessCard(Protocol.T1));
        ISCardManage hung = attached(PCSC, VpcdRig.CARD_READER);
        ISCardManage other = manager(PCSC);
        onCleanup(program::close);
        hangTransmit(hung);
        long start = System.nanoTime();
        byte[] response = inBackground("attach and transmit on the other reader", () -> {
            other.attachByIfd(VpcdRig.EMPTY_READER);
            return other.transmit(WitnessCard.traffic(1, 1));
        }).get(BOUND);
        assertThat(sw(response)).as("the other reader's answer").isEqualTo("9000");
        long took = millisSince(start);
        start = System.nanoTime();
        SCardResourceManager readers = resourceManager(PCSC);
        int listed = inBackground("list the readers", () -> readers.listReaders().size()).get(BOUND);
        Figures.record("c. other reader while a card hangs, pcsc", "attach + transmit on " + VpcdRig.EMPTY_READER
                + " took " + took + " ms; listReaders (" + listed + " readers) took " + millisSince(start) + " ms");
    }

    @Test
    void backendBundleStopsWithinTwoSecondsWhileATransmitHangsThroughPcscd() throws Exception {
        callTimeout(LONG_TIMEOUT);
        VpcdCardProgram program = pcscCard(VpcdCardProgram.NEVER);
        ISCardManage manager = attached(PCSC, VpcdRig.CARD_READER);
        onCleanup(program::close);
        hangTransmit(manager);
        assertBundleStopsInTime("c. impl-pcsc stop during a hung transmit", bundle(PCSC_BUNDLE), program::close);
    }

    @Test
    void aSlowCardAnswersWhenTheTimeoutIsLongerThroughPcscd() throws Exception {
        callTimeout(2 * SLOW_CARD_MILLIS);
        VpcdCardProgram program = pcscCard(SLOW_CARD_MILLIS);
        ISCardManage manager = attached(PCSC, VpcdRig.CARD_READER);
        onCleanup(program::close);
        assertSlowAnswer("c. slow card (" + SLOW_CARD_MILLIS + " ms), pcsc", manager);
    }

    // ---- on the simulator -----------------------------------------------------------------------------------

    /** Puts a blocking model into the simulator's second reader; attachedToSimulated releases it after the test. */
    private BlockingCard simulatedCard(long delay) throws Exception {
        BlockingCard card = new BlockingCard(delay);
        insertModel(SIM_READER_1, card);
        return card;
    }

    private ISCardManage attachedToSimulated(BlockingCard card) throws InterruptedException {
        ISCardManage manager = attached(SIM, SIM_READER_1);
        onCleanup(card::release);
        return manager;
    }

    @Test
    void transmitToAModelThatBlocksTimesOutOnTheSimulator() throws Exception {
        callTimeout(SHORT_TIMEOUT);
        BlockingCard card = simulatedCard(BlockingCard.FOREVER);
        assertTransmitTimesOut("c. blocking model, simulator", attachedToSimulated(card));
    }

    @Test
    void detachReturnsAtOnceWhileAModelBlocksOnTheSimulator() throws Exception {
        callTimeout(LONG_TIMEOUT);
        BlockingCard card = simulatedCard(BlockingCard.FOREVER);
        assertDetachReturnsAtOnce("c. detach during a blocked model, simulator", attachedToSimulated(card));
    }

    @Test
    void anotherReaderWorksWhileAModelBlocksOnTheSimulator() throws Exception {
        callTimeout(LONG_TIMEOUT);
        BlockingCard card = simulatedCard(BlockingCard.FOREVER);
        hangTransmit(attachedToSimulated(card));
        ISCardManage other = manager(SIM);
        long start = System.nanoTime();
        byte[] response = inBackground("attach and transmit on the other reader", () -> {
            other.attachByIfd(SIM_READER_0);
            return other.transmit(selectMf());
        }).get(BOUND);
        assertThat(sw(response)).as("the other reader's answer").isEqualTo("9000");
        Figures.record("c. other reader while a model blocks, simulator", "attach + transmit on " + SIM_READER_0
                + " took " + millisSince(start) + " ms");
    }

    @Test
    void backendBundleStopsWithinTwoSecondsWhileAModelBlocksOnTheSimulator() throws Exception {
        callTimeout(LONG_TIMEOUT);
        boolean served = VpcdRig.served(control);
        BlockingCard card = simulatedCard(BlockingCard.FOREVER);
        hangTransmit(attachedToSimulated(card));
        onCleanup(() -> {
            if (served) {
                VpcdRig.serve(awaitService(SimulatorControl.class, null), resourceManager(PCSC));
            }
        });
        assertBundleStopsInTime("c. impl-simulator stop during a blocked model", bundle(SIM_BUNDLE), card::release);
    }

    @Test
    void aSlowModelAnswersWhenTheTimeoutIsLongerOnTheSimulator() throws Exception {
        callTimeout(2 * SLOW_CARD_MILLIS);
        BlockingCard card = simulatedCard(SLOW_CARD_MILLIS);
        assertSlowAnswer("c. slow model (" + SLOW_CARD_MILLIS + " ms), simulator", attachedToSimulated(card));
    }

    // ---- the checks -----------------------------------------------------------------------------------------

    private Worker<byte[]> hangTransmit(ISCardManage manager) throws InterruptedException {
        Worker<byte[]> transmit = inBackground("transmit to the hanging card", () -> manager.transmit(selectMf()));
        Thread.sleep(SETTLE_MILLIS);
        assertThat(transmit.isDone()).as("the transmit to a card that does not answer is still waiting").isFalse();
        return transmit;
    }

    private void assertTransmitTimesOut(String what, ISCardManage manager) throws InterruptedException {
        long start = System.nanoTime();
        Worker<byte[]> transmit = inBackground("transmit to the hanging card", () -> manager.transmit(selectMf()));
        Duration bound = Duration.ofMillis(SHORT_TIMEOUT).plus(TIMEOUT_SLACK);
        Throwable failure;
        try {
            failure = transmit.failure(bound);
        } catch (AssertionError e) {
            Figures.record(what, "transmit did not fail within " + bound.toMillis() + " ms (callTimeoutMillis "
                    + SHORT_TIMEOUT + "): " + e.getMessage());
            throw e;
        }
        Figures.record(what, "transmit failed after " + millisSince(start) + " ms (callTimeoutMillis "
                + SHORT_TIMEOUT + "): " + failure.getMessage());
        assertThat(failure).isInstanceOf(SCardException.class);
        assertThat(((SCardException) failure).code()).as("code of %s", failure.getMessage())
                .isEqualTo(HResult.SCARD_E_TIMEOUT);
    }

    private void assertDetachReturnsAtOnce(String what, ISCardManage manager) throws InterruptedException {
        hangTransmit(manager); // it may end at the detach or with the card (after the test): the contract says neither
        long start = System.nanoTime();
        Worker<Void> detach = inBackground("detach while the transmit hangs", () -> {
            manager.detach();
            return null;
        });
        try {
            detach.get(DETACH_BOUND);
        } catch (AssertionError e) {
            Figures.record(what, "detach did not return within " + DETACH_BOUND.toMillis() + " ms");
            throw e;
        }
        long took = millisSince(start);
        Figures.record(what, "detach returned after " + took + " ms");
        assertThat(manager.isAttached()).as("attached after detach").isFalse();
    }

    private void assertBundleStopsInTime(String what, Bundle backend, Cleanup unblock) throws Exception {
        onCleanup(() -> {
            unblock.run();
            assertThat(bounded("restart of " + backend.getSymbolicName(), BOUND, () -> {
                backend.start();
                return null;
            })).as("%s started again", backend.getSymbolicName()).isTrue();
            awaitService(SimulatorControl.class, null);
            resourceManager(PCSC);
            resourceManager(SIM);
        });
        long start = System.nanoTime();
        Worker<Void> stop = Worker.start("stop " + backend.getSymbolicName(), () -> {
            backend.stop();
            return null;
        });
        boolean stopped = stop.join(STOP_BOUND);
        long took = millisSince(start);
        Figures.record(what, stopped ? "bundle stop returned after " + took + " ms"
                : "bundle stop did not return within " + STOP_BOUND.toMillis() + " ms");
        if (!stopped) {
            System.err.println("RELIABILITY " + what + ": the stop is still in:");
            for (StackTraceElement frame : stop.thread().getStackTrace()) {
                System.err.println("    at " + frame);
            }
            unblock.run(); // lets the stop finish, so the clean-up can start the bundle again
            stop.join(BOUND);
        }
        assertThat(stopped).as("%s stopped within %s while a card hung", backend.getSymbolicName(), STOP_BOUND)
                .isTrue();
    }

    private void assertSlowAnswer(String what, ISCardManage manager) throws InterruptedException {
        long start = System.nanoTime();
        byte[] response = inBackground("transmit to the slow card", () -> manager.transmit(selectMf()))
                .get(Duration.ofMillis(2 * SLOW_CARD_MILLIS).plus(TIMEOUT_SLACK));
        long took = millisSince(start);
        Figures.record(what, "answer " + Apdus.hex(response) + " after " + took + " ms (callTimeoutMillis "
                + 2 * SLOW_CARD_MILLIS + ")");
        assertThat(sw(response)).isEqualTo("9000");
        assertThat(took).as("the answer came after the card's delay").isGreaterThanOrEqualTo(SLOW_CARD_MILLIS - 100);
    }
}
