package dev.scard.itest.conformance;

import static dev.scard.itest.support.Apdus.assertSuccess;
import static dev.scard.itest.support.Apdus.getChallenge;
import static dev.scard.itest.support.Apdus.hex;
import static dev.scard.itest.support.Apdus.selectMf;
import static dev.scard.itest.support.Apdus.selectMfNoData;
import static dev.scard.itest.support.Apdus.sw;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;

import dev.scard.api.CardHandle;
import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.api.ShareMode;
import dev.scard.testsupport.Worker;

/**
 * The behaviour every backend's {@link ISCardManage} and {@link SCardResourceManager} must show (the API's
 * javadoc and docs/decisions.md), written once and run against each backend by a subclass that says which
 * backend, which readers, and how to insert, remove and reset cards there.
 *
 * <p>Each test starts with a card in {@link #cardReader()} and none in {@link #emptyReader()}, and every
 * test leaves it so: managers it got are detached and released, handles disconnected, threads ended, and
 * {@link #restoreReaders()} puts cards back where they were. The card services' part of the suite
 * ({@code createFileAccess} and the interfaces it creates) is in {@link CardServicesConformance}.
 */
public abstract class ISCardManageConformance extends CardServicesConformance {

    /** How long a caller that should be blocked is watched to make sure it stays blocked. */
    private static final Duration LOCK_GRACE = Duration.ofMillis(300);

    /** Managers already released (by the test or the clean-up), so none is released twice. */
    private final Set<ISCardManage> released = Collections.newSetFromMap(new IdentityHashMap<>());

    // ---- what a backend subclass provides ----------------------------------------------------------------

    /** The {@code scard.backend} property value of the backend under test. */
    protected abstract String backend();

    /** A reader that holds a card (answering SELECT MF and GET CHALLENGE) at the start of every test. */
    protected abstract String cardReader();

    /** A reader with no card at the start of every test. */
    protected abstract String emptyReader();

    /** Puts a card into {@code reader}, as a person would. */
    protected abstract void insertCard(String reader) throws Exception;

    /** Takes the card out of {@code reader}, as a person would. */
    protected abstract void removeCard(String reader) throws Exception;

    /** Resets the card in {@code reader} from outside this API (as another application would). */
    protected abstract void resetCardFromOutside(String reader) throws Exception;

    /** Puts the readers back as every test expects them: a card in {@link #cardReader()}, none in {@link #emptyReader()}. */
    protected abstract void restoreReaders() throws Exception;

    /** The symbolic name of the bundle that implements the backend. */
    protected abstract String backendBundle();

    // ---- helpers -----------------------------------------------------------------------------------------

    /** The filter that selects the backend's services. */
    protected final String backendFilter() {
        return "(" + SCardServiceProperties.BACKEND + "=" + backend() + ")";
    }

    /** The backend's ISCardManage service (a prototype: each getService is a new manager). */
    protected final ServiceObjects<ISCardManage> managers() throws InterruptedException {
        ServiceReference<ISCardManage> reference = awaitReference(ISCardManage.class, backendFilter());
        ServiceObjects<ISCardManage> objects = context.getServiceObjects(reference);
        assertThat(objects).as("service objects of %s", reference).isNotNull();
        return objects;
    }

    /** A fresh manager of the backend, detached and released after the test. */
    protected final ISCardManage newManager() throws InterruptedException {
        return newManager(managers());
    }

    /** A fresh manager from {@code objects}, detached and released after the test unless the test released it. */
    protected final ISCardManage newManager(ServiceObjects<ISCardManage> objects) {
        ISCardManage manager = objects.getService();
        assertThat(manager).as("ISCardManage from %s", objects.getServiceReference()).isNotNull();
        onCleanup(() -> {
            if (released.add(manager)) {
                release(objects, manager);
            }
        });
        return manager;
    }

    /** Releases a manager now ({@code ungetService}, the COM {@code Release}). */
    protected final void releaseNow(ServiceObjects<ISCardManage> objects, ISCardManage manager) {
        assertThat(released.add(manager)).as("%s released once", manager).isTrue();
        objects.ungetService(manager);
    }

