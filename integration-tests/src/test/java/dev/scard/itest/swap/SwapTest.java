package dev.scard.itest.swap;

import static dev.scard.itest.support.Apdus.assertSuccess;
import static dev.scard.itest.support.Apdus.selectMf;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.api.CardHandle;
import dev.scard.api.CardState;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.api.ShareMode;
import dev.scard.itest.support.BackendConfig;
import dev.scard.itest.support.GogoShell;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.itest.support.VpcdRig;
import dev.scard.simulator.control.SimulatorControl;
import dev.scard.testsupport.Await;

/**
 * The runtime swap between the simulator and the PC/SC backend (issue 5), in a real framework with real pcscd:
 * consumers ({@link SwapConsumer}) that inject {@link ISCardManage} and {@link SCardResourceManager} with dynamic
 * greedy references move to the new default backend, both ways, with attachments open, when the default changes by
 * {@code scard:use} or through Config Admin, and when a backend bundle stops or starts. Their old managers fail with
 * {@code SCARD_E_SERVICE_STOPPED} and leave nothing behind (a lock and an exclusive connection are free again, in
 * the simulator and in pcscd); their next attachment lands on the new backend. Consumers that target a backend by
 * filter keep their backend and their manager.
 *
 * <p>The PC/SC side is the simulator's card served to pcscd's vpcd reader "Virtual PCD 00 00"; without pcscd and
 * the vpcd driver the tests are skipped loudly (failed under {@code CI=true}).
 */
public class SwapTest extends OsgiTestSupport {

    static final String SIM = SCardServiceProperties.BACKEND_SIMULATOR;
    static final String PCSC = SCardServiceProperties.BACKEND_PCSC;
    static final String SIM_READER = "Simulated Reader 0";
    static final String SIM_EMPTY_READER = "Simulated Reader 1";
    static final String SIMULATOR_BUNDLE = "dev.scard.impl-simulator";
    static final String PCSC_BUNDLE = "dev.scard.impl-pcsc";
    /** How long a consumer is watched to make sure it stays where it is. */
    static final Duration GRACE = Duration.ofMillis(300);

    /** How a test switches the default backend. */
    enum How {
        /** {@code scard:use <backend>} in a Gogo session. */
        SHELL,
        /** The Config Admin API, as scard:use does it. */
        CONFIG_ADMIN
    }

    private ConfigurationAdmin cm;

    @BeforeEach
    void startFromTheBuiltInDefaultAndRestoreItAfterwards() throws Exception {
        VpcdRig.require("the swap tests (simulator <-> PC/SC through pcscd)");
        cm = awaitService(ConfigurationAdmin.class, null);
        onCleanup(this::restore);
        BackendConfig.clear(cm);
        BackendConfig.awaitDefault(context, SIM, BOUND);
        VpcdRig.requireServing("the swap tests (simulator <-> PC/SC through pcscd)", control(),
                pcscResourceManager());
    }

    /** Both backends running, no backend configuration, the simulator's cards served to vpcd as at the start. */
    private void restore() throws Exception {
        for (String name : List.of(SIMULATOR_BUNDLE, PCSC_BUNDLE)) {
            Bundle bundle = bundle(name);
            if (bundle.getState() != Bundle.ACTIVE) {
                bundle.start();
            }
        }
        BackendConfig.clear(cm);
        BackendConfig.awaitDefault(context, SIM, BOUND);
        SimulatorControl control = control();
        if (!control.isCardPresent(SIM_READER)) {
            control.insert(SIM_READER);
        }
        if (control.isCardPresent(SIM_EMPTY_READER)) {
            control.remove(SIM_EMPTY_READER);
        }
        VpcdRig.serve(control, pcscResourceManager());
    }

    // ---- the swap by configuration ---------------------------------------------------------------------------

    @Test
    void scardUseMovesGreedyConsumersToPcscAndBackWithOpenAttachments() throws Exception {
        swapBothWays(How.SHELL);
    }

    @Test
    void configAdminUpdateMovesGreedyConsumersToPcscAndBackWithOpenAttachments() throws Exception {
        swapBothWays(How.CONFIG_ADMIN);
    }

