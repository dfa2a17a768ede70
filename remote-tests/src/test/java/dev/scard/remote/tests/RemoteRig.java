package dev.scard.remote.tests;

import dev.scard.testsupport.ScardProcess;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The processes of one test: hosts and clients of the distribution, each with a configuration file written here, and
 * all of them ended by {@link #close()} (the tests call it in {@code @AfterEach}, so also after a failure).
 *
 * <p>A host serves two simulated readers, {@value #READER_0} with the sample card and {@value #READER_1} empty, on a
 * free loopback port, with {@link #SECRET}. A client imports hosts either from endpoint descriptions in its own
 * configuration (static discovery: factory PID {@code dev.scard.remote.endpoint} of dev.scard.remote-rsa) or through
 * ZooKeeper, and has no simulated readers of its own, so that {@code scard:use remote} is its only choice.
 */
final class RemoteRig implements AutoCloseable {

    /** The secret of the tests' hosts (never a real one). */
    static final String SECRET = "remote-tests-secret";
    /** A host's first simulated reader, with the sample card. */
    static final String READER_0 = "Simulated Reader 0";
    /** A host's second simulated reader, empty. */
    static final String READER_1 = "Simulated Reader 1";
    /**
     * The tests' hosts' lease: 8 s, so that a session is released within 10 s (the host sweeps every quarter lease).
     */
    static final long LEASE_MILLIS = 8000;
    /** The exported interface. */
    static final String INTERFACE = "dev.scard.remote.api.RemoteCardHost";

    /**
     * A host as a client's configuration names it.
     *
     * @param name the name shown after " @ "
     * @param port its port on 127.0.0.1
     */
    record Host(String name, int port) {
        /**
         * @param reader a reader's name on the host
         * @return its name on the client
         */
        String reader(String reader) {
            return reader + " @ " + name;
        }
    }

    private final Path work;
    private final List<ScardProcess> processes = new ArrayList<>();
    private ScardProcess lastHost;

    /**
     * @param test the test's name: its folder under {@code target/remote}
     */
    RemoteRig(String test) throws IOException {
        Path root = Path.of(System.getProperty("scard.remote.work", "target/remote"));
        this.work = Files.createDirectories(root.resolve(test).toAbsolutePath());
    }

    /** @return a TCP port free on loopback now */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Starts a host and waits until its console answers.
     *
     * @param name its name (file names, and the name clients show after {@code @})
     * @param port the port its service is exported on
     * @param extra more configuration entries (JSON members, with a leading comma), or ""
     */
    ScardProcess host(String name, int port, String extra) throws IOException {
        return host(name, port, "", extra);
    }

    /**
     * Starts a host with more transport settings and waits until its console answers.
     *
     * @param name its name (file names, and the name clients show after {@code @})
     * @param port the port its service is exported on
     * @param transport more members of its {@code dev.scard.remote.transport} configuration (each with a leading
     *        comma), or ""
     * @param extra more configuration entries (JSON members, with a leading comma), or ""
     */
    ScardProcess host(String name, int port, String transport, String extra) throws IOException {
        String config = "{\n"
            + "  \":configurator:resource-version\": 1,\n"
            + "  \"dev.scard.simulator\": { \"readers\": [\"" + READER_0 + "\", \"" + READER_1 + "\"],"
            + " \"cardInserted\": [\"" + READER_0 + "\"], \"vpcd\": [] },\n"
            + "  \"dev.scard.remote.host\": { \"secret\": \"" + SECRET + "\","
            + " \"hostName\": \"" + name + "\", \"backend\": \"simulator\", \"leaseMillis\": " + LEASE_MILLIS + " },\n"
            + "  \"dev.scard.remote.transport\": { \"port:Integer\": " + port + transport + " }\n"
            + extra
            + "}\n";
        lastHost = start(name, config);
        return lastHost;
    }

    /** @return the host started last */
    ScardProcess hostProcess() {
        return lastHost;
    }

    /**
     * Starts a client that imports the hosts at the given ports (static discovery) and waits until its console
     * answers.
     *
     * @param name its name (file names)
     * @param secret the secret it sends
     * @param hosts the hosts it imports (on 127.0.0.1): their names and ports
     */
    ScardProcess client(String name, String secret, Host... hosts) throws IOException {
        StringBuilder endpoints = new StringBuilder();
        for (Host host : hosts) {
            endpoints.append(",\n  ").append(endpoint(host.port(), host.name()));
        }
        return clientWith(name, secret, endpoints.toString());
    }

    /**
     * Starts a client with its remote configuration and more entries.
     *
     * @param name its name (file names)
     * @param secret the secret it sends
     * @param extra more configuration entries (JSON members, each with a leading comma), or ""
     */
    ScardProcess clientWith(String name, String secret, String extra) throws IOException {
        return clientWith(name, secret, "", extra);
    }

    /**
     * Starts a client with its remote configuration, transport settings and more entries.
     *
     * @param name its name (file names)
     * @param secret the secret it sends
     * @param transport members of its {@code dev.scard.remote.transport} configuration (without a leading comma), or
     *        "" for the defaults
     * @param extra more configuration entries (JSON members, each with a leading comma), or ""
     */
    ScardProcess clientWith(String name, String secret, String transport, String extra) throws IOException {
        String config = "{\n"
            + "  \":configurator:resource-version\": 1,\n"
            + "  \"dev.scard.simulator\": { \"readers\": [], \"cardInserted\": [], \"vpcd\": [] },\n"
            + "  \"dev.scard.remote.transport\": { " + transport + " },\n"
            + "  \"dev.scard.remote.client\": { \"secret\": \"" + secret + "\", \"callTimeoutMillis\": 20000 }"
            + extra
            + "\n}\n";
        return start(name, config);
    }

    /**
     * The static endpoint description of a host on loopback (static discovery (dev.scard.remote-rsa)).
     *
     * @param port the host's port
     * @param hostName its name after " @ ", or null for the endpoint's host and port
     * @return one JSON member
     */
    static String endpoint(int port, String hostName) {
        return "\"dev.scard.remote.endpoint~host" + port + "\": {"
            + " \"endpoint.id\": \"" + endpointId(port) + "\","
            + " \"service.imported\": true,"
            + " \"service.imported.configs\": \"scard.tcp\","
            + " \"objectClass\": [\"" + INTERFACE + "\"],"
            + " \"endpoint.package.version.dev.scard.remote.api\": \"1.0.0\","
            + (hostName == null ? "" : " \"remote.host.name\": \"" + hostName + "\",")
            + " \"osgi.basic.timeout\": \"60000\" }";
    }

    /**
     * @param port a host's port on loopback
     * @return the id of its endpoint (distribution provider scard.tcp)
     */
    static String endpointId(int port) {
        return "scard.tcp://127.0.0.1:" + port + "/" + INTERFACE;
    }

    private ScardProcess start(String name, String config) throws IOException {
        Path file = work.resolve(name + ".json");
        Files.writeString(file, config, StandardCharsets.UTF_8);
        // One JVM (no second, tuned JVM): a kill (SIGKILL) then ends the distribution itself at once, where the second
        // JVM would outlive the first for a moment and still answer a call.
        ScardProcess process = ScardProcess.start(name, work, file, "-Dscard.relaunch=false");
        processes.add(process);
        process.run("echo ready");
        return process;
    }

    /**
     * @param lines console output
     * @return the lines joined, for messages
     */
    static String text(List<String> lines) {
        return lines.stream().collect(Collectors.joining("\n"));
    }

    /** Ends every process this rig started (killed when one does not exit within its bound). */
    @Override
    public void close() throws InterruptedException {
        for (ScardProcess process : processes) {
            process.close();
        }
        processes.clear();
    }
}
