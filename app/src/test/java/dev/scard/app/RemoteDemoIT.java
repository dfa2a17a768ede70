package dev.scard.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's two-command remote demo, as a user runs it: {@code java -jar scard.jar --config remote-host.json} keeps
 * a host running, {@code java -jar scard.jar --config remote-client.json -c ...} lists and uses its readers. The
 * configuration files are the ones the build puts beside the jar, with a free port instead of 8201. Also shows that
 * the remote bundles start only for a remote configuration (they sit above the framework's beginning start level).
 */
class RemoteDemoIT {

    private static final long TIMEOUT_SECONDS = 60;

    private static Path jar;
    private static String java;

    @TempDir
    static Path cacheHome;

    @TempDir
    Path tmp;

    @BeforeAll
    static void locate() {
        jar = Distribution.jar();
        java = Distribution.java();
    }

    private ProcessBuilder distribution(String... args) {
        return Distribution.command(java, tmp, cacheHome, List.of(), jar, args).redirectErrorStream(true);
    }

    /** Runs a command to its end and returns its output (standard output and error together). */
    private String run(String... args) throws Exception {
        Process process = distribution(args).start();
        process.getOutputStream().close();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        assertThat(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("exits within %d s", TIMEOUT_SECONDS)
            .isTrue();
        String text = output.get(10, TimeUnit.SECONDS);
        assertThat(process.exitValue()).as(text).isZero();
        return text;
    }

    /** A configuration file beside the jar, with the demo's port 8201 replaced. */
    private Path configuration(String name, int port) throws IOException {
        return Distribution.demoConfiguration(jar, tmp, name, port);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void withoutARemoteConfigurationTheRemoteBundlesAreNotStarted() throws Exception {
        String output = run("-c", "frameworklevel; lb -s; scard:readers");
        assertThat(output).contains("Level is 2").contains("Simulated Reader 0")
            .doesNotContain("@ ").doesNotContain("scard.tcp serves");
        assertThat(output.lines().filter(line -> line.contains("dev.scard.remote-host")))
            .singleElement().asString().doesNotContain("Active");
    }

    @Test
    void theReadmeHostAndClientListAndUseTheHostsReaders() throws Exception {
        int port = freePort();
        Path host = configuration("remote-host.json", port);
        Path client = configuration("remote-client.json", port);
        Process hostProcess = distribution("--config", host.toString()).start();
        CountDownLatch serving = new CountDownLatch(1);
        StringBuilder hostOutput = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(hostProcess.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    synchronized (hostOutput) {
                        hostOutput.append(line).append('\n');
                    }
                    if (line.contains("scard.tcp serves on 127.0.0.1:" + port)) {
                        serving.countDown();
                    }
                }
            } catch (IOException e) {
                // the host ended
            }
        }, "host-output");
        reader.setDaemon(true);
        reader.start();
        try (OutputStream hostInput = hostProcess.getOutputStream()) {
            assertThat(serving.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("the host serves; its output:%n%s",
                hostOutput).isTrue();
            String output = run("--config", client.toString(), "-c", "scard:readers; scard:attach "
                + "'Simulated Reader 0 @ demo-host'; scard:apdu 00A40000023F00; scard:status; scard:detach");
            assertThat(output).contains("Simulated Reader 0 @ demo-host  remote   present")
                .contains("Simulated Reader 1 @ demo-host  remote   absent")
                .contains("Attached to 'Simulated Reader 0 @ demo-host'")
                .contains("SW 9000 success")
                .contains("Backend:  remote")
                .contains("Detached from 'Simulated Reader 0 @ demo-host'");
            hostInput.write("exit\n".getBytes(StandardCharsets.UTF_8));
        } finally {
            if (!hostProcess.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                hostProcess.descendants().forEach(ProcessHandle::destroyForcibly);
                hostProcess.destroyForcibly();
            }
        }
        assertThat(hostProcess.exitValue()).as(hostOutput.toString()).isZero();
    }
}