    private static void release(ServiceObjects<ISCardManage> objects, ISCardManage manager) {
        try {
            manager.detach();
        } catch (SCardException e) {
            // released or stopped already
        }
        try {
            objects.ungetService(manager);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the service was unregistered (the backend stopped): the framework released it then
        }
    }

    /** The backend's resource manager. */
    protected final SCardResourceManager resourceManager() throws InterruptedException {
        return awaitService(SCardResourceManager.class, backendFilter());
    }

    /** Connects through the resource manager; the handle is disconnected after the test if still open. */
    protected final CardHandle connect(SCardResourceManager rm, String reader, ShareMode mode) {
        CardHandle handle = rm.connect(reader, mode, Protocol.T0_OR_T1);
        onCleanup(() -> {
            try {
                rm.disconnect(handle.value(), Disposition.LEAVE);
            } catch (SCardException e) {
                // disconnected by the test already
            }
        });
        return handle;
    }

    /** A manager attached to {@link #cardReader()} in {@code mode}. */
    protected final ISCardManage attachedToCard(ShareMode mode) throws InterruptedException {
        ISCardManage manager = newManager();
        manager.attachByIfd(cardReader(), mode);
        return manager;
    }

    /** Registered first, so it runs last: cards go back after every manager and handle was released. */
    @BeforeEach
    protected final void restoreReadersAfterTheTest() {
        onCleanup(this::restoreReaders);
    }

    // ---- the services ------------------------------------------------------------------------------------

    @Test
    void backendRegistersPrototypeManagerAndResourceManager() throws Exception {
        ServiceReference<ISCardManage> manager = awaitReference(ISCardManage.class, backendFilter());
        assertThat(manager.getProperty(Constants.SERVICE_SCOPE)).isEqualTo(Constants.SCOPE_PROTOTYPE);
        assertThat(manager.getProperty(SCardServiceProperties.BACKEND)).isEqualTo(backend());

        SCardResourceManager rm = resourceManager();
        assertThat(rm.backend()).isEqualTo(backend());
        List<ReaderInfo> readers = rm.listReaders();
        assertThat(readers).extracting(ReaderInfo::name).contains(cardReader(), emptyReader()).doesNotHaveDuplicates();
        assertThat(readers).allSatisfy(r -> assertThat(r.backend()).isEqualTo(backend()));
        ReaderInfo withCard = reader(rm, cardReader());
        assertThat(withCard.cardPresent()).isTrue();
        assertThat(withCard.state()).isNotEqualTo(CardState.ABSENT);
        assertThat(withCard.atr()).isNotEmpty();
        assertThat(withCard.exclusive()).isFalse();
        ReaderInfo empty = reader(rm, emptyReader());
        assertThat(empty.cardPresent()).isFalse();
        assertThat(empty.state()).isEqualTo(CardState.ABSENT);
        assertThat(empty.atr()).isEmpty();
        assertThat(rm.listReaders()).as("a stable order").extracting(ReaderInfo::name)
                .containsExactlyElementsOf(readers.stream().map(ReaderInfo::name).toList());
    }

    private static ReaderInfo reader(SCardResourceManager rm, String name) {
        return rm.listReaders().stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no reader '" + name + "' in " + rm.listReaders()));
    }

    // ---- attach, lock, transmit, unlock, detach ----------------------------------------------------------

