package dev.scard.pcsc.internal;

import static dev.scard.pcsc.internal.PcscdRig.READER_0;
import static dev.scard.pcsc.internal.PcscdRig.READER_1;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.CardHandle;
import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.core.BackendResourceManager;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;

/**
 * The scenarios of the shared {@code ISCardManageConformance} suite, through the core's {@link CardManager} and
 * {@link BackendResourceManager} over this backend and a real pcscd (without an OSGi framework): what the suite
 * expects of every backend, checked against PC/SC before the suite runs on it.
 */
class ManagerOverPcscdTest extends PcscdTestBase {

    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final Duration LOCK_GRACE = Duration.ofMillis(300);

    private HandleTable handles;
    private BackendResourceManager rm;
    private final List<CardManager> managers = new ArrayList<>();

    @BeforeEach
    void managers() {
        handles = new HandleTable();
        rm = new BackendResourceManager(backend, handles);
    }

    @AfterEach
    void releaseManagers() {
        for (CardManager manager : managers) {
            manager.dispose("test over");
        }
        if (rm != null) { // null when the base class skipped the test (no pcscd)
            rm.closeAll();
        }
    }

    private CardManager newManager() {
        CardManager manager = new CardManager(backend, handles);
        managers.add(manager);
        return manager;
    }

    private CardManager attached(ShareMode mode) {
        CardManager manager = newManager();
        manager.attachByIfd(READER_0, mode);
        return manager;
    }

    private static byte[] ok(byte[] response) {
        assertThat(HexFormat.of().withUpperCase().formatHex(response)).endsWith("9000");
        return response;
    }

