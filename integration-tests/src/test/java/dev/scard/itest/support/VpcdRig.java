package dev.scard.itest.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Assumptions;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.SimulatorControl;

/**
 * The real PC/SC path for in-framework tests, as {@code PcscConformanceTest} sets it up: pcscd with the vsmartcard
 * vpcd driver, whose readers hold the simulator's cards ("Simulated Reader 0" served to "Virtual PCD 00 00" on
 * port 35963, "Simulated Reader 1" to "Virtual PCD 00 01" on 35964). Without pcscd or the driver a test is skipped
 * (the first skip in the framework says so in one line on standard error), except under {@code CI=true}, where that
 * is a failure.
 *
 * <p>Tests may stop and restart that pcscd ({@link #stopPcscd()}, {@link #startPcscd()}) only when its starter allows
 * it with {@code SCARD_PCSCD_RESTARTABLE=true}, as {@code .ci/run} does for the private pcscd it starts in a namespace
 * of its own: the running pcscd is stopped by the pid in /run/pcscd/pcscd.pid and a replacement
 * ({@code pcscd -f}) is started that stays running for the tests after.
 */
public final class VpcdRig {

    /** The vpcd reader that holds the simulator's default card. */
    public static final String CARD_READER = "Virtual PCD 00 00";
    /** The vpcd reader behind "Simulated Reader 1", empty unless a test inserts a card there. */
    public static final String EMPTY_READER = "Virtual PCD 00 01";
    /** Simulated reader -> vpcd port, as {@code PcscConformanceTest} serves them. */
    public static final Map<String, Integer> SERVED = Map.of("Simulated Reader 0", SimulatorControl.VPCD_PORT,
            "Simulated Reader 1", SimulatorControl.VPCD_PORT + 1);
    /** Simulated reader -> the vpcd reader that shows its card. */
    public static final Map<String, String> VPCD_READER = Map.of("Simulated Reader 0", CARD_READER,
            "Simulated Reader 1", EMPTY_READER);
    /** How long pcscd may take to notice an insertion or removal (it polls vpcd about every 0.4 s). */
    public static final long PCSCD_NOTICE_MILLIS = 5_000;

    /**
     * How long vpcd may take to talk to a card that connected: it polls every 0.4 s, but a slot whose previous
     * card went away without closing its connection (a framework that was killed) stays taken for a while.
     */
    public static final long SERVE_WAIT_MILLIS = 15_000;

    private static final Path SOCKET = Path.of("/run/pcscd/pcscd.comm");
    private static final Path PID_FILE = Path.of("/run/pcscd/pcscd.pid");
    private static final List<String> PCSCD_CANDIDATES = List.of("/usr/sbin/pcscd", "/usr/local/sbin/pcscd",
            "/sbin/pcscd");
    private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();
    private static final long SETTLE_QUIET_MILLIS = 5_000;
    private static final long SETTLE_MAX_MILLIS = 30_000;

    /** The replacement pcscd {@link #startPcscd()} started last. */
    private static Process replacement;

    private VpcdRig() {
    }

    /** Why the rig cannot run here (no driver, no pcscd), or null when it can. */
    public static String missing() {
        if (!new File("/usr/lib/pcsc/drivers/serial/libifdvpcd.so").exists()) {
            return "the vpcd driver is not installed (apt-get install pcscd vsmartcard-vpcd)";
        }
        if (!Files.exists(SOCKET)) {
            return "pcscd is not running (no " + SOCKET + ")";
        }
        return null;
    }

    /**
     * Skips the calling test with a loud message when the rig is missing, or fails it under {@code CI=true}.
     *
     * @param what what cannot be tested, for the message
     */
    public static void require(String what) {
        String missing = missing();
        if (missing != null) {
            skip(what, missing);
        }
    }

    /**
     * {@link #serve}s and skips the calling test (fails it under {@code CI=true}) when vpcd does not talk to the
     * simulator's card: another card program holds vpcd's first slot (tests of other projects on this pcscd).
     */
    public static void requireServing(String what, SimulatorControl control, SCardResourceManager pcsc)
            throws InterruptedException {
        if (!serve(control, pcsc)) {
            skip(what, "vpcd does not talk to the simulator's card on port " + SimulatorControl.VPCD_PORT
                    + ": another card program holds that vpcd slot (" + control.served() + ")");
        }
    }

