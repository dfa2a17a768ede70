package dev.scard.pcsc.internal;

import static dev.scard.pcsc.internal.PcscdRig.READER_0;
import static dev.scard.pcsc.internal.PcscdRig.READER_1;
import static dev.scard.testsupport.Expect.failure;
import static dev.scard.testsupport.Expect.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.ApduExchange;

/**
 * Cards that do not answer, or answer late, and a T=0 card whose {@code 61xx} answers race, through a real pcscd and
 * vpcd (card programs written here, see {@link VpcdTestCard}). pcsc-lite serializes the calls on a context, and
 * vpcd waits for the card program without a limit: only the backend's call timeout frees the caller. Bounds are
 * generous (futures), so that "returns" is told from "blocks for ever".
 */
class UnresponsiveCardOverPcscdTest extends PcscdTestBase {

    /** A T=0-only ATR (TS 3B, T0 02: no interface bytes, two historical bytes). */
    private static final byte[] ATR_T0 = HexFormat.of().parseHex("3B021450");
    private static final byte[] HANG = {(byte) 0x80, 0x11, 0x00, 0x00};

    private final CountDownLatch answerNow = new CountDownLatch(1);
    private final List<PcscBackend> others = new ArrayList<>();

    @AfterEach
    void releaseTheCard() {
        answerNow.countDown(); // the card program answers at last, so it can be removed
        for (PcscBackend other : others) {
            other.stop();
        }
    }

    private PcscBackend backendWithCallTimeout(Duration callTimeout) {
        PcscBackend created = new PcscBackend(PcscPlatform.current(), settings(callTimeout));
        others.add(created);
        return created;
    }

    private static PcscSettings settings(Duration callTimeout) {
        return new PcscSettings(Pattern.compile("Virtual PCD.*"), "", Duration.ofMillis(2), Duration.ofMillis(50),
                Duration.ofMillis(250), callTimeout);
    }

    /** Replaces the card in slot 0 by one that answers with {@code responder}. */
    private void insertCard0(byte[] atr, UnaryOperator<byte[]> responder) throws Exception {
        card0.remove();
        awaitCard(READER_0, false);
        card0 = VpcdTestCard.insert(VpcdTestCard.SLOT0, atr, responder);
        awaitCard(READER_0, true);
    }

