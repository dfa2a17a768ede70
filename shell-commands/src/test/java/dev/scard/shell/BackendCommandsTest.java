package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;

/** scard:backends and scard:use over an in-memory registry and Config Admin that play the backends' part. */
class BackendCommandsTest {

    private FakeRegistry registry;
    private FakeBackend simulator;
    private FakeBackend pcsc;
    private FakeConfigAdmin config;
    private BackendCommands commands;
    /** The default registrations the fake backends made, by backend. */
    private final Map<String, List<ServiceReference<?>>> defaults = new HashMap<>();

    @BeforeEach
    void setUp() {
        registry = new FakeRegistry();
        simulator = new FakeBackend("simulator", "Simulated Reader 0", "Simulated Reader 1");
        pcsc = new FakeBackend("pcsc", "Virtual PCD 00 00", "Virtual PCD 00 01");
        registry.register(SCardResourceManager.class, simulator, own("simulator", 100));
        registry.registerPrototype(ISCardManage.class, simulator::newManager, own("simulator", 100));
        registry.register(SCardResourceManager.class, pcsc, own("pcsc", 50));
        registry.registerPrototype(ISCardManage.class, pcsc::newManager, own("pcsc", 50));
        config = new FakeConfigAdmin();
        // what the backends' DefaultRegistration does: a configured ranking registers the services once more
        config.onChange = (pid, properties) -> {
            String backend = pid.substring(SCardServiceProperties.SERVICES_PID_PREFIX.length());
            FakeBackend owner = backend.equals("pcsc") ? pcsc : backend.equals("simulator") ? simulator : null;
            defaults.getOrDefault(backend, List.of()).forEach(registry::unregister);
            defaults.remove(backend);
            if (owner != null && properties != null) {
                Map<String, Object> marked = Map.of(SCardServiceProperties.DEFAULT, backend,
                        Constants.SERVICE_RANKING, (Integer) properties.get(Constants.SERVICE_RANKING) + 1);
                defaults.put(backend, List.of(registry.register(SCardResourceManager.class, owner, marked),
                        registry.registerPrototype(ISCardManage.class, owner::newManager, marked)));
            }
        };
        commands = new BackendCommands(registry.context);
    }

    private static Map<String, Object> own(String backend, int ranking) {
        return Map.of(SCardServiceProperties.BACKEND, backend, Constants.SERVICE_RANKING, ranking);
    }

    private void withConfigAdmin() {
        commands.bindConfigAdmin(config.admin);
    }

    @Test
    void backendsListsEachBackendWithStateRankingAndReaderCount() {
        assertThat(commands.backends()).isEqualTo(String.join("\n",
                "Backend    State            Ranking  Readers",
                "simulator  active, default  100      2",
                "pcsc       active           50       2"));
        assertThat(registry.singletonGets).isEqualTo(registry.singletonUngets);
    }

    @Test
    void backendsSaysWhyABackendCannotListItsReaders() {
        pcsc.listFailure = new SCardException(HResult.SCARD_E_NO_SERVICE,
                "SCardEstablishContext failed: pcscd is not running (the PC/SC service)");
        assertThat(commands.backends()).isEqualTo(String.join("\n",
                "Backend    State            Ranking  Readers",
                "simulator  active, default  100      2",
                "pcsc       active           50       -",
                "Backend 'pcsc': SCardEstablishContext failed: pcscd is not running (the PC/SC service)"
                        + " [SCARD_E_NO_SERVICE 0x8010001D]"));
    }

