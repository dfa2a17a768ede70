package dev.scard.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution's log lines, seen from outside: one line per record, never java.util.logging's two-line format
 * ("Dec 06, 2026 7:58:10 PM dev.scard... activateWith" then "WARNING: ..."), WARNING and above by default, into
 * the file of {@code --log-file} when given, none with {@code --log-level OFF}; a normal start as a remote host prints
 * no SEVERE or WARNING line. Runs where pcscd is not running
 * (the build machine's own namespace), so the PC/SC backend's start-up notice is part of the output.
 */
class LogLinesIT {

    /** The PC/SC backend's notice when it starts without pcscd (Linux), logged before the console starts. */
    private static final String NO_PCSCD = "WARNING: dev.scard.pcsc: PC/SC backend registered, but its calls fail"
            + " with SCARD_E_NO_SERVICE until this is fixed: SCardEstablishContext failed: pcscd is not running (the"
            + " PC/SC service) [SCARD_E_NO_SERVICE 0x8010001D]";
    /** The first line of a record in java.util.logging's default format: date, time, class and method. */
    private static final Pattern JUL_HEADER = Pattern.compile("^[A-Z][a-z]{2} \\d{2}, \\d{4} .*");

    private static Path jar;
    private static String java;

    @TempDir
    Path tmp;

    private record Run(int exitCode, List<String> out, List<String> err) {
    }

    @BeforeAll
    static void locate() {
        jar = Distribution.jar();
        java = Distribution.java();
    }

    @Test
    void aStartWithoutPcscdPrintsTheOutputAndOneReadableNoticeLine() throws Exception {
        Run run = run("-c", "echo hi");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).containsExactly("hi");
        assertThat(run.err()).as("PC/SC is not loaded by a command that does not use it: no notice").isEmpty();

        // A command that lists PC/SC's readers loads it: with a pcscd reachable (a developer's machine) there is
        // no notice; without it, exactly this one line.
        Run readers = run("-c", "scard:readers -b pcsc");
        if (!readers.err().isEmpty() || !pcscdSocketExists()) {
            assertThat(readers.err()).contains(NO_PCSCD);
            assertThat(readers.err()).filteredOn(line -> line.startsWith("WARNING:") || line.startsWith("INFO:")
                    || line.contains(" PM ") || line.contains(" AM ")).containsExactly(NO_PCSCD);
        }
    }

    @Test
    void aRecordAfterTheConsoleStartedIsOneLineAndGoesToTheLogFile() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad-value.json"), "{\"dev.scard.simulator.reader~lab\":"
                + " {\"name\": \"Lab Reader\", \"profile\": \"no/such/card.json\"}}");
        String logged = "ERROR: dev.scard.simulator.reader~lab: profile: card profile no/such/card.json: no such"
                + " file (relative to " + tmp + "); no reader added";

        Run toStandardError = run("--config", bad.toString(), "-c", "echo hi");
        Path logFile = tmp.resolve("scard.log");
        Run toFile = run("--log-file", logFile.toString(), "--config", bad.toString(), "-c", "echo hi");
        Run off = run("--log-level", "OFF", "--config", bad.toString(), "-c", "echo hi");

        assertThat(toStandardError.out()).containsExactly("hi");
        assertThat(toStandardError.err()).contains(logged);
        assertThat(toFile.out()).containsExactly("hi");
        assertThat(toFile.err()).doesNotContain(logged);
        assertThat(Files.readAllLines(logFile, StandardCharsets.UTF_8)).containsExactly(logged);
        assertThat(off.err()).doesNotContain(logged);
        for (Run run : List.of(toStandardError, toFile, off)) {
            assertThat(run.exitCode()).isZero();
            assertThat(run.err()).noneMatch(line -> JUL_HEADER.matcher(line).matches());
        }
    }

    @Test
    void aBadLogLevelIsAUsageError() throws Exception {
        Run run = run("--log-level", "loud", "-c", "echo hi");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().stream().filter(line -> !line.equals(NO_PCSCD))).startsWith("scard: unknown log level 'loud' (OFF, ERROR, WARNING, INFO, DEBUG, TRACE"
                + " or ALL)");
    }

    @Test
    void aHostStartPrintsNoSevereOrWarningLine() throws Exception {
        // The demo host of the README (app/config/remote-host.json, copied beside the jar) on a free port.
        Path config = Distribution.demoConfiguration(jar, tmp, "remote-host.json", 0);
        Path out = tmp.resolve("host-out.txt");
        Path err = tmp.resolve("host-err.txt");
        ProcessBuilder builder = Distribution.command(java, tmp, null, List.of(), jar, "-v", "--config",
                config.toString()).directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        Process host = builder.start(); // commands from standard input: it runs until that closes
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(err, StandardCharsets.UTF_8).contains("INFO: scard.tcp serves on 127.0.0.1:")) {
                assertThat(host.isAlive()).as("the host runs").isTrue();
                assertThat(System.nanoTime()).as("the host exported within 60 s: %s",
                        Files.readString(err, StandardCharsets.UTF_8)).isLessThan(deadline);
                Thread.sleep(100);
            }
            host.getOutputStream().close();
            assertThat(host.waitFor(60, TimeUnit.SECONDS)).as("the host ends when its input does").isTrue();
        } finally {
            host.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
        assertThat(lines).as("a normal host start (Aries RSA's topology manager saw no service to export before it"
                + " could export it)").noneMatch(line -> line.startsWith("SEVERE") || line.startsWith("ERROR")
                        || line.contains("RemoteServiceAdmin"));
        assertThat(lines).filteredOn(line -> line.startsWith("WARNING") && !line.equals(NO_PCSCD)).isEmpty();
        assertThat(lines).anyMatch(line -> line.startsWith("INFO:")
                && line.contains("serving the readers of backend 'simulator' exported through scard.tcp"));
    }

    private static boolean pcscdSocketExists() {
        return Files.exists(Path.of("/run/pcscd/pcscd.comm"));
    }

    /** {@code java -jar scard.jar ARGS} in {@link #tmp} (working directory and temporary folder). */
    private Run run(String... args) throws IOException, InterruptedException {
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        ProcessBuilder builder = Distribution.command(java, tmp, null, List.of(), jar, args).directory(tmp.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        process.getOutputStream().close(); // nothing on standard input
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("scard.jar " + String.join(" ", args) + " did not exit within 60 s");
        }
        return new Run(process.exitValue(), Files.readAllLines(out, StandardCharsets.UTF_8),
                Files.readAllLines(err, StandardCharsets.UTF_8));
    }
}
