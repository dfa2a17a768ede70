package dev.scard.pcsc.internal;

import static dev.scard.testsupport.Expect.code;
import static dev.scard.testsupport.Expect.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.testsupport.Expect;
import dev.scard.testsupport.Workers;

/**
 * How connections get their contexts and learn their card ({@link ContextPool}, {@link PcscBackend#openNative}):
 * contexts are reused one connection at a time, dead ones are dropped after a service restart, the pool is bounded
 * and emptied on stop; on pcsc-lite a connection is opened on the caller's thread with SCardConnect alone unless
 * another application's transaction was seen, and the card insertion it met is learned when it matters.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ContextPoolTest {

    private static final String R0 = "Reader 0";
    private static final String R1 = "Reader 1";
    private static final byte[] ATR = HexFormat.of().parseHex("3B8801534341524453494D99");
    private static final byte[] OTHER_ATR = HexFormat.of().parseHex("3B0214504D");
    private static final byte[] SELECT_MF = {0x00, (byte) 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};

    private final List<PcscBackend> backends = new ArrayList<>();
    private final Workers background = new Workers();

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (PcscBackend backend : backends) {
            backend.stop();
        }
        background.assertAllEnded(Duration.ofSeconds(5));
    }

    private PcscBackend backend(FakePcscApi api) {
        PcscBackend backend = new PcscBackend(api.platform(), PcscSettings.defaults(), () -> api, "libfake.so");
        backends.add(backend);
        return backend;
    }

    private static FakePcscApi withCard() {
        FakePcscApi api = new FakePcscApi(PcscPlatform.linux(8), R0, R1);
        api.insert(R0, ATR);
        return api;
    }

    private static long count(FakePcscApi api, String call) {
        return api.log().stream().filter(entry -> entry.equals(call)).count();
    }

    @Test
    void attachAndDetachReuseOneContextAndCostAConnectAndADisconnect() {
        FakePcscApi api = withCard();
        PcscBackend backend = backend(api);
        for (int i = 0; i < 5; i++) {
            PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            connection.disconnect(Disposition.LEAVE);
        }
        assertThat(count(api, "SCardEstablishContext")).as("one context for five connections").isEqualTo(1);
        assertThat(count(api, "SCardStatus")).as("pcsc-lite: no SCardStatus when opening").isZero();
        assertThat(api.connectThreads).hasSize(5);
        assertThat(api.connectThreads.get(0)).as("nothing seen yet: opened on a helper")
                .startsWith("scard-pcsc-native-");
        assertThat(api.connectThreads.subList(1, 5)).allSatisfy(thread -> assertThat(thread)
                .as("the previous connect saw the card free: opened on the caller's thread")
                .isEqualTo(Thread.currentThread().getName()));
        assertThat(backend.idleContexts()).isEqualTo(1);
        assertThat(api.openContexts()).isEqualTo(1);
        assertThat(api.openHandles()).isZero();
        backend.stop();
        assertThat(api.openContexts()).as("stop released the idle context").isZero();
    }

    @Test
    void connectionsOpenAtTheSameTimeHaveContextsOfTheirOwnAndAtMostFourAreKept() {
        FakePcscApi api = withCard();
        PcscBackend backend = backend(api);
        List<PcscConnection> open = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            open.add(backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1));
        }
        assertThat(count(api, "SCardEstablishContext")).isEqualTo(6);
        for (PcscConnection connection : open) {
            assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
            connection.disconnect(Disposition.LEAVE);
        }
        assertThat(backend.idleContexts()).isEqualTo(ContextPool.MAX_IDLE);
        assertThat(api.openContexts()).as("the two beyond the pool's size were released")
                .isEqualTo(ContextPool.MAX_IDLE);
    }

    @Test
    void contextsFromBeforeAServiceRestartAreDroppedAndTheFirstConnectAfterItWorks() {
        FakePcscApi api = withCard();
        PcscBackend backend = backend(api);
        List<PcscConnection> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            open.add(backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1));
        }
        open.forEach(connection -> connection.disconnect(Disposition.LEAVE));
        assertThat(backend.idleContexts()).isEqualTo(3);

        api.stopService();
        SCardException down = Expect.failure(() -> backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1));
        assertThat(down.code()).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(down.getMessage()).contains("pcscd is not running");
        assertThat(backend.idleContexts()).as("the dead contexts were dropped").isZero();

        api.startService();
        PcscConnection fresh = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(fresh.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        fresh.disconnect(Disposition.LEAVE);
        assertThat(api.openContexts()).as("only the new context is left").isEqualTo(1);
    }

    @Test
    void aRestartNoticedOnlyByTheConnectIsRecoveredWithinTheSameCall() {
        FakePcscApi api = withCard();
        PcscBackend backend = backend(api);
        backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1).disconnect(Disposition.LEAVE);
        api.stopService();
        api.startService(); // the pooled context died with the old service
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);

        connection.disconnect(Disposition.LEAVE);
        api.forgetContexts(); // the client library no longer knows the pooled context: SCARD_E_INVALID_HANDLE
        PcscConnection again = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(again.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
    }

    @Test
    void aHandleThatCannotBeDisconnectedTakesItsContextAlong() {
        FakePcscApi api = withCard();
        PcscBackend backend = backend(api);
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        api.stopService();
        api.startService();
        connection.disconnect(Disposition.LEAVE); // SCardDisconnect fails: the context is released, not pooled
        assertThat(backend.idleContexts()).isZero();
        assertThat(api.openContexts()).isZero();
    }

    @Test
    void theInsertionIsLearnedWhenItMattersAndARemovalBeforeThatIsStillSeen() {
        FakePcscApi api = withCard();
        PcscBackend backend = backend(api);
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        api.remove(R0);
        api.insert(R0, ATR); // the same card again: only the insertion differs
        assertThat(connection.status()).as("the probe saw the removal")
                .isEqualTo(new CardStatus(CardState.PRESENT, Protocol.UNDEFINED, R0, ATR));
        assertThat(code(() -> connection.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(connection.status().state()).isEqualTo(CardState.SPECIFIC_MODE);

        PcscConnection other = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(other.status().state()).as("SCardStatus teaches the insertion")
                .isEqualTo(CardState.SPECIFIC_MODE);
        api.remove(R0);
        api.insert(R0, OTHER_ATR);
        assertThat(other.status()).isEqualTo(new CardStatus(CardState.PRESENT, Protocol.UNDEFINED, R0, OTHER_ATR));
    }

    @Test
    void aLockLearnsTheInsertionSoARemovalEndsItForTheWaiters() throws Exception {
        FakePcscApi api = withCard();
        PcscBackend backend = backend(api);
        PcscConnection holder = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection waiter = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(holder.beginTransaction(0)).isTrue();
        CompletableFuture<Boolean> waiting = background.inBackground("waiting-lock", () -> waiter.beginTransaction(-1));
        Thread.sleep(150);
        assertThat(waiting).isNotDone();
        api.remove(R0);
        api.insert(R0, ATR);
        assertThat(failureOf(waiting, Duration.ofSeconds(5)).code())
                .as("the waiter saw the holder's card go and met the removal itself")
                .isEqualTo(HResult.SCARD_W_REMOVED_CARD);
    }

    @Test
    void afterAnotherApplicationsTransactionWasSeenConnectsRunOnAHelperAndCanBeInterrupted() throws Exception {
        FakePcscApi api = withCard();
        PcscBackend backend = backend(api);
        PcscConnection first = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        long[] foreignContext = new long[1];
        assertThat(api.establishContext(foreignContext)).isZero();
        long[] foreign = new long[2];
        assertThat(api.connect(foreignContext[0], R0, PcscPlatform.SHARE_SHARED, 3, foreign)).isZero();
        assertThat(api.beginTransaction(foreign[0])).isZero();
        assertThat(first.beginTransaction(TimeUnit.MILLISECONDS.toNanos(30))).as("the probe sees the foreign lock")
                .isFalse();

        Thread[] worker = new Thread[1];
        CompletableFuture<PcscConnection> connecting = background.inBackground("connecting", () -> {
            worker[0] = Thread.currentThread();
            return backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        });
        Thread.sleep(150);
        assertThat(connecting).as("pcscd holds SCardConnect while the card is in a transaction").isNotDone();
        assertThat(api.connectThreads.get(api.connectThreads.size() - 1)).startsWith("scard-pcsc-native-");
        worker[0].interrupt();
        assertThat(failureOf(connecting, Duration.ofSeconds(5)).code()).isEqualTo(HResult.SCARD_E_CANCELLED);

        assertThat(api.endTransaction(foreign[0], 0)).isZero();
        PcscBackendTest.awaitNoBusyHelpers(backend);
        assertThat(api.openHandles()).as("the abandoned open was disconnected; the foreign handle and the first "
                + "remain").isEqualTo(2);
        assertThat(first.beginTransaction(0)).as("the probe finds the card free again").isTrue();
        first.endTransaction(Disposition.LEAVE);
        int before = api.connectThreads.size();
        backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1).disconnect(Disposition.LEAVE);
        assertThat(api.connectThreads.get(before)).as("back on the caller's thread")
                .isEqualTo(Thread.currentThread().getName());
        api.releaseContext(foreignContext[0]);
    }

    @Test
    void aConnectWithoutARecentFreeObservationRunsOnAHelperAndEndsWithStop() throws Exception {
        FakePcscApi api = withCard();
        PcscBackend backend = backend(api);
        backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1).disconnect(Disposition.LEAVE);
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(CardLock.INLINE_OPEN_WINDOW_NANOS) + 50);
        long[] foreignContext = new long[1];
        assertThat(api.establishContext(foreignContext)).isZero();
        long[] foreign = new long[2];
        assertThat(api.connect(foreignContext[0], R0, PcscPlatform.SHARE_SHARED, 3, foreign)).isZero();
        assertThat(api.beginTransaction(foreign[0])).isZero();
        int before = api.connectThreads.size();

        CompletableFuture<PcscConnection> connecting = background.inBackground("connecting",
                () -> backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1));
        Thread.sleep(150);
        assertThat(connecting).as("pcscd holds SCardConnect while the card is in a transaction").isNotDone();
        assertThat(api.connectThreads.get(before)).as("the last free observation is too old: on a helper")
                .startsWith("scard-pcsc-native-");
        backend.stop();
        assertThat(failureOf(connecting, Duration.ofSeconds(5)).code()).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);

        assertThat(api.endTransaction(foreign[0], 0)).isZero();
        PcscBackendTest.awaitNoBusyHelpers(backend);
        assertThat(api.openHandles()).as("the abandoned open was disconnected").isEqualTo(1);
        api.releaseContext(foreignContext[0]);
    }

    @Test
    void wherePlatformsCannotProbeConnectsStillLearnTheirCardAtOnce() {
        FakePcscApi api = new FakePcscApi(PcscPlatform.windows(8), R0, R1);
        api.insert(R0, ATR);
        PcscBackend backend = backend(api);
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(count(api, "SCardStatus")).isEqualTo(1);
        assertThat(api.connectThreads.get(0)).startsWith("scard-pcsc-native-");
        connection.disconnect(Disposition.LEAVE);
        assertThat(backend.idleContexts()).isEqualTo(1);
    }

}
