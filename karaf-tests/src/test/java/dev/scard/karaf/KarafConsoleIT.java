package dev.scard.karaf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
 * The scard features in a real Apache Karaf 4.4.10 (the distribution from Maven Central, unpacked by the build):
 * install them from a local Maven repository the way the README says, then use the {@code scard:} commands in the
 * Karaf console and check what they print.
 *
 * <p>Karaf starts once for the class, on a JDK 17, with pax-url-mvn reading only {@code target/karaf-repo} (the
 * bundles this build made, see the pom) and Karaf's {@code system/} folder; it is stopped after the last test,
 * also when a test or the start fails, and {@link #stopKaraf()} checks that no Karaf process is left. Each failure
 * prints the tail of Karaf's log; {@code target/karaf-console.txt} has every console session of the run.
 *
 * <p>Commands go through {@code bin/client -b}: one console session per call, commands on standard input (help and
 * completion, which need a terminal, go through {@code bin/client} on a pseudo-terminal: {@link Karaf#terminal}). In
 * this batch mode the console prints what commands write but not the values they return, and our commands return their
 * output (as Gogo commands do); {@code echo (scard:readers)} prints it, exactly as the interactive console would.
 * A failing command ends the session ("Error executing command: ...", exit code 1). Attachments belong to the
 * console session, so attach, APDU, status and detach run in one session.
 *
 * <p>Installing scard-pcsc makes Karaf refresh its own console: JNA satisfies an optional import of Karaf's JLine
 * bundle, so Karaf rewires JLine and the shell (on 4.4.10 once more on the next feature operation), and the SSH
 * session that ran {@code feature:install} ends. The test therefore installs in a session of its own and checks
 * the result in new sessions.
 *
 * <p>Works with and without pcscd: the pcsc feature must install and start either way; with pcscd its readers are
 * listed too, without it {@code scard:readers} adds one line saying the service is not running.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KarafConsoleIT {

    private static final String VERSION = System.getProperty("scard.version", "0.1.0-SNAPSHOT");
    /** The feature version Karaf shows: the Maven version as an OSGi version. */
    private static final String FEATURE_VERSION = VERSION.replace('-', '.');
    private static final String READER = "Simulated Reader 0";

    private static Karaf karaf;

    /** Prints the tail of Karaf's log when a test fails. */
    @RegisterExtension
    static final TestWatcher LOG_ON_FAILURE = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (karaf != null) {
                System.err.println("[karaf-test] " + context.getDisplayName() + " failed; Karaf's log:\n"
                        + karaf.logTail(60));
            }
        }
    };

    @BeforeAll
    static void startKaraf() throws Exception {
        Path home = Path.of(System.getProperty("karaf.home", "target/apache-karaf-4.4.10"));
        Path repository = Path.of(System.getProperty("karaf.repo", "target/karaf-repo"));
        Path javaHome = Karaf.javaHome(System.getProperty("scard.karaf.javaHome"));
        long start = System.nanoTime();
        karaf = Karaf.prepare(home, repository, javaHome);
        try {
            karaf.start(180);
        } catch (Exception | AssertionError e) {
            System.err.println("[karaf-test] Karaf did not start; its log:\n" + karaf.logTail(80));
            karaf.stop();
            throw e;
        }
        log("Karaf up on " + javaHome + " (SSH port " + karaf.sshPort() + ") in " + secondsSince(start) + " s");
    }

    @AfterAll
    static void stopKaraf() throws Exception {
        if (karaf == null) {
            return;
        }
        long start = System.nanoTime();
        boolean gone = karaf.stop();
        log("Karaf stopped in " + secondsSince(start) + " s");
        assertThat(gone).as("every Karaf process has exited").isTrue();
    }

    /** feature:repo-add + feature:install scard: every scard feature started, our bundles, JNA and Jackson active. */
    @Test
    @Order(1)
    void featuresInstallFromTheLocalMavenRepository() throws Exception {
        long start = System.nanoTime();
        // The README's installation. scard includes scard-pcsc, whose JNA bundle satisfies an optional import of
        // Karaf's JLine bundle: Karaf refreshes JLine and its shell while installing, which ends this session. So its
        // output is not checked here; the state afterwards is (a failure shows there, with what the session printed).
        Karaf.ClientResult installing = karaf.client(List.of(
                "feature:repo-add mvn:dev.scard/features/" + VERSION + "/xml/features",
                "feature:install scard"));
        karaf.awaitConsole();

        // Poll until every feature is started and DS has registered the commands (a session that meets a command
        // not registered yet ends with "Command not found").
        String[] features = {"scard-api", "scard-core", "scard-card-services", "scard-simulator", "scard-pcsc", "scard-shell",
            "scard-simulator-shell", "scard"};
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Session state = installedState();
        while (!(state.exitCode() == 0 && allStarted(state, features)) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            state = installedState();
        }
        log("features installed in " + secondsSince(start) + " s");
        assertThat(state.exitCode()).as("exit code of\n%s\nafter feature:install, which printed:\n%s",
                state.output(), installing.output()).isZero();

        assertThat(state.step(0)).as("feature:repo-list")
                .containsPattern("(?m)^scard-" + VERSION.replace(".", "\\.") + "\\s*\\|\\s*mvn:dev\\.scard/features/"
                        + VERSION.replace(".", "\\.") + "/xml/features$");
        assertStarted(state.step(1), features);
        for (String bundle : List.of("dev.scard.api", "dev.scard.card-services", "dev.scard.impl-simulator",
                "dev.scard.impl-pcsc", "dev.scard.shell-commands", "dev.scard.simulator-shell", "com.sun.jna",
                "com.fasterxml.jackson.core.jackson-core")) {
            assertThat(state.step(2)).as("bundle:list -s").containsPattern(
                    "(?m)\\|\\s*Active\\s*\\|.*\\|\\s*" + bundle.replace(".", "\\.") + "\\s*$");
        }
        assertThat(state.step(3)).as("scard:readers").startsWith("Reader ");
        assertThat(state.step(4)).as("sim:readers (scard-simulator-shell)").startsWith("Reader ")
                .containsPattern("(?m)^Simulated Reader 0 +present ");
    }

    /** The basic card session in one console session, with the output of each command checked. */
    @Test
    @Order(2)
    void readersAttachApduStatusDetach() throws Exception {
        Session s = session(
                "echo (scard:readers)",
                "echo (scard:attach '" + READER + "')",
                "echo (scard:apdu 00A4000C023F00)",
                "echo (scard:status)",
                "echo (scard:detach)");

        assertThat(s.exitCode()).as("exit code of\n%s", s.output()).isZero();
        assertThat(s.step(0))
                .containsPattern("(?m)^Reader\\s+Backend\\s+Card\\s+Exclusive\\s+ATR$")
                .containsPattern("(?m)^" + READER + "\\s+simulator\\s+present\\s+no\\s+[0-9A-F]{8,}$")
                .containsPattern("(?m)^Simulated Reader 1\\s+simulator\\s+absent\\s+no\\s+-$");
        // The PC/SC backend runs with or without pcscd: its readers are listed, or one line says why not.
        assertThat(s.step(0)).containsPattern("(?m)(\\s+pcsc\\s+(present|absent)\\s|^Backend 'pcsc': )");
        assertThat(s.step(1)).matches("Attached to '" + READER + "' \\(shared, T[01], ATR [0-9A-F]{8,}\\)");
        assertThat(s.step(2)).contains("SW 9000");
        assertThat(s.step(3))
                .contains("Reader:   " + READER)
                .contains("Backend:  simulator")
                .contains("State:    SPECIFIC_MODE (6)");
        assertThat(s.step(4)).isEqualTo("Detached from '" + READER + "'");
    }

    /** scard:use pcsc, then back to the simulator: the default moves, Config Admin holds the ranking. */
    @Test
    @Order(3)
    void scardUseSwitchesTheDefaultBackendThroughConfigAdmin() throws Exception {
        Session s = session(
                "echo (scard:backends)",
                "echo (scard:use pcsc)",
                "echo (scard:backends)",
                "config:list '(service.pid=dev.scard.service.pcsc)'",
                "echo (scard:attach '" + READER + "')",
                "echo (scard:apdu 00A4000C023F00)",
                "echo (scard:detach)",
                "echo (scard:use simulator)",
                "echo (scard:backends)");

        assertThat(s.exitCode()).as("exit code of\n%s", s.output()).isZero();
        assertThat(s.step(0))
                .containsPattern("(?m)^Backend\\s+State\\s+Ranking\\s+Readers$")
                .containsPattern("(?m)^simulator\\s+active, default\\s+")
                .containsPattern("(?m)^pcsc\\s+active\\s+");
        assertThat(s.step(1)).startsWith("Default backend: pcsc (service.ranking=1000 in dev.scard.service.pcsc");
        // The ranking column may still show the old numbers for a moment after scard:use (the backends apply the
        // configuration asynchronously); which backend is the default, and that pcsc's ranking is configured, not.
        assertThat(s.step(2))
                .containsPattern("(?m)^pcsc\\s+active, default\\s+\\d+ \\(configured\\)\\s+")
                .containsPattern("(?m)^simulator\\s+active\\s+\\d+\\s+2$");
        assertThat(s.step(3)).contains("Pid:            dev.scard.service.pcsc").contains("service.ranking = 1000");
        // Attachments go to the backend that has the reader, whichever is the default.
        assertThat(s.step(4)).startsWith("Attached to '" + READER + "'");
        assertThat(s.step(5)).contains("SW 9000");
        assertThat(s.step(6)).isEqualTo("Detached from '" + READER + "'");
        assertThat(s.step(7)).isEqualTo("Default backend: simulator (service.ranking=1000 in"
                + " dev.scard.service.simulator; removed dev.scard.service.pcsc)");
        assertThat(s.step(8))
                .containsPattern("(?m)^simulator\\s+active, default\\s+\\d+ \\(configured\\)\\s+2$")
                .containsPattern("(?m)^pcsc\\s+active\\s+\\d+\\s+\\S+$");
    }

    /** One error case: Karaf's error line carries our message and the contract's code; nothing is left attached. */
    @Test
    @Order(4)
    void anUnknownReaderIsAnErrorWithTheContractCode() throws Exception {
        Session s = session(
                "echo (scard:attach 'No Such Reader')",
                "echo not-reached");

        assertThat(s.exitCode()).as("exit code of a failed command's session").isNotZero();
        // The hint in parentheses says where readers are listed, or (without pcscd) which backend could not be asked.
        assertThat(s.step(0))
                .startsWith("Error executing command: unknown reader 'No Such Reader' (")
                .endsWith(") [E_INVALIDARG 0x80070057]")
                .hasLineCount(1);
        assertThat(s.output()).doesNotContain("not-reached").doesNotContain("Exception");

        // The failure left nothing behind: a new session is not attached and the shell still works.
        Session after = session("echo (scard:detach)");
        assertThat(after.exitCode()).as("exit code of\n%s", after.output()).isZero();
        assertThat(after.step(0)).isEqualTo("Not attached");
    }

    /**
     * User errors (an unknown reader, a command that needs an attachment, bad hex) are not logged in karaf.log as
     * ERROR "Exception caught while executing command" with a stack trace; Karaf still prints our one line.
     */
    @Test
    @Order(5)
    void userErrorsAreNotLoggedAsErrorsInKarafLog() throws Exception {
        long before = Files.size(karaf.log());
        Session unknownReader = session("echo (scard:attach 'No Such Reader')");
        Session notAttached = session("echo (scard:status)");
        Session badHex = session("echo (scard:attach '" + READER + "')", "echo (scard:apdu 00A4zz)");

        assertThat(unknownReader.step(0)).startsWith("Error executing command: unknown reader 'No Such Reader'")
                .endsWith("[E_INVALIDARG 0x80070057]");
        assertThat(notAttached.step(0)).startsWith("Error executing command: ").endsWith("[SCARD_E_INVALID_HANDLE"
                + " 0x80100003]");
        assertThat(badHex.step(1)).startsWith("Error executing command: ").endsWith("[E_INVALIDARG 0x80070057]");
        String logged = karaf.logSince(before);
        assertThat(logged).as("karaf.log after the three errors")
                .doesNotContain("Exception caught while executing command")
                .doesNotContain("CommandException")
                .doesNotContainPattern("(?m)\\|\\s*ERROR\\s*\\|");
    }

    /**
     * The command ACLs of the features: etc/org.apache.karaf.command.acl.scard.cfg and .sim.cfg are written, a
     * viewer may list readers, backends and simulated readers but does not get the PIN, APDU and sim: card
     * commands (Karaf answers "Command not found"), which the admin runs.
     */
    @Test
    @Order(6)
    void aViewerMayReadButIsRefusedPinAndCardCommands() throws Exception {
        for (String scope : Karaf.ACL_SCOPES) {
            Path acl = karaf.file("etc/org.apache.karaf.command.acl." + scope + ".cfg");
            assertThat(acl).as("the %s ACL the feature ships", scope).exists();
            assertThat(Files.readString(acl)).containsPattern("(?m)^\\s*readers\\s*=\\s*viewer\\s*$")
                    .containsPattern("(?m)^\\s*\\*\\s*=\\s*admin\\s*$");
        }

        Session read = sessionAs(Karaf.VIEWER, "echo (scard:readers)", "echo (scard:backends)", "echo (sim:readers)");
        assertThat(read.exitCode()).as("exit code of the viewer's\n%s", read.output()).isZero();
        assertThat(read.step(0)).containsPattern("(?m)^" + READER + "\\s+simulator\\s+present\\s");
        assertThat(read.step(1)).containsPattern("(?m)^simulator\\s+active");
        assertThat(read.step(2)).containsPattern("(?m)^" + READER + " +present ");

        for (String refused : List.of("scard:verify 1 1234", "scard:apdu 00A4000C023F00", "scard:use pcsc",
                "sim:remove '" + READER + "'")) {
            Session denied = sessionAs(Karaf.VIEWER, refused, "echo not-reached");
            String name = refused.substring(0, refused.indexOf(' '));
            assertThat(denied.exitCode()).as("exit code of the viewer's %s", refused).isNotZero();
            assertThat(denied.step(0)).as("the viewer's %s", refused).isEqualTo("Command not found: " + name);
            assertThat(denied.output()).doesNotContain("not-reached");
        }

        // The admin has the command (the PIN reference is checked by the command, not refused by the ACL).
        Session admin = session("echo (scard:verify x 1234)");
        assertThat(admin.step(0)).startsWith("Error executing command: ").doesNotContain("Command not found");
        Session stillThere = session("echo (sim:readers)");
        assertThat(stillThere.step(0)).containsPattern("(?m)^" + READER + " +present ");
    }

    /**
     * Our bundles log through the OSGi Log Service; in Karaf, Pax Logging provides it and writes the records to
     * karaf.log, one line each with Karaf's format: serving a simulated card to a vpcd address where nothing listens
     * logs an INFO line.
     */
    @Test
    @Order(7)
    void ourLogRecordsReachKarafLogThroughPaxLogging() throws Exception {
        long before = Files.size(karaf.log());
        Session serve = session("echo (sim:serve '" + READER + "' 127.0.0.1:1)");
        assertThat(serve.step(0)).startsWith("Serving the card in '" + READER + "' to vpcd at 127.0.0.1:1");
        try {
            String expected = "(?m)^.*\\|\\s*INFO\\s*\\|.*\\|\\s*VpcdLink\\s*\\|.*\\| reader '" + READER
                    + "' served to vpcd at 127\\.0\\.0\\.1:1: cannot reach vpcd .*$";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!java.util.regex.Pattern.compile(expected).matcher(karaf.logSince(before)).find()
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(karaf.logSince(before)).containsPattern(expected);
        } finally {
            Session unserve = session("echo (sim:unserve '" + READER + "')");
            assertThat(unserve.step(0)).startsWith("Stopped serving '" + READER + "'");
        }
    }

    /**
     * Help and argument errors in Karaf's own console: {@code scard:attach --help} shows our usage with its options,
     * and an unknown option is our one line with the usage and the contract's code, not logged as an ERROR.
     *
     * <p>{@code help scard:attach} needs a terminal: {@link #helpAndCompletionAtAnInteractiveConsole()} checks it.
     */
    @Test
    @Order(8)
    void helpShowsTheUsageWithOptionsAndAnArgumentErrorIsOurOneLine() throws Exception {
        long before = Files.size(karaf.log());
        Session dashHelp = session("scard:attach --help", "scard:attach -h");
        Session unknownOption = session("echo (scard:attach --nope '" + READER + "')");

        for (int step = 0; step < 2; step++) {
            assertThat(dashHelp.step(step)).as(dashHelp.output())
                    .startsWith("attach this shell session to a reader and the card in it (AttachByIFD)")
                    .contains("\nUsage: scard:attach [options] [--] <reader>...\n")
                    .contains("\n  -b, --backend <backend>  the backend (scard.backend) to use when several have a"
                            + " reader by that name\n")
                    .contains("\n  -p, --protocols <protocols>  preferred protocols")
                    .contains("\n  -h, --help  show this help\n")
                    .contains("\n  <reader>...  the reader name as scard:readers shows it");
        }
        assertThat(unknownOption.step(0))
                .startsWith("Error executing command: scard:attach: unknown option '--nope' (usage: scard:attach"
                        + " [options] [--] <reader>...")
                .endsWith("[E_INVALIDARG 0x80070057]")
                .hasLineCount(1);
        assertThat(karaf.logSince(before)).as("karaf.log after the argument error")
                .doesNotContain("Exception caught while executing command")
                .doesNotContainPattern("(?m)\\|\\s*ERROR\\s*\\|");
    }

    /**
     * The simulator's errors raised through sim: commands (an unknown reader, a bad vpcd address, no reader given) are
     * user errors as the scard: commands' are: Karaf prints our line and karaf.log gets no ERROR with a stack trace.
     */
    @Test
    @Order(9)
    void simulatorErrorsAreUserErrorsNotLoggedAsErrors() throws Exception {
        long before = Files.size(karaf.log());
        Session unknownReader = session("echo (sim:insert 'No Such Reader')");
        Session badAddress = session("echo (sim:serve '" + READER + "' host:x)");
        Session noReader = session("echo (sim:remove)");

        assertThat(unknownReader.step(0)).startsWith("Error executing command: ").contains("'No Such Reader'")
                .endsWith("[E_INVALIDARG 0x80070057]").hasLineCount(1);
        assertThat(badAddress.step(0)).startsWith("Error executing command: ").contains("host:x")
                .endsWith("[E_INVALIDARG 0x80070057]").hasLineCount(1);
        assertThat(noReader.step(0)).startsWith("Error executing command: ")
                .endsWith("[E_INVALIDARG 0x80070057]").hasLineCount(1);
        String logged = karaf.logSince(before);
        assertThat(logged).as("karaf.log after the three sim: errors")
                .doesNotContain("Exception caught while executing command")
                .doesNotContain("CommandException")
                .doesNotContainPattern("(?m)\\|\\s*ERROR\\s*\\|");
    }

    /**
     * At an interactive console (Karaf's {@code bin/client} on a pseudo-terminal, as a person types):
     * {@code help scard:attach} shows exactly what {@code scard:attach --help} prints, the usage with every option and
     * argument and their descriptions. Karaf's help makes it so for any plain Gogo command: its
     * {@code SingleCommandHelpProvider} runs {@code <command> --help} in a session of its own and shows what it
     * printed. (In {@code bin/client -b}, without a terminal, Karaf's {@code help} prints nothing for any command.)
     *
     * <p>Tab completes our command names, in Karaf's {@code help} too (the arguments of Karaf's own commands are
     * completed), but not the arguments of our commands: Karaf registers a plain Gogo command without a completer of
     * its arguments ({@code CommandTracker}), so Tab after {@code scard:attach Sim} only rings the bell. If a Karaf
     * starts completing reader names there, this test says so.
     */
    @Test
    @Order(10)
    void helpAndCompletionAtAnInteractiveConsole() throws Exception {
        String ctrlU = "\u0015"; // erase the line typed so far
        Karaf.TerminalResult t = karaf.terminal("karaf", List.of(
                "scard:attach --help\r",
                "help scard:attach\r",
                "help scard:atta\t",
                ctrlU,
                "scard:atta\t",
                ctrlU,
                "scard:attach Sim\t",
                ctrlU,
                "logout\r"));

        assertThat(t.exitCode()).as("exit code of the interactive session after logout").isZero();
        String dashHelp = commandOutput(t.output(0));
        String help = commandOutput(t.output(1));
        assertThat(dashHelp).as("scard:attach --help at the terminal")
                .startsWith("attach this shell session to a reader and the card in it (AttachByIFD)")
                .contains("\nUsage: scard:attach [options] [--] <reader>...\n")
                .contains("\n  -b, --backend <backend>  the backend (scard.backend) to use when several have a"
                        + " reader by that name\n")
                .contains("\n  -p, --protocols <protocols>  preferred protocols, comma-separated: t0, t1, raw or any"
                        + " (default t0,t1)\n")
                .contains("\n  -h, --help  show this help\n")
                .contains("\n  <reader>...  the reader name as scard:readers shows it");
        assertThat(help).as("help scard:attach at the terminal").isEqualTo(dashHelp);

        assertThat(t.output(2)).as("Tab after 'help scard:atta': the candidates of Karaf's help")
                .contains("scard:attach-handle");
        assertThat(t.output(4)).as("Tab after 'scard:atta': our command names")
                .contains("scard:attach-handle");
        assertThat(t.output(6)).as("Tab after 'scard:attach Sim': no candidates, the bell")
                .contains("\u0007")
                .doesNotContain("Simulated Reader");
    }

    // ----------------------------------------------------------------------------------------------- helpers

    /**
     * What a command printed at the terminal, from what the terminal showed after its line was typed: the lines
     * between the echoed command line and the next prompt.
     */
    private static String commandOutput(String shown) {
        int start = shown.indexOf('\n');
        int end = shown.lastIndexOf('\n');
        assertThat(start).as("a command line and its output in:\n%s", shown).isLessThan(end);
        assertThat(shown.substring(end)).as("the prompt after the output in:\n%s", shown).contains(Karaf.PROMPT);
        return shown.substring(start + 1, end).strip();
    }

    /** Asserts that {@code featureList} (the output of feature:list -i) shows each feature started. */
    private static void assertStarted(String featureList, String... features) {
        for (String feature : features) {
            assertThat(featureList).as("feature:list -i").containsPattern("(?m)^" + feature + "\\s*\\|\\s*"
                    + FEATURE_VERSION.replace(".", "\\.") + "\\s*\\|.*\\|\\s*Started\\s*\\|");
        }
    }

    /** Repositories, installed features, bundles and readers, in one session. */
    private static Session installedState() throws Exception {
        return session("feature:repo-list", "feature:list -i", "bundle:list -s", "echo (scard:readers)",
                "echo (sim:readers)");
    }

    private static boolean allStarted(Session state, String... features) {
        for (String feature : features) {
            if (!startedIn(state, feature)) {
                return false;
            }
        }
        return true;
    }

    /** Whether step 1 of {@code state} (feature:list -i) shows {@code feature} started. */
    private static boolean startedIn(Session state, String feature) {
        return state.steps().size() > 1 && state.steps().get(1).lines().anyMatch(
                line -> line.matches(feature + "\\s*\\|.*\\|\\s*Started\\s*\\|.*"));
    }

    /** Runs {@code commands} in one console session of the admin, split by step ({@link Karaf#session}). */
    private static Session session(String... commands) throws Exception {
        return karaf.session("karaf", commands);
    }

    /** {@link #session(String...)} as {@code user}. */
    private static Session sessionAs(String user, String... commands) throws Exception {
        return karaf.session(user, commands);
    }

    private static void log(String message) {
        System.out.println("[karaf-test] " + message);
    }

    private static String secondsSince(long nanoTime) {
        return String.format("%.1f", (System.nanoTime() - nanoTime) / 1e9);
    }
}