    private void swapBothWays(How how) throws Exception {
        SwapConsumer greedy = consumer("greedy", null);
        SwapConsumer simOnly = consumer("sim-only", SIM);
        SwapConsumer pcscOnly = consumer("pcsc-only", PCSC);
        awaitBackend(greedy, SIM);
        awaitBackend(simOnly, SIM);
        awaitBackend(pcscOnly, PCSC);

        // attachments open everywhere: the greedy consumer holds the simulated card's lock
        ISCardManage onSimulator = greedy.manager();
        onSimulator.attachByIfd(SIM_READER, ShareMode.SHARED);
        onSimulator.lock();
        assertSuccess(onSimulator.transmit(selectMf()));
        ISCardManage simTargeted = simOnly.manager();
        simTargeted.attachByIfd(SIM_EMPTY_READER);
        ISCardManage pcscTargeted = pcscOnly.manager();
        pcscTargeted.attachByIfd(VpcdRig.EMPTY_READER);

        // simulator -> PC/SC
        use(PCSC, how);
        awaitBackend(greedy, PCSC);
        assertReleased(onSimulator);
        assertSimulatorCardFree();
        ISCardManage onPcsc = greedy.manager();
        assertThat(onPcsc).isNotSameAs(onSimulator);
        onPcsc.attachByIfd(VpcdRig.CARD_READER, ShareMode.EXCLUSIVE);
        onPcsc.lock();
        assertSuccess(onPcsc.transmit(selectMf()));
        assertThat(onPcsc.status().readerName()).isEqualTo(VpcdRig.CARD_READER);
        assertKeptTheirManagers(simOnly, simTargeted, pcscOnly, pcscTargeted);

        // PC/SC -> simulator
        use(SIM, how);
        awaitBackend(greedy, SIM);
        assertReleased(onPcsc);
        assertPcscCardFree();
        ISCardManage back = greedy.manager();
        back.attachByIfd(SIM_READER, ShareMode.EXCLUSIVE);
        assertSuccess(back.transmit(selectMf()));
        back.detach();
        assertKeptTheirManagers(simOnly, simTargeted, pcscOnly, pcscTargeted);

        // one move per switch, straight to the new default
        assertThat(bindings(greedy, "manager")).containsExactly(SIM, PCSC, SIM);
        assertThat(bindings(greedy, "resourceManager")).containsExactly(SIM, PCSC, SIM);
    }

    // ---- the swap by bundles -------------------------------------------------------------------------------

    @Test
    void stoppingAndStartingBackendBundlesMovesGreedyConsumersBothWays() throws Exception {
        SwapConsumer greedy = consumer("greedy", null);
        SwapConsumer simOnly = consumer("sim-only", SIM);
        SwapConsumer pcscOnly = consumer("pcsc-only", PCSC);
        awaitBackend(greedy, SIM);
        awaitBackend(pcscOnly, PCSC);
        Bundle simulator = bundle(SIMULATOR_BUNDLE);
        Bundle pcsc = bundle(PCSC_BUNDLE);

        ISCardManage onSimulator = greedy.manager();
        onSimulator.attachByIfd(SIM_READER, ShareMode.SHARED);
        onSimulator.lock();
        ISCardManage pcscTargeted = pcscOnly.manager();
        pcscTargeted.attachByIfd(VpcdRig.EMPTY_READER);

        // simulator -> PC/SC: the simulator bundle stops (and its cards leave the vpcd readers)
        simulator.stop();
        awaitBackend(greedy, PCSC);
        assertReleased(onSimulator);
        assertThat(references(SwapConsumer.class, "(label=sim-only)"))
                .as("the consumer that targets the simulator has nothing to bind (it is not moved to PC/SC)")
                .isEmpty();
        assertThat(pcscOnly.manager()).isSameAs(pcscTargeted);
        assertThat(pcscTargeted.isAttached()).isTrue();
        VpcdRig.awaitPcscd(pcscResourceManager(), VpcdRig.CARD_READER, false);
        ISCardManage onPcsc = greedy.manager();
        onPcsc.attachByIfd(VpcdRig.CARD_READER, ShareMode.EXCLUSIVE);
        assertThat(onPcsc.status().state()).as("vpcd's reader, empty now").isEqualTo(CardState.ABSENT);
        assertThat(greedy.resourceManager().listReaders()).extracting(r -> r.backend()).containsOnly(PCSC);

        // PC/SC -> simulator: the simulator bundle is back and outranks PC/SC (100 > 50)
        simulator.start();
        awaitBackend(greedy, SIM);
        assertReleased(onPcsc);
        SwapConsumer simOnlyAgain = awaitConsumer("sim-only");
        awaitBackend(simOnlyAgain, SIM);
        assertThat(VpcdRig.serve(control(), pcscResourceManager())).as("vpcd talks to the simulator's card").isTrue();
        assertPcscCardFree();
        ISCardManage onSimulatorAgain = greedy.manager();
        onSimulatorAgain.attachByIfd(SIM_READER);
        assertSuccess(onSimulatorAgain.transmit(selectMf()));
        onSimulatorAgain.detach();

        // PC/SC is made the default, then its bundle stops: back to the simulator, and to PC/SC when it returns
        use(PCSC, How.SHELL);
        awaitBackend(greedy, PCSC);
        ISCardManage onPcscAgain = greedy.manager();
        onPcscAgain.attachByIfd(VpcdRig.CARD_READER, ShareMode.EXCLUSIVE);
        onPcscAgain.lock();
        assertSuccess(onPcscAgain.transmit(selectMf()));
        pcsc.stop();
        awaitBackend(greedy, SIM);
        assertReleased(onPcscAgain);
        assertThat(references(SwapConsumer.class, "(label=pcsc-only)")).isEmpty();
        ISCardManage whilePcscIsAway = greedy.manager();
        whilePcscIsAway.attachByIfd(SIM_READER);
        assertSuccess(whilePcscIsAway.transmit(selectMf()));
        pcsc.start();
        awaitBackend(greedy, PCSC); // the configuration persisted: PC/SC is the default again
        assertReleased(whilePcscIsAway);
        assertPcscCardFree(); // the stopped bundle's exclusive connection and transaction are gone from pcscd
        assertSimulatorCardFree();
        ISCardManage last = greedy.manager();
        last.attachByIfd(VpcdRig.CARD_READER, ShareMode.EXCLUSIVE);
        assertSuccess(last.transmit(selectMf()));
        last.detach();
    }