    @Test
    void attachLockTransmitUnlockDetach() throws Exception {
        ISCardManage manager = newManager();
        assertThat(manager.isAttached()).isFalse();

        manager.attachByIfd(cardReader());
        assertThat(manager.isAttached()).isTrue();
        CardStatus status = manager.status();
        assertThat(status.state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(status.protocol()).isIn(Protocol.T0, Protocol.T1);
        assertThat(status.readerName()).isEqualTo(cardReader());
        assertThat(status.atr()).isNotEmpty().isEqualTo(reader(resourceManager(), cardReader()).atr());

        manager.lock();
        byte[] fcp = assertSuccess(manager.transmit(selectMf()));
        assertThat(fcp.length).as("SELECT MF with P2=00 returns the FCP: %s", hex(fcp)).isGreaterThan(2);
        assertThat(fcp[0]).as("FCP template tag 62 in %s", hex(fcp)).isEqualTo((byte) 0x62);
        assertThat(hex(manager.transmit(selectMfNoData()))).as("SELECT MF with P2=0C has no response data")
                .isEqualTo("9000");

        byte[] challenge1 = assertSuccess(manager.transmit(getChallenge()));
        byte[] challenge2 = assertSuccess(manager.transmit(getChallenge()));
        assertThat(challenge1).hasSize(10);
        assertThat(challenge2).hasSize(10);
        assertThat(hex(challenge1).substring(0, 16)).as("two challenges differ")
                .isNotEqualTo(hex(challenge2).substring(0, 16));

        assertThat(sw(manager.transmit(new byte[] {0x00, 0x5E, 0x00, 0x00}))).as("unknown instruction")
                .isEqualTo("6D00");

        manager.unlock();
        failure(HResult.SCARD_E_NOT_TRANSACTED, manager::unlock);

        manager.detach();
        assertThat(manager.isAttached()).isFalse();
        failure(HResult.SCARD_E_INVALID_HANDLE, manager::status);
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> manager.transmit(selectMf()));

        // the same manager can attach again after a detach
        manager.attachByIfd(cardReader(), ShareMode.EXCLUSIVE);
        assertSuccess(manager.transmit(selectMf()));
    }

    @Test
    void prototypeScopeGivesDistinctIndependentManagers() throws Exception {
        ServiceObjects<ISCardManage> objects = managers();
        ISCardManage a = newManager(objects);
        ISCardManage b = newManager(objects);
        assertThat(a).isNotSameAs(b);

        a.attachByIfd(cardReader());
        assertThat(a.isAttached()).isTrue();
        assertThat(b.isAttached()).as("attaching one manager does not attach the other").isFalse();
        failure(HResult.SCARD_E_INVALID_HANDLE, b::status);

        b.attachByIfd(cardReader());
        a.lock();
        failure(HResult.SCARD_E_NOT_TRANSACTED, b::unlock);
        a.detach();
        assertThat(a.isAttached()).isFalse();
        assertThat(b.isAttached()).as("detaching one manager leaves the other attached").isTrue();
        assertSuccess(b.transmit(selectMf()));
        b.lock(BOUND);
        b.unlock();
    }

    @Test
    void releasingAManagerReleasesItsAttachmentAndLock() throws Exception {
        ServiceObjects<ISCardManage> objects = managers();
        ISCardManage gone = newManager(objects);
        gone.attachByIfd(cardReader(), ShareMode.EXCLUSIVE);
        gone.lock();
        releaseNow(objects, gone);

        failure(HResult.SCARD_E_SERVICE_STOPPED, gone::status);
        failure(HResult.SCARD_E_SERVICE_STOPPED, () -> gone.attachByIfd(cardReader()));
        failure(HResult.SCARD_E_SERVICE_STOPPED, () -> gone.transmit(selectMf()));
        assertThat(gone.isAttached()).isFalse();

        ISCardManage next = attachedToCard(ShareMode.EXCLUSIVE);
        next.lock(Duration.ZERO);
        assertSuccess(next.transmit(selectMf()));
    }

    // ---- attach by handle --------------------------------------------------------------------------------

