package dev.scard.pcsc.internal;

import static dev.scard.testsupport.Expect.failure;
import static dev.scard.testsupport.Expect.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.ApduExchange;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Workers;

/**
 * Calls bounded by the call timeout, disconnect and stop that do not wait for a stuck card, atomic exchanges and
 * transaction races, against {@link FakePcscApi} (whose hanging SCardTransmit holds its context's calls as
 * pcsc-lite's per-context mutex does). Bounds are generous: they tell "returns" from "blocks for ever".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BoundedCallsTest {

    private static final String R0 = "Reader 0";
    private static final String R1 = "Reader 1";
    private static final byte[] ATR = HexFormat.of().parseHex("3B8801534341524453494D99");
    private static final byte[] SELECT_MF = {0x00, (byte) 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};
    /** The command the hanging card never answers. */
    private static final byte[] HANG = {(byte) 0x80, 0x11, 0x00, 0x00};

    private final List<PcscBackend> backends = new ArrayList<>();
    private final List<FakePcscApi> apis = new ArrayList<>();
    private final Workers background = new Workers();

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (FakePcscApi api : apis) {
            api.hangRelease.countDown();
        }
        for (PcscBackend backend : backends) {
            backend.stop();
        }
        background.assertAllEnded(Duration.ofSeconds(10));
    }

    private FakePcscApi fake() {
        FakePcscApi api = new FakePcscApi(PcscPlatform.linux(8), R0, R1);
        api.insert(R0, ATR);
        api.insert(R1, ATR);
        api.hangs = command -> Arrays.equals(command, HANG);
        apis.add(api);
        return api;
    }

    private PcscBackend backend(FakePcscApi api, Duration callTimeout) {
        PcscSettings settings = new PcscSettings(Pattern.compile(".*"), "", Duration.ofMillis(2),
                Duration.ofMillis(50), Duration.ofMillis(250), callTimeout);
        PcscBackend backend = new PcscBackend(api.platform(), settings, () -> api, "libfake.so");
        backends.add(backend);
        return backend;
    }

    @Test
    void aTransmitTheCardNeverAnswersTimesOutBreaksTheConnectionAndAbandonsItsContext() throws Exception {
        FakePcscApi api = fake();
        PcscBackend backend = backend(api, Duration.ofMillis(300));
        PcscConnection stuck = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection other = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);

        SCardException timedOut = failureOf(background.inBackground("stuck-transmit", () -> stuck.transmit(HANG)),
                Duration.ofSeconds(20));
        assertThat(timedOut.code()).isEqualTo(HResult.SCARD_E_TIMEOUT);
        assertThat(timedOut.getMessage()).contains("SCardTransmit").contains(R0).contains("300 ms");
        assertThat(api.hanging.get()).as("the native call is still inside the library").isEqualTo(1);

        SCardException later = failure(() -> stuck.transmit(SELECT_MF));
        assertThat(later.code()).as("broken: later calls fail at once").isEqualTo(HResult.SCARD_E_TIMEOUT);
        assertThat(later.getMessage()).contains("broken").contains("reconnect");
        assertThat(failure(stuck::status).code()).isEqualTo(HResult.SCARD_E_TIMEOUT);
        assertThat(failure(() -> stuck.beginTransaction(0)).code()).isEqualTo(HResult.SCARD_E_TIMEOUT);

        assertThat(other.transmit(SELECT_MF)).as("other connections keep working").containsExactly(0x90, 0x00);
        PcscConnection fresh = backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(fresh.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        fresh.disconnect(Disposition.LEAVE);

        stuck.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(stuck.transmit(SELECT_MF)).as("reconnect opens a new handle").containsExactly(0x90, 0x00);

        int contexts = api.openContexts();
        int idle = backend.idleContexts();
        api.hangRelease.countDown();
        Await.until("the abandoned context is released once its call returned", Duration.ofSeconds(10),
                () -> api.openContexts() == contexts - 1 && api.hanging.get() == 0);
        assertThat(backend.idleContexts()).as("it never went back to the pool").isEqualTo(idle);
        stuck.disconnect(Disposition.LEAVE);
        other.disconnect(Disposition.LEAVE);
    }

    @Test
    void disconnectAndStopDoNotWaitForACallStuckOnTheCard() throws Exception {
        FakePcscApi api = fake();
        PcscBackend backend = backend(api, Duration.ofMinutes(10));
        PcscConnection stuck = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection other = backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1);
        CompletableFuture<byte[]> transmit = background.inBackground("stuck-transmit", () -> stuck.transmit(HANG));
        Await.until("the transmit hangs", Duration.ofSeconds(10), () -> api.hanging.get() == 1);
        int contexts = api.openContexts();

        CompletableFuture<Void> disconnect = background.inBackground("disconnect", () -> {
            stuck.disconnect(Disposition.LEAVE);
            return null;
        });
        disconnect.get(5, TimeUnit.SECONDS);
        assertThat(failureOf(transmit, Duration.ofSeconds(5)).code())
                .as("the waiting caller is woken: the connection is closed")
                .isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        assertThat(failure(() -> stuck.transmit(SELECT_MF)).code()).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        assertThat(other.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        assertThat(api.openContexts()).as("the stuck context is still held").isEqualTo(contexts);

        // a second stuck call, on a connection stop() has to close
        PcscConnection again = backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1);
        CompletableFuture<byte[]> second = background.inBackground("second-stuck-transmit", () -> again.transmit(HANG));
        Await.until("the second transmit hangs", Duration.ofSeconds(10), () -> api.hanging.get() == 2);
        CompletableFuture<Void> stop = background.inBackground("stop", () -> {
            backend.stop();
            return null;
        });
        stop.get(5, TimeUnit.SECONDS);
        assertThat(failureOf(second, Duration.ofSeconds(5)).code())
                .isIn(HResult.SCARD_E_INVALID_HANDLE, HResult.SCARD_E_SERVICE_STOPPED);

        api.hangRelease.countDown();
        Await.until("every context is released once the stuck calls returned", Duration.ofSeconds(10),
                () -> api.openContexts() == 0);
        assertThat(api.openHandles()).isZero();
    }

    @Test
    void aSecondThreadsFailedLockDoesNotUndoTheClaimOfTheThreadAcquiringItOnTheSameConnection() throws Exception {
        FakePcscApi api = fake();
        PcscBackend backend = backend(api, Duration.ofMinutes(2));
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection rival = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        long[] foreignContext = new long[1];
        assertThat(api.establishContext(foreignContext)).isZero();
        long[] foreign = new long[2];
        assertThat(api.connect(foreignContext[0], R0, PcscPlatform.SHARE_SHARED, 3, foreign)).isZero();
        assertThat(api.beginTransaction(foreign[0])).isZero();

        CompletableFuture<Boolean> first = background.inBackground("first-lock", () -> connection.beginTransaction(-1));
        CardLock cardLock = backend.cardLock(R0);
        Await.until("the first thread claimed the card", Duration.ofSeconds(10),
                () -> cardLock.heldByOther(rival.party()));
        assertThat(connection.beginTransaction(TimeUnit.MILLISECONDS.toNanos(100))).as("the second thread times out")
                .isFalse();
        assertThat(cardLock.heldByOther(rival.party())).as("the first thread's claim stands").isTrue();
        assertThat(rival.beginTransaction(TimeUnit.MILLISECONDS.toNanos(50))).isFalse();

        assertThat(api.endTransaction(foreign[0], 0)).isZero();
        assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(cardLock.holds(connection.party())).isTrue();
        assertThat(rival.beginTransaction(TimeUnit.MILLISECONDS.toNanos(50))).as("held by the first thread")
                .isFalse();
        connection.endTransaction(Disposition.LEAVE);
        assertThat(rival.beginTransaction(TimeUnit.SECONDS.toNanos(5))).isTrue();
        rival.endTransaction(Disposition.LEAVE);
    }

    @Test
    void concurrentLocksOnOneConnectionAndAcrossConnectionsGrantOneOwnerAtATime() throws Exception {
        FakePcscApi api = fake();
        PcscBackend backend = backend(api, Duration.ofMinutes(2));
        List<PcscConnection> connections = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            connections.add(backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1));
        }
        CardLock cardLock = backend.cardLock(R0);
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger granted = new AtomicInteger();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            PcscConnection connection = connections.get(t % 3);
            workers.add(background.inBackground("locker-" + t, () -> {
                for (int i = 0; i < 40; i++) {
                    try {
                        if (!connection.beginTransaction(TimeUnit.MILLISECONDS.toNanos(20))) {
                            continue;
                        }
                    } catch (SCardException e) {
                        continue;
                    }
                    granted.incrementAndGet();
                    try {
                        connection.endTransaction(Disposition.LEAVE);
                    } catch (SCardException e) {
                        // the other thread of this connection ended it first: one transaction per connection
                        assertThat(e.code()).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
                    }
                }
                return null;
            }).thenRun(() -> { }));
        }
        CompletableFuture<Object> checker = background.inBackground("checker", () -> {
            while (workers.stream().anyMatch(w -> !w.isDone())) {
                int owners = 0;
                CardLock.Party holder = cardLock.holder(); // one look: between two reads the owner may change hands
                for (PcscConnection c : connections) {
                    if (c.party() == holder) {
                        owners++;
                    }
                }
                if (owners > 1) {
                    overlaps.incrementAndGet();
                }
                Thread.onSpinWait();
            }
            return null;
        });
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);
        checker.get(5, TimeUnit.SECONDS);
        assertThat(overlaps.get()).as("two connections held the card's transaction at once").isZero();
        assertThat(granted.get()).as("locks were granted").isPositive();
        for (PcscConnection c : connections) {
            assertThat(cardLock.holds(c.party())).isFalse();
            assertThat(c.beginTransaction(TimeUnit.SECONDS.toNanos(5))).as("the card is free again").isTrue();
            c.endTransaction(Disposition.LEAVE);
        }
    }

    @Test
    void exchangesOfConcurrentConnectionsOnAT0CardGetTheirOwnGetResponse() throws Exception {
        FakePcscApi api = fake();
        api.speaks(R0, PcscPlatform.PROTOCOL_T0);
        api.insert(R0, ATR);
        T0Card card = new T0Card();
        api.card = card::answer;
        PcscBackend backend = backend(api, Duration.ofMinutes(2));
        List<PcscConnection> connections = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            connections.add(backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1));
        }
        assertThat(connections.get(0).status().protocol()).isEqualTo(Protocol.T0);
        AtomicInteger wrong = new AtomicInteger();
        List<CompletableFuture<Integer>> runs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            PcscConnection connection = connections.get(t);
            int thread = t;
            runs.add(background.inBackground("exchanger-" + t, () -> {
                for (int i = 0; i < 300; i++) {
                    byte[] command = T0Card.command(thread, i);
                    if (!Arrays.equals(ApduExchange.exchange(connection, command), T0Card.expected(command))) {
                        wrong.incrementAndGet();
                    }
                }
                return 300;
            }));
        }
        for (CompletableFuture<Integer> run : runs) {
            assertThat(run.get(50, TimeUnit.SECONDS)).isEqualTo(300);
        }
        assertThat(wrong.get()).as("answers that belonged to another connection's command").isZero();
        assertThat(api.log()).as("T=0 case 4 commands run in a native transaction against other applications")
                .contains("SCardEndTransaction(0)");
    }

    @Test
    void anExchangeOfTheTransactionHolderDoesNotDeadlockWithItsOwnTransaction() throws Exception {
        FakePcscApi api = fake();
        PcscBackend backend = backend(api, Duration.ofMinutes(2));
        PcscConnection holder = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection waiter = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(holder.beginTransaction(0)).isTrue();
        CompletableFuture<byte[]> waiting = background.inBackground("waiting-exchange",
                () -> ApduExchange.exchange(waiter, SELECT_MF));
        Thread.sleep(100);
        assertThat(waiting).as("held off by the transaction").isNotDone();
        assertThat(ApduExchange.exchange(holder, SELECT_MF)).containsExactly(0x90, 0x00);
        assertThat(ApduExchange.exchange(holder, SELECT_MF)).containsExactly(0x90, 0x00);
        holder.endTransaction(Disposition.LEAVE);
        assertThat(waiting.get(10, TimeUnit.SECONDS)).containsExactly(0x90, 0x00);
    }

    @Test
    void aLockWithoutATimeoutIsBoundedByTheCallTimeout() throws Exception {
        FakePcscApi api = fake();
        PcscBackend backend = backend(api, Duration.ofMillis(300));
        PcscConnection holder = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection waiter = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(holder.beginTransaction(0)).isTrue();
        SCardException inProcess = failureOf(
                background.inBackground("unbounded-lock", () -> waiter.beginTransaction(-1)), Duration.ofSeconds(20));
        assertThat(inProcess.code()).as("another connection of this backend holds it")
                .isEqualTo(HResult.SCARD_E_TIMEOUT);
        assertThat(inProcess.getMessage()).contains("300 ms");
        holder.endTransaction(Disposition.LEAVE);

        long[] foreignContext = new long[1];
        assertThat(api.establishContext(foreignContext)).isZero();
        long[] foreign = new long[2];
        assertThat(api.connect(foreignContext[0], R0, PcscPlatform.SHARE_SHARED, 3, foreign)).isZero();
        assertThat(api.beginTransaction(foreign[0])).isZero();
        SCardException foreignHeld = failureOf(
                background.inBackground("unbounded-lock-2", () -> waiter.beginTransaction(-1)), Duration.ofSeconds(20));
        assertThat(foreignHeld.code()).as("another application holds it").isEqualTo(HResult.SCARD_E_TIMEOUT);
        assertThat(api.endTransaction(foreign[0], 0)).isZero();
        assertThat(waiter.beginTransaction(-1)).as("free again").isTrue();
        waiter.endTransaction(Disposition.LEAVE);
    }

    @Test
    void theCasesThatCanDrawMoreDataAreTwoAndFour() {
        assertThat(PcscConnection.expectsResponseData(new byte[] {0, (byte) 0xA4, 0, 0})).as("1").isFalse();
        assertThat(PcscConnection.expectsResponseData(new byte[] {0, (byte) 0x84, 0, 0, 8})).as("2S").isTrue();
        assertThat(PcscConnection.expectsResponseData(SELECT_MF)).as("3S").isFalse();
        assertThat(PcscConnection.expectsResponseData(new byte[] {0, (byte) 0xA4, 0, 0, 2, 0x3F, 0, 0})).as("4S")
                .isTrue();
        assertThat(PcscConnection.expectsResponseData(new byte[] {0, (byte) 0xB0, 0, 0, 0, 1, 0})).as("2E").isTrue();
        assertThat(PcscConnection.expectsResponseData(new byte[] {0, (byte) 0xD6, 0, 0, 0, 0, 1, 5})).as("3E")
                .isFalse();
        assertThat(PcscConnection.expectsResponseData(new byte[] {0, (byte) 0xD6, 0, 0, 0, 0, 1, 5, 0, 0}))
                .as("4E").isTrue();
    }

    /**
     * A T=0 card as the 61xx race needs one: a case-4 command {@code 80 E4 00 00 04 d0..d3 08} is answered
     * {@code 61 08}; GET RESPONSE returns data derived from the last such command the card received (from any
     * connection), so a command of another connection in between gives the wrong answer.
     */
    static final class T0Card {
        private byte[] pending;

        static byte[] command(int thread, int i) {
            return new byte[] {(byte) 0x80, (byte) 0xE4, 0, 0, 4, (byte) thread, (byte) (i >> 8), (byte) i, 0x5A, 8};
        }

        static byte[] expected(byte[] command) {
            byte[] answer = new byte[10];
            for (int k = 0; k < 4; k++) {
                answer[k] = command[5 + k];
                answer[4 + k] = (byte) ~command[5 + k];
            }
            answer[8] = (byte) 0x90;
            return answer;
        }

        synchronized byte[] answer(byte[] command) {
            if (command.length == 10 && command[1] == (byte) 0xE4) {
                pending = command;
                return new byte[] {0x61, 0x08};
            }
            if (command.length == 5 && command[1] == (byte) 0xC0) {
                byte[] last = pending;
                pending = null;
                if (last == null) {
                    return new byte[] {0x69, (byte) 0x85};
                }
                byte[] answer = expected(last);
                return Arrays.copyOf(answer, 10);
            }
            return new byte[] {(byte) 0x90, 0x00};
        }
    }
}