    /**
     * Skips the calling test because the PC/SC rig is missing, or fails it under {@code CI=true}; the first skip in
     * this framework says so in one line on standard error.
     *
     * @param what what cannot be tested, for the message
     * @param why what is missing
     */
    public static void skip(String what, String why) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(what + " cannot run (CI=true): " + why);
        }
        if (ANNOUNCED.compareAndSet(false, true)) {
            System.err.println("### PC/SC tests SKIPPED: " + why + " (integration-tests, first: " + what + "; start"
                    + " pcscd with the vsmartcard vpcd driver, or run .ci/run; with CI=true these tests fail) ###");
        }
        Assumptions.abort(what + " skipped: " + why);
    }

    /**
     * Skips the calling test (fails it under {@code CI=true}) unless the running pcscd may be stopped and restarted:
     * its starter set {@code SCARD_PCSCD_RESTARTABLE=true} and a pcscd executable is there to start a replacement.
     *
     * @param what what cannot be tested, for the message
     */
    public static void requireRestartable(String what) {
        if (!"true".equalsIgnoreCase(System.getenv("SCARD_PCSCD_RESTARTABLE"))) {
            skip(what, "the running pcscd may not be restarted: start it with SCARD_PCSCD_RESTARTABLE=true, as"
                    + " .ci/run does with its private pcscd");
        }
        if (pcscdExecutable() == null) {
            skip(what, "no pcscd executable in " + PCSCD_CANDIDATES + " to restart it with");
        }
    }

    private static String pcscdExecutable() {
        return PCSCD_CANDIDATES.stream().filter(p -> new File(p).canExecute()).findFirst().orElse(null);
    }

    /**
     * Stops the running pcscd (SIGTERM, then SIGKILL after 10 s): the replacement started last, or the one named in
     * /run/pcscd/pcscd.pid; waits until its socket is gone. Only after {@link #requireRestartable}.
     */
    public static synchronized void stopPcscd() throws IOException, InterruptedException {
        end(runningPcscd(), false);
    }

    /** Kills the running pcscd at once (SIGKILL), as a crash would, and waits until it is gone. */
    public static synchronized void killPcscd() throws IOException, InterruptedException {
        end(runningPcscd(), true);
    }

    private static ProcessHandle runningPcscd() throws IOException {
        ProcessHandle running = replacement != null && replacement.isAlive() ? replacement.toHandle()
                : ProcessHandle.of(Long.parseLong(Files.readString(PID_FILE).trim())).orElseThrow(
                        () -> new AssertionError("no pcscd runs with the pid in " + PID_FILE));
        replacement = null;
        return running;
    }

    /**
     * Ends pcscd and waits until it is gone, or a zombie its parent has not reaped yet (it no longer serves
     * anything), and its socket with it.
     */
    private static void end(ProcessHandle pcscd, boolean kill) throws InterruptedException, IOException {
        if (kill) {
            pcscd.destroyForcibly();
        } else {
            pcscd.destroy();
        }
        long forceAt = System.currentTimeMillis() + 10_000;
        long giveUpAt = forceAt + 5_000;
        while (pcscd.isAlive() && !zombie(pcscd.pid())) {
            if (System.currentTimeMillis() > giveUpAt) {
                throw new AssertionError("pcscd (pid " + pcscd.pid() + ") did not stop");
            }
            if (System.currentTimeMillis() > forceAt) {
                pcscd.destroyForcibly();
            }
            Thread.sleep(20);
        }
        long deadline = System.currentTimeMillis() + 5_000;
        while (Files.exists(SOCKET) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        Files.deleteIfExists(SOCKET);
    }

    /** Whether process {@code pid} has ended but was not reaped (state Z in {@code /proc/<pid>/stat}). */
    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 1).trim().startsWith("Z");
        } catch (IOException | RuntimeException e) {
            return true; // no such process any more
        }
    }

    /**
     * After a pcscd restart: serves both readers again ({@link #serve}) and waits until their vpcd links have
     * stayed up for {@value #SETTLE_QUIET_MILLIS} ms at a stretch (at most {@value #SETTLE_MAX_MILLIS} ms). A new
     * pcscd connects to vpcd's ports more than once while it sets its readers up, and each new connection powers the
     * card up again, which other connections to the simulated card see as a reset: the tests after a restart must
     * not start in the middle of that.
     */
    public static void settle(SimulatorControl control, SCardResourceManager pcsc) throws InterruptedException {
        serve(control, pcsc);
        long deadline = System.currentTimeMillis() + SETTLE_MAX_MILLIS;
        long quietSince = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            boolean settled = control.served().stream().filter(s -> SERVED.containsKey(s.readerName()))
                    .allMatch(s -> s.state() == ServedReader.State.SERVING || s.state() == ServedReader.State.NO_CARD);
            if (!settled) {
                quietSince = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - quietSince >= SETTLE_QUIET_MILLIS) {
                return;
            }
            Thread.sleep(20);
        }
    }

    /**
     * Starts a replacement pcscd ({@code pcscd -f}, its output appended to {@code pcscd-itest.log} in the working
     * directory) that outlives the test, and waits up to 10 s for its socket. Only after {@link #requireRestartable}.
     */
    public static synchronized void startPcscd() throws IOException, InterruptedException {
        File log = new File("pcscd-itest.log").getAbsoluteFile();
        replacement = new ProcessBuilder(pcscdExecutable(), "-f").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (!Files.exists(SOCKET)) {
            if (!replacement.isAlive() || System.currentTimeMillis() > deadline) {
                throw new AssertionError("pcscd -f did not start (alive: " + replacement.isAlive() + "); see " + log);
            }
            Thread.sleep(20);
        }
    }

    /**
     * Serves both simulated readers to vpcd (a reader already served there keeps its connection), waits until vpcd
     * talks to the card of "Simulated Reader 0" and pcscd shows it (and shows the other reader empty when it is).
     *
     * @return false when vpcd did not talk to the simulator's card within {@link #SERVE_WAIT_MILLIS} (its slot is
     *         taken); pcscd was not waited for then
     */
    public static boolean serve(SimulatorControl control, SCardResourceManager pcsc) throws InterruptedException {
        for (Map.Entry<String, Integer> served : SERVED.entrySet()) {
            control.serve(served.getKey(), SimulatorControl.VPCD_HOST, served.getValue());
        }
        long deadline = System.currentTimeMillis() + SERVE_WAIT_MILLIS;
        while (!serving(control, "Simulated Reader 0")) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        for (String simulated : SERVED.keySet()) {
            awaitPcscd(pcsc, VPCD_READER.get(simulated), control.isCardPresent(simulated));
        }
        return true;
    }

    private static boolean serving(SimulatorControl control, String reader) {
        return control.served().stream()
                .anyMatch(s -> s.readerName().equals(reader) && s.state() == ServedReader.State.SERVING);
    }

    /**
     * Takes the simulated readers off vpcd for a test class that uses them in-process only (an {@code @BeforeAll}):
     * pcscd powers a served card off and on by itself a while after its last PC/SC use, and such a reset, a real one
     * that every connection sees, would reach the class's tests as "reset by someone else" at any moment. Does
     * nothing where the simulator or no served reader is there.
     *
     * @return whether a reader was served, so that {@link #serveAgain} puts them back (an {@code @AfterAll})
     */
    public static boolean unserveForInProcessTests() throws InterruptedException {
        BundleContext context = FrameworkUtil.getBundle(VpcdRig.class).getBundleContext();
        ServiceReference<SimulatorControl> reference = context.getServiceReference(SimulatorControl.class);
        SimulatorControl control = reference == null ? null : context.getService(reference);
        if (control == null) {
            return false;
        }
        try {
            boolean wasServed = false;
            for (String reader : SERVED.keySet()) {
                wasServed |= control.unserve(reader);
            }
            return wasServed;
        } finally {
            context.ungetService(reference);
        }
    }

    /** Serves the simulated readers to vpcd again after {@link #unserveForInProcessTests}, when PC/SC is there. */
    public static void serveAgain() throws InterruptedException, InvalidSyntaxException {
        BundleContext context = FrameworkUtil.getBundle(VpcdRig.class).getBundleContext();
        ServiceReference<SimulatorControl> control = context.getServiceReference(SimulatorControl.class);
        var pcsc = context.getServiceReferences(SCardResourceManager.class, "(scard.backend=pcsc)");
        if (control == null || pcsc.isEmpty()) {
            return;
        }
        ServiceReference<SCardResourceManager> pcscReference = pcsc.iterator().next();
        try {
            serve(context.getService(control), context.getService(pcscReference));
        } finally {
            context.ungetService(control);
            context.ungetService(pcscReference);
        }
    }

    /** Whether both simulated readers are served to vpcd at the moment. */
    public static boolean served(SimulatorControl control) {
        return control.served().stream().map(ServedReader::readerName).toList().containsAll(SERVED.keySet());
    }

    /** Waits until pcscd reports a card in {@code reader} (or none), failing after {@link #PCSCD_NOTICE_MILLIS}. */
    public static void awaitPcscd(SCardResourceManager pcsc, String reader, boolean cardPresent)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + PCSCD_NOTICE_MILLIS;
        String seen = "nothing";
        while (System.currentTimeMillis() < deadline) {
            try {
                for (ReaderInfo info : pcsc.listReaders()) {
                    if (info.name().equals(reader)) {
                        seen = info.toString();
                        if (info.cardPresent() == cardPresent) {
                            return;
                        }
                    }
                }
            } catch (SCardException e) {
                seen = e.getMessage();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("pcscd did not show " + (cardPresent ? "a card" : "no card") + " in '" + reader
                + "' within " + PCSCD_NOTICE_MILLIS + " ms; last seen: " + seen);
    }
}
