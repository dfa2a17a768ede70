package dev.scard.core;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.scard.api.CardHandle;
import dev.scard.api.CardState;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.testsupport.Workers;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CardManagerTest {
    private final FakeBackend backend = new FakeBackend();
    private final HandleTable handles = new HandleTable();
    private final BackendResourceManager resourceManager = new BackendResourceManager(backend, handles);
    private final CardManager manager = new CardManager(backend, handles);
    private final Workers workers = new Workers();

    @AfterEach
    void threadsEnded() throws InterruptedException {
        workers.assertAllEnded(Duration.ofSeconds(10));
    }

    @Test
    void everyCardOperationNeedsAnAttachment() {
        assertThat(manager.isAttached()).isFalse();
        failure(HResult.SCARD_E_INVALID_HANDLE, "not attached", manager::status);
        failure(HResult.SCARD_E_INVALID_HANDLE, "not attached",
                () -> manager.transmit(new byte[] {0, (byte) 0xA4, 0, 0}));
        failure(HResult.SCARD_E_INVALID_HANDLE, "not attached", manager::lock);
        failure(HResult.SCARD_E_INVALID_HANDLE, "not attached", manager::unlock);
        failure(HResult.SCARD_E_INVALID_HANDLE, "not attached", manager::reconnect);
        failure(HResult.SCARD_E_INVALID_HANDLE, "not attached", manager::createFileAccess);
    }

    @Test
    void attachLockTransmitUnlockDetach() {
        manager.attachByIfd("R");
        assertThat(manager.isAttached()).isTrue();
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(manager.status().protocol()).isEqualTo(Protocol.T1);
        manager.lock();
        manager.lock(); // already held: no-op
        assertThat(manager.transmit(new byte[] {0, (byte) 0xA4, 0, 0})).containsExactly(0x90, 0x00);
        manager.unlock(Disposition.RESET);
        FakeBackend.FakeConnection connection = backend.connections.get(0);
        assertThat(connection.calls).containsExactly("begin", "end RESET");
        manager.detach();
        assertThat(connection.calls).containsExactly("begin", "end RESET", "disconnect LEAVE");
        assertThat(manager.isAttached()).isFalse();
        manager.detach(); // twice: a no-op
    }

    @Test
    void detachReleasesAHeldLock() {
        manager.attachByIfd("R", ShareMode.EXCLUSIVE);
        manager.lock(Duration.ofMillis(10));
        manager.detach();
        assertThat(backend.connections.get(0).calls).containsExactly("begin", "end LEAVE", "disconnect LEAVE");
    }

    @Test
    void attachWhileAttachedFailsAndKeepsTheAttachment() {
        manager.attachByIfd("R");
        failure(HResult.E_FAIL, "already attached to 'R'; detach first", () -> manager.attachByIfd("R"));
        failure(HResult.E_FAIL, "already attached", () -> manager.attachByHandle(4711));
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(backend.connections).hasSize(1);
    }

    @Test
    void badArgumentsAreRejectedByName() {
        failure(HResult.E_INVALIDARG, "reader name", () -> manager.attachByIfd(null));
        failure(HResult.E_INVALIDARG, "unknown reader 'nope'", () -> manager.attachByIfd("nope"));
        failure(HResult.E_INVALIDARG, "share mode", () -> manager.attachByIfd("R", null));
        failure(HResult.E_INVALIDARG, "at least one", () -> manager.attachByIfd("R", ShareMode.SHARED, Set.of()));
        failure(HResult.E_INVALIDARG, "only T0, T1 and RAW",
                () -> manager.attachByIfd("R", ShareMode.SHARED, Set.of(Protocol.UNDEFINED)));
        assertThat(manager.isAttached()).isFalse();
        manager.attachByIfd("R");
        failure(HResult.E_INVALIDARG, "timeout", () -> manager.lock(null));
        failure(HResult.E_INVALIDARG, "negative", () -> manager.lock(Duration.ofMillis(-1)));
        failure(HResult.E_INVALIDARG, "disposition", () -> manager.unlock(null));
        failure(HResult.E_INVALIDARG, "EJECT", () -> manager.reconnect(Disposition.EJECT));
        failure(HResult.E_INVALIDARG, "must not be null", () -> manager.transmit(null));
        failure(HResult.E_INVALIDARG, "GUID or a name", () -> manager.createInterface(null, null, null));
    }

    @Test
    void unlockWithoutALockIsNotTransacted() {
        manager.attachByIfd("R");
        failure(HResult.SCARD_E_NOT_TRANSACTED, "holds no lock on 'R'", manager::unlock);
    }

    @Test
    void lockThatCannotBeTakenInTimeFailsWithEFail() {
        manager.attachByIfd("R");
        backend.lockedElsewhere = true;
        failure(HResult.E_FAIL, "locked by another connection", () -> manager.lock(Duration.ofMillis(5)));
        failure(HResult.SCARD_E_NOT_TRANSACTED, "holds no lock", manager::unlock);
    }

    @Test
    void emptyReaderGivesAReaderAttachmentThatReconnectTurnsIntoACardAttachment() {
        backend.cardPresent = false;
        manager.attachByIfd("R");
        assertThat(manager.status().state()).isEqualTo(CardState.ABSENT);
        assertThat(manager.status().protocol()).isEqualTo(Protocol.UNDEFINED);
        failure(HResult.SCARD_E_NO_SMARTCARD, "no card in reader 'R'",
                () -> manager.transmit(new byte[] {0, (byte) 0xA4, 0, 0}));
        failure(HResult.SCARD_E_NO_SMARTCARD, "no card", manager::lock);
        failure(HResult.SCARD_E_NO_SMARTCARD, "no card", manager::reconnect);
        backend.cardPresent = true;
        assertThat(manager.status().state()).isEqualTo(CardState.PRESENT);
        manager.reconnect();
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(manager.transmit(new byte[] {0, (byte) 0xA4, 0, 0})).containsExactly(0x90, 0x00);
    }

    @Test
    void reconnectAfterRemovalReachesTheNewCard() {
        manager.attachByIfd("R");
        manager.lock();
        FakeBackend.FakeConnection first = backend.connections.get(0);
        first.removed = true;
        failure(HResult.SCARD_W_REMOVED_CARD, "removed", () -> manager.transmit(new byte[] {0, (byte) 0xA4, 0, 0}));
        assertThat(manager.status().state()).isEqualTo(CardState.ABSENT);
        manager.reconnect();
        assertThat(first.closed).isTrue();
        assertThat(backend.connections).hasSize(2);
        failure(HResult.SCARD_E_NOT_TRANSACTED, "no lock", manager::unlock); // the lock did not survive
        assertThat(manager.transmit(new byte[] {0, (byte) 0xA4, 0, 0})).containsExactly(0x90, 0x00);
    }

    @Test
    void reconnectPassesTheInitializationOn() {
        manager.attachByIfd("R");
        manager.reconnect(Disposition.UNPOWER);
        assertThat(backend.connections.get(0).calls).containsExactly("reconnect UNPOWER");
    }

    @Test
    void attachByHandleBorrowsTheConnectionAndDetachLeavesItOpen() {
        CardHandle handle = resourceManager.connect("R");
        assertThat(handle.backend()).isEqualTo("fake");
        assertThat(handle.protocol()).isEqualTo(Protocol.T1);
        manager.attachByHandle(handle);
        assertThat(manager.transmit(new byte[] {0, (byte) 0xA4, 0, 0})).containsExactly(0x90, 0x00);
        manager.detach();
        assertThat(backend.connections.get(0).closed).isFalse();

        manager.attachByHandle(handle.value());
        resourceManager.disconnect(handle.value(), Disposition.LEAVE);
        failure(HResult.SCARD_E_INVALID_HANDLE, "the handle to 'R' was disconnected by its owner",
                () -> manager.transmit(new byte[] {0, (byte) 0xA4, 0, 0}));
        manager.detach();
        failure(HResult.E_INVALIDARG, "is not an open handle of the 'fake' resource manager",
                () -> manager.attachByHandle(handle.value()));
    }

    @Test
    void handlesOfOtherBackendsAreRejected() {
        CardHandle foreign = new CardHandle(0x1001, "pcsc", "R", ShareMode.SHARED, Protocol.T1);
        failure(HResult.E_INVALIDARG, "belongs to backend 'pcsc'", () -> manager.attachByHandle(foreign));
        failure(HResult.E_INVALIDARG, "handle", () -> manager.attachByHandle((CardHandle) null));
        failure(HResult.E_INVALIDARG, "handle 99", () -> manager.attachByHandle(99));
        failure(HResult.E_INVALIDARG, "handle 99", () -> resourceManager.disconnect(99, Disposition.LEAVE));
    }

    @Test
    void aHandleOfAnotherOwnerIsRefusedLikeAnUnknownOne() {
        Object bundleA = "bundle A";
        Object bundleB = "bundle B";
        BackendResourceManager rmOfA = resourceManager.forOwner(bundleA);
        BackendResourceManager rmOfB = resourceManager.forOwner(bundleB);
        CardManager managerOfA = new CardManager(backend, handles.scopedTo(() -> bundleA));
        CardManager managerOfB = new CardManager(backend, handles.scopedTo(() -> bundleB));
        CardHandle handle = rmOfA.connect("R", ShareMode.EXCLUSIVE, Protocol.T0_OR_T1);

        String unknown = "is not an open handle of the 'fake' resource manager";
        failure(HResult.E_INVALIDARG, "handle " + handle.value() + " " + unknown,
                () -> managerOfB.attachByHandle(handle.value()));
        failure(HResult.E_INVALIDARG, unknown, () -> managerOfB.attachByHandle(handle));
        assertThat(managerOfB.isAttached()).isFalse();
        failure(HResult.E_INVALIDARG, "handle " + handle.value() + " " + unknown,
                () -> rmOfB.disconnect(handle.value(), Disposition.LEAVE));
        assertThat(backend.connections.get(0).closed).as("B did not close A's handle").isFalse();

        managerOfA.attachByHandle(handle.value());
        assertThat(managerOfA.transmit(new byte[] {0, (byte) 0xA4, 0, 0})).containsExactly(0x90, 0x00);
        managerOfA.detach();
        rmOfA.disconnect(handle.value(), Disposition.LEAVE);
        assertThat(backend.connections.get(0).closed).isTrue();
    }

    @Test
    void disposeReleasesEverythingAndStopsTheInstance() {
        manager.attachByIfd("R");
        manager.lock();
        manager.dispose("the fake backend stopped");
        assertThat(backend.connections.get(0).calls).containsExactly("begin", "end LEAVE", "disconnect LEAVE");
        assertThat(manager.isAttached()).isFalse();
        failure(HResult.SCARD_E_SERVICE_STOPPED, "the fake backend stopped", () -> manager.attachByIfd("R"));
        failure(HResult.SCARD_E_SERVICE_STOPPED, "released", manager::status);
        manager.detach(); // still a no-op
    }

    @Test
    void disposeEndsATransmitThatWaitsInTheBackendWhileHoldingTheMonitor() throws Exception {
        manager.attachByIfd("R");
        FakeBackend.FakeConnection connection = backend.connections.get(0);
        CountDownLatch waiting = new CountDownLatch(1);
        backend.card = command -> {
            waiting.countDown();
            synchronized (connection) {
                while (!connection.closed) {
                    try {
                        connection.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "closed while waiting");
        };
        CompletableFuture<byte[]> transmit = workers.inBackground("closed-transmit",
                () -> manager.transmit(new byte[] {0, (byte) 0xA4, 0, 0}));
        assertThat(waiting.await(5, TimeUnit.SECONDS)).isTrue();
        backend.onDisconnect = () -> {
            synchronized (connection) {
                connection.notifyAll();
            }
        };
        CompletableFuture<Void> dispose = workers.inBackground("dispose", () -> {
            manager.dispose("stopped");
            return null;
        });
        dispose.get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> transmit.get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(SCardException.class).hasMessageContaining("closed while waiting");
    }

    private static final byte[] SELECT = {0, (byte) 0xA4, 0, 0};

    @Test
    void managersSharingAHandleKeepEachOthersLocks() throws Exception {
        CardHandle handle = resourceManager.connect("R");
        CardManager other = new CardManager(backend, handles);
        manager.attachByHandle(handle);
        other.attachByHandle(handle);
        manager.lock();
        failure(HResult.E_FAIL, "locked by another connection", () -> other.lock(Duration.ofMillis(20)));
        CompletableFuture<byte[]> blocked = workers.inBackground("blocked-transmit", () -> other.transmit(SELECT));
        Thread.sleep(50);
        assertThat(blocked).isNotDone(); // the other manager's traffic waits for the lock
        assertThat(manager.transmit(SELECT)).containsExactly(0x90, 0x00); // the holder's own traffic does not
        assertThat(other.status().readerName()).isEqualTo("R"); // status never waits
        manager.unlock();
        assertThat(blocked.get(5, TimeUnit.SECONDS)).containsExactly(0x90, 0x00);
        other.lock(Duration.ofMillis(20));
        failure(HResult.E_FAIL, "locked", () -> manager.lock(Duration.ofMillis(20)));
        other.detach(); // releases the lock
        manager.lock(Duration.ofMillis(20));
        manager.unlock();
    }

    @Test
    void aLockWaiterOnASharedHandleFailsWhenTheOwnerDisconnects() throws Exception {
        CardHandle handle = resourceManager.connect("R");
        CardManager other = new CardManager(backend, handles);
        manager.attachByHandle(handle);
        other.attachByHandle(handle);
        manager.lock();
        CompletableFuture<Void> waiting = workers.inBackground("waiting-lock", () -> {
            other.lock();
            return null;
        });
        Thread.sleep(50);
        assertThat(waiting).isNotDone();
        resourceManager.disconnect(handle.value(), Disposition.LEAVE);
        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(SCardException.class)
                .hasMessageContaining("disconnected by its owner");
    }

    @Test
    void reconnectThroughAHandleKeepsTheHandlesProtocols() {
        CardHandle handle = resourceManager.connect("R", ShareMode.SHARED, Set.of(Protocol.RAW));
        manager.attachByHandle(handle);
        manager.reconnect();
        assertThat(backend.connections.get(0).calls).containsExactly("reconnect LEAVE [RAW]");
    }

    @Test
    void aLockObtainedAcrossAReconnectIsNotHeld() throws Exception {
        manager.attachByIfd("R");
        FakeBackend.FakeConnection connection = backend.connections.get(0);
        CountDownLatch inBegin = new CountDownLatch(1);
        CountDownLatch reconnected = new CountDownLatch(1);
        connection.beforeBegin = () -> {
            inBegin.countDown();
            try {
                reconnected.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        CompletableFuture<Void> locking = workers.inBackground("locking", () -> {
            manager.lock();
            return null;
        });
        assertThat(inBegin.await(5, TimeUnit.SECONDS)).isTrue();
        manager.reconnect(); // does not wait for the lock()
        reconnected.countDown();
        assertThatThrownBy(() -> locking.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(SCardException.class)
                .hasMessageContaining("reconnected while waiting for the lock");
        failure(HResult.SCARD_E_NOT_TRANSACTED, "no lock", manager::unlock);
        assertThat(connection.inTransaction).isFalse();
    }

    @Test
    void closeAllDisconnectsEveryHandle() {
        resourceManager.connect("R");
        resourceManager.connect("R", ShareMode.SHARED, Set.of(Protocol.T1));
        resourceManager.closeAll();
        assertThat(handles.size()).isZero();
        assertThat(backend.connections).allMatch(c -> c.closed);
    }

    @Test
    void detachAndStatusAnswerAtOnceWhileATransmitOfTheSameManagerIsStuck() throws Exception {
        manager.attachByIfd("R");
        manager.lock();
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        backend.card = command -> {
            stuck.countDown();
            try {
                release.await(10, TimeUnit.SECONDS); // a card that does not answer (and ignores the disconnect)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new byte[] {(byte) 0x90, 0};
        };
        CompletableFuture<byte[]> transmit = workers.inBackground("stuck-transmit", () -> manager.transmit(SELECT));
        assertThat(stuck.await(5, TimeUnit.SECONDS)).isTrue();
        try {
            assertThat(workers.inBackground("status", manager::status).get(2, TimeUnit.SECONDS).readerName())
                    .isEqualTo("R");
            workers.inBackground("detach", () -> {
                manager.detach();
                return null;
            }).get(2, TimeUnit.SECONDS);
            assertThat(manager.isAttached()).isFalse();
            // The disconnect ends the transaction; an end of its own could wait for the stuck transmit.
            assertThat(backend.connections.get(0).calls).containsExactly("begin", "disconnect LEAVE");
            manager.attachByIfd("R"); // the manager is usable again at once
            assertThat(manager.status().readerName()).isEqualTo("R");
        } finally {
            release.countDown();
        }
        transmit.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aTransmitWaitingForTheSameManagersStuckTrafficGivesUpAfterTheCallTimeout() throws Exception {
        backend.callTimeout = Duration.ofMillis(200);
        manager.attachByIfd("R");
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        backend.card = command -> {
            stuck.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new byte[] {(byte) 0x90, 0};
        };
        CompletableFuture<byte[]> first = workers.inBackground("first-transmit", () -> manager.transmit(SELECT));
        assertThat(stuck.await(5, TimeUnit.SECONDS)).isTrue();
        try {
            failure(HResult.SCARD_E_TIMEOUT, "longer than the call timeout", () -> manager.transmit(SELECT));
            failure(HResult.SCARD_E_TIMEOUT, "longer than the call timeout", manager::reconnect);
        } finally {
            release.countDown();
        }
        assertThat(first.get(5, TimeUnit.SECONDS)).containsExactly(0x90, 0x00);
    }

    @Test
    void aLockWithoutATimeoutGivesUpAfterTheCallTimeout() {
        backend.callTimeout = Duration.ofMillis(50);
        backend.lockedElsewhere = true;
        manager.attachByIfd("R");
        failure(HResult.E_FAIL, "gave up after PT0.05S", manager::lock);
        failure(HResult.SCARD_E_NOT_TRANSACTED, "no lock", manager::unlock);
    }

    @Test
    void concurrentLocksOfOneManagerBeginOneTransactionAndOneUnlockEndsIt() throws Exception {
        manager.attachByIfd("R");
        FakeBackend.FakeConnection connection = backend.connections.get(0);
        CountDownLatch inBegin = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        connection.beforeBegin = () -> {
            inBegin.countDown();
            try {
                proceed.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        CompletableFuture<Void> first = workers.inBackground("first-lock", () -> {
            manager.lock();
            return null;
        });
        assertThat(inBegin.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> second = workers.inBackground("second-lock", () -> {
            manager.lock();
            return null;
        }); // waits for the first's outcome
        // An unlock while the lock is being taken finds none: it must not end the transaction being begun.
        failure(HResult.SCARD_E_NOT_TRANSACTED, "no lock", manager::unlock);
        proceed.countDown();
        first.get(5, TimeUnit.SECONDS);
        second.get(5, TimeUnit.SECONDS);
        assertThat(connection.calls).containsExactly("begin");
        manager.unlock();
        assertThat(connection.calls).containsExactly("begin", "end LEAVE");
        assertThat(connection.inTransaction).isFalse();
        failure(HResult.SCARD_E_NOT_TRANSACTED, "no lock", manager::unlock);
    }
}