    /** A card program that answers {@link #HANG} only when the test ends (or after two minutes), else 9000. */
    private UnaryOperator<byte[]> hangingOn(byte[] hang) {
        return command -> {
            if (Arrays.equals(command, hang)) {
                try {
                    answerNow.await(2, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new byte[] {(byte) 0x90, 0x00};
        };
    }

    @Test
    void aCardThatNeverAnswersCostsItsCallerTheCallTimeoutAndWedgesNothingElse() throws Exception {
        insertCard0(VpcdTestCard.ATR_T1, hangingOn(HANG));
        card1 = VpcdTestCard.insert(VpcdTestCard.SLOT1);
        awaitCard(READER_1, true);
        PcscBackend bounded = backendWithCallTimeout(Duration.ofMillis(1500));
        PcscConnection stuck = bounded.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(stuck.transmit(SELECT_MF)).as("the card answers other commands").containsExactly(0x90, 0x00);

        SCardException timedOut = failureOf(background.inBackground("stuck-transmit", () -> stuck.transmit(HANG)),
                Duration.ofSeconds(30));
        assertThat(timedOut.code()).isEqualTo(HResult.SCARD_E_TIMEOUT);
        assertThat(timedOut.getMessage()).contains("SCardTransmit").contains(READER_0).contains("1500 ms");
        assertThat(failure(() -> stuck.transmit(SELECT_MF)).code()).as("broken until reconnected")
                .isEqualTo(HResult.SCARD_E_TIMEOUT);

        background.inBackground("disconnect", () -> {
            stuck.disconnect(Disposition.LEAVE);
            return null;
        }).get(10, TimeUnit.SECONDS);

        // vpcd's two slots are one reader device to pcscd, whose calls into the driver it serializes: the stuck
        // transmit holds up the other slot too. Calls there are bounded as well, and work again once the card answers.
        PcscBackend other = backendWithCallTimeout(Duration.ofMillis(1500));
        for (String reader : List.of(READER_0, READER_1)) {
            CompletableFuture<HResult> attach = background.inBackground("attach-" + reader,
                    () -> attachAndSelect(other, reader));
            assertThat(attach.get(30, TimeUnit.SECONDS)).as("an attach to %s returns", reader)
                    .isIn(HResult.SCARD_S_SUCCESS, HResult.SCARD_E_TIMEOUT);
        }
        background.inBackground("stop", () -> {
            bounded.stop();
            return null;
        }).get(10, TimeUnit.SECONDS);
        assertThat(failure(() -> stuck.transmit(SELECT_MF)).code()).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);

        answerNow.countDown(); // the card answers at last: the abandoned call returns, the reader is free again
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        HResult again;
        do {
            again = attachAndSelect(other, READER_1);
        } while (again != HResult.SCARD_S_SUCCESS && System.nanoTime() < deadline);
        assertThat(again).isEqualTo(HResult.SCARD_S_SUCCESS);
        assertThat(attachAndSelect(other, READER_0)).isEqualTo(HResult.SCARD_S_SUCCESS);
        background.inBackground("stop-other", () -> {
            other.stop();
            return null;
        }).get(10, TimeUnit.SECONDS);
    }

    /** Connects, sends SELECT MF, disconnects: success, or the code of the call that failed. */
    private static HResult attachAndSelect(PcscBackend backend, String reader) {
        try {
            PcscConnection c = backend.connect(reader, ShareMode.SHARED, Protocol.T0_OR_T1);
            try {
                assertThat(c.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
            } finally {
                c.disconnect(Disposition.LEAVE);
            }
            return HResult.SCARD_S_SUCCESS;
        } catch (SCardException e) {
            return e.code();
        }
    }

    @Test
    void aStopWhileACallIsStuckReturnsPromptly() throws Exception {
        insertCard0(VpcdTestCard.ATR_T1, hangingOn(HANG));
        PcscBackend patient = backendWithCallTimeout(Duration.ofMinutes(10));
        PcscConnection stuck = patient.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        CompletableFuture<byte[]> transmit = background.inBackground("stuck-transmit", () -> stuck.transmit(HANG));
        Thread.sleep(300);
        assertThat(transmit).as("the card does not answer").isNotDone();
        background.inBackground("stop", () -> {
            patient.stop();
            return null;
        }).get(10, TimeUnit.SECONDS);
        assertThat(failureOf(transmit, Duration.ofSeconds(10)).code()).isIn(HResult.SCARD_E_INVALID_HANDLE,
                HResult.SCARD_E_SERVICE_STOPPED);
    }

    @Test
    void aSlowCardIsWaitedForWithinTheCallTimeoutAndBreaksTheConnectionBeyondIt() throws Exception {
        AtomicInteger answered = new AtomicInteger();
        insertCard0(VpcdTestCard.ATR_T1, command -> {
            if (Arrays.equals(command, HANG)) {
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                answered.incrementAndGet();
                return new byte[] {0x12, 0x34, (byte) 0x90, 0x00};
            }
            return new byte[] {(byte) 0x90, 0x00};
        });
        PcscBackend slow = backendWithCallTimeout(Duration.ofSeconds(20));
        PcscConnection connection = slow.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(background.inBackground("slow-transmit", () -> connection.transmit(HANG)).get(30, TimeUnit.SECONDS))
                .containsExactly(0x12, 0x34, 0x90, 0x00);

        slow.reconfigure(settings(Duration.ofMillis(500)));
        SCardException timedOut = failureOf(background.inBackground("late-transmit", () -> connection.transmit(HANG)),
                Duration.ofSeconds(30));
        assertThat(timedOut.code()).isEqualTo(HResult.SCARD_E_TIMEOUT);
        assertThat(timedOut.getMessage()).contains("500 ms");

        slow.reconfigure(settings(Duration.ofSeconds(20)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (answered.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(answered.get()).as("the card answered the abandoned command").isEqualTo(2);
        CompletableFuture<byte[]> afterReconnect = background.inBackground("reconnected-transmit", () -> {
            connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            return connection.transmit(HANG);
        });
        assertThat(afterReconnect.get(30, TimeUnit.SECONDS)).containsExactly(0x12, 0x34, 0x90, 0x00);
        connection.disconnect(Disposition.LEAVE);
    }

    @Test
    void concurrentConnectionsOfTwoBackendsGetTheirOwnGetResponseFromAT0Card() throws Exception {
        BoundedCallsTest.T0Card card = new BoundedCallsTest.T0Card();
        insertCard0(ATR_T0, card::answer);
        List<PcscConnection> connections = new ArrayList<>();
        for (PcscBackend each : List.of(backendWithCallTimeout(Duration.ofMinutes(2)),
                backendWithCallTimeout(Duration.ofMinutes(2)))) {
            for (int i = 0; i < 3; i++) {
                connections.add(each.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1));
            }
        }
        assertThat(connections.get(0).status().protocol()).isEqualTo(Protocol.T0);
        int rounds = 150;
        AtomicInteger wrong = new AtomicInteger();
        List<CompletableFuture<Integer>> runs = new ArrayList<>();
        for (int t = 0; t < connections.size(); t++) {
            PcscConnection connection = connections.get(t);
            int thread = t;
            runs.add(background.inBackground("t0-exchanger-" + t, () -> {
                for (int i = 0; i < rounds; i++) {
                    byte[] command = BoundedCallsTest.T0Card.command(thread, i);
                    if (!Arrays.equals(ApduExchange.exchange(connection, command),
                            BoundedCallsTest.T0Card.expected(command))) {
                        wrong.incrementAndGet();
                    }
                }
                return rounds;
            }));
        }
        for (CompletableFuture<Integer> run : runs) {
            assertThat(run.get(50, TimeUnit.SECONDS)).isEqualTo(rounds);
        }
        assertThat(wrong.get()).as("of %d exchanges, answers to another connection's command",
                rounds * connections.size()).isZero();
        for (PcscConnection connection : connections) {
            connection.disconnect(Disposition.LEAVE);
        }
    }
}
