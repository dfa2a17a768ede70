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
import dev.scard.testsupport.Worker;

/**
 * The simulator's default card served to a real pcscd through the vsmartcard vpcd driver, seen through
 * javax.smartcardio as a PC/SC application sees it.
 *
 * <p>Needs a running pcscd with the vsmartcard vpcd driver (Debian packages {@code pcscd} and
 * {@code vsmartcard-vpcd}); the test never starts one of its own ({@code .ci/run} starts a private one). The card goes
 * to vpcd's first slot ({@code Virtual PCD 00 00}, port 35963), or to the second when another card holds the first.
 * Without pcscd or vpcd the tests are skipped, announced by one line on standard error, but fail when
 * {@code CI=true}. The restart test stops pcscd (by the pid in /run/pcscd/pcscd.pid) and starts a replacement that
 * stays running, only when its starter allows it with {@code SCARD_PCSCD_RESTARTABLE=true} (as {@code .ci/run} does);
 * otherwise it is skipped, or fails under {@code CI=true}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PcscdVpcdTest {

    static final HexFormat HEX = HexFormat.of().withUpperCase();
    /** The daemon; {@code -Dscard.test.pcscd=/nowhere} tries the skip (and the CI failure) without uninstalling it. */
    static final String PCSCD = System.getProperty("scard.test.pcscd", "/usr/sbin/pcscd");
    static final Path SOCKET = Paths.get("/run/pcscd/pcscd.comm");
    static final Path PID_FILE = Paths.get("/run/pcscd/pcscd.pid");
    static final String VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
    /** pcsc-lite for javax.smartcardio (which does not look in Debian's multiarch folders), or null. */
    static final String LIBRARY = findLibrary();
    static final String LIBRARY_PROPERTY = "sun.security.smartcardio.library";
    static final String[] SLOTS = {"Virtual PCD 00 00", "Virtual PCD 00 01"};
    static final int[] PORTS = {35963, 35964};
    static final byte[] SELECT_MF_NO_FCI = HEX.parseHex("00A4000C023F00");

    /** The replacement pcscd the restart test started; it stays running for the tests after this one. */
    static Process replacement;
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
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(unavailable + " (CI=true: these tests must run)");
            }
            System.err.println("### PC/SC tests SKIPPED: " + unavailable + " (impl-simulator; start pcscd with the "
                    + "vsmartcard vpcd driver, or run .ci/run; with CI=true these tests fail) ###");
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
        if (!Files.exists(SOCKET)) {
            unavailable("pcscd is not running (no " + SOCKET + ")");
        }
        if (System.getProperty(LIBRARY_PROPERTY) == null && LIBRARY != null) {
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
    }

    /** pcscd or vpcd is not there: the tests are skipped loudly, or fail under CI. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String why) {
            super("PcscdVpcdTest: " + why);
        }
    }

    /** libpcsclite.so.1 in /usr/lib/<multiarch>, /usr/lib64 or /usr/lib, whichever exists first; null if none. */
    static String findLibrary() {
        List<Path> candidates = new ArrayList<>();
        try (Stream<Path> folders = Files.list(Paths.get("/usr/lib"))) {
            folders.filter(folder -> folder.getFileName().toString().endsWith("-linux-gnu")).sorted()
                    .forEach(folder -> candidates.add(folder.resolve("libpcsclite.so.1")));
        } catch (IOException e) {
            // no /usr/lib: none of the candidates exists either
        }
        candidates.add(Paths.get("/usr/lib64/libpcsclite.so.1"));
        candidates.add(Paths.get("/usr/lib/libpcsclite.so.1"));
        return candidates.stream().filter(Files::exists).map(Path::toString).findFirst().orElse(null);
    }

    static void unavailable(String why) throws Unavailable {
        throw new Unavailable(why);
    }

    /** Stops the running pcscd (the one in the pid file, or the replacement started here) and waits until it is gone. */
    static void stopPcscd() throws Exception {
        ProcessHandle pcscd = replacement != null ? replacement.toHandle()
                : ProcessHandle.of(Long.parseLong(Files.readString(PID_FILE).trim())).orElseThrow(
                        () -> new AssertionError("no pcscd runs with the pid in " + PID_FILE));
        pcscd.destroy(); // SIGTERM: pcscd removes its socket
        try {
            pcscd.onExit().get(5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            pcscd.destroyForcibly();
            pcscd.onExit().get(5, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (Files.exists(SOCKET) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        System.out.println("PcscdVpcdTest: stopped pcscd (pid " + pcscd.pid() + ") to restart it");
    }

    /** Starts the replacement pcscd ({@code pcscd -f}, output to target/pcscd-test.log) and waits for its socket. */
    static void startReplacementPcscd() throws Exception {
        Path log = Paths.get("target", "pcscd-test.log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        replacement = new ProcessBuilder(PCSCD, "-f").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!Files.exists(SOCKET) && replacement.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(replacement.isAlive() && Files.exists(SOCKET)).as("pcscd -f started; see " + log).isTrue();
        System.out.println("PcscdVpcdTest: started pcscd -f (pid " + replacement.pid() + "), log in " + log);
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
        awaitPresence(true, 10_000);
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
        awaitPresence(true, 10_000);
        backend.remove(SimulatorBackendTest.R0);
        long removed = awaitPresence(false, 10_000);
        backend.insert(SimulatorBackendTest.R0);
        long inserted = awaitPresence(true, 10_000);
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
        awaitPresence(true, 10_000);
        Card card = terminal.connect("*");
        SimulatedConnection inProcess = backend.connect(SimulatorBackendTest.R0, ShareMode.SHARED,
                Protocol.T0_OR_T1);
        try {
            CardChannel channel = card.getBasicChannel();
            assertThat(transmit(channel, "00A4000C023F00")).isEqualTo("9000");
            assertThat(inProcess.beginTransaction(-1)).isTrue();
            Worker<String> waiting = Worker.start("pcsc-transmit", () -> transmit(channel, "00A4000C023F00"));
            waiting.assertStillRunningAfter(Duration.ofMillis(300)); // the PC/SC command waits for the transaction
            inProcess.endTransaction(Disposition.LEAVE);
            assertThat(waiting.get(Duration.ofSeconds(2))).isEqualTo("9000");
        } finally {
            inProcess.disconnect(Disposition.LEAVE);
            card.disconnect(false);
        }
    }

    @Test
    @Order(4)
    void manyRoundTripsThroughPcscdAreAllAnswered() throws Exception {
        // the rate is measured by PcscBenchmark in the benchmarks module
        awaitPresence(true, 10_000);
        Card card = terminal.connect("*");
        try {
            CardChannel channel = card.getBasicChannel();
            CommandAPDU select = new CommandAPDU(SELECT_MF_NO_FCI);
            for (int i = 0; i < 2000; i++) {
                assertThat(channel.transmit(select).getSW()).as("APDU %d", i).isEqualTo(0x9000);
            }
        } finally {
            card.disconnect(false);
        }
    }

    @Test
    @Order(5)
    void theFieldCardSpeaksStrictT0ThroughPcscd() throws Exception {
        awaitPresence(true, 10_000);
        backend.remove(SimulatorBackendTest.R0);
        awaitPresence(false, 10_000);
        backend.insertProfile(SimulatorBackendTest.R0, Paths.get("field-card.json"));
        try {
            awaitPresence(true, 10_000);
            Card card = terminal.connect("*");
            try {
                assertThat(HEX.formatHex(card.getATR().getBytes())).isEqualTo("3B084649454C4453494D");
                assertThat(card.getProtocol()).as("the ATR offers T=0 only").isEqualTo("T=0");
                CardChannel channel = card.getBasicChannel();
                // javax.smartcardio follows 61xx with GET RESPONSE and resends on 6Cxx, as a T=0 client must
                assertThat(transmit(channel, "00A40000023F0000")).startsWith("6F17").endsWith("9000");
                assertThat(transmit(channel, "00A4080C022F01")).isEqualTo("9000");
                assertThat(transmit(channel, "00B0000000")).as("6C40, then Le 40").hasSize(2 * 64 + 4)
                        .endsWith("9000");
                assertThat(transmit(channel, "8016000000")).isEqualTo("6D00");
                assertThat(transmit(channel, "00200001")).as("an empty VERIFY counts").isEqualTo("6300");
                assertThat(transmit(channel, "0020000104" + "31323334")).isEqualTo("9000");
            } finally {
                card.disconnect(true);
            }
        } finally {
            backend.remove(SimulatorBackendTest.R0);
            awaitPresence(false, 10_000);
            backend.insert(SimulatorBackendTest.R0, new MinimalIsoCard());
            awaitPresence(true, 10_000);
        }
    }

    /** Runs last: javax.smartcardio's context in this JVM does not survive pcscd's restart. */
    @Test
    @Order(100)
    void servesAgainAfterPcscdRestarts() throws Exception {
        if (!"true".equalsIgnoreCase(System.getenv("SCARD_PCSCD_RESTARTABLE"))) {
            String why = "PcscdVpcdTest: the running pcscd may not be restarted: start it with "
                    + "SCARD_PCSCD_RESTARTABLE=true, as .ci/run does with its private pcscd";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(why + " (CI=true: the restart test must run)");
            }
            Assumptions.abort(why);
        }
        stopPcscd();
        assertThat(link.awaitState(State.CONNECTING, 3000)).as("link after pcscd stopped: " + link.status())
                .isTrue();
        Thread.sleep(1500); // let the pause grow a little
        startReplacementPcscd();
        assertThat(link.awaitState(State.SERVING, 5000)).as("link after pcscd restarted: " + link.status())
                .isTrue();
        String probe = runProbe(slot, "00A4000C023F00");
        assertThat(probe).isEqualTo("present " + SimulatorBackendTest.ATR + " 9000");
    }

    /** Runs {@link PcscProbe} in a new JVM (a fresh PC/SC context) and returns its last line of output. */
    static String runProbe(String reader, String apdu) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        if (System.getProperty(LIBRARY_PROPERTY) != null) {
            command.add("-D" + LIBRARY_PROPERTY + "=" + System.getProperty(LIBRARY_PROPERTY));
        }
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
