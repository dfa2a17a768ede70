package dev.scard.pcsc.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;

/**
 * The real PC/SC daemon for the tests that need one (DESIGN §7): pcscd with the vsmartcard vpcd driver, whose two
 * readers "Virtual PCD 00 00" and "Virtual PCD 00 01" take {@link VpcdTestCard}s.
 *
 * <p>When a pcscd with the vpcd readers already runs, the tests use it (and never stop it). Otherwise, when this
 * process runs as root and pcscd and the vpcd driver are installed, the rig starts a private {@code pcscd -f} (its
 * output goes to {@code target/pcscd-test.log}) and stops it when the JVM exits. Only such a pcscd may be stopped and
 * restarted by the tests ({@link #restartable()}), or one whose starter says so with the environment variable
 * {@code SCARD_PCSCD_RESTARTABLE=true} ({@code .ci/run} does): the rig then stops it by the pid in
 * /run/pcscd/pcscd.pid and starts a replacement that outlives the tests, as the starter expects a pcscd to run.
 * pcscd listens on /run/pcscd/pcscd.comm, so only one can run.
 *
 * <p>Without a usable pcscd the tests that need it are skipped with a loud message, except when the environment
 * variable {@code CI} is {@code true}: then they fail. {@code -Dscard.test.pcscd=<path>} names the pcscd to start;
 * a path where there is none ({@code /nowhere}) tries the skip without uninstalling pcscd.
 */
final class PcscdRig {

    static final String READER_0 = "Virtual PCD 00 00";
    static final String READER_1 = "Virtual PCD 00 01";
    static final Path SOCKET = Path.of("/run/pcscd/pcscd.comm");
    static final Path PID_FILE = Path.of("/run/pcscd/pcscd.pid");
    private static final List<String> PCSCD_CANDIDATES = List.of("/usr/sbin/pcscd", "/usr/local/sbin/pcscd",
            "/sbin/pcscd");
    private static final List<String> VPCD_DRIVERS = List.of("/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
            "/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so");

    private static PcscdRig instance;

    private final String unavailable;
    /** Started by the rig (and stopped at exit), rather than found running. */
    private final boolean ours;
    private final String pcscd;
    private final Path log;
    private Process process;

    private PcscdRig(String unavailable, boolean ours, String pcscd, Path log) {
        this.unavailable = unavailable;
        this.ours = ours;
        this.pcscd = pcscd;
        this.log = log;
    }

    /** The rig, set up on first use: an existing pcscd, a private one, or the reason there is none. */
    static synchronized PcscdRig get() {
        if (instance == null) {
            instance = setUp();
        }
        return instance;
    }

    /** Skips the calling test loudly (or fails it on CI) when there is no usable pcscd; returns the rig otherwise. */
    static PcscdRig require() {
        PcscdRig rig = get();
        if (rig.unavailable != null) {
            skipOrFail(rig.unavailable, "true".equalsIgnoreCase(System.getenv("CI")));
        }
        return rig;
    }

    /** Fails (on CI) or skips the calling test loudly because there is no usable pcscd. */
    static void skipOrFail(String reason, boolean ci) {
        String message = "real-pcscd test not run: " + reason;
        if (ci) {
            fail(message + " (CI=true: a pcscd with the vsmartcard vpcd driver is required)");
        }
        banner(message);
        Assumptions.abort(message);
    }

    private static void banner(String message) {
        String line = "#".repeat(100);
        System.err.println(line);
        System.err.println("### SKIPPED: " + message);
        System.err.println("### Install pcscd and vsmartcard-vpcd and run the tests as root (or start pcscd first);");
        System.err.println("### with CI=true these tests fail instead of skipping.");
        System.err.println(line);
    }

