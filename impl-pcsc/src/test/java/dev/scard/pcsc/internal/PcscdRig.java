package dev.scard.pcsc.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Assumptions;

/**
 * The real PC/SC daemon for the tests that need one: a running pcscd with the vsmartcard vpcd driver, whose two
 * readers "Virtual PCD 00 00" and "Virtual PCD 00 01" take {@link VpcdTestCard}s. The rig never starts a pcscd of its
 * own (pcscd's socket /run/pcscd/pcscd.comm and vpcd's ports are shared by everything on the machine): its starter
 * does, {@code .ci/run} in a private mount and network namespace.
 *
 * <p>The tests may stop and restart that pcscd ({@link #restartable()}) only when its starter says so with the
 * environment variable {@code SCARD_PCSCD_RESTARTABLE=true} ({@code .ci/run} does, as its pcscd is private) and this
 * process runs as root: the rig then stops it by the pid in /run/pcscd/pcscd.pid and starts a replacement
 * ({@code pcscd -f}, output to {@code target/pcscd-test.log}) that outlives the tests, as the starter expects a pcscd
 * to run.
 *
 * <p>Without a usable pcscd the tests that need it are skipped, announced by one line on standard error per JVM,
 * except when the environment variable {@code CI} is {@code true}: then they fail. {@code -Dscard.test.pcscd=<path>}
 * names the pcscd to restart; a path where there is none ({@code /nowhere}) tries the skip without stopping pcscd.
 */
final class PcscdRig {

    static final String READER_0 = "Virtual PCD 00 00";
    static final String READER_1 = "Virtual PCD 00 01";
    static final Path SOCKET = Path.of("/run/pcscd/pcscd.comm");
    static final Path PID_FILE = Path.of("/run/pcscd/pcscd.pid");
    private static final List<String> PCSCD_CANDIDATES = List.of("/usr/sbin/pcscd", "/usr/local/sbin/pcscd",
            "/sbin/pcscd");

    private static PcscdRig instance;
    private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();

    private final String unavailable;
    private final String pcscd;
    private final Path log;
    private Process process;

    private PcscdRig(String unavailable, String pcscd, Path log) {
        this.unavailable = unavailable;
        this.pcscd = pcscd;
        this.log = log;
    }

    /** The rig, set up on first use: the running pcscd, or the reason there is none. */
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
            boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
            if (!ci && ANNOUNCED.compareAndSet(false, true)) {
                System.err.println("### PC/SC tests SKIPPED: " + rig.unavailable + " (impl-pcsc; start pcscd with "
                        + "the vsmartcard vpcd driver, or run .ci/run; with CI=true these tests fail) ###");
            }
            skipOrFail(rig.unavailable, ci);
        }
        return rig;
    }

    /**
     * Fails (on CI) or skips the calling test because there is no usable pcscd ({@link #require()} announces the
     * first skip in a JVM in one line on standard error).
     */
    static void skipOrFail(String reason, boolean ci) {
        if (ci) {
            fail("PC/SC tests cannot run: " + reason + " (CI=true: a pcscd with the vsmartcard vpcd driver is "
                    + "required)");
        }
        Assumptions.abort("PC/SC tests SKIPPED: " + reason);
    }

    private static PcscdRig setUp() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return new PcscdRig("the real-pcscd tests run on Linux only", null, null);
        }
        String configured = System.getProperty("scard.test.pcscd");
        if (configured != null && !new File(configured).canExecute()) {
            // -Dscard.test.pcscd=/nowhere tries the skip (and the CI failure) without stopping pcscd
            return new PcscdRig("no pcscd at " + configured + " (-Dscard.test.pcscd)", null, null);
        }
        List<String> readers = readersNow();
        if (readers == null) {
            return new PcscdRig("pcscd is not running (nothing answers on " + SOCKET + ")", null, null);
        }
        if (!readers.contains(READER_0) || !readers.contains(READER_1)) {
            return new PcscdRig("a pcscd runs, but without the vpcd readers (" + readers + ")", null, null);
        }
        return new PcscdRig(null, findPcscd(), Path.of("target", "pcscd-test.log").toAbsolutePath());
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
     * Whether the tests may stop and restart pcscd: its starter allowed it ({@code SCARD_PCSCD_RESTARTABLE=true})
     * and this process may start a new one (root).
     */
    boolean restartable() {
        return "true".equalsIgnoreCase(System.getenv("SCARD_PCSCD_RESTARTABLE")) && pcscd != null && isRoot();
    }

    /**
     * Skips the calling restart test (fails it when CI=true) unless the tests may stop and restart pcscd
     * ({@link #restartable()}).
     */
    void requireRestartable() {
        if (!restartable()) {
            String reason = "the running pcscd may not be restarted: start it with SCARD_PCSCD_RESTARTABLE=true, as "
                    + ".ci/run does with its private pcscd";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("pcscd restart test cannot run (CI=true): " + reason);
            }
            Assumptions.abort(reason);
        }
    }

    /** Starts a replacement of the pcscd {@link #stopPcscd()} stopped and waits for its vpcd readers. */
    synchronized void startPcscd() throws IOException, InterruptedException {
        if (!restartable()) {
            throw new IllegalStateException("this pcscd may not be restarted (SCARD_PCSCD_RESTARTABLE is not true)");
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
}
