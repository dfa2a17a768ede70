package dev.scard.pcsc.internal;

import static dev.scard.pcsc.internal.TestConfigs.config;
import static dev.scard.testsupport.Expect.code;
import static dev.scard.testsupport.Expect.failure;
import static dev.scard.testsupport.Expect.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Workers;

/**
 * The backend's logic against {@link FakePcscApi}: library and service failures, recovery, reader listing, protocol
 * choice, waits for transactions with interrupt, close and timeout, removal, stop. Platforms other than the one the
 * tests run on are described by their {@link PcscPlatform}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PcscBackendTest {

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
        return backend(api, PcscSettings.defaults());
    }

    private PcscBackend backend(FakePcscApi api, PcscSettings settings) {
        PcscBackend backend = new PcscBackend(api.platform(), settings, () -> api, "libfake.so");
        backends.add(backend);
        return backend;
    }

    private static FakePcscApi withCard(PcscPlatform platform) {
        FakePcscApi api = new FakePcscApi(platform, R0, R1);
        api.insert(R0, ATR);
        return api;
    }

    // ---------------------------------------------------------------- library and service

    @Test
    void withoutTheLibraryEveryCallFailsWithNoServiceNamingIt() {
        PcscBackend backend = new PcscBackend(PcscPlatform.linux(8), PcscSettings.defaults(), () -> {
            throw new UnsatisfiedLinkError("libpcsclite.so.1: cannot open shared object file: No such file");
        }, "libpcsclite.so.1");
        backends.add(backend);
        SCardException e = failure(backend::listReaders);
        assertThat(e.code()).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(e.getMessage()).contains("PC/SC library libpcsclite.so.1 not found")
                .contains("cannot open shared object file");
        assertThat(code(() -> backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1)))
                .isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(code(() -> backend.readerInfo(R0))).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(backend.describe()).contains("SCARD_E_NO_SERVICE").contains("libpcsclite.so.1 not found");
    }

    @Test
    void theLibraryIsLoadedOnceItIsThere() throws InterruptedException {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        boolean[] installed = {false};
        PcscBackend backend = new PcscBackend(api.platform(), PcscSettings.defaults(), () -> {
            if (!installed[0]) {
                throw new UnsatisfiedLinkError("not yet");
            }
            return api;
        }, "libfake.so");
        backends.add(backend);
        assertThat(code(backend::listReaders)).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        installed[0] = true;
        Thread.sleep(1100); // loading is tried again at most once a second
        assertThat(backend.listReaders()).extracting(ReaderInfo::name).containsExactly(R0, R1);
    }

    @Test
    void whileTheServiceIsAwayCallsFailWithNoServiceAndTheNextCallAfterItsReturnWorks() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        assertThat(backend.listReaders()).hasSize(2);
        int contexts = api.openContexts();

        api.stopService();
        SCardException down = failure(backend::listReaders);
        assertThat(down.code()).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(down.getMessage()).contains("pcscd is not running");
        assertThat(code(() -> backend.readerInfo(R0))).isEqualTo(HResult.SCARD_E_NO_SERVICE);

        api.startService();
        assertThat(backend.listReaders()).as("the first call after the service is back").hasSize(2);
        assertThat(api.openContexts()).as("the dead context was released").isEqualTo(contexts);
    }

    @Test
    void aRestartBetweenTwoCallsIsNotEvenNoticed() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        assertThat(backend.listReaders()).hasSize(2);
        api.stopService();
        api.startService();
        assertThat(backend.listReaders()).hasSize(2);
        assertThat(backend.readerInfo(R0).cardPresent()).isTrue();
    }

    @Test
    void aSocketThePcscServiceResetIsAServiceRestartNotASecurityViolation() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        assertThat(backend.listReaders()).hasSize(2);
        int established = (int) api.log().stream().filter("SCardEstablishContext"::equals).count();

        api.socketResets.set(1); // pcscd restarted under the control context
        assertThat(backend.listReaders()).as("tried once more in a new context").hasSize(2);
        assertThat(api.log().stream().filter("SCardEstablishContext"::equals).count()).isEqualTo(established + 1);

        api.socketResets.set(2); // and the new context's socket is reset too: the service is away
        SCardException away = failure(backend::listReaders);
        assertThat(away.code()).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(away.getMessage()).startsWith("SCardListReaders failed: the PC/SC service reset the connection: it "
                + "stopped or restarted (SCARD_W_SECURITY_VIOLATION from SCardListReaders)");
        assertThat(backend.listReaders()).as("the next call after it is back").hasSize(2);
    }

    @Test
    void aContextTheLibraryNoLongerKnowsIsReplacedBeforeUse() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        assertThat(backend.listReaders()).hasSize(2);
        api.forgetContexts();
        assertThat(backend.listReaders()).as("SCardIsValidContext failed: a new context").hasSize(2);
        assertThat(api.openContexts()).isEqualTo(1);
    }

    @Test
    void serviceMessagesNameThePlatformsService() {
        assertThat(backend(withCard(PcscPlatform.linux(8))).serviceDown()).contains("pcscd");
        assertThat(backend(withCard(PcscPlatform.windows(8))).serviceDown()).contains("SCardSvr");
        assertThat(backend(withCard(PcscPlatform.macos())).serviceDown()).contains("PC/SC service");
    }

    // ---------------------------------------------------------------- readers

    @Test
    void readersAreListedWithTheirStateAndFilteredWithoutCaching() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        List<ReaderInfo> readers = backend.listReaders();
        assertThat(readers).extracting(ReaderInfo::name).containsExactly(R0, R1);
        assertThat(readers.get(0).state()).isEqualTo(CardState.POWERED);
        assertThat(readers.get(0).atr()).isEqualTo(ATR);
        assertThat(readers.get(1).state()).isEqualTo(CardState.ABSENT);

        api.addReader("Reader 2");
        assertThat(backend.listReaders()).extracting(ReaderInfo::name).containsExactly(R0, R1, "Reader 2");
        api.removeReader("Reader 2");
        api.removeReader(R1);
        assertThat(backend.listReaders()).extracting(ReaderInfo::name).containsExactly(R0);
        api.removeReader(R0);
        assertThat(backend.listReaders()).as("SCARD_E_NO_READERS_AVAILABLE is no reader").isEmpty();

        FakePcscApi filtered = withCard(PcscPlatform.linux(8));
        PcscBackend only1 = backend(filtered, settings(".*1"));
        assertThat(only1.listReaders()).extracting(ReaderInfo::name).containsExactly(R1);
        SCardException hidden = failure(() -> only1.readerInfo(R0));
        assertThat(hidden.code()).isEqualTo(HResult.SCARD_E_UNKNOWN_READER);
        assertThat(hidden.getMessage()).contains(R0).contains(".*1");
    }

    @Test
    void manyReadersAreAskedForInBatchesOfSixteen() {
        FakePcscApi api = new FakePcscApi(PcscPlatform.linux(8));
        for (int i = 0; i < 40; i++) {
            api.addReader(String.format("Reader %02d", i));
        }
        api.insert("Reader 33", ATR);
        List<ReaderInfo> readers = backend(api).listReaders();
        assertThat(readers).hasSize(40);
        assertThat(readers.get(33).cardPresent()).isTrue();
        assertThat(readers.stream().filter(ReaderInfo::cardPresent).count()).isEqualTo(1);
    }

    @Test
    void anInvalidReaderFilterHidesEveryReader() {
        PcscSettings settings = PcscSettings.from(config("([unclosed", ""));
        assertThat(settings.readerFilter().pattern()).isEqualTo(PcscSettings.NOTHING.pattern());
        assertThat(backend(withCard(PcscPlatform.linux(8)), settings).listReaders()).isEmpty();
        PcscSettings good = PcscSettings.from(config("Reader.*", " /opt/libpcsclite.so.1 "));
        assertThat(good.admits(R0)).isTrue();
        assertThat(good.admits("Other " + R0)).as("the whole name must match").isFalse();
        assertThat(good.libraryPath()).isEqualTo("/opt/libpcsclite.so.1");
        assertThat(good.transactionPoll()).isEqualTo(Duration.ofMillis(2));
    }

    // ---------------------------------------------------------------- connecting

    @Test
    void connectFailuresAreThePcscOnes() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        assertThat(code(() -> backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1)))
                .isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        assertThat(code(() -> backend.connect("Nope", ShareMode.SHARED, Protocol.T0_OR_T1)))
                .isEqualTo(HResult.SCARD_E_UNKNOWN_READER);
        assertThat(code(() -> backend.connect(R0, ShareMode.SHARED, EnumSet.of(Protocol.T0))))
                .isEqualTo(HResult.SCARD_E_PROTO_MISMATCH);
        PcscConnection exclusive = backend.connect(R0, ShareMode.EXCLUSIVE, Protocol.T0_OR_T1);
        assertThat(code(() -> backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1)))
                .isEqualTo(HResult.SCARD_E_SHARING_VIOLATION);
        assertThat(backend.readerInfo(R0).exclusive()).isTrue();
        exclusive.disconnect(Disposition.LEAVE);
        assertThat(backend.readerInfo(R0).exclusive()).isFalse();
        assertThat(code(() -> backend.connect(R0, null, Protocol.T0_OR_T1))).isEqualTo(HResult.E_INVALIDARG);
        assertThat(code(() -> backend.connect(R0, ShareMode.SHARED, EnumSet.noneOf(Protocol.class))))
                .isEqualTo(HResult.E_INVALIDARG);
        assertThat(backend.idleContexts()).as("the exclusive connection's context and the one the connect that "
                + "failed meanwhile took; every other connect reused one of them").isEqualTo(2);
        assertThat(api.openContexts()).as("the control context and the idle ones; failed connects gave theirs back")
                .isEqualTo(3);
        backend.stop();
        assertThat(api.openContexts()).as("stop released them").isZero();
    }

    @Test
    void rawIsAskedForOnlyWhenT0AndT1DoNotMatch() {
        FakePcscApi api = withCard(PcscPlatform.windows(8));
        PcscBackend backend = backend(api);
        PcscConnection any = backend.connect(R0, ShareMode.SHARED, EnumSet.allOf(Protocol.class).stream()
                .filter(p -> p != Protocol.UNDEFINED).collect(java.util.stream.Collectors.toSet()));
        assertThat(any.status().protocol()).isEqualTo(Protocol.T1);
        assertThat(api.log()).contains("SCardConnect(" + R0 + ", 2, 3)");
        any.disconnect(Disposition.LEAVE);

        api.remove(R0);
        api.insert(R0, ATR);
        api.speaks(R0, 0); // a memory card: no T=0 or T=1
        PcscConnection raw = backend.connect(R0, ShareMode.SHARED, EnumSet.of(Protocol.T1, Protocol.RAW));
        assertThat(raw.status().protocol()).isEqualTo(Protocol.RAW);
        assertThat(api.log()).containsSubsequence("SCardConnect(" + R0 + ", 2, 2)",
                "SCardConnect(" + R0 + ", 2, 65536)");
    }

    // ---------------------------------------------------------------- status

    @Test
    void statusMapsTheStateOfEachPlatform() throws Exception {
        for (PcscPlatform platform : new PcscPlatform[] {PcscPlatform.linux(8), PcscPlatform.macos(),
            PcscPlatform.windows(8)}) {
            FakePcscApi api = withCard(platform);
            PcscBackend backend = backend(api);
            PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            CardStatus status = connection.status();
            assertThat(status.state()).as("%s", platform).isEqualTo(CardState.SPECIFIC_MODE);
            assertThat(status.protocol()).isEqualTo(Protocol.T1);
            assertThat(status.atr()).isEqualTo(ATR);
            assertThat(status.readerName()).isEqualTo(R0);

            api.remove(R0);
            assertThat(connection.status()).as("%s after removal", platform)
                    .isEqualTo(new CardStatus(CardState.ABSENT, Protocol.UNDEFINED, R0, null));
            api.insert(R0, OTHER_ATR);
            assertThat(connection.status()).as("%s after another card came", platform)
                    .isEqualTo(new CardStatus(CardState.PRESENT, Protocol.UNDEFINED, R0, OTHER_ATR));
            connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            assertThat(connection.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
            assertThat(connection.status().atr()).isEqualTo(OTHER_ATR);

            connection.disconnect(Disposition.LEAVE);
            assertThat(code(connection::status)).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        }
    }

    @Test
    void aResetByAnotherConnectionIsReportedByTrafficButNotByStatus() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        PcscConnection resetter = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection other = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        resetter.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.RESET);
        assertThat(resetter.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        SCardException reset = failure(() -> other.transmit(SELECT_MF));
        assertThat(reset.code()).isEqualTo(HResult.SCARD_W_RESET_CARD);
        assertThat(reset.getMessage()).contains(R0);
        assertThat(other.status()).isEqualTo(new CardStatus(CardState.SPECIFIC_MODE, Protocol.T1, R0, ATR));
        other.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(other.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
    }

    // ---------------------------------------------------------------- transactions

    @Test
    void endingWithResetKeepsTheResetterUsableAndAnEjectTheReaderCannotDoIsCantDispose() {
        for (PcscPlatform platform : new PcscPlatform[] {PcscPlatform.linux(8), PcscPlatform.windows(8)}) {
            FakePcscApi api = withCard(platform);
            PcscBackend backend = backend(api);
            PcscConnection a = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            PcscConnection b = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            assertThat(a.beginTransaction(0)).isTrue();
            a.endTransaction(Disposition.RESET);
            assertThat(api.log()).as("%s: the reset is acknowledged", platform).contains("SCardReconnect(2, 0)");
            assertThat(a.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
            assertThat(code(() -> b.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_RESET_CARD);
            b.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);

            assertThat(a.beginTransaction(0)).isTrue();
            SCardException eject = failure(() -> a.endTransaction(Disposition.EJECT));
            assertThat(eject.code()).as("%s", platform).isEqualTo(HResult.SCARD_E_CANT_DISPOSE);
            assertThat(eject.getMessage()).contains("cannot eject").contains("SCARD_E_UNSUPPORTED_FEATURE");
            assertThat(code(() -> a.endTransaction(Disposition.LEAVE))).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
            assertThat(b.beginTransaction(0)).isTrue();
            b.endTransaction(Disposition.LEAVE);
        }
    }

    @Test
    void reconnectAndDisconnectEndTheTransactionTheyHold() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        PcscConnection a = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection b = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(a.beginTransaction(0)).isTrue();
        a.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(code(() -> a.endTransaction(Disposition.LEAVE))).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
        assertThat(b.beginTransaction(0)).as("pcsc-lite would have kept a's transaction").isTrue();
        b.disconnect(Disposition.LEAVE);
        assertThat(a.beginTransaction(0)).isTrue();
        a.endTransaction(Disposition.LEAVE);
    }

    @Test
    void aDisconnectThatWouldResetWaitsForNobody() throws Exception {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        PcscConnection holder = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection leaving = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(holder.beginTransaction(0)).isTrue();
        CompletableFuture<Void> disconnect = background.inBackground("disconnect-reset", () -> {
            leaving.disconnect(Disposition.RESET);
            return null;
        });
        disconnect.get(5, TimeUnit.SECONDS);
        assertThat(holder.transmit(SELECT_MF)).as("the card was left as it is").containsExactly(0x90, 0x00);
        holder.endTransaction(Disposition.LEAVE);
    }

    @Test
    void withANonBlockingLibraryHeldUpCallsAreRetriedUntilTheyGoThrough() throws Exception {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        api.blockingLibrary = false;
        PcscBackend backend = backend(api);
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        long[] foreign = foreignLock(api, R0);

        CompletableFuture<byte[]> transmit = background.inBackground("retrying-transmit",
                () -> connection.transmit(SELECT_MF));
        Thread.sleep(200);
        assertThat(transmit).isNotDone();
        assertThat(background.named("retrying-transmit").thread().getState())
                .isIn(Thread.State.TIMED_WAITING, Thread.State.RUNNABLE);
        assertThat(api.endTransaction(foreign[1], 0)).isZero();
        assertThat(transmit.get(5, TimeUnit.SECONDS)).containsExactly(0x90, 0x00);

        assertThat(api.beginTransaction(foreign[1])).isZero();
        Thread[] worker = new Thread[1];
        CompletableFuture<byte[]> interrupted = background.inBackground("interrupted-transmit", () -> {
            worker[0] = Thread.currentThread();
            return connection.transmit(SELECT_MF);
        });
        Thread.sleep(100);
        worker[0].interrupt();
        assertThat(failureOf(interrupted, Duration.ofSeconds(5)).code()).isEqualTo(HResult.SCARD_E_CANCELLED);

        CompletableFuture<byte[]> closed = background.inBackground("closed-transmit",
                () -> connection.transmit(SELECT_MF));
        Thread.sleep(100);
        connection.disconnect(Disposition.LEAVE);
        assertThat(failureOf(closed, Duration.ofSeconds(5)).code()).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        assertThat(api.endTransaction(foreign[1], 0)).isZero();
    }

    @Test
    void onPcscLiteALockWaitForAnotherApplicationProbesAndKeepsTheHandle() throws Exception {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        long[] foreign = foreignLock(api, R0);

        long start = System.nanoTime();
        assertThat(connection.beginTransaction(TimeUnit.MILLISECONDS.toNanos(150))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(140),
                Duration.ofSeconds(2));
        assertThat(api.callsRunning()).as("no call is left inside the library").isZero();
        awaitNoBusyHelpers(backend);
        assertThat(api.log()).as("the handle was kept").doesNotContain("SCardDisconnect(0)");
        assertThat(connection.status().state()).as("status does not wait either")
                .isEqualTo(CardState.SPECIFIC_MODE);

        CompletableFuture<Boolean> waiting = background.inBackground("probing-lock",
                () -> connection.beginTransaction(-1));
        Thread.sleep(100);
        assertThat(waiting).isNotDone();
        Thread probing = background.named("probing-lock").thread();
        // a busy machine may catch the probing thread between two sleeps: wait up to 2 s for it to sleep
        Await.until("the probing thread sleeping between probes, not inside the library", Duration.ofSeconds(2),
                () -> probing.getState() == Thread.State.TIMED_WAITING);
        assertThat(api.endTransaction(foreign[1], 0)).isZero();
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isTrue();
        connection.endTransaction(Disposition.LEAVE);
    }

    @Test
    void whereLocksCannotBeProbedATimedOutLockWaitGivesTheHandleUpAndLeavesNoThreadBehind() throws Exception {
        for (PcscPlatform platform : new PcscPlatform[] {PcscPlatform.macos(), PcscPlatform.windows(8)}) {
            FakePcscApi api = withCard(platform);
            PcscBackend backend = backend(api);
            PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            long[] foreign = foreignLock(api, R0);

            long start = System.nanoTime();
            assertThat(connection.beginTransaction(TimeUnit.MILLISECONDS.toNanos(300))).as("%s", platform).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(290),
                    Duration.ofSeconds(3));
            assertThat(api.callsRunning()).as("%s: the aborted SCardBeginTransaction returned", platform).isZero();
            awaitNoBusyHelpers(backend);
            assertThat(api.log()).as("%s: aborted by disconnecting its handle", platform)
                    .contains("SCardDisconnect(0)");
            assertThat(connection.status().state()).as("%s: answered from the reader state", platform)
                    .isEqualTo(CardState.SPECIFIC_MODE);

            // the next use opens a new handle (pcscd lets it connect once the other transaction is over)
            CompletableFuture<byte[]> transmit = background.inBackground("reopening-transmit-" + platform,
                    () -> connection.transmit(SELECT_MF));
            Thread.sleep(150);
            assertThat(transmit).isNotDone();
            assertThat(api.endTransaction(foreign[1], 0)).isZero();
            assertThat(transmit.get(5, TimeUnit.SECONDS)).containsExactly(0x90, 0x00);
            assertThat(connection.beginTransaction(0)).isTrue();
            connection.endTransaction(Disposition.LEAVE);

            // an interrupt and a close end a native lock wait too, without a thread left behind
            assertThat(api.beginTransaction(foreign[1])).isZero();
            Thread[] worker = new Thread[1];
            CompletableFuture<Boolean> interrupted = background.inBackground("interrupted-lock-" + platform, () -> {
                worker[0] = Thread.currentThread();
                return connection.beginTransaction(-1);
            });
            Thread.sleep(100);
            worker[0].interrupt();
            assertThat(failureOf(interrupted, Duration.ofSeconds(5)).code()).isEqualTo(HResult.SCARD_E_CANCELLED);
            assertThat(api.callsRunning()).isZero();
            assertThat(api.endTransaction(foreign[1], 0)).isZero();
            assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);

            assertThat(api.beginTransaction(foreign[1])).isZero();
            CompletableFuture<Boolean> closed = background.inBackground("closed-lock-" + platform,
                    () -> connection.beginTransaction(-1));
            Thread.sleep(100);
            connection.disconnect(Disposition.LEAVE);
            assertThat(failureOf(closed, Duration.ofSeconds(5)).code()).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
            awaitNoCalls(api);
            assertThat(api.endTransaction(foreign[1], 0)).isZero();
        }
    }

    @Test
    void aCardRemovedWhileTheHandleWasGivenUpIsReportedAsRemoved() throws Exception {
        FakePcscApi api = withCard(PcscPlatform.windows(8));
        PcscBackend backend = backend(api);
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        long[] foreign = foreignLock(api, R0);
        assertThat(connection.beginTransaction(TimeUnit.MILLISECONDS.toNanos(50))).isFalse();
        api.remove(R0);
        api.insert(R0, OTHER_ATR);
        assertThat(connection.status().state()).isEqualTo(CardState.PRESENT);
        assertThat(code(() -> connection.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        api.releaseContext(foreign[0]);
    }

    @Test
    void inProcessWaitsAreParkedAndEndWithTheTransactionOrARemoval() throws Exception {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api, new PcscSettings(Pattern.compile(".*"), "", Duration.ofMillis(2),
                Duration.ofMillis(20), Duration.ofMillis(250)));
        PcscConnection a = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection b = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(a.beginTransaction(-1)).isTrue();

        CompletableFuture<byte[]> transmit = background.inBackground("parked-transmit", () -> b.transmit(SELECT_MF));
        CompletableFuture<Boolean> lock = background.inBackground("parked-lock", () -> b.beginTransaction(-1));
        Thread.sleep(150);
        assertThat(background.named("parked-transmit").thread().getState())
                .isIn(Thread.State.WAITING, Thread.State.TIMED_WAITING);
        assertThat(background.named("parked-lock").thread().getState())
                .isIn(Thread.State.WAITING, Thread.State.TIMED_WAITING);
        assertThat(api.callsRunning()).as("nobody waits inside the library").isZero();
        a.endTransaction(Disposition.LEAVE);
        assertThat(transmit.get(5, TimeUnit.SECONDS)).containsExactly(0x90, 0x00);
        assertThat(lock.get(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<byte[]> afterRemoval = background.inBackground("removal-transmit",
                () -> a.transmit(SELECT_MF));
        Thread.sleep(100);
        assertThat(afterRemoval).isNotDone();
        api.remove(R0);
        assertThat(failureOf(afterRemoval, Duration.ofSeconds(5)).code()).as("the removal ended b's lock")
                .isEqualTo(HResult.SCARD_W_REMOVED_CARD);
    }

    // ---------------------------------------------------------------- recovery and stop

    @Test
    void aFailedExchangeLosesTheCardForEveryCallOfTheConnectionUntilAReconnectReachesItAgain() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection other = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);

        api.transmitFails = PcscErrors.E_NOT_TRANSACTED; // the driver failed the exchange; pcscd still sees a card
        SCardException failed = failure(() -> connection.transmit(SELECT_MF));
        assertThat(failed.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        String detail = "the reader or its driver failed the exchange with the card in reader '" + R0
                + "' (SCARD_E_NOT_TRANSACTED from SCardTransmit): the card, or the link to it, stopped answering; "
                + "reconnect once it answers again";
        assertThat(failed.getMessage()).isEqualTo(detail + " [SCARD_W_REMOVED_CARD 0x80100069]");

        api.transmitFails = 0; // even where the card answers again, the connection's card is gone until a reconnect
        assertThat(failure(() -> connection.transmit(SELECT_MF)).getMessage()).isEqualTo(failed.getMessage());
        assertThat(failure(() -> connection.beginTransaction(0)).getMessage()).isEqualTo(failed.getMessage());
        assertThat(failure(() -> connection.endTransaction(Disposition.LEAVE)).getMessage())
                .isEqualTo(failed.getMessage());
        CardStatus status = connection.status();
        assertThat(status.state()).as("the reader still shows a card, but not this connection's")
                .isEqualTo(CardState.PRESENT);
        assertThat(status.protocol()).isEqualTo(Protocol.UNDEFINED);
        assertThat(status.atr()).isEqualTo(ATR);
        assertThat(other.status().state()).as("the card is lost to every connection that reached it")
                .isEqualTo(CardState.PRESENT);
        assertThat(failure(() -> other.transmit(SELECT_MF)).getMessage()).isEqualTo(failed.getMessage());
        PcscConnection later = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(later.transmit(SELECT_MF)).as("a connection opened after the failure reaches the card")
                .containsExactly(0x90, 0x00);
        assertThat(later.status().state()).isEqualTo(CardState.SPECIFIC_MODE);

        api.remove(R0);
        assertThat(connection.status().state()).isEqualTo(CardState.ABSENT);
        assertThat(failure(() -> connection.transmit(SELECT_MF)).getMessage()).isEqualTo(failed.getMessage());
        assertThat(code(() -> connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE)))
                .isEqualTo(HResult.SCARD_E_NO_SMARTCARD);

        api.insert(R0, ATR);
        assertThat(connection.status().state()).isEqualTo(CardState.PRESENT);
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        assertThat(connection.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(connection.beginTransaction(0)).isTrue();
        connection.endTransaction(Disposition.LEAVE);
        assertThat(code(() -> other.transmit(SELECT_MF))).as("until it reconnects too")
                .isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        other.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(other.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
    }

    @Test
    void aFailedExchangeEndsTheLockItsConnectionHeld() throws Exception {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        PcscConnection holder = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection other = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(holder.beginTransaction(0)).isTrue();
        api.transmitFails = PcscErrors.E_NOT_TRANSACTED;
        assertThat(code(() -> holder.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        api.transmitFails = 0;
        SCardException unlock = failure(() -> holder.endTransaction(Disposition.LEAVE));
        assertThat(unlock.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(unlock.getMessage()).contains("failed the exchange");
        other.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(other.beginTransaction(TimeUnit.SECONDS.toNanos(1))).as("the lock ended with the card").isTrue();
        other.endTransaction(Disposition.LEAVE);
        assertThat(code(() -> holder.endTransaction(Disposition.LEAVE))).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
    }

    @Test
    void anExchangeAnsweredWithoutAStatusWordLosesTheCardToo() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        api.card = command -> new byte[0]; // vpcd when the card program closed its connection mid-exchange
        SCardException empty = failure(() -> connection.transmit(SELECT_MF));
        assertThat(empty.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(empty.getMessage()).startsWith("the reader or its driver ended the exchange with the card in "
                + "reader '" + R0 + "' without a status word");
        api.card = VpcdTestCard::defaultAnswer;
        assertThat(failure(() -> connection.transmit(SELECT_MF)).getMessage()).isEqualTo(empty.getMessage());
        assertThat(connection.status().state()).isEqualTo(CardState.PRESENT);
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.RESET);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
    }

    @Test
    void aRemovalThatStatusSeesFirstIsWhatEveryOtherCallReports() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        api.remove(R0);
        api.insert(R0, ATR);
        assertThat(connection.status().state()).isEqualTo(CardState.PRESENT);
        SCardException transmit = failure(() -> connection.transmit(SELECT_MF));
        assertThat(transmit.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(failure(() -> connection.beginTransaction(0)).getMessage()).isEqualTo(transmit.getMessage());
    }

    @Test
    void aConnectionSurvivesAServiceRestartThroughReconnect() {
        FakePcscApi api = withCard(PcscPlatform.linux(8));
        PcscBackend backend = backend(api);
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);

        api.stopService();
        SCardException down = failure(() -> connection.transmit(SELECT_MF));
        assertThat(down.code()).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(down.getMessage()).contains("pcscd is not running");
        assertThat(code(connection::status)).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(code(() -> connection.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        assertThat(code(() -> connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE)))
                .isEqualTo(HResult.SCARD_E_NO_SERVICE);

        api.startService();
        SCardException restarted = failure(() -> connection.transmit(SELECT_MF));
        assertThat(restarted.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(restarted.getMessage()).contains("restarted");
        assertThat(connection.status().state()).isEqualTo(CardState.PRESENT);
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        assertThat(connection.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
    }

    @Test
    void stopReleasesEveryContextHandleLockAndWaiter() throws Exception {
        FakePcscApi api = withCard(PcscPlatform.macos());
        api.insert(R1, ATR);
        PcscBackend backend = backend(api);
        PcscConnection holder = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection waiter = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection nativeWaiter = backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(holder.beginTransaction(0)).isTrue();
        CompletableFuture<Boolean> inJava = background.inBackground("java-waiter", () -> waiter.beginTransaction(-1));
        long[] foreign = foreignLock(api, R1);
        CompletableFuture<byte[]> inLibrary = background.inBackground("library-waiter",
                () -> nativeWaiter.transmit(SELECT_MF));
        Thread.sleep(150);
        assertThat(api.callsRunning()).as("the transmit waits inside the library").isEqualTo(1);

        backend.stop();
        assertThat(failureOf(inJava, Duration.ofSeconds(5)).code())
                .isIn(HResult.SCARD_E_INVALID_HANDLE, HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(failureOf(inLibrary, Duration.ofSeconds(5)).code())
                .isIn(HResult.SCARD_E_INVALID_HANDLE, HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(backend.openConnections()).isZero();
        awaitNoBusyHelpers(backend);
        awaitNoCalls(api);
        // The abandoned transmit's helper disconnects and releases its context after the transmit returns: between
        // those calls no library call runs, so the release is awaited on its own.
        Await.until("the abandoned call's context released", Duration.ofSeconds(2), () -> api.openContexts() == 1);
        assertThat(api.openContexts()).as("only the foreign application's context is left").isEqualTo(1);
        assertThat(api.openHandles()).isEqualTo(1);
        assertThat(code(backend::listReaders)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(code(() -> backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1)))
                .isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(code(() -> holder.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        assertThat(failure(() -> holder.transmit(SELECT_MF)).getMessage()).contains("stopped");
        backend.stop(); // idempotent
        api.releaseContext(foreign[0]);
    }

    // ---------------------------------------------------------------- helpers

    private static PcscSettings settings(String filter) {
        return new PcscSettings(Pattern.compile(filter), "", Duration.ofMillis(2), Duration.ofMillis(100),
                Duration.ofMillis(250));
    }

    /** Another application connects to the reader and begins a transaction: {context, handle}. */
    private static long[] foreignLock(FakePcscApi api, String reader) {
        return foreignLock(api, reader, true);
    }

    private static long[] foreignLock(FakePcscApi api, String reader, boolean begin) {
        long[] context = new long[1];
        assertThat(api.establishContext(context)).isZero();
        long[] out = new long[2];
        assertThat(api.connect(context[0], reader, PcscPlatform.SHARE_SHARED, 3, out)).isZero();
        if (begin) {
            assertThat(api.beginTransaction(out[0])).isZero();
        }
        return new long[] {context[0], out[0]};
    }

    /** Helper threads leave the pool's active count a moment after their task returned. */
    static void awaitNoBusyHelpers(PcscBackend backend) throws InterruptedException {
        Await.until("no helper thread busy", Duration.ofSeconds(2), () -> backend.busyHelperThreads() == 0);
    }

    private static void awaitNoCalls(FakePcscApi api) throws InterruptedException {
        Await.until("no library call running", Duration.ofSeconds(2), () -> api.callsRunning() == 0);
    }

}