    @Test
    void attachLockTransmitUnlockDetach() {
        ISCardManage manager = newManager();
        manager.attachByIfd(READER_0);
        CardStatus status = manager.status();
        assertThat(status.state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(status.protocol()).isIn(Protocol.T0, Protocol.T1);
        assertThat(status.readerName()).isEqualTo(READER_0);
        assertThat(status.atr()).isEqualTo(backend.readerInfo(READER_0).atr());

        manager.lock();
        byte[] one = ok(manager.transmit(GET_CHALLENGE));
        byte[] two = ok(manager.transmit(GET_CHALLENGE));
        assertThat(one).hasSize(10).isNotEqualTo(two);
        assertThat(manager.transmit(new byte[] {0x00, 0x5E, 0x00, 0x00})).containsExactly(0x6D, 0x00);
        manager.unlock();
        assertThat(code(manager::unlock)).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
        manager.detach();
        assertThat(code(manager::status)).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        manager.attachByIfd(READER_0, ShareMode.EXCLUSIVE);
        ok(manager.transmit(SELECT_MF));
    }

    @Test
    void managersAreIndependentAndReleasingOneReleasesItsLock() {
        CardManager a = attached(ShareMode.SHARED);
        CardManager b = attached(ShareMode.SHARED);
        a.lock();
        assertThat(code(b::unlock)).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
        a.detach();
        ok(b.transmit(SELECT_MF));
        b.lock(BOUND);
        b.unlock();

        b.detach();
        CardManager gone = attached(ShareMode.EXCLUSIVE);
        gone.lock();
        gone.dispose("released");
        assertThat(code(gone::status)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
        CardManager next = attached(ShareMode.EXCLUSIVE);
        next.lock(Duration.ZERO);
        ok(next.transmit(SELECT_MF));
    }

    @Test
    void attachByHandleUsesTheHandleAndDetachLeavesItOpen() {
        CardHandle handle = rm.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(handle.backend()).isEqualTo("pcsc");
        assertThat(handle.protocol()).isIn(Protocol.T0, Protocol.T1);
        CardManager manager = newManager();
        manager.attachByHandle(handle.value());
        assertThat(manager.status().protocol()).isEqualTo(handle.protocol());
        ok(manager.transmit(SELECT_MF));
        manager.detach();
        CardManager second = newManager();
        second.attachByHandle(handle);
        ok(second.transmit(SELECT_MF));
        rm.disconnect(handle.value(), Disposition.LEAVE);
        assertThat(code(() -> second.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        assertThat(code(second::status)).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        assertThat(code(() -> manager.attachByHandle(handle.value()))).isEqualTo(HResult.E_INVALIDARG);
        manager.attachByIfd(READER_0);
        ok(manager.transmit(SELECT_MF));
    }

    @Test
    void lockWaitsWhileAnotherManagerHoldsItAndProceedsAfterUnlock() throws Exception {
        CardManager a = attached(ShareMode.SHARED);
        CardManager b = attached(ShareMode.SHARED);
        a.lock();
        CompletableFuture<Boolean> waiter = background.inBackground("b-lock", () -> {
            b.lock();
            return true;
        });
        background.named("b-lock").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);
        a.unlock();
        assertThat(waiter.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
        ok(b.transmit(SELECT_MF));
        assertThat(code(() -> a.lock(Duration.ofMillis(50)))).isEqualTo(HResult.E_FAIL);
        b.unlock();
        a.lock(BOUND);
        a.unlock();
    }

    @Test
    void lockWithTimeoutFailsWithEFailWhileAnotherHoldsIt() {
        CardManager a = attached(ShareMode.SHARED);
        CardManager b = attached(ShareMode.SHARED);
        a.lock();
        long start = System.nanoTime();
        assertThat(code(() -> b.lock(Duration.ofMillis(200)))).isEqualTo(HResult.E_FAIL);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(150),
                Duration.ofSeconds(5));
        assertThat(code(() -> b.lock(Duration.ZERO))).isEqualTo(HResult.E_FAIL);
        assertThat(code(b::unlock)).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
        a.unlock();
        b.lock(Duration.ofMillis(200));
        ok(b.transmit(SELECT_MF));
        b.unlock();
    }

    @Test
    void lockBlocksOtherManagersTrafficButNotItsOwnThreads() throws Exception {
        CardManager a = attached(ShareMode.SHARED);
        CardManager b = attached(ShareMode.SHARED);
        a.lock();
        CompletableFuture<byte[]> own = background.inBackground("a-transmit", () -> a.transmit(GET_CHALLENGE));
        assertThat(ok(own.get(BOUND.toSeconds(), TimeUnit.SECONDS))).hasSize(10);
        CompletableFuture<byte[]> other = background.inBackground("b-transmit", () -> b.transmit(SELECT_MF));
        background.named("b-transmit").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);
        assertThat(b.status().state()).as("status answers meanwhile").isEqualTo(CardState.SPECIFIC_MODE);
        a.unlock();
        ok(other.get(BOUND.toSeconds(), TimeUnit.SECONDS));
    }

    @Test
    void lockDoesNotNestAndEndsWithDetachOrReconnect() {
        CardManager a = attached(ShareMode.SHARED);
        CardManager b = attached(ShareMode.SHARED);
        a.lock();
        a.lock();
        a.unlock();
        assertThat(code(a::unlock)).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
        b.lock(Duration.ZERO);
        b.unlock();
        a.lock();
        a.reconnect();
        assertThat(code(a::unlock)).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
        b.lock(BOUND);
        b.unlock();
        a.lock();
        a.detach();
        b.lock(BOUND);
        b.unlock();
    }

    @Test
    void sharingModesExcludeEachOther() {
        CardManager shared = attached(ShareMode.SHARED);
        CardManager exclusive = newManager();
        assertThat(code(() -> exclusive.attachByIfd(READER_0, ShareMode.EXCLUSIVE)))
                .isEqualTo(HResult.SCARD_E_SHARING_VIOLATION);
        assertThat(exclusive.isAttached()).isFalse();
        shared.detach();
        exclusive.attachByIfd(READER_0, ShareMode.EXCLUSIVE);
        assertThat(rm.listReaders().get(0).exclusive()).isTrue();
        assertThat(code(() -> shared.attachByIfd(READER_0))).isEqualTo(HResult.SCARD_E_SHARING_VIOLATION);
        assertThat(code(() -> rm.connect(READER_0))).isEqualTo(HResult.SCARD_E_SHARING_VIOLATION);
        ok(exclusive.transmit(SELECT_MF));
        exclusive.detach();
        assertThat(rm.listReaders().get(0).exclusive()).isFalse();

        CardHandle handle = rm.connect(READER_0, ShareMode.EXCLUSIVE, Protocol.T0_OR_T1);
        assertThat(code(() -> shared.attachByIfd(READER_0))).isEqualTo(HResult.SCARD_E_SHARING_VIOLATION);
        shared.attachByHandle(handle);
        ok(shared.transmit(SELECT_MF));
        shared.detach();
        rm.disconnect(handle.value(), Disposition.LEAVE);
        shared.attachByIfd(READER_0, ShareMode.EXCLUSIVE);
        ok(shared.transmit(SELECT_MF));
    }

    @Test
    void cardRemovedAndReinsertedUnderAnAttachment() throws Exception {
        CardManager manager = attached(ShareMode.SHARED);
        ok(manager.transmit(SELECT_MF));
        card0.remove();
        awaitCard(READER_0, false);
        assertThat(code(() -> manager.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        CardStatus absent = manager.status();
        assertThat(absent.state()).isEqualTo(CardState.ABSENT);
        assertThat(absent.protocol()).isEqualTo(Protocol.UNDEFINED);
        assertThat(absent.readerName()).isEqualTo(READER_0);
        assertThat(code(manager::reconnect)).isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        assertThat(manager.isAttached()).isTrue();

        card0 = VpcdTestCard.insert(VpcdTestCard.SLOT0);
        awaitCard(READER_0, true);
        manager.reconnect();
        ok(manager.transmit(SELECT_MF));
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
    }

    @Test
    void resetsFromOutsideAndByAnotherManagerAreReportedUntilReconnect() {
        CardManager manager = attached(ShareMode.SHARED);
        ok(manager.transmit(SELECT_MF));
        long[] outside = foreignConnect(READER_0, PcscPlatform.SHARE_SHARED);
        assertThat(raw.reconnect(outside[1], PcscPlatform.SHARE_SHARED, 3, 1, new long[1])).isZero();
        assertThat(raw.disconnect(outside[1], 0)).isZero();
        assertThat(code(() -> manager.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_RESET_CARD);
        manager.reconnect();
        ok(manager.transmit(SELECT_MF));

        CardManager resetter = attached(ShareMode.SHARED);
        resetter.lock();
        resetter.unlock(Disposition.RESET);
        ok(resetter.transmit(SELECT_MF));
        assertThat(code(() -> manager.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_RESET_CARD);
        manager.reconnect();
        ok(manager.transmit(SELECT_MF));
        resetter.reconnect(Disposition.RESET);
        ok(resetter.transmit(SELECT_MF));
        assertThat(code(() -> manager.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_RESET_CARD);
        manager.reconnect();
        ok(manager.transmit(SELECT_MF));
        assertThat(code(() -> resetter.reconnect(Disposition.EJECT))).isEqualTo(HResult.E_INVALIDARG);
    }

    @Test
    void readerAttachmentToAnEmptyReaderReachesTheCardAfterInsertion() throws Exception {
        CardManager manager = newManager();
        manager.attachByIfd(READER_1);
        CardStatus status = manager.status();
        assertThat(status.state()).isEqualTo(CardState.ABSENT);
        assertThat(status.atr()).isEmpty();
        assertThat(code(() -> manager.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        assertThat(code(manager::lock)).isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        assertThat(code(manager::reconnect)).isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        assertThat(code(() -> rm.connect(READER_1))).isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        card1 = VpcdTestCard.insert(VpcdTestCard.SLOT1);
        awaitCard(READER_1, true);
        manager.reconnect();
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        ok(manager.transmit(SELECT_MF));
        manager.lock(BOUND);
        manager.unlock();
    }

    @Test
    void stoppingTheBackendReleasesAttachmentsLocksAndWaiters() throws Exception {
        CardHandle handle = rm.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        CardManager holder = attached(ShareMode.SHARED);
        CardManager waiting = attached(ShareMode.SHARED);
        holder.lock();
        CompletableFuture<Boolean> waiter = background.inBackground("waiting-lock", () -> {
            waiting.lock();
            return true;
        });
        background.named("waiting-lock").awaitParked(Duration.ofSeconds(5)).assertStillRunningAfter(STILL_WAITING);

        // what the components do when the bundle stops: the backend first, then the resource manager and managers
        backend.stop();
        rm.closeAll();
        holder.dispose("stopped");
        waiting.dispose("stopped");
        assertThat(failureOf(waiter, Duration.ofSeconds(5)).code())
                .isIn(HResult.SCARD_E_SERVICE_STOPPED, HResult.SCARD_E_INVALID_HANDLE);
        assertThat(code(holder::status)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);

        PcscBackend restarted = newBackend();
        try {
            CardManager fresh = new CardManager(restarted, new HandleTable());
            assertThat(code(() -> fresh.attachByHandle(handle.value()))).isEqualTo(HResult.E_INVALIDARG);
            assertThat(restarted.readerInfo(READER_0).exclusive()).isFalse();
            fresh.attachByIfd(READER_0, ShareMode.EXCLUSIVE);
            fresh.lock(Duration.ZERO);
            ok(fresh.transmit(SELECT_MF));
            fresh.unlock();
            fresh.dispose("test over");
        } finally {
            restarted.stop();
        }
    }
}
