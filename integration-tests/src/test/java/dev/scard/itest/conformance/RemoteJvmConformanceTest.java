package dev.scard.itest.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.api.CardState;
import dev.scard.api.ISCardManage;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.testsupport.ScardProcess;

/**
 * The conformance suite, unchanged, against the remote backend with the export side in another JVM: the distribution
 * ({@code app/target/scard.jar}) started as a host ({@code dev.scard.remote.host}, two simulated readers, exported
 * through Apache Aries RSA and the distribution provider {@code scard.tcp} on a free loopback port), and this framework
 * as the client: Aries RSA with static discovery (an endpoint description naming the host, factory PID
 * {@value #DISCOVERY_PID}), the provider ({@value #TRANSPORT_PID}, its defaults) and the remote backend
 * ({@value RemoteCardHost#CLIENT_PID}). Cards are inserted, removed and
 * reset in the host's JVM through its console ({@code sim:insert}, {@code sim:remove}, {@code sim:reset}).
 *
 * <p>The host is started before the first test and killed after the last (also when a test fails); this class's
 * configurations are deleted then, so the other tests never see the remote backend.
 */
public class RemoteJvmConformanceTest extends ISCardManageConformance {

    static final String DISCOVERY_PID = "dev.scard.remote.endpoint";
    /** The configuration of the distribution provider scard.tcp, which runs only while it exists. */
    static final String TRANSPORT_PID = "dev.scard.remote.transport";
    static final String HOST = "jvm";
    static final String SIM_WITH_CARD = "Simulated Reader 0";
    static final String SIM_EMPTY = "Simulated Reader 1";
    static final String READER_WITH_CARD = SIM_WITH_CARD + " @ " + HOST;
    static final String EMPTY_READER = SIM_EMPTY + " @ " + HOST;
    private static final String SECRET = "cross-JVM remote secret";

    private static ScardProcess host;

    @Override
    protected String backend() {
        return RemoteCardHost.BACKEND;
    }

    @Override
    protected String cardReader() {
        return READER_WITH_CARD;
    }

    @Override
    protected String emptyReader() {
        return EMPTY_READER;
    }

    @Override
    protected String backendBundle() {
        return "dev.scard.impl-remote";
    }

    /** Starts the host JVM and configures the client before the first test; waits for the remote readers. */
    @BeforeEach
    void hostJvmAndClient() throws Exception {
        if (host == null) {
            Path work = Files.createTempDirectory("scard-remote-jvm-host");
            int port;
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Path config = work.resolve("host.json");
            Files.writeString(config, "{ \":configurator:resource-version\": 1,\n"
                + "  \"dev.scard.simulator\": { \"readers\": [\"" + SIM_WITH_CARD + "\", \"" + SIM_EMPTY + "\"],"
                + " \"cardInserted\": [\"" + SIM_WITH_CARD + "\"], \"vpcd\": [] },\n"
                + "  \"" + TRANSPORT_PID + "\": { \"port:Integer\": " + port + " },\n"
                + "  \"" + RemoteCardHost.HOST_PID + "\": { \"secret\": \"" + SECRET + "\","
                + " \"hostName\": \"" + HOST + "\", \"backend\": \"simulator\" } }\n", StandardCharsets.UTF_8);
            host = ScardProcess.start("host", work, config);
            host.run("echo ready");

            ConfigurationAdmin cm = awaitService(ConfigurationAdmin.class, null);
            cm.getConfiguration(TRANSPORT_PID, "?").update(new Hashtable<>());
            Dictionary<String, Object> endpoint = new Hashtable<>();
            endpoint.put("endpoint.id", "scard.tcp://127.0.0.1:" + port + "/" + RemoteCardHost.class.getName());
            endpoint.put("service.imported", Boolean.TRUE);
            endpoint.put("service.imported.configs", "scard.tcp");
            endpoint.put("objectClass", new String[] {RemoteCardHost.class.getName()});
            endpoint.put("endpoint.package.version.dev.scard.remote.api", "1.0.0");
            endpoint.put(RemoteCardHost.HOST_NAME_PROPERTY, HOST);
            endpoint.put("osgi.basic.timeout", "180000");
            cm.getFactoryConfiguration(DISCOVERY_PID, HOST, "?").update(endpoint);
            Dictionary<String, Object> client = new Hashtable<>();
            client.put("secret", SECRET);
            client.put("acceptLocal", Boolean.FALSE);
            cm.getConfiguration(RemoteCardHost.CLIENT_PID, "?").update(client);
        }
        restoreReaders();
    }

