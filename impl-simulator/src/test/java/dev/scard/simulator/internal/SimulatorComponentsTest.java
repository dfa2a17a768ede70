package dev.scard.simulator.internal;

import static dev.scard.simulator.internal.SimulatorBackendTest.HEX;
import static dev.scard.simulator.internal.SimulatorBackendTest.R0;
import static dev.scard.simulator.internal.SimulatorBackendTest.R1;
import static dev.scard.simulator.internal.SimulatorBackendTest.assertFails;
import static dev.scard.simulator.internal.SimulatorBackendTest.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.osgi.framework.Bundle;
import org.junit.jupiter.api.Test;

import dev.scard.api.CardHandle;
import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.internal.card.CardProfile;

/**
 * The three DS components wired by hand as SCR would wire them, and end-to-end runs through the core's
 * {@code CardManager} and {@code BackendResourceManager} on the simulated readers.
 */
class SimulatorComponentsTest {

    static final String FCP = "620A82013883023F008A0105";
    /** The MF's FCP on the default card (the sample profile): with its access conditions (AB, expanded format). */
    static final String SAMPLE_MF_FCP = "621782013883023F008A0105AB0B80011FA406830101950108";

    final ExecutorService background = Executors.newCachedThreadPool();
    final List<SimulatorComponent> components = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        for (SimulatorComponent component : components) {
            component.deactivate();
        }
        background.shutdownNow();
    }

    static SimulatorConfig config(String[] readers, String[] cardInserted) {
        return config(readers, cardInserted, new String[0]);
    }

    static SimulatorConfig config(String[] readers, String[] cardInserted, String[] vpcd) {
        return config(readers, cardInserted, vpcd, 120_000L);
    }

    static SimulatorConfig config(String[] readers, String[] cardInserted, String[] vpcd, long callTimeoutMillis) {
        return new SimulatorConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return SimulatorConfig.class;
            }

            @Override
            public String[] readers() {
                return readers;
            }

            @Override
            public String[] cardInserted() {
                return cardInserted;
            }

            @Override
            public String[] vpcd() {
                return vpcd;
            }

            @Override
            public long callTimeoutMillis() {
                return callTimeoutMillis;
            }
        };
    }

    /** The component with the OCD's defaults. */
    SimulatorComponent activate() {
        return activate(new String[] {R0, R1}, new String[] {R0});
    }

    SimulatorComponent activate(String[] readers, String[] cardInserted) {
        return activate(readers, cardInserted, false);
    }

    SimulatorComponent activate(String[] readers, String[] cardInserted, boolean bundleStopping) {
        SimulatorComponent component = new SimulatorComponent();
        components.add(component);
        component.activateWith(config(readers, cardInserted), () -> bundleStopping);
        return component;
    }

    static void awaitWaiters(SimulatorComponent component, String reader, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (component.backend().reader(reader).waitingThreads() < count) {
            if (System.nanoTime() > deadline) {
                fail("no thread waits for " + reader);
            }
            Thread.sleep(1);
        }
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
        assertFails(() -> simulator.remove("nope"), HResult.E_INVALIDARG);
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
        simulator.addListener(event -> {
            heard.add(event);
            three.countDown();
        });
        // SCR binds the dynamic references between construction and activation
        simulator.activateWith(config(new String[] {R0}, new String[] {R0}), () -> false);
        simulator.reset(R0);
        simulator.remove(R0);
        assertThat(three.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(heard).extracting(SCardEvent::type).startsWith(SCardEvent.Type.READER_ADDED,
                SCardEvent.Type.CARD_INSERTED, SCardEvent.Type.CARD_RESET);
    }

    @Test
    void attachLockTransmitUnlockDetach() {
        SimulatorComponent simulator = activate();
        SimulatorCardManager manager = new SimulatorCardManager(simulator);
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
        SimulatorCardManager first = new SimulatorCardManager(simulator);
        SimulatorCardManager second = new SimulatorCardManager(simulator);
        first.attachByIfd(R0);
        second.attachByIfd(R0);
        first.lock();
        assertFails(() -> second.lock(Duration.ofMillis(20)), HResult.E_FAIL);
        Future<?> waiting = background.submit(() -> {
            second.lock();
            return null;
        });
        awaitWaiters(simulator, R0, 1);
        first.deactivate(); // released with the lock held
        waiting.get(5, TimeUnit.SECONDS);
        assertFails(first::status, HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(second.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
        second.unlock(Disposition.RESET);
        second.detach();
    }

    @Test
    void readerAttachmentReachesTheCardAfterInsertionAndRecoversFromRemoval() {
        SimulatorComponent simulator = activate();
        ISCardManage manager = new SimulatorCardManager(simulator);
        manager.attachByIfd(R1);
        assertThat(manager.status().state()).isEqualTo(CardState.ABSENT);
        assertFails(() -> manager.transmit(HEX.parseHex("00A4000C023F00")), HResult.SCARD_E_NO_SMARTCARD);
        simulator.insert(R1);
        manager.reconnect();
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        simulator.remove(R1);
        assertFails(() -> manager.transmit(HEX.parseHex("00A4000C023F00")), HResult.SCARD_W_REMOVED_CARD);
        assertThat(manager.status().state()).isEqualTo(CardState.ABSENT);
        assertFails(manager::reconnect, HResult.SCARD_E_NO_SMARTCARD);
        simulator.insert(R1);
        manager.reconnect();
        assertThat(manager.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
        simulator.reset(R1);
        assertFails(() -> manager.transmit(HEX.parseHex("00A4000C023F00")), HResult.SCARD_W_RESET_CARD);
        manager.reconnect();
        assertThat(manager.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
    }

    @Test
    void exclusiveAttachmentKeepsOthersOut() {
        SimulatorComponent simulator = activate();
        SimulatorCardManager exclusive = new SimulatorCardManager(simulator);
        SimulatorCardManager other = new SimulatorCardManager(simulator);
        exclusive.attachByIfd(R0, ShareMode.EXCLUSIVE);
        assertThat(simulator.backend().readerInfo(R0).exclusive()).isTrue();
        assertFails(() -> other.attachByIfd(R0), HResult.SCARD_E_SHARING_VIOLATION);
        exclusive.detach();
        other.attachByIfd(R0);
    }

    @Test
    void handlesFromTheResourceManagerAttachAndAreClosedWhenItStops() {
        SimulatorComponent simulator = activate();
        SimulatorResourceManager resourceManager = new SimulatorResourceManager(simulator);
        assertThat(resourceManager.backend()).isEqualTo("simulator");
        assertThat(resourceManager.listReaders()).hasSize(2);
        CardHandle handle = resourceManager.connect(R0);
        assertThat(handle.protocol()).isEqualTo(Protocol.T1);
        SimulatorCardManager manager = new SimulatorCardManager(simulator);
        manager.attachByHandle(handle);
        assertThat(manager.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
        manager.detach();
        assertThat(simulator.backend().reader(R0).connectionCount()).as("detach only forgets a handle").isEqualTo(1);

        manager.attachByHandle(handle.value());
        resourceManager.deactivate();
        assertThat(simulator.backend().reader(R0).connectionCount()).isZero();
        assertFails(() -> manager.transmit(HEX.parseHex("00A4000C023F00")), HResult.SCARD_E_INVALID_HANDLE);
        assertFails(() -> new SimulatorCardManager(simulator).attachByHandle(handle.value()), HResult.E_INVALIDARG);
    }

    /** A bundle whose state the test sets. */
    private static Bundle bundle(String name, int[] state) {
        return (Bundle) Proxy.newProxyInstance(SimulatorComponentsTest.class.getClassLoader(),
                new Class<?>[] {Bundle.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getState":
                            return state[0];
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        case "toString":
                            return name;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    @Test
    void aHandleBelongsToTheBundleThatOpenedItAndClosesWhenThatBundleGoes() {
        SimulatorComponent simulator = activate();
        int[] stateOfA = {Bundle.ACTIVE};
        Bundle a = bundle("A", stateOfA);
        Bundle b = bundle("B", new int[] {Bundle.ACTIVE});
        SimulatorResourceManager resourceManagerOfA = new SimulatorResourceManager(simulator, a);
        SimulatorResourceManager resourceManagerOfB = new SimulatorResourceManager(simulator, b);
        SimulatorCardManager managerOfA = new SimulatorCardManager(simulator, new AtomicReference<>(a));
        SimulatorCardManager managerOfB = new SimulatorCardManager(simulator, new AtomicReference<>(b));
        CardHandle handle = resourceManagerOfA.connect(R0, ShareMode.EXCLUSIVE, Protocol.T0_OR_T1);

        assertThatThrownBy(() -> managerOfB.attachByHandle(handle.value())).as("the same error as an unknown handle")
                .isInstanceOf(SCardException.class).hasMessage("handle " + handle.value()
                        + " is not an open handle of the 'simulator' resource manager [E_INVALIDARG 0x80070057]");
        assertFails(() -> resourceManagerOfB.disconnect(handle.value(), Disposition.LEAVE), HResult.E_INVALIDARG);
        assertThat(managerOfB.isAttached()).isFalse();
        assertThat(simulator.backend().reader(R0).connectionCount()).as("B closed nothing").isEqualTo(1);

        managerOfA.attachByHandle(handle);
        assertThat(managerOfA.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
        managerOfA.detach();

        resourceManagerOfA.deactivate(); // A released the service but is still active: its handle stays
        assertThat(simulator.backend().reader(R0).connectionCount()).isEqualTo(1);
        managerOfB.ownedBy(a); // as a default registration hands a manager over to the bundle that got it
        managerOfB.attachByHandle(handle.value());
        managerOfB.detach();

        stateOfA[0] = Bundle.STOPPING;
        new SimulatorResourceManager(simulator, a).deactivate(); // A stops: its handles close
        assertThat(simulator.backend().reader(R0).connectionCount()).isZero();
        assertFails(() -> managerOfA.attachByHandle(handle.value()), HResult.E_INVALIDARG);
        resourceManagerOfB.deactivate();
    }

    @Test
    void stoppingTheBackendWakesThreadsWaitingForALock() throws Exception {
        SimulatorComponent simulator = activate();
        SimulatorCardManager holder = new SimulatorCardManager(simulator);
        SimulatorCardManager waiter = new SimulatorCardManager(simulator);
        holder.attachByIfd(R0);
        holder.lock();
        waiter.attachByIfd(R0);
        Future<?> waiting = background.submit(() -> {
            waiter.lock();
            return null;
        });
        awaitWaiters(simulator, R0, 1);
        simulator.deactivate();
        assertFailsWith(waiting, HResult.SCARD_E_INVALID_HANDLE);
        holder.deactivate();
        waiter.deactivate();
        assertFails(holder::status, HResult.SCARD_E_SERVICE_STOPPED);
        assertFails(() -> waiter.attachByIfd(R0), HResult.SCARD_E_SERVICE_STOPPED);
    }

    @Test
    void stoppingTheBundleWithAttachmentsAndLocksReleasesEverything() throws Exception {
        SimulatorComponent simulator = activate(new String[] {R0, R1}, new String[] {R0, R1}, true);
        SimulatorResourceManager resourceManager = new SimulatorResourceManager(simulator);
        SimulatorCardManager waiter = new SimulatorCardManager(simulator);
        SimulatorCardManager borrowedWaiter = new SimulatorCardManager(simulator);
        SimulatorCardManager holder = new SimulatorCardManager(simulator);
        SimulatorCardManager exclusive = new SimulatorCardManager(simulator);
        holder.attachByIfd(R0);
        holder.lock();
        waiter.attachByIfd(R0);
        borrowedWaiter.attachByHandle(resourceManager.connect(R0));
        exclusive.attachByIfd(R1, ShareMode.EXCLUSIVE);
        exclusive.lock();
        byte[] select = HEX.parseHex("00A4000C023F00");
        // Each waits for the holder's lock inside its own monitor, which disposing it needs.
        Future<?> waiting = background.submit(() -> waiter.transmit(select));
        Future<?> borrowedWaiting = background.submit(() -> borrowedWaiter.transmit(select));
        awaitWaiters(simulator, R0, 2);

        // SCR's order when the bundle stops: the dependents one by one (the waiters before the holder), then the
        // backend. Run it on one thread with a deadline, as SCR would.
        Future<?> bundleStop = background.submit(() -> {
            waiter.deactivate();
            borrowedWaiter.deactivate();
            holder.deactivate();
            exclusive.deactivate();
            resourceManager.deactivate();
            simulator.deactivate();
            return null;
        });
        bundleStop.get(5, TimeUnit.SECONDS);
        components.remove(simulator);

        assertFailsWith(waiting, HResult.SCARD_E_INVALID_HANDLE);
        assertFailsWith(borrowedWaiting, HResult.SCARD_E_INVALID_HANDLE);
        for (String reader : List.of(R0, R1)) {
            assertThat(simulator.backend().reader(reader).waitingThreads()).isZero();
            assertThat(simulator.backend().reader(reader).connectionCount()).isZero();
        }
        assertFails(holder::status, HResult.SCARD_E_SERVICE_STOPPED);
        assertFails(() -> simulator.isCardPresent(R0), HResult.SCARD_E_SERVICE_STOPPED);
    }

    @Test
    void releasingAManagerWhoseThreadWaitsForAnotherLockReturnsAtOnce() throws Exception {
        SimulatorComponent simulator = activate();
        SimulatorCardManager holder = new SimulatorCardManager(simulator);
        SimulatorCardManager waiter = new SimulatorCardManager(simulator);
        holder.attachByIfd(R0);
        holder.lock();
        waiter.attachByIfd(R0);
        Future<?> waiting = background.submit(() -> waiter.transmit(HEX.parseHex("00A4000C023F00")));
        awaitWaiters(simulator, R0, 1);
        background.submit(() -> {
            waiter.deactivate();
            return null;
        }).get(5, TimeUnit.SECONDS);
        assertFailsWith(waiting, HResult.SCARD_E_INVALID_HANDLE);
        assertThat(simulator.backend().reader(R0).connectionCount()).isOne(); // only the holder's
        assertThat(holder.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
        holder.unlock();
    }

    @Test
    void reconfigurationKeepsTheReadersThatStayAndTheirAttachments() {
        SimulatorComponent simulator = activate();
        SimulatorCardManager manager = new SimulatorCardManager(simulator);
        manager.attachByIfd(R0);
        manager.lock();
        simulator.modified(config(new String[] {R0, "C"}, new String[] {R0, "C"}));
        assertThat(simulator.readers()).containsExactly(R0, "C");
        assertThat(simulator.isCardPresent("C")).isTrue();
        assertThat(manager.transmit(HEX.parseHex("00A4000C023F00"))).containsExactly(0x90, 0x00);
        manager.unlock();
        assertFails(() -> simulator.isCardPresent(R1), HResult.E_INVALIDARG);
        simulator.modified(config(new String[] {R0}, new String[0]));
        assertThat(simulator.readers()).containsExactly(R0);
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
    }

    @Test
    void manyApdusThroughTheManagerAllGetTheCardModelsAnswers() {
        // Throughput is measured by ManagerBenchmark in the benchmarks module; here: every one of many commands
        // through the manager is answered, and answered as the card model answers it.
        SimulatorComponent simulator = activate();
        SimulatorCardManager manager = new SimulatorCardManager(simulator);
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
