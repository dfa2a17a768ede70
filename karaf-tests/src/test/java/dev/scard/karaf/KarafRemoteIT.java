package dev.scard.karaf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

import dev.scard.karaf.Karaf.Session;

/**
 * Remote readers between two real Apache Karaf 4.4.10 instances on loopback: a host Karaf with the features
 * {@code scard-simulator}, {@code scard-shell} and {@code scard-remote-host}, serving its simulated readers through the
 * distribution provider {@code scard.tcp}, and a client Karaf with {@code scard-shell} and {@code scard-remote-client}
 * (then {@code scard-simulator} too, for a local backend beside the remote one), which imports the host by static
 * discovery and shows its readers as {@code <reader> @ karaf-host}, driven through the client's console.
 *
 * <p>Each Karaf is a copy of the distribution the build unpacked ({@code target/karaf-remote-host/apache-karaf} and
 * {@code target/karaf-remote-client/apache-karaf}, each with its console transcript {@code karaf-console.txt} beside
 * it), prepared as {@link KarafConsoleIT}'s (own SSH and JMX ports, pax-url-mvn reading only
 * {@code target/karaf-repo}). Their remote configuration is written as {@code etc/*.cfg} files before they start, the
 * way an administrator would: on the host {@code dev.scard.remote.host.cfg} (secret, host name, the simulator backend)
 * and {@code dev.scard.remote.transport.cfg} (a free loopback port, which the feature's own default configuration
 * must not replace); on the client {@code dev.scard.remote.client.cfg} (the secret) and
 * {@code dev.scard.remote.endpoint-karaf-host.cfg}, a factory configuration of the static discovery naming the host's
 * endpoint. The wrong-secret case changes the client's secret at run time through the console ({@code config:edit},
 * {@code config:property-set}, {@code config:update}).
 *
 * <p>Both Karafs start at once, then the host's features are installed, then the client's (so the client never meets a
 * host that is not serving yet). Neither Karaf may log an ERROR in the whole run (installation, use, restart, stop),
 * and our bundles log no WARNING but the refusal of the wrong secret.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KarafRemoteIT {

    private static final String VERSION = System.getProperty("scard.version", "0.1.0-SNAPSHOT");
    /** The feature version Karaf shows: the Maven version as an OSGi version. */
    private static final String FEATURE_VERSION = VERSION.replace('-', '.');
    private static final String REPOSITORY = "mvn:dev.scard/features/" + VERSION + "/xml/features";
    /** The host's and the client's secret (a test value, never a real one). */
    private static final String SECRET = "karaf-remote-it-secret";
    private static final String WRONG_SECRET = "not-the-karaf-secret";
    private static final String HOST_NAME = "karaf-host";
    private static final String READER = "Simulated Reader 0";
    private static final String REMOTE_READER = READER + " @ " + HOST_NAME;
    /** A line of karaf.log at ERROR (Karaf's format: {@code time | LEVEL | thread | logger | bundle | message}). */
    private static final Pattern ERROR_LINE = Pattern.compile("(?m)^\\S+\\s*\\|\\s*ERROR\\s*\\|.*$");
    /** A line of karaf.log at WARN from one of our bundles. */
    private static final Pattern OUR_WARNING = Pattern.compile("(?m)^\\S+\\s*\\|\\s*WARN\\s*\\|.*\\|\\s*\\d+ - dev\\.scard\\..*$");
    private static final String REFUSED = "remote backend: host '" + HOST_NAME + "': the host refused the client's"
            + " secret [E_ACCESSDENIED 0x80070005]";

    private static Karaf host;
    private static Karaf client;
    private static int hostPort;
    /** The ZooKeeper server of {@link #theHostIsFoundThroughZookeeperInstead()}; it outlives the Karafs using it. */
    private static ZooKeeperServer zookeeper;
    private static ServerCnxnFactory zookeeperConnections;

    /** Prints the tail of both Karafs' logs when a test fails. */
    @RegisterExtension
    static final TestWatcher LOG_ON_FAILURE = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            printLogs(context.getDisplayName() + " failed");
        }
    };

    @BeforeAll
    static void startBothKarafs() throws Exception {
        Path distribution = Path.of(System.getProperty("karaf.home", "target/apache-karaf-4.4.10"));
        Path repository = Path.of(System.getProperty("karaf.repo", "target/karaf-repo"));
        Path javaHome = Karaf.javaHome(System.getProperty("scard.karaf.javaHome"));
        Path target = distribution.toAbsolutePath().getParent();
        long start = System.nanoTime();
        host = Karaf.prepare(Karaf.copy(distribution, target.resolve("karaf-remote-host/apache-karaf")), repository,
                javaHome);
        client = Karaf.prepare(Karaf.copy(distribution, target.resolve("karaf-remote-client/apache-karaf")),
                repository, javaHome);
        hostPort = Karaf.freePort();

        host.writeConfig("dev.scard.remote.host", ordered(
                "secret", SECRET,
                "hostName", HOST_NAME,
                "backend", "simulator"));
        host.writeConfig("dev.scard.remote.transport", ordered(
                "bindAddress", "127.0.0.1",
                "port", String.valueOf(hostPort)));
        client.writeConfig("dev.scard.remote.client", ordered(
                "secret", SECRET,
                "callTimeoutMillis", "30000"));
        client.writeConfig("dev.scard.remote.endpoint-" + HOST_NAME, ordered(
                "endpoint.id", "scard.tcp://127.0.0.1:" + hostPort + "/dev.scard.remote.api.RemoteCardHost",
                "service.imported", "true",
                "service.imported.configs", "scard.tcp",
                "objectClass", "dev.scard.remote.api.RemoteCardHost",
                "endpoint.package.version.dev.scard.remote.api", "1.0.0",
                "remote.host.name", HOST_NAME,
                "osgi.basic.timeout", "60000"));

        CompletableFuture<Void> hostUp = CompletableFuture.runAsync(() -> start(host));
        CompletableFuture<Void> clientUp = CompletableFuture.runAsync(() -> start(client));
        try {
            CompletableFuture.allOf(hostUp, clientUp).join();
        } catch (CompletionException e) {
            printLogs("a Karaf did not start");
            host.stop();
            client.stop();
            throw e;
        }
        log("both Karafs up on " + javaHome + " (host SSH " + host.sshPort() + ", client SSH " + client.sshPort()
                + ", scard.tcp port " + hostPort + ") in " + secondsSince(start) + " s");
    }

    @AfterAll
    static void stopBothKarafs() throws Exception {
        long start = System.nanoTime();
        // The client first: it would log (WARN) that the host it imports cannot be reached.
        boolean clientGone = client == null || client.stop();
        boolean hostGone = host == null || host.stop();
        // ZooKeeper after the Karafs, so that their discovery never reconnects to a server that is gone.
        if (zookeeperConnections != null) {
            zookeeperConnections.shutdown();
            zookeeper.shutdown();
        }
        log("both Karafs stopped in " + secondsSince(start) + " s");
        assertThat(hostGone).as("every process of the host Karaf has exited").isTrue();
        assertThat(clientGone).as("every process of the client Karaf has exited").isTrue();
        // Stopping the features is part of a normal run too.
        assertNoError(host, 0);
        assertNoError(client, 0);
    }

    /** Runs {@code commands} as user karaf in one console session, which must end normally (not ended by Karaf). */
    private static void install(Karaf karaf, String... commands) throws Exception {
        Session install = karaf.session("karaf", commands);
        assertThat(install.exitCode()).as("exit code of the installation session (Karaf did not end it):\n%s",
                install.output()).isZero();
    }

    /**
     * The host: feature:install in a console session that lives through it (no refresh of Karaf's shell), the
     * features started, the Aries RSA bundles and ours active (dev.scard.remote-rsa before Aries, at start level 70),
     * shell-compat not installed, the configured port kept and served, and no ERROR.
     */
    @Test
    @Order(1)
    void theHostInstallsAndServesItsReaders() throws Exception {
        long start = System.nanoTime();
        install(host, "feature:repo-add " + REPOSITORY,
                "feature:install scard-simulator scard-shell scard-remote-host");

        String[] features = {"scard-api", "scard-core", "scard-simulator", "scard-shell", "scard-remote-rsa",
            "scard-remote-host"};
        Session state = awaitState(host, s -> allStarted(s, features) && Karaf.portOpen(hostPort),
                "feature:list -i", "bundle:list -s -t 0", "config:list '(service.pid=dev.scard.remote.transport)'",
                "echo (scard:readers)");
        log("host features installed and serving in " + secondsSince(start) + " s");

        assertStarted(state.step(0), features);
        assertThat(state.step(0)).as("feature:list -i: Aries's command needs shell-compat, which is not installed")
                .doesNotContainPattern("(?m)^shell-compat\\s*\\|");
        for (String bundle : List.of("dev.scard.remote-host", "dev.scard.remote-transport", "dev.scard.remote-api",
                "dev.scard.impl-simulator", "org.apache.aries.rsa.core", "org.apache.aries.rsa.spi",
                "org.apache.aries.rsa.topology-manager", "org.apache.aries.rsa.eapub")) {
            assertThat(state.step(1)).as("bundle:list -s -t 0").containsPattern(
                    "(?m)\\|\\s*Active\\s*\\|\\s*80\\s*\\|.*\\|\\s*" + Pattern.quote(bundle) + "\\s*$");
        }
        assertThat(state.step(1)).as("bundle:list -s -t 0: the static discovery before Aries RSA")
                .containsPattern("(?m)\\|\\s*Active\\s*\\|\\s*70\\s*\\|.*\\|\\s*dev\\.scard\\.remote-rsa\\s*$");
        assertThat(state.step(2)).as("the transport's configuration: the file's port, not the feature's default")
                .containsPattern("(?m)^\\s*port = " + hostPort + "$")
                .containsPattern("(?m)^\\s*bindAddress = 127\\.0\\.0\\.1$");
        assertThat(state.step(3)).containsPattern("(?m)^" + READER + "\\s+simulator\\s+present\\s");
        assertNoError(host, 0);
        assertThat(host.logSince(0)).as("our warnings in the host's karaf.log").doesNotContainPattern(OUR_WARNING);
    }

    /**
     * The client with the shell and the remote backend only: its features install in a session that lives through it,
     * no simulator comes with them, and the host's readers are listed as {@code <reader> @ karaf-host} of the backend
     * remote, the only backend and so the default.
     */
    @Test
    @Order(2)
    void theClientImportsTheHostsReaders() throws Exception {
        long start = System.nanoTime();
        install(client, "feature:repo-add " + REPOSITORY, "feature:install scard-shell scard-remote-client");

        String[] features = {"scard-api", "scard-core", "scard-shell", "scard-remote-rsa", "scard-remote-client"};
        Session state = awaitState(client, s -> allStarted(s, features) && s.steps().size() > 2
                && s.steps().get(2).contains(REMOTE_READER),
                "feature:list -i", "echo (scard:backends)", "echo (scard:readers)",
                "config:list '(service.factoryPid=dev.scard.remote.endpoint)'");
        log("client features installed, host's readers listed in " + secondsSince(start) + " s");

        assertStarted(state.step(0), features);
        assertThat(state.step(0)).as("feature:list -i: scard-shell brings no simulator")
                .doesNotContainPattern("(?m)^scard-simulator")
                .doesNotContainPattern("(?m)^scard-pcsc");
        assertThat(state.step(1)).isEqualTo("Backend  State            Ranking  Readers\n"
                + "remote   active, default  20       2");
        assertThat(state.step(2))
                .containsPattern("(?m)^" + Pattern.quote(REMOTE_READER) + "\\s+remote\\s+present\\s+no\\s+[0-9A-F]{8,}$")
                .containsPattern("(?m)^Simulated Reader 1 @ " + HOST_NAME + "\\s+remote\\s+absent\\s+no\\s+-$")
                .hasLineCount(3);
        assertThat(state.step(3)).as("the endpoint's factory configuration from etc/")
                .contains("Pid:            dev.scard.remote.endpoint~" + HOST_NAME)
                .contains("remote.host.name = " + HOST_NAME);
        assertNoError(client, 0);
        assertThat(client.logSince(0)).as("our warnings in the client's karaf.log").doesNotContainPattern(OUR_WARNING);
    }

    /**
     * With a local backend beside it (scard-simulator installed after scard-shell, which adds the sim: commands),
     * a card session on the host's reader through the client's console: scard:use remote makes the remote backend the
     * default; attach, SELECT, status, detach; then the simulator is the default again.
     */
    @Test
    @Order(3)
    void aCardSessionOnTheHostsReaderThroughTheClientsConsole() throws Exception {
        install(client, "feature:install scard-simulator");
        awaitState(client, s -> allStarted(s, "scard-simulator", "scard-simulator-shell") && s.steps().size() > 1
                && s.steps().get(1).startsWith("Reader "), "feature:list -i", "echo (sim:readers)");

        Session s = client.session("karaf",
                "echo (scard:backends)",
                "echo (scard:use remote)",
                "echo (scard:backends)",
                "echo (scard:attach '" + REMOTE_READER + "')",
                "echo (scard:apdu 00A4000C023F00)",
                "echo (scard:status)",
                "echo (scard:detach)",
                "echo (scard:use simulator)");

        assertThat(s.exitCode()).as("exit code of\n%s", s.output()).isZero();
        assertThat(s.step(0))
                .containsPattern("(?m)^simulator\\s+active, default\\s+\\d+\\s+2$")
                .containsPattern("(?m)^remote\\s+active\\s+\\d+\\s+2$");
        assertThat(s.step(1)).isEqualTo("Default backend: remote (service.ranking=1000 in dev.scard.service.remote)");
        assertThat(s.step(2)).containsPattern("(?m)^remote\\s+active, default\\s+\\d+ \\(configured\\)\\s+2$");
        assertThat(s.step(3)).matches("Attached to '" + Pattern.quote(REMOTE_READER)
                + "' \\(shared, T[01], ATR [0-9A-F]{8,}\\)");
        assertThat(s.step(4)).isEqualTo("SW 9000 success");
        assertThat(s.step(5))
                .contains("Reader:   " + REMOTE_READER)
                .contains("Backend:  remote")
                .contains("State:    SPECIFIC_MODE (6)");
        assertThat(s.step(6)).isEqualTo("Detached from '" + REMOTE_READER + "'");
        assertThat(s.step(7)).isEqualTo("Default backend: simulator (service.ranking=1000 in"
                + " dev.scard.service.simulator; removed dev.scard.service.remote)");
    }

    /**
     * A client whose secret does not match (changed through the console with config:edit) is refused by the host:
     * karaf.log says so with the contract's code (E_ACCESSDENIED), the host's readers are gone from the listing and an
     * attach to one fails; neither Karaf logs either secret. The right secret brings the readers back.
     */
    @Test
    @Order(4)
    void aClientWithTheWrongSecretIsRefused() throws Exception {
        long clientBefore = client.logSize();
        Session edit = client.session("karaf", "config:edit dev.scard.remote.client",
                "config:property-set secret " + WRONG_SECRET, "config:update");
        assertThat(edit.exitCode()).as("exit code of\n%s", edit.output()).isZero();

        awaitLog(client, clientBefore, REFUSED);
        Session refused = awaitState(client, s -> !s.steps().isEmpty() && !s.steps().get(0).contains(" @ "),
                "echo (scard:readers)", "echo (scard:attach '" + REMOTE_READER + "')");
        assertThat(refused.step(0)).containsPattern("(?m)^" + READER + "\\s+simulator\\s+present\\s")
                .doesNotContain(" @ " + HOST_NAME);
        assertThat(refused.step(1)).isEqualTo("Error executing command: unknown reader '" + REMOTE_READER
                + "' (scard:readers lists the readers) [E_INVALIDARG 0x80070057]");
        assertThat(refused.exitCode()).as("exit code of the session whose attach failed").isNotZero();
        assertThat(client.logSince(clientBefore)).as("the client's log after the refusal")
                .containsPattern("(?m)^\\S+\\s*\\|\\s*WARN\\s*\\|.*\\| " + Pattern.quote(REFUSED)
                        + "; its readers are not available until it answers$");

        long restored = client.logSize();
        Session back = client.session("karaf", "config:edit dev.scard.remote.client",
                "config:property-set secret " + SECRET, "config:update");
        assertThat(back.exitCode()).as("exit code of\n%s", back.output()).isZero();
        awaitState(client, s -> !s.steps().isEmpty() && s.steps().get(0).contains(REMOTE_READER),
                "echo (scard:readers)");

        for (Karaf karaf : List.of(host, client)) {
            assertThat(karaf.logSince(0)).as("karaf.log of %s", karaf == host ? "the host" : "the client")
                    .doesNotContain(WRONG_SECRET).doesNotContain(SECRET);
        }
        assertThat(client.logSince(restored)).as("the client's log once the secret is right again")
                .doesNotContainPattern(OUR_WARNING);
    }

    /**
     * A normal start of the installed features: the client Karaf is stopped and started again; its features, the
     * endpoint configuration and the remote readers come back (start levels: the static discovery before Aries RSA),
     * with no ERROR and none of our warnings.
     */
    @Test
    @Order(5)
    void theClientComesBackAfterARestart() throws Exception {
        assertThat(client.stop()).as("the client Karaf stopped").isTrue();
        long start = System.nanoTime();
        client.start(180);
        Session state = awaitState(client, s -> s.steps().size() > 1 && s.steps().get(1).contains(REMOTE_READER),
                "feature:list -i", "echo (scard:readers)");
        log("client restarted, host's readers listed in " + secondsSince(start) + " s");
        assertStarted(state.step(0), "scard-remote-client", "scard-remote-rsa", "scard-shell");
        assertThat(state.step(1)).containsPattern("(?m)^" + Pattern.quote(REMOTE_READER) + "\\s+remote\\s+present\\s");

        assertSelectThroughTheHost();
        // karaf.log goes on across the restart: the whole file, both runs, is checked.
        assertNoError(client, 0);
        assertNoError(host, 0);
    }

    /**
     * The host Karaf stopped and started again while the client runs: the host exports its readers again (its
     * features, configuration and start order from the restart alone), the client lists them again without being
     * touched and a SELECT goes through; the host logs no ERROR and none of our warnings. (The client says, once, that
     * the host cannot be reached while it is down: a WARN of ours there is expected.)
     */
    @Test
    @Order(6)
    void theHostComesBackAfterARestart() throws Exception {
        long hostBefore = host.logSize();
        assertThat(host.stop()).as("the host Karaf stopped").isTrue();
        long start = System.nanoTime();
        host.start(180);
        awaitState(client, s -> !s.steps().isEmpty() && s.steps().get(0).contains(REMOTE_READER),
                "echo (scard:readers)");
        log("host restarted, its readers listed by the client again in " + secondsSince(start) + " s");

        assertSelectThroughTheHost();
        assertNoError(host, 0);
        assertNoError(client, 0);
        assertThat(host.logSince(hostBefore)).as("our warnings in the host's karaf.log since its restart")
                .doesNotContainPattern(OUR_WARNING);
    }

    /**
     * The host found through ZooKeeper instead of a static endpoint: the client's endpoint file is deleted (the host's
     * readers go), a ZooKeeper server runs in this JVM, both Karafs get {@code etc/org.apache.aries.rsa.discovery
     * .zookeeper.cfg} and the feature {@code scard-remote-zookeeper}; the host publishes its endpoint, the client finds
     * it and lists and uses its readers again; no ERROR on either side. (The feature is not uninstalled: Aries RSA
     * 1.16.1's ZooKeeper discovery, uninstalled while connected, has ZooKeeper's event thread call its listener from
     * a bundle whose wiring is gone, which ZooKeeper logs as ERROR NoClassDefFoundError; Karaf's stop does not.)
     */
    @Test
    @Order(7)
    void theHostIsFoundThroughZookeeperInstead() throws Exception {
        Path endpointFile = client.file("etc/dev.scard.remote.endpoint-" + HOST_NAME + ".cfg");
        Files.delete(endpointFile);
        awaitState(client, s -> !s.steps().isEmpty() && s.steps().get(0).startsWith("Reader ")
                && !s.steps().get(0).contains(" @ "), "echo (scard:readers)");

        File data = Files.createTempDirectory(endpointFile.getParent().getParent().getParent(), "zookeeper").toFile();
        zookeeper = new ZooKeeperServer(data, data, 2000);
        int zookeeperPort = Karaf.freePort();
        zookeeperConnections = ServerCnxnFactory.createFactory(new InetSocketAddress("127.0.0.1", zookeeperPort), 60);
        zookeeperConnections.startup(zookeeper);

        long start = System.nanoTime();
        for (Karaf karaf : List.of(host, client)) {
            karaf.writeConfig("org.apache.aries.rsa.discovery.zookeeper", ordered(
                    "zookeeper.host", "127.0.0.1",
                    "zookeeper.port", String.valueOf(zookeeperPort)));
            install(karaf, "feature:install scard-remote-zookeeper");
        }
        Session found = awaitState(client, s -> !s.steps().isEmpty() && s.steps().get(0).contains(REMOTE_READER),
                "echo (scard:readers)", "feature:list -i");
        log("host found through ZooKeeper in " + secondsSince(start) + " s");
        assertThat(found.step(0)).containsPattern(
                "(?m)^" + Pattern.quote(REMOTE_READER) + "\\s+remote\\s+present\\s+no\\s+[0-9A-F]{8,}$");
        assertStarted(found.step(1), "scard-remote-zookeeper");

        assertSelectThroughTheHost();
        assertNoError(host, 0);
        assertNoError(client, 0);
    }

    // ----------------------------------------------------------------------------------------------- helpers

    /** Runs the commands in sessions until {@code done} holds of their output (at most 60 s); returns the last. */
    private static Session awaitState(Karaf karaf, java.util.function.Predicate<Session> done, String... commands)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Session state = karaf.session("karaf", commands);
        while (!done.test(state) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            state = karaf.session("karaf", commands);
        }
        assertThat(done.test(state)).as("within 60 s; the last session printed:\n%s", state.output()).isTrue();
        return state;
    }

    /** Waits (at most 30 s) until karaf.log has {@code text} after {@code offset}. */
    private static void awaitLog(Karaf karaf, long offset, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!karaf.logSince(offset).contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(karaf.logSince(offset)).as("karaf.log within 30 s").contains(text);
    }

    /**
     * Attaches the client's console to the host's reader, SELECTs the MF and detaches: every step succeeds and the
     * card answers 9000.
     */
    private static void assertSelectThroughTheHost() throws Exception {
        Session s = client.session("karaf", "echo (scard:attach '" + REMOTE_READER + "')",
                "echo (scard:apdu 00A4000C023F00)", "echo (scard:detach)");
        assertThat(s.exitCode()).as("exit code of\n%s", s.output()).isZero();
        assertThat(s.step(1)).isEqualTo("SW 9000 success");
    }

    /** Asserts that karaf.log has no line at ERROR after {@code offset}. */
    private static void assertNoError(Karaf karaf, long offset) throws Exception {
        List<String> errors = new ArrayList<>();
        ERROR_LINE.matcher(karaf.logSince(offset)).results().forEach(m -> errors.add(m.group()));
        assertThat(errors).as("ERROR lines in %s", karaf.log()).isEmpty();
    }

    private static void assertStarted(String featureList, String... features) {
        for (String feature : features) {
            assertThat(featureList).as("feature:list -i").containsPattern("(?m)^" + feature + "\\s*\\|\\s*"
                    + Pattern.quote(FEATURE_VERSION) + "\\s*\\|.*\\|\\s*Started\\s*\\|");
        }
    }

    /** Whether step 0 of {@code state} (feature:list -i) shows every feature started. */
    private static boolean allStarted(Session state, String... features) {
        if (state.steps().isEmpty()) {
            return false;
        }
        for (String feature : features) {
            if (state.steps().get(0).lines().noneMatch(line -> line.matches(feature + "\\s*\\|.*\\|\\s*Started\\s*\\|.*"))) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static void start(Karaf karaf) {
        try {
            karaf.start(240);
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    private static void printLogs(String why) {
        for (Karaf karaf : new Karaf[] {host, client}) {
            if (karaf != null) {
                System.err.println("[karaf-test] " + why + "; " + (karaf == host ? "host" : "client") + " Karaf's log:\n"
                        + karaf.logTail(60));
            }
        }
    }

    private static void log(String message) {
        System.out.println("[karaf-test] " + message);
    }

    private static String secondsSince(long nanoTime) {
        return String.format("%.1f", (System.nanoTime() - nanoTime) / 1e9);
    }
}
