package dev.scard.simulator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import javax.smartcardio.Card;
import javax.smartcardio.CardChannel;
import javax.smartcardio.CardException;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CommandAPDU;
import javax.smartcardio.TerminalFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.simulator.control.ServedReader.State;

/**
 * The simulator's default card served to a real pcscd through the vsmartcard vpcd driver, seen through
 * javax.smartcardio as a PC/SC application sees it.
 *
 * <p>Needs the Debian packages {@code pcscd} and {@code vsmartcard-vpcd}. A pcscd that is running already (its socket
 * {@code /run/pcscd/pcscd.comm} exists and a {@code pcscd} process runs) is used as it is; otherwise the test starts
 * {@code pcscd -f} (as root) and stops it at the end. The card goes to vpcd's first slot ({@code Virtual PCD 00 00},
 * port 35963), or to the second when another card holds the first. Without pcscd or vpcd the tests are skipped with
 * a loud message, but fail when {@code CI=true}. The restart test runs only with a pcscd this test started.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PcscdVpcdTest {

    static final HexFormat HEX = HexFormat.of().withUpperCase();
    /** The daemon; {@code -Dscard.test.pcscd=/nowhere} tries the skip (and the CI failure) without uninstalling it. */
    static final String PCSCD = System.getProperty("scard.test.pcscd", "/usr/sbin/pcscd");
    static final Path SOCKET = Paths.get("/run/pcscd/pcscd.comm");
    static final String VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
    static final String LIBRARY = "/usr/lib/x86_64-linux-gnu/libpcsclite.so.1";
    static final String LIBRARY_PROPERTY = "sun.security.smartcardio.library";
    static final String[] SLOTS = {"Virtual PCD 00 00", "Virtual PCD 00 01"};
    static final int[] PORTS = {35963, 35964};
    static final byte[] SELECT_MF_NO_FCI = HEX.parseHex("00A4000C023F00");

    static Process ownPcscd;
    /**
     * Whether the restart test replaced a pcscd it did not start (allowed when {@code SCARD_PCSCD_RESTARTABLE=true},
     * as {@code .ci/run} sets it); the replacement then stays running for the tests after this one.
     */
    static volatile boolean replacedForeignPcscd;
    static Path pcscdLog;
    static SimulatorBackend backend;
    static VpcdLink link;
    static CardTerminal terminal;
    static String slot;
    static int port;

    // ---------------------------------------------------------------- set-up

    /** Why the tests cannot run here, or null. */
    static String unavailable;

    @BeforeAll
    static void startPcscdAndServe() throws Exception {
        try {
            setUp();
        } catch (Unavailable e) {
            unavailable = e.getMessage();
            System.err.println();
            System.err.println("############################################################################");
            System.err.println("### SKIPPING THE REAL PC/SC TESTS OF THE VPCD LINK");
            System.err.println("### " + unavailable);
            System.err.println("############################################################################");
            System.err.println();
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(unavailable + " (CI=true: these tests must run)");
            }
        }
    }

    /** Each test is reported skipped (not silently absent) when pcscd or vpcd is not there. */
    @BeforeEach
    void skipWhenUnavailable() {
        Assumptions.assumeTrue(unavailable == null, unavailable);
    }

    static void setUp() throws Exception {
        if (!new File(PCSCD).canExecute() || !new File(VPCD_DRIVER).exists()) {
            unavailable("pcscd (" + PCSCD + ") or the vpcd driver (" + VPCD_DRIVER + ") is not installed: "
                    + "apt-get install pcscd vsmartcard-vpcd");
        }
        if (pcscdRunning()) {
            System.out.println("PcscdVpcdTest: using the pcscd that is running already");
        } else {
            startPcscd();
        }
        if (System.getProperty(LIBRARY_PROPERTY) == null && new File(LIBRARY).exists()) {
            System.setProperty(LIBRARY_PROPERTY, LIBRARY);
        }
        TerminalFactory factory = TerminalFactory.getDefault();
        if (!"PC/SC".equals(factory.getType())) {
            unavailable("javax.smartcardio found no PC/SC library (factory type " + factory.getType() + ")");
        }
        // vpcd's readers appear when pcscd has read its configuration.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (factory.terminals().getTerminal(SLOTS[0]) == null && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        for (int i = 0; i < SLOTS.length && slot == null; i++) {
            CardTerminal candidate = factory.terminals().getTerminal(SLOTS[i]);
            if (candidate != null && !candidate.isCardPresent()) {
                slot = SLOTS[i];
                port = PORTS[i];
                terminal = candidate;
            }
        }
        if (slot == null) {
            unavailable("neither vpcd reader (" + String.join(", ", SLOTS) + ") is free in pcscd: "
                    + factory.terminals().list());
        }
        System.out.println("PcscdVpcdTest: serving the simulated card on '" + slot + "' (port " + port + ")");
        backend = SimulatorBackend.standalone(List.of(SimulatorBackendTest.R0));
        backend.insert(SimulatorBackendTest.R0, new MinimalIsoCard());
        backend.serve(SimulatorBackendTest.R0, "127.0.0.1", port);
        link = backend.link(SimulatorBackendTest.R0);
        assertThat(link.awaitState(State.SERVING, 5000)).as("vpcd talks to the card: " + link.status()).isTrue();
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (backend != null) {
            backend.close();
        }
        if (!replacedForeignPcscd) {
            stopOwnPcscd();
        }
    }

    /** pcscd or vpcd is not there: the tests are skipped loudly, or fail under CI. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String why) {
            super("PcscdVpcdTest: " + why);
        }
    }

    static void unavailable(String why) throws Unavailable {
        throw new Unavailable(why);
    }

    static boolean pcscdRunning() {
        return Files.exists(SOCKET) && ProcessHandle.allProcesses().anyMatch(p -> p.info().command()
                .map(command -> command.endsWith("/pcscd")).orElse(false));
    }

    static void startPcscd() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            unavailable("no pcscd is running and only root can start one (pcscd -f)");
        }
        pcscdLog = Paths.get("target", "pcscd-test.log").toAbsolutePath();
        Files.createDirectories(pcscdLog.getParent());
        ownPcscd = new ProcessBuilder(PCSCD, "-f").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(pcscdLog.toFile())).start();
        Runtime.getRuntime().addShutdownHook(new Thread(PcscdVpcdTest::killOwnPcscdNow));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!Files.exists(SOCKET) && ownPcscd.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (!ownPcscd.isAlive() || !Files.exists(SOCKET)) {
            unavailable("pcscd -f did not start; see " + pcscdLog);
        }
        System.out.println("PcscdVpcdTest: started pcscd -f (pid " + ownPcscd.pid() + "), log in " + pcscdLog);
    }

    static void stopOwnPcscd() throws InterruptedException {
        if (ownPcscd != null) {
            ownPcscd.destroy(); // SIGTERM: pcscd removes its socket
            if (!ownPcscd.waitFor(5, TimeUnit.SECONDS)) {
                ownPcscd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            System.out.println("PcscdVpcdTest: stopped pcscd (pid " + ownPcscd.pid() + ")");
            ownPcscd = null;
        }
    }

    /** Stops the pcscd someone else started (SCARD_PCSCD_RESTARTABLE); the restart starts this test's own. */
    static void stopForeignPcscd() throws InterruptedException {
        replacedForeignPcscd = true;
        for (ProcessHandle pcscd : ProcessHandle.allProcesses().filter(p -> p.info().command()
                .map(command -> command.endsWith("/pcscd")).orElse(false)).toList()) {
            pcscd.destroy();
            pcscd.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (Files.exists(SOCKET) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        System.out.println("PcscdVpcdTest: stopped the running pcscd to restart it (SCARD_PCSCD_RESTARTABLE)");
    }

    static void killOwnPcscdNow() {
        Process process = ownPcscd;
        if (process != null && !replacedForeignPcscd) {
            process.destroyForcibly();
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Polls until the reader shows the card present (or absent); returns the milliseconds it took. */
    static long awaitPresence(boolean present, long timeoutMillis) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeoutMillis * 1_000_000L;
        while (terminal.isCardPresent() != present) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("'" + slot + "' still shows the card " + (present ? "absent" : "present")
                        + " after " + timeoutMillis + " ms; link: " + link.status());
            }
            Thread.sleep(10);
        }
        return (System.nanoTime() - start) / 1_000_000L;
    }

    static String transmit(CardChannel channel, String hex) throws CardException {
        return HEX.formatHex(channel.transmit(new CommandAPDU(HEX.parseHex(hex))).getBytes());
    }

    // ---------------------------------------------------------------- tests

    @Test
    @Order(1)
    void pcscSeesTheSimulatedCardAndItAnswers() throws Exception {
        awaitPresence(true, 2000);
        Card card = terminal.connect("*");
        try {
            assertThat(HEX.formatHex(card.getATR().getBytes())).isEqualTo(SimulatorBackendTest.ATR);
            assertThat(card.getProtocol()).isEqualTo("T=1");
            CardChannel channel = card.getBasicChannel();
            assertThat(transmit(channel, "00A4000C023F00")).isEqualTo("9000");
            assertThat(transmit(channel, "00A40000023F00")).isEqualTo(SimulatorComponentsTest.FCP + "9000");
            assertThat(transmit(channel, "0084000008")).hasSize(20).endsWith("9000");
            assertThat(transmit(channel, "00CA0000")).isEqualTo("6D00");
        } finally {
            card.disconnect(false);
        }
    }

    @Test
    @Order(2)
    void removingTheSimulatedCardEmptiesThePcscReaderAndInsertingRefillsIt() throws Exception {
        awaitPresence(true, 2000);
        backend.remove(SimulatorBackendTest.R0);
        long removed = awaitPresence(false, 1000);
        backend.insert(SimulatorBackendTest.R0);
        long inserted = awaitPresence(true, 1000);
        System.out.printf("PcscdVpcdTest: pcscd saw the removal after %d ms and the insertion after %d ms%n",
                removed, inserted);
        Card card = terminal.connect("*");
        try {
            assertThat(transmit(card.getBasicChannel(), "00A4000C023F00")).isEqualTo("9000");
        } finally {
            card.disconnect(false);
        }
    }

    @Test
    @Order(3)
    void aPcscCommandWaitsForAnInProcessTransaction() throws Exception {
        awaitPresence(true, 2000);
        Card card = terminal.connect("*");
        ExecutorService background = Executors.newSingleThreadExecutor();
        SimulatedConnection inProcess = backend.connect(SimulatorBackendTest.R0, ShareMode.SHARED,
                Protocol.T0_OR_T1);
        try {
            CardChannel channel = card.getBasicChannel();
            assertThat(transmit(channel, "00A4000C023F00")).isEqualTo("9000");
            assertThat(inProcess.beginTransaction(-1)).isTrue();
            Future<String> waiting = background.submit(() -> transmit(channel, "00A4000C023F00"));
            try {
                waiting.get(300, TimeUnit.MILLISECONDS);
                throw new AssertionError("the PC/SC command did not wait for the in-process transaction");
            } catch (TimeoutException expected) {
                // waiting, as it should
            }
            inProcess.endTransaction(Disposition.LEAVE);
            assertThat(waiting.get(2, TimeUnit.SECONDS)).isEqualTo("9000");
        } finally {
            inProcess.disconnect(Disposition.LEAVE);
            card.disconnect(false);
            background.shutdownNow();
        }
    }

    @Test
    @Order(4)
    void roundTripsPerSecondThroughPcscd() throws Exception {
        awaitPresence(true, 2000);
        Card card = terminal.connect("*");
        try {
            CardChannel channel = card.getBasicChannel();
            CommandAPDU select = new CommandAPDU(SELECT_MF_NO_FCI);
            for (int i = 0; i < 500; i++) { // warm-up
                channel.transmit(select);
            }
            int rounds = 0;
            long start = System.nanoTime();
            long end = start + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < end) {
                assertThat(channel.transmit(select).getSW()).isEqualTo(0x9000);
                rounds++;
            }
            double perSecond = rounds / ((System.nanoTime() - start) / 1e9);
            double micros = 1e6 / perSecond;
            String line = String.format("simulated card through pcscd + vpcd (javax.smartcardio, SELECT MF): "
                    + "%.0f APDUs per second, %.0f us per round trip (%d in 3 s)", perSecond, micros, rounds);
            System.out.println("PcscdVpcdTest: " + line);
            Files.writeString(Paths.get("target", "vpcd-pcscd-throughput.txt"), line + System.lineSeparator(),
                    StandardCharsets.UTF_8);
            assertThat(perSecond).as("APDUs per second through pcscd").isGreaterThan(1000);
        } finally {
            card.disconnect(false);
        }
    }

    /** Runs last: javax.smartcardio's context in this JVM does not survive pcscd's restart. */
    @Test
    @Order(100)
    void servesAgainAfterPcscdRestarts() throws Exception {
        boolean restartable = "true".equalsIgnoreCase(System.getenv("SCARD_PCSCD_RESTARTABLE"));
        Assumptions.assumeTrue(ownPcscd != null || restartable, "PcscdVpcdTest: the running pcscd belongs to"
                + " someone else; the restart test runs only with a pcscd this test started, or with"
                + " SCARD_PCSCD_RESTARTABLE=true");
        if (ownPcscd == null) {
            stopForeignPcscd();
        } else {
            stopOwnPcscd();
        }
        assertThat(link.awaitState(State.CONNECTING, 3000)).as("link after pcscd stopped: " + link.status())
                .isTrue();
        Thread.sleep(1500); // let the pause grow a little
        startPcscd();
        assertThat(link.awaitState(State.SERVING, 5000)).as("link after pcscd restarted: " + link.status())
                .isTrue();
        String probe = runProbe(slot, "00A4000C023F00");
        assertThat(probe).isEqualTo("present " + SimulatorBackendTest.ATR + " 9000");
    }

    /** Runs {@link PcscProbe} in a new JVM (a fresh PC/SC context) and returns its last line of output. */
    static String runProbe(String reader, String apdu) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-D" + LIBRARY_PROPERTY + "=" + System.getProperty(LIBRARY_PROPERTY, LIBRARY));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PcscProbe.class.getName());
        command.add(reader);
        command.add(apdu);
        Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!probe.waitFor(20, TimeUnit.SECONDS)) {
            probe.destroyForcibly();
            throw new AssertionError("the PC/SC probe hung: " + output);
        }
        try (Stream<String> lines = output.lines()) {
            return lines.reduce((first, second) -> second).orElse("").strip();
        }
    }
}