    @Test
    void backendsDoesNotHangOnABackendThatNeverAnswers() throws Exception {
        pcsc.listHang = new java.util.concurrent.CountDownLatch(1);
        commands.listTimeoutMillis = 300;
        long start = System.nanoTime();
        try {
            assertThat(commands.backends()).isEqualTo(String.join("\n",
                    "Backend    State            Ranking  Readers",
                    "simulator  active, default  100      2",
                    "pcsc       active           50       -",
                    "Backend 'pcsc': timed out listing its readers (no answer in 300 ms)"));
            assertThat(System.nanoTime() - start).isLessThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(5));
        } finally {
            pcsc.listHang.countDown();
        }
    }

    @Test
    void backendsShowsConfiguredRankingsAndConfiguredBackendsThatAreNotRunning() {
        // as after scard:use pcsc: PC/SC's own registration ranked 1000 in place, its default registration 1001
        FakeRegistry configured = new FakeRegistry();
        configured.register(SCardResourceManager.class, simulator, own("simulator", 100));
        configured.register(SCardResourceManager.class, pcsc, own("pcsc", 1000));
        configured.register(SCardResourceManager.class, pcsc,
                Map.of(SCardServiceProperties.DEFAULT, "pcsc", Constants.SERVICE_RANKING, 1001));
        config.put("dev.scard.service.pcsc", 1000);
        config.put("dev.scard.service.other", 7);
        BackendCommands shown = new BackendCommands(configured.context);
        shown.bindConfigAdmin(config.admin);
        assertThat(shown.backends()).isEqualTo(String.join("\n",
                "Backend    State            Ranking            Readers",
                "pcsc       active, default  1000 (configured)  2",
                "simulator  active           100                2",
                "other      not running      7 (configured)     -"));
    }

    @Test
    void noBackendsAtAll() {
        FakeRegistry empty = new FakeRegistry();
        assertThat(new BackendCommands(empty.context).backends())
                .isEqualTo("No backends (no smart-card backend is running)");
    }

    @Test
    void useWritesTheRankingFirstThenDeletesTheOthersAndWaitsForTheSwitch() {
        withConfigAdmin();
        config.put("dev.scard.service.simulator", 1000);
        config.onChange.accept("dev.scard.service.simulator", config.stored.get("dev.scard.service.simulator"));

        assertThat(commands.use("pcsc")).isEqualTo("Default backend: pcsc (service.ranking=1000 in"
                + " dev.scard.service.pcsc; removed dev.scard.service.simulator)");
        assertThat(config.log).containsExactly("update dev.scard.service.pcsc", "delete dev.scard.service.simulator");
        assertThat(config.stored.keySet()).containsExactly("dev.scard.service.pcsc");
        assertThat(config.stored.get("dev.scard.service.pcsc").get(Constants.SERVICE_RANKING))
                .as("an Integer, as the framework requires of service.ranking").isEqualTo(1000);
        assertThat(commands.backends()).contains("pcsc       active, default");

        config.log.clear();
        assertThat(commands.use(" pcsc ")).as("already the default: written again, nothing removed")
                .isEqualTo("Default backend: pcsc (service.ranking=1000 in dev.scard.service.pcsc)");
        assertThat(config.log).containsExactly("update dev.scard.service.pcsc");
    }

    @Test
    void useKeepsTheConfigurationsOtherProperties() {
        withConfigAdmin();
        config.put("dev.scard.service.pcsc", null);
        config.stored.get("dev.scard.service.pcsc").put("comment", "kept");
        commands.use("pcsc");
        assertThat(config.stored.get("dev.scard.service.pcsc")).containsEntry("comment", "kept")
                .containsEntry(Constants.SERVICE_RANKING, 1000);
    }

    @Test
    void useOfABackendThatIsNotRunningStoresTheChoice() throws Exception {
        withConfigAdmin();
        assertThat(commands.use("simulator")).startsWith("Default backend: simulator");
        registry.unregister(registry.context.getServiceReferences(SCardResourceManager.class, "(scard.backend=pcsc)")
                .iterator().next());
        assertThat(commands.use("pcsc")).isEqualTo("Default backend: pcsc (service.ranking=1000 in"
                + " dev.scard.service.pcsc; removed dev.scard.service.simulator); 'pcsc' is not running: it becomes"
                + " the default when it starts");
    }

    @Test
    void useRejectsUnknownBackendsNamingTheKnownOnes() {
        withConfigAdmin();
        config.put("dev.scard.service.other", 5);
        assertThatIllegalArgumentException().isThrownBy(() -> commands.use("nosuch")).withMessage(
                "unknown backend 'nosuch' (known backends: other, pcsc, simulator) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.use(" ")).withMessage(
                "no backend named (known backends: other, pcsc, simulator) [E_INVALIDARG 0x80070057]");
        assertThat(config.log).isEmpty();
    }

    @Test
    void useWithoutConfigAdminSaysSo() {
        assertThatIllegalStateException().isThrownBy(() -> commands.use("pcsc"))
                .withMessage(BackendCommands.NO_CONFIG_ADMIN + " [SCARD_E_NO_SERVICE 0x8010001D]");
        commands.bindConfigAdmin(config.admin);
        commands.unbindConfigAdmin(config.admin);
        assertThatIllegalStateException().isThrownBy(() -> commands.use("pcsc"))
                .withMessageStartingWith("scard:use needs Config Admin");
    }

    @Test
    void useFailsClearlyWhenTheBackendDoesNotBecomeTheDefault() {
        withConfigAdmin();
        config.onChange = (pid, properties) -> {
            // a backend that ignores its configuration
        };
        commands.switchWaitMillis = 50;
        assertThatIllegalStateException().isThrownBy(() -> commands.use("pcsc")).withMessage("the configuration"
                + " is stored, but 'pcsc' did not become the best-ranked backend within 50 ms (scard:backends"
                + " shows the rankings) [E_FAIL 0x80004005]");
    }

    @Test
    void rankingsAreShownAsNumbersMarkedWhenConfigured() {
        assertThat(BackendCommands.ranking(100, false)).isEqualTo("100");
        assertThat(BackendCommands.ranking(1000, true)).isEqualTo("1000 (configured)");
        assertThat(BackendCommands.ranking(null, false)).isEqualTo("0");
    }
}
