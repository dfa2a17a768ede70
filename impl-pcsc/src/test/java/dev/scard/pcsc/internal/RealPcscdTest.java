package dev.scard.pcsc.internal;

import static dev.scard.pcsc.internal.PcscdRig.READER_0;
import static dev.scard.pcsc.internal.PcscdRig.READER_1;
import static dev.scard.testsupport.Expect.code;
import static dev.scard.testsupport.Expect.failure;
import static dev.scard.testsupport.Expect.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;

/**
 * The backend against a real pcscd with the vpcd driver and {@link VpcdTestCard}s: readers, connections, sharing,
 * transactions of this backend and of "another application", removal, reset, the manager over pcscd with a measure of
 * APDU round trips, stop, and recovery when pcscd stops and comes back.
 */
class RealPcscdTest extends PcscdTestBase {

    // ---------------------------------------------------------------- readers

    @Test
    void listsTheVpcdReadersWithTheirCards() {
        List<ReaderInfo> readers = backend.listReaders();
        assertThat(readers).extracting(ReaderInfo::name).containsExactly(READER_0, READER_1);
        ReaderInfo withCard = readers.get(0);
        assertThat(withCard.backend()).isEqualTo("pcsc");
        assertThat(withCard.cardPresent()).isTrue();
        assertThat(withCard.state()).isEqualTo(CardState.POWERED);
        assertThat(withCard.atr()).isEqualTo(VpcdTestCard.ATR_T1);
        assertThat(withCard.exclusive()).isFalse();
        ReaderInfo empty = readers.get(1);
        assertThat(empty.state()).isEqualTo(CardState.ABSENT);
        assertThat(empty.atr()).isEmpty();
        assertThat(backend.readerInfo(READER_0)).isEqualTo(withCard);

        assertThatThrownBy(() -> backend.readerInfo("No Such Reader 42")).isInstanceOfSatisfying(
                SCardException.class, e -> {
                    assertThat(e.code()).isEqualTo(HResult.SCARD_E_UNKNOWN_READER);
                    assertThat(e.getMessage()).contains("No Such Reader 42");
                });

        PcscBackend filtered = new PcscBackend(PcscPlatform.current(), new PcscSettings(Pattern.compile(".*01"), "",
                Duration.ofMillis(2), Duration.ofMillis(50), Duration.ofMillis(250)));
        try {
            assertThat(filtered.listReaders()).extracting(ReaderInfo::name).containsExactly(READER_1);
            assertThat(code(() -> filtered.readerInfo(READER_0))).isEqualTo(HResult.SCARD_E_UNKNOWN_READER);
            assertThat(code(() -> filtered.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1)))
                    .isEqualTo(HResult.SCARD_E_UNKNOWN_READER);
        } finally {
            filtered.stop();
        }
    }

    // ---------------------------------------------------------------- one connection

    @Test
    void connectTransmitStatusReconnectDisconnect() {
        PcscConnection connection = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(connection.readerName()).isEqualTo(READER_0);
        assertThat(connection.shareMode()).isEqualTo(ShareMode.SHARED);
        CardStatus status = connection.status();
        assertThat(status.state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(status.protocol()).isEqualTo(Protocol.T1);
        assertThat(status.atr()).isEqualTo(VpcdTestCard.ATR_T1);

        byte[] challenge = connection.transmit(GET_CHALLENGE);
        assertThat(challenge).hasSize(10);
        assertThat(Arrays.copyOfRange(challenge, 8, 10)).containsExactly(0x90, 0x00);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        assertThat(connection.transmit(new byte[] {0x00, 0x5E, 0x00, 0x00})).containsExactly(0x6D, 0x00);

        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        connection.reconnect(ShareMode.EXCLUSIVE, Protocol.T0_OR_T1, Disposition.RESET);
        assertThat(connection.shareMode()).isEqualTo(ShareMode.EXCLUSIVE);
        assertThat(backend.readerInfo(READER_0).exclusive()).isTrue();
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.UNPOWER);
        assertThat(backend.readerInfo(READER_0).exclusive()).isFalse();
        assertThat(connection.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(code(() -> connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.EJECT)))
                .isEqualTo(HResult.E_INVALIDARG);

        connection.disconnect(Disposition.LEAVE);
        connection.disconnect(Disposition.RESET); // idempotent, never throws
        assertThat(code(() -> connection.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        assertThat(code(connection::status)).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        assertThat(code(() -> connection.beginTransaction(0))).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        assertThat(backend.openConnections()).isZero();
    }

    @Test
    void extendedApdusGoThroughBothWays() {
        PcscConnection connection = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        byte[] data = new byte[4000];
        new java.util.Random(7).nextBytes(data);
        byte[] command = new byte[7 + data.length + 2];
        command[0] = (byte) 0x80;
        command[1] = (byte) 0xEE;
        command[5] = (byte) (data.length >> 8);
        command[6] = (byte) data.length;
        System.arraycopy(data, 0, command, 7, data.length);
        byte[] answer = connection.transmit(command);
        assertThat(answer).hasSize(data.length + 2);
        assertThat(Arrays.copyOf(answer, data.length)).isEqualTo(data);
    }

    @Test
    void emptyAndUnknownReadersAreReported() {
        assertThat(code(() -> backend.connect(READER_1, ShareMode.SHARED, Protocol.T0_OR_T1)))
                .isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        SCardException unknown = failure(() -> backend.connect("No Such Reader 42", ShareMode.SHARED,
                Protocol.T0_OR_T1));
        assertThat(unknown.code()).isEqualTo(HResult.SCARD_E_UNKNOWN_READER);
        assertThat(unknown.getMessage()).contains("No Such Reader 42");
        assertThat(backend.openConnections()).isZero();
    }

    @Test
    void rawIsChosenOnlyWhenTheFramedProtocolsDoNotMatch() {
        PcscConnection any = backend.connect(READER_0, ShareMode.SHARED,
                EnumSet.of(Protocol.T0, Protocol.T1, Protocol.RAW));
        assertThat(any.status().protocol()).isEqualTo(Protocol.T1);
        PcscConnection t1 = backend.connect(READER_0, ShareMode.SHARED, EnumSet.of(Protocol.T1));
        assertThat(t1.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        assertThat(code(() -> backend.connect(READER_0, ShareMode.SHARED, EnumSet.of(Protocol.T0))))
                .isEqualTo(HResult.SCARD_E_PROTO_MISMATCH);
    }

    // ---------------------------------------------------------------- sharing

    @Test
    void exclusiveAndSharedConnectionsExcludeEachOther() {
        PcscConnection shared = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(code(() -> backend.connect(READER_0, ShareMode.EXCLUSIVE, Protocol.T0_OR_T1)))
                .isEqualTo(HResult.SCARD_E_SHARING_VIOLATION);
        shared.disconnect(Disposition.LEAVE);

        PcscConnection exclusive = backend.connect(READER_0, ShareMode.EXCLUSIVE, Protocol.T0_OR_T1);
        assertThat(backend.readerInfo(READER_0).exclusive()).isTrue();
        assertThat(code(() -> backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1)))
                .isEqualTo(HResult.SCARD_E_SHARING_VIOLATION);
        assertThat(code(() -> backend.connect(READER_0, ShareMode.EXCLUSIVE, Protocol.T0_OR_T1)))
                .isEqualTo(HResult.SCARD_E_SHARING_VIOLATION);
        assertThat(exclusive.beginTransaction(0)).isTrue();
        assertThat(exclusive.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        exclusive.endTransaction(Disposition.LEAVE);
        exclusive.disconnect(Disposition.LEAVE);
        assertThat(backend.readerInfo(READER_0).exclusive()).isFalse();
        backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1).disconnect(Disposition.LEAVE);
    }

    // ---------------------------------------------------------------- transactions

    @Test
    void aTransactionHoldsUpAnotherConnectionsTrafficUntilItEnds() throws Exception {
        PcscConnection a = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection b = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(a.beginTransaction(-1)).isTrue();
        assertThat(a.beginTransaction(0)).as("no nesting: held already").isTrue();

        CompletableFuture<byte[]> other = background.inBackground("b-transmit", () -> b.transmit(SELECT_MF));
        background.named("b-transmit").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);
        assertThat(a.transmit(SELECT_MF)).as("the holder's own traffic goes on").containsExactly(0x90, 0x00);
        CardStatus statusWhileLocked = b.status();
        assertThat(statusWhileLocked.state()).as("status answers while another holds the lock")
                .isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(b.beginTransaction(TimeUnit.MILLISECONDS.toNanos(100))).isFalse();

        long ended = System.nanoTime();
        a.endTransaction(Disposition.LEAVE);
        assertThat(other.get(5, TimeUnit.SECONDS)).containsExactly(0x90, 0x00);
        System.out.printf("in-process hand-over of the card after endTransaction: %.1f ms%n",
                (System.nanoTime() - ended) / 1e6);
        assertThat(code(() -> a.endTransaction(Disposition.LEAVE))).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);

        assertThat(b.beginTransaction(0)).isTrue();
        CompletableFuture<Boolean> waitingLock = background.inBackground("a-lock", () -> a.beginTransaction(-1));
        background.named("a-lock").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);
        b.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE); // ends b's transaction
        assertThat(waitingLock.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(code(() -> b.endTransaction(Disposition.LEAVE))).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
        a.disconnect(Disposition.LEAVE); // ends a's transaction
        assertThat(b.beginTransaction(TimeUnit.SECONDS.toNanos(5))).isTrue();
        b.endTransaction(Disposition.LEAVE);
    }

    @Test
    void waitsForTransactionsEndWithInterruptOrClose() throws Exception {
        PcscConnection a = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection b = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(a.beginTransaction(-1)).isTrue();

        Thread[] worker = new Thread[1];
        CompletableFuture<byte[]> interrupted = background.inBackground("b-interrupted", () -> {
            worker[0] = Thread.currentThread();
            return b.transmit(SELECT_MF);
        });
        background.named("b-interrupted").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);
        worker[0].interrupt();
        assertThat(failureOf(interrupted, Duration.ofSeconds(5)).code()).isEqualTo(HResult.SCARD_E_CANCELLED);

        CompletableFuture<Boolean> closed = background.inBackground("b-lock-closed", () -> b.beginTransaction(-1));
        background.named("b-lock-closed").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);
        b.disconnect(Disposition.LEAVE);
        assertThat(failureOf(closed, Duration.ofSeconds(5)).code()).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        a.endTransaction(Disposition.LEAVE);
    }

    @Test
    void anotherApplicationsTransactionTimesLocksOutWithoutLeavingThreadsBehind() throws Exception {
        // connected first: pcscd makes SCardConnect wait while the card is in a transaction
        PcscConnection connection = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        long[] foreign = foreignConnect(READER_0, PcscPlatform.SHARE_SHARED);
        assertThat(raw.beginTransaction(foreign[1])).isZero();

        long start = System.nanoTime();
        assertThat(connection.beginTransaction(TimeUnit.MILLISECONDS.toNanos(200))).isFalse();
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        assertThat(waited).as("it waited for its timeout, and no more than a generous bound")
                .isBetween(Duration.ofMillis(190), Duration.ofSeconds(10));
        PcscBackendTest.awaitNoBusyHelpers(backend);
        assertThat(connection.beginTransaction(0)).as("a zero timeout fails too").isFalse();
        PcscBackendTest.awaitNoBusyHelpers(backend);
        assertThat(connection.status().state()).as("status answers from the reader state meanwhile")
                .isEqualTo(CardState.SPECIFIC_MODE);

        CompletableFuture<byte[]> held = background.inBackground("held-transmit", () -> connection.transmit(SELECT_MF));
        Thread.sleep(STILL_WAITING.toMillis());
        assertThat(held).as("traffic waits for the other application's transaction").isNotDone();
        assertThat(raw.endTransaction(foreign[1], 0)).isZero();
        assertThat(held.get(5, TimeUnit.SECONDS)).containsExactly(0x90, 0x00);

        assertThat(connection.beginTransaction(TimeUnit.SECONDS.toNanos(2))).isTrue();
        CompletableFuture<Integer> foreignTransmit = background.inBackground("foreign-transmit",
                () -> raw.transmit(foreign[1], (int) foreign[2], SELECT_MF, raw.newTransmitBuffer()));
        Thread.sleep(STILL_WAITING.toMillis());
        assertThat(foreignTransmit).as("our lock holds up the other application").isNotDone();
        connection.endTransaction(Disposition.LEAVE);
        assertThat(foreignTransmit.get(5, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aLockWaitForAnotherApplicationEndsWithInterruptAndClose() throws Exception {
        PcscConnection connection = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        long[] foreign = foreignConnect(READER_0, PcscPlatform.SHARE_SHARED);
        assertThat(raw.beginTransaction(foreign[1])).isZero();

        Thread[] worker = new Thread[1];
        CompletableFuture<Boolean> interrupted = background.inBackground("lock-interrupted", () -> {
            worker[0] = Thread.currentThread();
            return connection.beginTransaction(-1);
        });
        background.named("lock-interrupted").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);
        worker[0].interrupt();
        assertThat(failureOf(interrupted, Duration.ofSeconds(5)).code()).isEqualTo(HResult.SCARD_E_CANCELLED);
        PcscBackendTest.awaitNoBusyHelpers(backend);

        CompletableFuture<Boolean> closed = background.inBackground("lock-closed",
                () -> connection.beginTransaction(-1));
        background.named("lock-closed").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);
        connection.disconnect(Disposition.LEAVE);
        assertThat(failureOf(closed, Duration.ofSeconds(5)).code()).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        awaitNoBusyHelpers();
        assertThat(raw.endTransaction(foreign[1], 0)).isZero();
    }

    @Test
    void endTransactionWithResetKeepsTheResetterUsableAndEjectFailsCleanly() {
        PcscConnection resetter = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection other = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(resetter.beginTransaction(0)).isTrue();
        resetter.endTransaction(Disposition.RESET);
        assertThat(resetter.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        assertThat(code(() -> other.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_RESET_CARD);
        CardStatus afterReset = other.status();
        assertThat(afterReset.state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(afterReset.protocol()).isEqualTo(Protocol.T1);
        other.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(other.transmit(SELECT_MF)).containsExactly(0x90, 0x00);

        assertThat(resetter.beginTransaction(0)).isTrue();
        SCardException eject = failure(() -> resetter.endTransaction(Disposition.EJECT));
        assertThat(eject.code()).isEqualTo(HResult.SCARD_E_CANT_DISPOSE);
        assertThat(eject.getMessage()).contains(READER_0);
        assertThat(other.beginTransaction(TimeUnit.SECONDS.toNanos(1))).as("the failed eject ended the lock").isTrue();
        other.endTransaction(Disposition.LEAVE);
    }

    // ---------------------------------------------------------------- removal and reset

    @Test
    void removalIsReportedUntilAReconnectReachesTheNextCard() throws Exception {
        PcscConnection connection = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);

        card0.remove();
        awaitCard(READER_0, false);
        SCardException removed = failure(() -> connection.transmit(SELECT_MF));
        assertThat(removed.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(removed.getMessage()).contains(READER_0);
        CardStatus absent = connection.status();
        assertThat(absent.state()).isEqualTo(CardState.ABSENT);
        assertThat(absent.protocol()).isEqualTo(Protocol.UNDEFINED);
        assertThat(absent.atr()).isEmpty();
        assertThat(code(() -> connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE)))
                .isEqualTo(HResult.SCARD_E_NO_SMARTCARD);

        card0 = VpcdTestCard.insert(VpcdTestCard.SLOT0);
        awaitCard(READER_0, true);
        CardStatus another = connection.status();
        assertThat(another.state()).as("another card, not reached yet").isEqualTo(CardState.PRESENT);
        assertThat(another.protocol()).isEqualTo(Protocol.UNDEFINED);
        assertThat(another.atr()).isEqualTo(VpcdTestCard.ATR_T1);
        assertThat(code(() -> connection.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_REMOVED_CARD);

        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        assertThat(connection.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
    }

    @Test
    void removalEndsATransactionOthersWaitFor() throws Exception {
        PcscConnection holder = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection waiter = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(holder.beginTransaction(0)).isTrue();
        CompletableFuture<byte[]> waiting = background.inBackground("waiting-transmit",
                () -> waiter.transmit(SELECT_MF));
        background.named("waiting-transmit").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);
        card0.remove();
        assertThat(failureOf(waiting, Duration.ofSeconds(5)).code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(code(() -> holder.endTransaction(Disposition.LEAVE))).as("the removal comes first, as in the "
                + "simulator").isEqualTo(HResult.SCARD_W_REMOVED_CARD);
    }

    @Test
    void aResetFromAnotherApplicationIsReportedUntilReconnect() {
        PcscConnection connection = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        long[] foreign = foreignConnect(READER_0, PcscPlatform.SHARE_SHARED);
        assertThat(raw.reconnect(foreign[1], PcscPlatform.SHARE_SHARED, 3, 1, new long[1])).isZero();

        assertThat(code(() -> connection.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_RESET_CARD);
        assertThat(code(() -> connection.beginTransaction(0))).isEqualTo(HResult.SCARD_W_RESET_CARD);
        CardStatus status = connection.status();
        assertThat(status.state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(status.protocol()).isEqualTo(Protocol.T1);
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
    }

    // ---------------------------------------------------------------- the manager over pcscd

    @Test
    void cardManagerWorksOverPcscdAndAnswersEveryApdu() throws Exception {
        // the rate of round trips is measured by PcscBenchmark in the benchmarks module
        HandleTable handles = new HandleTable();
        ISCardManage manager = new CardManager(backend, handles);
        manager.attachByIfd(READER_0);
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        manager.lock(Duration.ofSeconds(1));
        byte[] challenge = manager.transmit(GET_CHALLENGE);
        assertThat(challenge).hasSize(10);
        manager.unlock();

        for (int i = 0; i < 1000; i++) {
            assertThat(manager.transmit(SELECT_MF)).as("APDU %d", i).containsExactly(0x90, 0x00);
        }

        ISCardManage reader = new CardManager(backend, handles);
        reader.attachByIfd(READER_1);
        assertThat(reader.status().state()).isEqualTo(CardState.ABSENT);
        assertThat(code(() -> reader.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        card1 = VpcdTestCard.insert(VpcdTestCard.SLOT1);
        awaitCard(READER_1, true);
        reader.reconnect();
        assertThat(reader.transmit(SELECT_MF)).containsExactly(0x90, 0x00);

        manager.lock();
        ISCardManage other = new CardManager(backend, handles);
        other.attachByIfd(READER_1);
        assertThat(code(() -> manager.lock(Duration.ofMillis(10)))).as("held: a no-op").isNull();
        ((CardManager) manager).dispose("test");
        ((CardManager) reader).dispose("test");
        ((CardManager) other).dispose("test");
        assertThat(backend.openConnections()).isZero();
    }

    // ---------------------------------------------------------------- lifecycle and recovery

    @Test
    void stopReleasesConnectionsLocksAndWaiters() throws Exception {
        PcscConnection holder = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection waiter = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscBackend second = newBackend();
        PcscConnection blocked = second.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(holder.beginTransaction(0)).isTrue();
        CompletableFuture<Boolean> waitingLock = background.inBackground("waiting-lock",
                () -> waiter.beginTransaction(-1));
        background.named("waiting-lock").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);

        // the second backend is "another application" for the first: its lock wait runs natively
        CompletableFuture<Boolean> nativeWait = background.inBackground("native-lock",
                () -> blocked.beginTransaction(-1));
        background.named("native-lock").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);

        backend.stop();
        assertThat(failureOf(waitingLock, Duration.ofSeconds(5)).code())
                .isIn(HResult.SCARD_E_INVALID_HANDLE, HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(backend.openConnections()).isZero();
        PcscBackendTest.awaitNoBusyHelpers(backend);
        assertThat(code(backend::listReaders)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(nativeWait.get(5, TimeUnit.SECONDS)).as("the stopped backend's lock went with its handles")
                .isTrue();
        blocked.endTransaction(Disposition.LEAVE);

        second.stop();
        PcscBackendTest.awaitNoBusyHelpers(second);
        // nothing of either backend is left in pcscd: an exclusive connection is possible right away
        long[] context = new long[1];
        assertThat(raw.establishContext(context)).isZero();
        foreignContexts.add(context);
        long[] out = new long[2];
        assertThat(raw.connect(context[0], READER_0, PcscPlatform.SHARE_EXCLUSIVE, 3, out)).isZero();
        assertThat(raw.disconnect(out[0], 0)).isZero();
    }

    @Test
    void recoversWhenPcscdStopsAndComesBack() throws Exception {
        rig.requireRestartable();
        PcscConnection connection = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);

        rig.stopPcscd();
        card0.remove();
        SCardException down = failure(backend::listReaders);
        assertThat(down.code()).isIn(HResult.SCARD_E_NO_SERVICE, HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(down.getMessage()).contains("pcscd is not running");
        assertThat(code(() -> connection.transmit(SELECT_MF))).isIn(HResult.SCARD_E_NO_SERVICE,
                HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(code(connection::status)).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(code(() -> backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1)))
                .isEqualTo(HResult.SCARD_E_NO_SERVICE);

        rig.startPcscd();
        card0 = VpcdTestCard.insert(VpcdTestCard.SLOT0);
        awaitCard(READER_0, true);
        assertThat(backend.listReaders()).extracting(ReaderInfo::name).containsExactly(READER_0, READER_1);
        SCardException dropped = failure(() -> connection.transmit(SELECT_MF));
        assertThat(dropped.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(dropped.getMessage()).contains("restarted");
        assertThat(connection.status().state()).isEqualTo(CardState.PRESENT);
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        assertThat(connection.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        PcscConnection fresh = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(fresh.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
    }

}