    @Test
    void attachByHandleUsesTheHandleAndDetachLeavesItOpen() throws Exception {
        SCardResourceManager rm = resourceManager();
        CardHandle handle = connect(rm, cardReader(), ShareMode.SHARED);
        assertThat(handle.backend()).isEqualTo(backend());
        assertThat(handle.readerName()).isEqualTo(cardReader());
        assertThat(handle.shareMode()).isEqualTo(ShareMode.SHARED);
        assertThat(handle.protocol()).isIn(Protocol.T0, Protocol.T1);

        ISCardManage manager = newManager();
        manager.attachByHandle(handle.value());
        assertThat(manager.isAttached()).isTrue();
        assertThat(manager.status().readerName()).isEqualTo(cardReader());
        assertThat(manager.status().protocol()).isEqualTo(handle.protocol());
        assertSuccess(manager.transmit(selectMf()));
        manager.detach();
        assertThat(manager.isAttached()).isFalse();

        // detach only forgot the handle: it still works, through the record form too
        ISCardManage second = newManager();
        second.attachByHandle(handle);
        assertSuccess(second.transmit(selectMf()));

        // the owner disconnects: the attached manager fails with an invalid handle, new attachments are refused
        rm.disconnect(handle.value(), Disposition.LEAVE);
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> second.transmit(selectMf()));
        failure(HResult.SCARD_E_INVALID_HANDLE, second::status);
        second.detach();
        failure(HResult.E_INVALIDARG, () -> manager.attachByHandle(handle.value()));
        failure(HResult.E_INVALIDARG, () -> manager.attachByHandle(handle));
        assertThat(manager.isAttached()).isFalse();
        failure(HResult.E_INVALIDARG, () -> rm.disconnect(handle.value(), Disposition.LEAVE));

