package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.Map;

import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;

/**
 * The shell follows the default backend: a reader name two backends share is attached on the best-ranked one (the
 * rankings scard:use changes), and the default backend's extra registrations ({@code scard.default}, no
 * {@code scard.backend}) are not listed as one more backend.
 */
class DefaultBackendAttachTest {

    private static final String SHARED = "Shared Reader";

    private final FakeRegistry registry = new FakeRegistry();
    private final FakeBackend simulator = new FakeBackend("simulator", SHARED);
    private final FakeBackend pcsc = new FakeBackend("pcsc", SHARED);

    private void backends(int simulatorRanking, int pcscRanking, String defaultBackend) {
        registry.register(SCardResourceManager.class, simulator, own("simulator", simulatorRanking));
        registry.registerPrototype(ISCardManage.class, simulator::newManager, own("simulator", simulatorRanking));
        registry.register(SCardResourceManager.class, pcsc, own("pcsc", pcscRanking));
        registry.registerPrototype(ISCardManage.class, pcsc::newManager, own("pcsc", pcscRanking));
        if (defaultBackend != null) {
            FakeBackend owner = defaultBackend.equals("pcsc") ? pcsc : simulator;
            Map<String, Object> marked = Map.of(SCardServiceProperties.DEFAULT, defaultBackend,
                    Constants.SERVICE_RANKING, 1001);
            registry.register(SCardResourceManager.class, owner, marked);
            registry.registerPrototype(ISCardManage.class, owner::newManager, marked);
        }
    }

    private static Map<String, Object> own(String backend, int ranking) {
        return Map.of(SCardServiceProperties.BACKEND, backend, Constants.SERVICE_RANKING, ranking);
    }

    private static CommandSession session() {
        return (CommandSession) Proxy.newProxyInstance(DefaultBackendAttachTest.class.getClassLoader(),
                new Class<?>[] {CommandSession.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    @Test
    void withTheBuiltInRankingsASharedReaderNameIsTheSimulators() {
        backends(100, 50, null);
        new ScardCommands(registry.context).attach(session(), "", "t0,t1", SHARED);
        assertThat(simulator.managers).hasSize(1);
        assertThat(pcsc.managers).isEmpty();
    }

    @Test
    void afterScardUsePcscASharedReaderNameIsPcscs() {
        backends(100, 1000, "pcsc");
        new ScardCommands(registry.context).attach(session(), "", "t0,t1", SHARED);
        assertThat(pcsc.managers).as("a manager from PC/SC's own registration").hasSize(1);
        assertThat(simulator.managers).isEmpty();
    }

    @Test
    void theDefaultRegistrationIsNotListedAsAnotherBackend() {
        backends(100, 1000, "pcsc");
        String readers = new ScardCommands(registry.context).readers("");
        assertThat(readers.split("\n")).hasSize(3).anyMatch(l -> l.contains("pcsc"))
                .anyMatch(l -> l.contains("simulator")).noneMatch(l -> l.contains("null"));
    }
}