    // ---- what a ranking changed in place does, and does not do ---------------------------------------------

    /**
     * The backends' own registrations take the configured ranking in place: their service ids stay, and a manager
     * in use keeps its attachment. Felix SCR does not rebind a greedy reference on such a modification (a consumer
     * that only sees the backends' own registrations stays put): that is why the default backend registers its
     * services once more ({@code scard.default}), which is what moves consumers without a filter.
     */
    @Test
    void aRankingChangedInPlaceKeepsManagersInUseButMovesOnlyThroughTheDefaultRegistration() throws Exception {
        ServiceReference<ISCardManage> simOwn = awaitReference(ISCardManage.class, "(scard.backend=simulator)");
        ServiceReference<ISCardManage> pcscOwn = awaitReference(ISCardManage.class, "(scard.backend=pcsc)");
        assertThat(simOwn.getProperty(Constants.SERVICE_RANKING)).isEqualTo(100);
        assertThat(pcscOwn.getProperty(Constants.SERVICE_RANKING)).isEqualTo(50);
        ServiceObjects<ISCardManage> objects = context.getServiceObjects(simOwn);
        ISCardManage inUse = objects.getService();
        onCleanup(() -> {
            try {
                objects.ungetService(inUse);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // released with its service already
            }
        });
        inUse.attachByIfd(SIM_READER);
        SwapConsumer ownOnly = consumer("own-registrations", "*");
        SwapConsumer greedy = consumer("greedy", null);
        awaitBackend(ownOnly, SIM);
        awaitBackend(greedy, SIM);

        use(PCSC, How.CONFIG_ADMIN);
        awaitBackend(greedy, PCSC);
        awaitRanking(pcscOwn, 1000);
        assertThat(references(ISCardManage.class, "(scard.backend=pcsc)")).containsExactly(pcscOwn);
        ServiceReference<ISCardManage> pcscDefault = awaitReference(ISCardManage.class, "(scard.default=pcsc)");
        assertThat(pcscDefault.getProperty(Constants.SERVICE_RANKING)).isEqualTo(1001);
        assertThat(pcscDefault.getProperty(SCardServiceProperties.BACKEND)).isNull();
        assertThat(pcscDefault.getProperty(Constants.SERVICE_SCOPE)).isEqualTo(Constants.SCOPE_PROTOTYPE);
        assertThat(context.getServiceReference(ISCardManage.class)).isEqualTo(pcscDefault);

        Thread.sleep(GRACE.toMillis());
        assertThat(ownOnly.managerBackend()).as("SCR ignores a ranking changed in place").isEqualTo(SIM);
        assertThat(bindings(ownOnly, "manager")).containsExactly(SIM);
        assertThat(inUse.isAttached()).as("the manager in use survived the configuration change").isTrue();
        assertSuccess(inUse.transmit(selectMf()));

        use(SIM, How.CONFIG_ADMIN);
        awaitBackend(greedy, SIM);
        awaitRanking(pcscOwn, 50);
        awaitRanking(simOwn, 1000);
        assertThat(references(ISCardManage.class, "(scard.default=pcsc)")).isEmpty();
        assertThat(references(ISCardManage.class, "(scard.backend=simulator)")).containsExactly(simOwn);
        assertThat(inUse.isAttached()).isTrue();
        assertSuccess(inUse.transmit(selectMf()));
        inUse.detach();
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private void use(String backend, How how) throws Exception {
        if (how == How.SHELL) {
            GogoShell shell = new GogoShell(awaitService(CommandProcessor.class, null));
            onCleanup(shell::close);
            assertThat(shell.run("scard:use " + backend)).startsWith("Default backend: " + backend + " (");
        } else {
            BackendConfig.use(cm, backend);
        }
    }

    /**
     * A new consumer (a factory configuration of {@link SwapConsumer}), removed after the test.
     *
     * @param backend null: no filter; "*": any backend's own registration; else that backend only
     */
    private SwapConsumer consumer(String label, String backend) throws Exception {
        Configuration configuration = cm.createFactoryConfiguration(SwapConsumer.FACTORY_PID, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("label", label);
        if (backend != null) {
            String target = "(" + SCardServiceProperties.BACKEND + "=" + backend + ")";
            properties.put("manager.target", target);
            properties.put("resourceManager.target", target);
        }
        configuration.update(properties);
        onCleanup(configuration::delete);
        return awaitConsumer(label);
    }

    private SwapConsumer awaitConsumer(String label) throws InterruptedException {
        return getService(awaitReference(SwapConsumer.class, "(label=" + label + ")"));
    }

    /** Waits until the consumer's manager and resource manager are both {@code backend}'s. */
    private static void awaitBackend(SwapConsumer consumer, String backend) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (true) {
            SCardResourceManager rm = consumer.resourceManager();
            if (backend.equals(consumer.managerBackend()) && consumer.manager() != null && rm != null
                    && backend.equals(rm.backend())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("consumer not on %s within %s; bindings: %s", backend, BOUND, consumer.history());
            }
            Thread.sleep(5);
        }
    }

    private static void awaitRanking(ServiceReference<?> ref, int ranking) throws InterruptedException {
        Await.until(ref + " ranked " + ranking, BOUND,
                () -> Integer.valueOf(ranking).equals(ref.getProperty(Constants.SERVICE_RANKING)));
    }

    /** The backends the consumer's reference was bound to, in order. */
    private static List<String> bindings(SwapConsumer consumer, String reference) {
        return consumer.history().stream().filter(b -> b.reference().equals(reference) && b.bound())
                .map(SwapConsumer.Binding::backend).toList();
    }

    /** A manager the consumer was moved away from: released, every call fails with SCARD_E_SERVICE_STOPPED. */
    private static void assertReleased(ISCardManage old) {
        assertThat(old.isAttached()).isFalse();
        failure(HResult.SCARD_E_SERVICE_STOPPED, old::status);
        failure(HResult.SCARD_E_SERVICE_STOPPED, () -> old.transmit(selectMf()));
        failure(HResult.SCARD_E_SERVICE_STOPPED, old::unlock);
        failure(HResult.SCARD_E_SERVICE_STOPPED, () -> old.attachByIfd(SIM_READER));
    }

    /** Nothing of a released simulator manager is left: another manager gets the card exclusively and locked. */
    private void assertSimulatorCardFree() throws InterruptedException {
        ServiceObjects<ISCardManage> objects = context.getServiceObjects(
                awaitReference(ISCardManage.class, "(scard.backend=simulator)"));
        ISCardManage probe = objects.getService();
        try {
            probe.attachByIfd(SIM_READER, ShareMode.EXCLUSIVE);
            probe.lock(Duration.ZERO);
            assertSuccess(probe.transmit(selectMf()));
            probe.unlock();
        } finally {
            probe.detach();
            objects.ungetService(probe);
        }
    }

    /** Nothing of a released PC/SC manager is left in pcscd: a new context connects exclusively. */
    private void assertPcscCardFree() throws InterruptedException {
        SCardResourceManager rm = pcscResourceManager();
        VpcdRig.awaitPcscd(rm, VpcdRig.CARD_READER, true);
        CardHandle handle = rm.connect(VpcdRig.CARD_READER, ShareMode.EXCLUSIVE, Protocol.T0_OR_T1);
        rm.disconnect(handle.value(), Disposition.LEAVE);
    }

    /** The targeted consumers were not rebound: same manager, still attached, one bind each. */
    private static void assertKeptTheirManagers(SwapConsumer simOnly, ISCardManage simManager,
            SwapConsumer pcscOnly, ISCardManage pcscManager) {
        assertThat(simOnly.manager()).isSameAs(simManager);
        assertThat(pcscOnly.manager()).isSameAs(pcscManager);
        assertThat(bindings(simOnly, "manager")).containsExactly(SIM);
        assertThat(bindings(pcscOnly, "manager")).containsExactly(PCSC);
        assertThat(simManager.status().readerName()).isEqualTo(SIM_EMPTY_READER);
        assertThat(pcscManager.status().readerName()).isEqualTo(VpcdRig.EMPTY_READER);
    }

    private SimulatorControl control() throws InterruptedException {
        return awaitService(SimulatorControl.class, null);
    }

    private SCardResourceManager pcscResourceManager() throws InterruptedException {
        return awaitService(SCardResourceManager.class, "(scard.backend=pcsc)");
    }
}