        // the manager was not harmed by the refusals
        manager.attachByIfd(cardReader());
        assertSuccess(manager.transmit(selectMf()));
    }

    @Test
    void attachByHandleRejectsForeignAndUnknownHandles() throws Exception {
        SCardResourceManager rm = resourceManager();
        CardHandle handle = connect(rm, cardReader(), ShareMode.SHARED);
        ISCardManage manager = newManager();

        CardHandle foreign = new CardHandle(handle.value(), "another-backend", cardReader(), ShareMode.SHARED,
                handle.protocol());
        SCardException e = failure(HResult.E_INVALIDARG, () -> manager.attachByHandle(foreign));
        assertThat(e.getMessage()).contains("another-backend");
        assertThat(manager.isAttached()).isFalse();

        for (long unknown : new long[] {0L, -1L, Long.MAX_VALUE, handle.value() + 1_000_000L}) {
            failure(HResult.E_INVALIDARG, () -> manager.attachByHandle(unknown));
        }
        failure(HResult.E_INVALIDARG, () -> manager.attachByHandle((CardHandle) null));
        assertThat(manager.isAttached()).isFalse();

        manager.attachByHandle(handle);
        assertSuccess(manager.transmit(selectMf()));
    }

    // ---- locks -------------------------------------------------------------------------------------------

    @Test
    void lockWaitsWhileAnotherManagerHoldsItAndProceedsAfterUnlock() throws Exception {
        ISCardManage a = attachedToCard(ShareMode.SHARED);
        ISCardManage b = attachedToCard(ShareMode.SHARED);
        a.lock();

        Worker<Void> waiter = inBackground("b-lock", () -> {
            b.lock();
            return null;
        });
        waiter.awaitParked(BOUND).assertStillRunningAfter(LOCK_GRACE);

        a.unlock();
        waiter.get(BOUND);
        assertSuccess(b.transmit(selectMf()));
        failure(HResult.E_FAIL, () -> a.lock(Duration.ofMillis(50)));
        b.unlock();
        a.lock(BOUND);
        a.unlock();
    }

    @Test
    void lockWithTimeoutFailsWithEFailWhileAnotherHoldsIt() throws Exception {
        ISCardManage a = attachedToCard(ShareMode.SHARED);
        ISCardManage b = attachedToCard(ShareMode.SHARED);
        a.lock();

        long start = System.nanoTime();
        failure(HResult.E_FAIL, () -> b.lock(Duration.ofMillis(200)));
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        assertThat(waited).as("lock(200 ms) waits about 200 ms").isBetween(Duration.ofMillis(150), Duration.ofSeconds(5));

        failure(HResult.E_FAIL, () -> b.lock(Duration.ZERO));
        failure(HResult.SCARD_E_NOT_TRANSACTED, b::unlock);

        a.unlock();
        b.lock(Duration.ofMillis(200));
        assertSuccess(b.transmit(selectMf()));
        b.unlock();
    }

    @Test
    void lockBlocksOtherManagersTrafficButNotItsOwnThreads() throws Exception {
        ISCardManage a = attachedToCard(ShareMode.SHARED);
        ISCardManage b = attachedToCard(ShareMode.SHARED);
        a.lock();

        // another thread of the lock holder transmits at once
        Worker<byte[]> own = inBackground("a-transmit", () -> a.transmit(getChallenge()));
        assertThat(assertSuccess(own.get(BOUND))).hasSize(10);

        // another manager's traffic waits for the lock (a PC/SC transaction) to end
        Worker<byte[]> other = inBackground("b-transmit", () -> b.transmit(selectMf()));
        other.awaitParked(BOUND).assertStillRunningAfter(LOCK_GRACE);
        a.unlock();
        assertSuccess(other.get(BOUND));
    }

    @Test
    void lockDoesNotNestAndEndsWithDetachOrReconnect() throws Exception {
        ISCardManage a = attachedToCard(ShareMode.SHARED);
        ISCardManage b = attachedToCard(ShareMode.SHARED);

        a.lock();
        a.lock(); // a no-op while held
        a.unlock();
        failure(HResult.SCARD_E_NOT_TRANSACTED, a::unlock);
        b.lock(Duration.ZERO);
        b.unlock();

        a.lock();
        a.reconnect();
        failure(HResult.SCARD_E_NOT_TRANSACTED, a::unlock);
        b.lock(BOUND);
        b.unlock();

        a.lock();
        a.detach();
        b.lock(BOUND);
        b.unlock();
    }

    @Test
    void lockArgumentsAndStatesAreChecked() throws Exception {
        ISCardManage manager = newManager();
        failure(HResult.SCARD_E_INVALID_HANDLE, manager::lock);
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> manager.lock(Duration.ofMillis(10)));
        failure(HResult.SCARD_E_INVALID_HANDLE, manager::unlock);

        manager.attachByIfd(cardReader());
        failure(HResult.E_INVALIDARG, () -> manager.lock(null));
        failure(HResult.E_INVALIDARG, () -> manager.lock(Duration.ofMillis(-1)));
        manager.lock();
        failure(HResult.E_INVALIDARG, () -> manager.unlock(null));
        manager.unlock(Disposition.LEAVE);
    }

    // ---- share modes -------------------------------------------------------------------------------------

    @Test
    void exclusiveAttachFailsWhileASharedAttachmentIsOpen() throws Exception {
        ISCardManage shared = attachedToCard(ShareMode.SHARED);
        ISCardManage exclusive = newManager();

        failure(HResult.SCARD_E_SHARING_VIOLATION, () -> exclusive.attachByIfd(cardReader(), ShareMode.EXCLUSIVE));
        assertThat(exclusive.isAttached()).isFalse();
        assertSuccess(shared.transmit(selectMf()));

        shared.detach();
        exclusive.attachByIfd(cardReader(), ShareMode.EXCLUSIVE);
        assertThat(reader(resourceManager(), cardReader()).exclusive()).isTrue();
        assertSuccess(exclusive.transmit(selectMf()));
    }

    @Test
    void sharedAttachFailsWhileAnExclusiveAttachmentIsOpen() throws Exception {
        ISCardManage exclusive = attachedToCard(ShareMode.EXCLUSIVE);
        ISCardManage other = newManager();
        SCardResourceManager rm = resourceManager();

        failure(HResult.SCARD_E_SHARING_VIOLATION, () -> other.attachByIfd(cardReader()));
        failure(HResult.SCARD_E_SHARING_VIOLATION, () -> other.attachByIfd(cardReader(), ShareMode.EXCLUSIVE));
        failure(HResult.SCARD_E_SHARING_VIOLATION, () -> rm.connect(cardReader()));
        assertThat(other.isAttached()).isFalse();
        assertSuccess(exclusive.transmit(selectMf()));

        exclusive.detach();
        assertThat(reader(rm, cardReader()).exclusive()).isFalse();
        other.attachByIfd(cardReader());
        assertSuccess(other.transmit(selectMf()));
    }

    @Test
    void exclusiveHandleKeepsOthersOutButCanBeAttached() throws Exception {
        SCardResourceManager rm = resourceManager();
        CardHandle handle = connect(rm, cardReader(), ShareMode.EXCLUSIVE);
        assertThat(handle.shareMode()).isEqualTo(ShareMode.EXCLUSIVE);

        ISCardManage manager = newManager();
        failure(HResult.SCARD_E_SHARING_VIOLATION, () -> manager.attachByIfd(cardReader()));
        manager.attachByHandle(handle);
        assertSuccess(manager.transmit(selectMf()));
        manager.detach();

        rm.disconnect(handle.value(), Disposition.LEAVE);
        manager.attachByIfd(cardReader(), ShareMode.EXCLUSIVE);
        assertSuccess(manager.transmit(selectMf()));
    }

    // ---- card removal and reset --------------------------------------------------------------------------

    @Test
    void cardRemovedAndReinsertedUnderAnAttachment() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        assertSuccess(manager.transmit(selectMf()));

        removeCard(cardReader());
        failure(HResult.SCARD_W_REMOVED_CARD, () -> manager.transmit(selectMf()));
        CardStatus absent = manager.status();
        assertThat(absent.state()).isEqualTo(CardState.ABSENT);
        assertThat(absent.protocol()).isEqualTo(Protocol.UNDEFINED);
        assertThat(absent.readerName()).isEqualTo(cardReader());
        failure(HResult.SCARD_E_NO_SMARTCARD, manager::reconnect);
        assertThat(manager.isAttached()).as("a failed reconnect keeps the attachment").isTrue();

        insertCard(cardReader());
        manager.reconnect();
        assertSuccess(manager.transmit(selectMf()));
        CardStatus back = manager.status();
        assertThat(back.state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(back.protocol()).isIn(Protocol.T0, Protocol.T1);
    }

    @Test
    void cardResetFromOutsideIsReportedUntilReconnect() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        assertSuccess(manager.transmit(selectMf()));

        resetCardFromOutside(cardReader());
        failure(HResult.SCARD_W_RESET_CARD, () -> manager.transmit(selectMf()));
        manager.reconnect();
        assertSuccess(manager.transmit(selectMf()));
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
    }

    @Test
    void cardResetByAnotherManagersUnlockIsReportedUntilReconnect() throws Exception {
        ISCardManage resetter = attachedToCard(ShareMode.SHARED);
        ISCardManage other = attachedToCard(ShareMode.SHARED);
        assertSuccess(other.transmit(selectMf()));

        resetter.lock();
        resetter.unlock(Disposition.RESET);
        assertSuccess(resetter.transmit(selectMf())); // the resetting attachment stays usable
        failure(HResult.SCARD_W_RESET_CARD, () -> other.transmit(selectMf()));
        other.reconnect();
        assertSuccess(other.transmit(selectMf()));

        // reconnect(RESET) resets the card for the others too
        resetter.reconnect(Disposition.RESET);
        assertSuccess(resetter.transmit(selectMf()));
        failure(HResult.SCARD_W_RESET_CARD, () -> other.transmit(selectMf()));
        other.reconnect();
        assertSuccess(other.transmit(selectMf()));

        failure(HResult.E_INVALIDARG, () -> resetter.reconnect(Disposition.EJECT));
        failure(HResult.E_INVALIDARG, () -> resetter.reconnect(null));
        assertSuccess(resetter.transmit(selectMf()));
    }

    // ---- reader attachment -------------------------------------------------------------------------------

    @Test
    void readerAttachmentToAnEmptyReaderReachesTheCardAfterInsertion() throws Exception {
        ISCardManage manager = newManager();
        manager.attachByIfd(emptyReader());
        assertThat(manager.isAttached()).isTrue();
        CardStatus status = manager.status();
        assertThat(status.state()).isEqualTo(CardState.ABSENT);
        assertThat(status.protocol()).isEqualTo(Protocol.UNDEFINED);
        assertThat(status.readerName()).isEqualTo(emptyReader());
        assertThat(status.atr()).isEmpty();

        SCardException noCard = failure(HResult.SCARD_E_NO_SMARTCARD, () -> manager.transmit(selectMf()));
        assertThat(noCard.getMessage()).contains(emptyReader());
        failure(HResult.SCARD_E_NO_SMARTCARD, manager::lock);
        failure(HResult.SCARD_E_NO_SMARTCARD, manager::reconnect);
        failure(HResult.SCARD_E_NO_SMARTCARD, () -> resourceManager().connect(emptyReader()));

        insertCard(emptyReader());
        manager.reconnect();
        CardStatus card = manager.status();
        assertThat(card.state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(card.protocol()).isIn(Protocol.T0, Protocol.T1);
        assertThat(card.atr()).isNotEmpty();
        assertSuccess(manager.transmit(selectMf()));
        manager.lock(BOUND);
        manager.unlock();
    }

    // ---- misuse ------------------------------------------------------------------------------------------

    @Test
    void detachTwiceIsANoOpAndCallsWithoutAttachmentFailWithInvalidHandle() throws Exception {
        ISCardManage manager = newManager();
        manager.detach(); // nothing attached: a no-op
        failure(HResult.SCARD_E_INVALID_HANDLE, manager::status);
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> manager.transmit(selectMf()));
        failure(HResult.SCARD_E_INVALID_HANDLE, manager::reconnect);

        manager.attachByIfd(cardReader());
        manager.detach();
        manager.detach();
        assertThat(manager.isAttached()).isFalse();
        SCardException e = failure(HResult.SCARD_E_INVALID_HANDLE, manager::status);
        assertThat(e.getMessage()).containsIgnoringCase("not attached");
    }

    @Test
    void attachWhileAttachedFailsAndKeepsTheFirstAttachment() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        CardHandle handle = connect(resourceManager(), cardReader(), ShareMode.SHARED);

        SCardException e = failure(HResult.E_FAIL, () -> manager.attachByIfd(emptyReader()));
        assertThat(e.getMessage()).contains(cardReader());
        failure(HResult.E_FAIL, () -> manager.attachByIfd(cardReader(), ShareMode.SHARED));
        failure(HResult.E_FAIL, () -> manager.attachByHandle(handle));

        assertThat(manager.isAttached()).isTrue();
        assertThat(manager.status().readerName()).isEqualTo(cardReader());
        assertSuccess(manager.transmit(selectMf()));
        manager.lock(BOUND);
        manager.unlock();
    }

    @Test
    void unlockWithoutLockFailsWithNotTransacted() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        failure(HResult.SCARD_E_NOT_TRANSACTED, manager::unlock);
        failure(HResult.SCARD_E_NOT_TRANSACTED, () -> manager.unlock(Disposition.RESET));
        assertSuccess(manager.transmit(selectMf()));
    }

    @Test
    void malformedApdusFailWithInvalidArgAndChangeNothing() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);

        assertThat(failure(HResult.E_INVALIDARG, () -> manager.transmit(null)).getMessage()).contains("null");
        assertThat(failure(HResult.E_INVALIDARG, () -> manager.transmit(new byte[] {0x00, (byte) 0xA4, 0x00}))
                .getMessage()).contains("header");
        assertThat(failure(HResult.E_INVALIDARG, () -> manager.transmit(LC_MISMATCH)).getMessage())
                .contains("Lc");
        assertThat(failure(HResult.E_INVALIDARG, () -> manager.transmit(new byte[] {(byte) 0xFF, 0x00, 0x00, 0x00}))
                .getMessage()).contains("FF");
        byte[] oversize = new byte[65_545];
        assertThat(failure(HResult.E_INVALIDARG, () -> manager.transmit(oversize)).getMessage()).contains("65545");

        byte[] command = selectMf();
        byte[] copy = command.clone();
        assertSuccess(manager.transmit(command));
        assertThat(command).as("transmit does not change the command").isEqualTo(copy);
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
    }

    /** SELECT with Lc=2 but three data bytes. */
    private static final byte[] LC_MISMATCH = {0x00, (byte) 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00, 0x00, 0x00};

    @Test
    void badAttachArgumentsFailWithInvalidArg() throws Exception {
        ISCardManage manager = newManager();
        SCardException unknown = failure(HResult.E_INVALIDARG, () -> manager.attachByIfd("No Such Reader 42"));
        assertThat(unknown.getMessage()).contains("No Such Reader 42");
        failure(HResult.E_INVALIDARG, () -> manager.attachByIfd(null));
        failure(HResult.E_INVALIDARG, () -> manager.attachByIfd(" "));
        failure(HResult.E_INVALIDARG, () -> manager.attachByIfd(cardReader(), null));
        failure(HResult.E_INVALIDARG, () -> manager.attachByIfd(cardReader(), ShareMode.SHARED, Set.of()));
        failure(HResult.E_INVALIDARG,
                () -> manager.attachByIfd(cardReader(), ShareMode.SHARED, EnumSet.of(Protocol.UNDEFINED)));
        failure(HResult.E_INVALIDARG, () -> resourceManager().connect("No Such Reader 42"));
        assertThat(manager.isAttached()).isFalse();

        manager.attachByIfd(cardReader(), ShareMode.SHARED, EnumSet.of(Protocol.T0, Protocol.T1));
        assertSuccess(manager.transmit(selectMf()));
    }

    // ---- the backend stops -------------------------------------------------------------------------------

    @Test
    void stoppingTheBackendReleasesAttachmentsLocksAndWaiters() throws Exception {
        Bundle backendBundle = bundle(backendBundle());
        assertThat(backendBundle.getState()).isEqualTo(Bundle.ACTIVE);
        SCardResourceManager rm = resourceManager();
        CardHandle handle = connect(rm, cardReader(), ShareMode.SHARED);

        ISCardManage holder = attachedToCard(ShareMode.SHARED);
        ISCardManage waiting = attachedToCard(ShareMode.SHARED);
        holder.lock();
        Worker<Void> waiter = inBackground("waiting-lock", () -> {
            waiting.lock();
            return null;
        });
        waiter.awaitParked(BOUND);

        try {
            backendBundle.stop();
            assertThat(backendBundle.getState()).isEqualTo(Bundle.RESOLVED);
            assertThat(waiter.join(BOUND)).as("the thread waiting in lock() returned").isTrue();

            assertThat(references(ISCardManage.class, backendFilter())).isEmpty();
            assertThat(references(SCardResourceManager.class, backendFilter())).isEmpty();
            for (ISCardManage old : List.of(holder, waiting)) {
                assertThat(old.isAttached()).isFalse();
                failure(HResult.SCARD_E_SERVICE_STOPPED, old::status);
                failure(HResult.SCARD_E_SERVICE_STOPPED, () -> old.transmit(selectMf()));
                failure(HResult.SCARD_E_SERVICE_STOPPED, old::lock);
                failure(HResult.SCARD_E_SERVICE_STOPPED, old::unlock);
                failure(HResult.SCARD_E_SERVICE_STOPPED, old::reconnect);
                failure(HResult.SCARD_E_SERVICE_STOPPED, () -> old.attachByIfd(cardReader()));
            }
        } finally {
            backendBundle.start();
        }
        assertThat(backendBundle.getState()).isEqualTo(Bundle.ACTIVE);

        // nothing leaked: the restarted backend knows no old handle and lets a new manager in exclusively
        ISCardManage fresh = newManager();
        failure(HResult.E_INVALIDARG, () -> fresh.attachByHandle(handle.value()));
        assertThat(reader(resourceManager(), cardReader()).exclusive()).isFalse();
        fresh.attachByIfd(cardReader(), ShareMode.EXCLUSIVE);
        fresh.lock(Duration.ZERO);
        assertSuccess(fresh.transmit(selectMf()));
        fresh.unlock();

        // The waiting lock() ended with an error: it must not have been granted the card of a stopping backend
        // (which happens when the holder's release hands the transaction over before the waiter is released).
        Throwable released = waiter.failure(Duration.ZERO);
        assertThat(released).as("what the waiting lock() ended with").isInstanceOf(SCardException.class);
        assertThat(((SCardException) released).code()).as("%s", released)
                .isIn(HResult.SCARD_E_SERVICE_STOPPED, HResult.SCARD_E_INVALID_HANDLE);
    }
}
