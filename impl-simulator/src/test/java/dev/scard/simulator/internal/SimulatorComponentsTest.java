package dev.scard.simulator.internal;

import static dev.scard.simulator.internal.SimulatorBackendTest.HEX;
import static dev.scard.simulator.internal.SimulatorBackendTest.R0;
import static dev.scard.simulator.internal.SimulatorBackendTest.R1;
import static dev.scard.simulator.internal.SimulatorBackendTest.WAIT;
import static dev.scard.testsupport.Expect.failure;
import static dev.scard.testsupport.Expect.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.CardHandle;
import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.SCardEvent;
import dev.scard.api.ShareMode;
import dev.scard.core.BackendResourceManager;
import dev.scard.core.CardManager;
import dev.scard.core.EventDispatcher;
import dev.scard.core.HandleTable;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.internal.card.CardProfile;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Configs;
import dev.scard.testsupport.Workers;

/**
 * The simulator's component activated by hand as SCR would, and end-to-end runs through the core's
 * {@code CardManager} and {@code BackendResourceManager} on it (what the core registers for the simulator's
 * {@code Backend} service; the core's own tests cover the registrations and handle owners).
 */
class SimulatorComponentsTest {

    static final String FCP = "620A82013883023F008A0105";
    /** The MF's FCP on the default card (the sample profile): with its access conditions (AB, expanded format). */
    static final String SAMPLE_MF_FCP = "621782013883023F008A0105AB0B80011FA406830101950108";

    final Workers background = new Workers();
    final List<SimulatorComponent> components = new CopyOnWriteArrayList<>();
    /** The handle table the core keeps for the simulator. */
    final HandleTable handles = new HandleTable();

    /** A manager over the simulator's Backend service, as the core hands out. */
    CardManager manager(SimulatorComponent simulator) {
        return new CardManager(simulator, handles);
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (SimulatorComponent component : components) {
            component.deactivate();
        }
        background.assertAllEnded(Duration.ofSeconds(10));
    }

    static SimulatorConfig config(String[] readers, String[] cardInserted) {
        return config(readers, cardInserted, new String[0]);
    }

    static SimulatorConfig config(String[] readers, String[] cardInserted, String[] vpcd) {
        return config(readers, cardInserted, vpcd, 120_000L);
    }

    static SimulatorConfig config(String[] readers, String[] cardInserted, String[] vpcd, long callTimeoutMillis) {
        return Configs.of(SimulatorConfig.class, "readers", readers, "cardInserted", cardInserted, "vpcd", vpcd,
                "callTimeoutMillis", callTimeoutMillis);
    }

    /** The component with the OCD's defaults. */
    SimulatorComponent activate() {
        return activate(new String[] {R0, R1}, new String[] {R0});
    }

    SimulatorComponent activate(String[] readers, String[] cardInserted) {
        SimulatorComponent component = new SimulatorComponent();
        components.add(component);
        component.activateWith(config(readers, cardInserted));
        return component;
    }

    static void awaitWaiters(SimulatorComponent component, String reader, int count) throws InterruptedException {
        Await.until(count + " thread(s) waiting for " + reader, WAIT,
                () -> component.backend().reader(reader).waitingThreads() >= count);
    }

    @Test
    void defaultsGiveTwoReadersWithACardInTheFirst() {
        SimulatorComponent simulator = activate();
        assertThat(simulator.readers()).containsExactly(R0, R1);
        assertThat(simulator.isCardPresent(R0)).isTrue();
        assertThat(simulator.isCardPresent(R1)).isFalse();
        assertThat(simulator.backend().readerInfo(R0).atrHex()).startsWith("3B88");
        simulator.insert(R1);
        simulator.reset(R1);
        simulator.remove(R1);
        simulator.insert(R1, new TestCard());
        assertThat(simulator.isCardPresent(R1)).isTrue();
        failure(HResult.E_INVALIDARG, () -> simulator.remove("nope"));
    }