    private static PcscdRig setUp() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return new PcscdRig("the real-pcscd tests run on Linux only", false, null, null);
        }
        String configured = System.getProperty("scard.test.pcscd");
        if (configured != null && !new File(configured).canExecute()) {
            // -Dscard.test.pcscd=/nowhere tries the skip (and the CI failure) without uninstalling pcscd
            return new PcscdRig("no pcscd at " + configured + " (-Dscard.test.pcscd)", false, null, null);
        }
        List<String> readers = readersNow();
        if (readers != null) {
            if (readers.contains(READER_0) && readers.contains(READER_1)) {
                return new PcscdRig(null, false, findPcscd(), Path.of("target", "pcscd-test.log").toAbsolutePath());
            }
            return new PcscdRig("a pcscd runs, but without the vpcd readers (" + readers + ")", false, null, null);
        }
        String pcscd = findPcscd();
        if (pcscd == null) {
            return new PcscdRig("pcscd is not running and not installed (apt install pcscd)", false, null, null);
        }
        if (VPCD_DRIVERS.stream().noneMatch(p -> new File(p).exists())) {
            return new PcscdRig("the vpcd driver is not installed (apt install vsmartcard-vpcd)", false, null, null);
        }
        if (!isRoot()) {
            return new PcscdRig("pcscd is not running and only root may start it", false, null, null);
        }
        PcscdRig rig = new PcscdRig(null, true, pcscd, Path.of("target", "pcscd-test.log").toAbsolutePath());
        try {
            rig.startPcscd();
        } catch (IOException | InterruptedException | IllegalStateException e) {
            rig.stopPcscd();
            return new PcscdRig("could not start pcscd: " + e, false, null, null);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(rig::stopOwnAtExit, "stop-test-pcscd"));
        return rig;
    }

    private static String findPcscd() {
        String configured = System.getProperty("scard.test.pcscd");
        if (configured != null) {
            return configured;
        }
        return PCSCD_CANDIDATES.stream().filter(p -> new File(p).canExecute()).findFirst().orElse(null);
    }

    /** The PC/SC readers now, or null when no pcscd answers. */
    static List<String> readersNow() {
        try {
            JnaPcscApi api = JnaPcscApi.load(PcscPlatform.current(), null);
            long[] context = new long[1];
            if (api.establishContext(context) != PcscErrors.SUCCESS) {
                return null;
            }
            try {
                List<String> names = new ArrayList<>();
                int code = api.listReaders(context[0], names);
                return code == PcscErrors.SUCCESS || code == PcscErrors.E_NO_READERS_AVAILABLE ? names : null;
            } finally {
                api.releaseContext(context[0]);
            }
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /**
     * Whether the tests may stop and restart pcscd: the rig started it, or its starter allowed it
     * ({@code SCARD_PCSCD_RESTARTABLE=true}) and this process may start a new one (root).
     */
    boolean restartable() {
        return ours || ("true".equalsIgnoreCase(System.getenv("SCARD_PCSCD_RESTARTABLE")) && pcscd != null
                && isRoot());
    }

    /** Starts pcscd (the rig's own, or a replacement of the one found running) and waits for its vpcd readers. */
    synchronized void startPcscd() throws IOException, InterruptedException {
        if (!restartable()) {
            throw new IllegalStateException("this pcscd was not started by the tests and may not be restarted");
        }
        if (process != null && process.isAlive()) {
            return;
        }
        Files.createDirectories(log.getParent());
        process = new ProcessBuilder(pcscd, "-f").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("pcscd exited with " + process.exitValue() + "; see " + log);
            }
            List<String> readers = readersNow();
            if (readers != null && readers.contains(READER_0) && readers.contains(READER_1)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("pcscd did not list the vpcd readers within 15 s; see " + log);
    }

    /** Stops pcscd (SIGTERM, then SIGKILL) and waits until it is gone. */
    synchronized void stopPcscd() {
        ProcessHandle running = process != null ? process.toHandle() : runningPcscd();
        if (running == null) {
            return;
        }
        process = null;
        running.destroy();
        try {
            try {
                running.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                running.destroyForcibly();
                running.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (Files.exists(SOCKET) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("pcscd (pid " + running.pid() + ") did not stop", e);
        }
    }

    /** The pcscd named in its pid file, when it runs and the tests may stop it. */
    private ProcessHandle runningPcscd() {
        if (!restartable()) {
            return null;
        }
        try {
            long pid = Long.parseLong(Files.readString(PID_FILE).trim());
            return ProcessHandle.of(pid).filter(p -> p.info().command().map(c -> c.endsWith("pcscd")).orElse(true))
                    .orElse(null);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** Stops the rig's own pcscd when the JVM exits; a replacement of one found running stays. */
    private void stopOwnAtExit() {
        if (ours) {
            stopPcscd();
        }
    }
}