    /**
     * Deletes this class's configurations, waits until the remote services are gone, then ends the host JVM (killed
     * when it does not exit within its bound), also when a step before fails.
     */
    @AfterAll
    static void hostJvmAndClientOff() throws Exception {
        try {
            BundleContext context = FrameworkUtil.getBundle(RemoteJvmConformanceTest.class).getBundleContext();
            ServiceReference<ConfigurationAdmin> reference = context.getServiceReference(ConfigurationAdmin.class);
            ConfigurationAdmin cm = context.getService(reference);
            try {
                for (String filter : new String[] {"(service.pid=" + RemoteCardHost.CLIENT_PID + ")",
                    "(service.factoryPid=" + DISCOVERY_PID + ")", "(service.pid=" + TRANSPORT_PID + ")"}) {
                    Configuration[] configurations = cm.listConfigurations(filter);
                    for (Configuration configuration : configurations == null ? new Configuration[0] : configurations) {
                        configuration.delete();
                    }
                }
            } finally {
                context.ungetService(reference);
            }
            long deadline = System.nanoTime() + BOUND.toNanos() * 3;
            String filter = "(" + SCardServiceProperties.BACKEND + "=" + RemoteCardHost.BACKEND + ")";
            while (!context.getServiceReferences(ISCardManage.class, filter).isEmpty()
                || context.getServiceReference(RemoteCardHost.class) != null) {
                assertThat(System.nanoTime()).as("the remote services go").isLessThan(deadline);
                Thread.sleep(10);
            }
        } finally {
            if (host != null) {
                host.close();
                host = null;
            }
        }
    }

    /** The host's name of a remote reader. */
    private static String onHost(String reader) {
        assertThat(reader).endsWith(" @ " + HOST);
        return reader.substring(0, reader.length() - (" @ " + HOST).length());
    }

    /** Runs a {@code sim:} command in the host's console; it must print no error. */
    private static void onTheHost(String command) {
        List<String> printed = host.run(command);
        assertThat(printed).as("the host's answer to %s", command).noneMatch(line -> line.startsWith("Error:"));
    }

    @Override
    protected void insertCard(String reader) throws Exception {
        onTheHost("sim:insert '" + onHost(reader) + "'");
    }

    @Override
    protected void removeCard(String reader) throws Exception {
        onTheHost("sim:remove '" + onHost(reader) + "'");
    }

    @Override
    protected void resetCardFromOutside(String reader) throws Exception {
        onTheHost("sim:reset '" + onHost(reader) + "'");
    }

    /** A card in the first reader, none in the second, on the host; and this client sees them so (bounded). */
    @Override
    protected void restoreReaders() throws Exception {
        if (host == null) {
            return;
        }
        SCardResourceManager remote = awaitService(SCardResourceManager.class, backendFilter());
        Map<String, CardState> states = states(remote);
        if (states.get(READER_WITH_CARD) == CardState.ABSENT) {
            insertCard(READER_WITH_CARD);
        }
        if (states.containsKey(EMPTY_READER) && states.get(EMPTY_READER) != CardState.ABSENT) {
            removeCard(EMPTY_READER);
        }
        long deadline = System.nanoTime() + BOUND.toNanos() * 3;
        while (true) {
            states = states(remote);
            if (states.containsKey(READER_WITH_CARD) && states.get(READER_WITH_CARD) != CardState.ABSENT
                && states.get(EMPTY_READER) == CardState.ABSENT) {
                return;
            }
            assertThat(System.nanoTime()).as("the host's readers as the client sees them: %s", states)
                .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static Map<String, CardState> states(SCardResourceManager remote) {
        return remote.listReaders().stream().collect(Collectors.toMap(ReaderInfo::name, ReaderInfo::state,
            (a, b) -> a));
    }

}