    @Test
    void badConfigurationEntriesAreSkipped() {
        SimulatorComponent simulator = activate(new String[] {" A ", "", "B", "A", null},
                new String[] {"B", "missing", null});
        assertThat(simulator.readers()).containsExactly("A", "B");
        assertThat(simulator.isCardPresent("A")).isFalse();
        assertThat(simulator.isCardPresent("B")).isTrue();
        assertThat(activate(new String[0], new String[0]).readers()).isEmpty();
    }

    @Test
    void listenersHearTheInitialCardsAndLaterChanges() throws Exception {
        List<SCardEvent> heard = new CopyOnWriteArrayList<>();
        CountDownLatch three = new CountDownLatch(4);
        SimulatorComponent simulator = new SimulatorComponent();
        components.add(simulator);
        EventDispatcher channel = new EventDispatcher("test-events");
        channel.addListener(event -> {
            heard.add(event);
            three.countDown();
        });
        simulator.activateWith(config(new String[] {R0}, new String[] {R0}), channel);
        simulator.reset(R0);
        simulator.remove(R0);
        assertThat(three.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(heard).extracting(SCardEvent::type).startsWith(SCardEvent.Type.READER_ADDED,
                SCardEvent.Type.CARD_INSERTED, SCardEvent.Type.CARD_RESET);
    }

    @Test
    void attachLockTransmitUnlockDetach() {
        SimulatorComponent simulator = activate();
        CardManager manager = manager(simulator);
        manager.attachByIfd(R0);
        assertThat(manager.isAttached()).isTrue();
        CardStatus status = manager.status();
        assertThat(status.state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(status.protocol()).isEqualTo(Protocol.T1);
        manager.lock();
        assertThat(HEX.formatHex(manager.transmit(HEX.parseHex("00A40000023F0000")))).isEqualTo(SAMPLE_MF_FCP + "9000");
        // 6C19 from the card: the manager resends with Le=19
        assertThat(HEX.formatHex(manager.transmit(HEX.parseHex("00A40000023F0002")))).isEqualTo(SAMPLE_MF_FCP + "9000");
        assertThat(manager.transmit(HEX.parseHex("0084000008"))).hasSize(10);
        manager.unlock();
        manager.detach();
        assertThat(manager.isAttached()).isFalse();
        assertThat(simulator.backend().reader(R0).connectionCount()).isZero();
    }

    @Test
    void aLockHeldByOneManagerBlocksAnotherUntilUnlockedOrDisposed() throws Exception {
        SimulatorComponent simulator = activate();
        CardManager first = manager(simulator);
        CardManager second = manager(simulator);
        first.attachByIfd(R0);
        second.attachByIfd(R0);
        first.lock();
        failure(HResult.E_FAIL, () -> second.lock(Duration.ofMillis(20)));
        Future<?> waiting = background.inBackground("second.lock", () -> {
            second.lock();
            return null;
        });
        awaitWaiters(simulator, R0, 1);
        first.dispose("released"); // released with the lock held
        waiting.get(5, TimeUnit.SECONDS);
        failure(HResult.SCARD_E_SERVICE_STOPPED, first::status);
        assertThat(second.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
        second.unlock(Disposition.RESET);
        second.detach();
    }

    @Test
    void readerAttachmentReachesTheCardAfterInsertionAndRecoversFromRemoval() {
        SimulatorComponent simulator = activate();
        ISCardManage manager = manager(simulator);
        manager.attachByIfd(R1);
        assertThat(manager.status().state()).isEqualTo(CardState.ABSENT);
        failure(HResult.SCARD_E_NO_SMARTCARD, () -> manager.transmit(HEX.parseHex("00A4000C023F00")));
        simulator.insert(R1);
        manager.reconnect();
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        simulator.remove(R1);
        failure(HResult.SCARD_W_REMOVED_CARD, () -> manager.transmit(HEX.parseHex("00A4000C023F00")));
        assertThat(manager.status().state()).isEqualTo(CardState.ABSENT);
        failure(HResult.SCARD_E_NO_SMARTCARD, manager::reconnect);
        simulator.insert(R1);
        manager.reconnect();
        assertThat(manager.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
        simulator.reset(R1);
        failure(HResult.SCARD_W_RESET_CARD, () -> manager.transmit(HEX.parseHex("00A4000C023F00")));
        manager.reconnect();
        assertThat(manager.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
    }

    @Test
    void exclusiveAttachmentKeepsOthersOut() {
        SimulatorComponent simulator = activate();
        CardManager exclusive = manager(simulator);
        CardManager other = manager(simulator);
        exclusive.attachByIfd(R0, ShareMode.EXCLUSIVE);
        assertThat(simulator.backend().readerInfo(R0).exclusive()).isTrue();
        failure(HResult.SCARD_E_SHARING_VIOLATION, () -> other.attachByIfd(R0));
        exclusive.detach();
        other.attachByIfd(R0);
    }

    @Test
    void handlesFromTheResourceManagerAttachAndAreClosedWhenItStops() {
        SimulatorComponent simulator = activate();
        BackendResourceManager resourceManager = new BackendResourceManager(simulator, handles);
        assertThat(resourceManager.backend()).isEqualTo("simulator");
        assertThat(resourceManager.listReaders()).hasSize(2);
        CardHandle handle = resourceManager.connect(R0);
        assertThat(handle.protocol()).isEqualTo(Protocol.T1);
        CardManager manager = manager(simulator);
        manager.attachByHandle(handle);
        assertThat(manager.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
        manager.detach();
        assertThat(simulator.backend().reader(R0).connectionCount()).as("detach only forgets a handle").isEqualTo(1);

        manager.attachByHandle(handle.value());
        resourceManager.closeAll();
        assertThat(simulator.backend().reader(R0).connectionCount()).isZero();
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> manager.transmit(HEX.parseHex("00A4000C023F00")));
        failure(HResult.E_INVALIDARG, () -> manager(simulator).attachByHandle(handle.value()));
    }

    @Test
    void stoppingTheBackendWakesThreadsWaitingForALock() throws Exception {
        SimulatorComponent simulator = activate();
        CardManager holder = manager(simulator);
        CardManager waiter = manager(simulator);
        holder.attachByIfd(R0);
        holder.lock();
        waiter.attachByIfd(R0);
        Future<?> waiting = background.inBackground("waiter.lock", () -> {
            waiter.lock();
            return null;
        });
        awaitWaiters(simulator, R0, 1);
        simulator.deactivate();
        failureOf(HResult.SCARD_E_INVALID_HANDLE, waiting, WAIT);
        holder.dispose("released");
        waiter.dispose("released");
        failure(HResult.SCARD_E_SERVICE_STOPPED, holder::status);
        failure(HResult.SCARD_E_SERVICE_STOPPED, () -> waiter.attachByIfd(R0));
    }

    @Test
    void stoppingTheBundleWithAttachmentsAndLocksReleasesEverything() throws Exception {
        SimulatorComponent simulator = activate(new String[] {R0, R1}, new String[] {R0, R1});
        BackendResourceManager resourceManager = new BackendResourceManager(simulator, handles);
        CardManager waiter = manager(simulator);
        CardManager borrowedWaiter = manager(simulator);
        CardManager holder = manager(simulator);
        CardManager exclusive = manager(simulator);
        holder.attachByIfd(R0);
        holder.lock();
        waiter.attachByIfd(R0);
        borrowedWaiter.attachByHandle(resourceManager.connect(R0));
        exclusive.attachByIfd(R1, ShareMode.EXCLUSIVE);
        exclusive.lock();
        byte[] select = HEX.parseHex("00A4000C023F00");
        // Each waits for the holder's lock inside its own monitor, which disposing it needs.
        Future<?> waiting = background.inBackground("waiter.transmit", () -> waiter.transmit(select));
        Future<?> borrowedWaiting = background.inBackground("borrowedWaiter.transmit",
                () -> borrowedWaiter.transmit(select));
        awaitWaiters(simulator, R0, 2);

        // The order when the bundle stops: the core sees the Backend service go and closes every handle, then
        // disposes the managers one by one (the waiters before the holder); then SCR deactivates the simulator.
        // Run it on one thread with a deadline.
        Future<?> bundleStop = background.inBackground("resourceManager.closeAll", () -> {
            resourceManager.closeAll();
            waiter.dispose("released");
            borrowedWaiter.dispose("released");
            holder.dispose("released");
            exclusive.dispose("released");
            simulator.deactivate();
            return null;
        });
        bundleStop.get(5, TimeUnit.SECONDS);
        components.remove(simulator);

        failureOf(HResult.SCARD_E_INVALID_HANDLE, waiting, WAIT);
        failureOf(HResult.SCARD_E_INVALID_HANDLE, borrowedWaiting, WAIT);
        for (String reader : List.of(R0, R1)) {
            assertThat(simulator.backend().reader(reader).waitingThreads()).isZero();
            assertThat(simulator.backend().reader(reader).connectionCount()).isZero();
        }
        failure(HResult.SCARD_E_SERVICE_STOPPED, holder::status);
        failure(HResult.SCARD_E_SERVICE_STOPPED, () -> simulator.isCardPresent(R0));
    }

    @Test
    void releasingAManagerWhoseThreadWaitsForAnotherLockReturnsAtOnce() throws Exception {
        SimulatorComponent simulator = activate();
        CardManager holder = manager(simulator);
        CardManager waiter = manager(simulator);
        holder.attachByIfd(R0);
        holder.lock();
        waiter.attachByIfd(R0);
        Future<?> waiting = background.inBackground("waiter.transmit",
                () -> waiter.transmit(HEX.parseHex("00A4000C023F00")));
        awaitWaiters(simulator, R0, 1);
        background.inBackground("waiter.dispose", () -> {
            waiter.dispose("released");
            return null;
        }).get(5, TimeUnit.SECONDS);
        failureOf(HResult.SCARD_E_INVALID_HANDLE, waiting, WAIT);
        assertThat(simulator.backend().reader(R0).connectionCount()).isOne(); // only the holder's
        assertThat(holder.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
        holder.unlock();
    }

    @Test
    void reconfigurationKeepsTheReadersThatStayAndTheirAttachments() {
        SimulatorComponent simulator = activate();
        CardManager manager = manager(simulator);
        manager.attachByIfd(R0);
        manager.lock();
        simulator.modified(config(new String[] {R0, "C"}, new String[] {R0, "C"}));
        assertThat(simulator.readers()).containsExactly(R0, "C");
        assertThat(simulator.isCardPresent("C")).isTrue();
        assertThat(manager.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
        manager.unlock();
        failure(HResult.E_INVALIDARG, () -> simulator.isCardPresent(R1));
        simulator.modified(config(new String[] {R0}, new String[0]));
        assertThat(simulator.readers()).containsExactly(R0);
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
    }

    @Test
    void manyApdusThroughTheManagerAllGetTheCardModelsAnswers() {
        // Throughput is measured by ManagerBenchmark in the benchmarks module; here: every one of many commands
        // through the manager is answered, and answered as the card model answers it.
        SimulatorComponent simulator = activate();
        CardManager manager = manager(simulator);
        manager.attachByIfd(R0);
        byte[] select = HEX.parseHex("00A4000C023F00");
        byte[] selectFcp = HEX.parseHex("00A40000023F0000");
        SimulatedCard card = CardProfile.sample().newCard(); // the same model as the default card in R0
        String fcp = HEX.formatHex(card.process(selectFcp));
        assertThat(fcp).endsWith("9000");
        for (int i = 0; i < 10_000; i++) {
            assertThat(manager.transmit(select)).as("APDU %d", i).containsExactly(0x90, 0x00);
        }
        assertThat(HEX.formatHex(manager.transmit(selectFcp))).isEqualTo(fcp);
    }
}
