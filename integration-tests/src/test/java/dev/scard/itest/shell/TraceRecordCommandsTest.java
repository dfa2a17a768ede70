package dev.scard.itest.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.api.trace.CardTraceListener;
import dev.scard.itest.support.GogoShell;
import dev.scard.itest.support.PurseReaderTestSupport;
import dev.scard.itest.support.PurseCard;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Worker;

/**
 * {@code scard:trace} and {@code scard:record} in real Gogo sessions, and the recorder's configuration, on a card
 * program the simulator does not model ({@link PurseCard}, a T=0 purse whose answers the core completes with GET
 * RESPONSE and a resend with the right Le): what they print and write, that the PIN a session presents appears
 * nowhere, and their errors.
 */
public class TraceRecordCommandsTest extends PurseReaderTestSupport {

    /** The time at the start of every trace line. */
    private static final String TIME = "\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  ";

    @BeforeEach
    void aPurseInReaderOne() throws Exception {
        purseInReader("scard-trace-test", "scard:trace", "scard:record", "scard:attach", "scard:apdu");
    }

    /** The purse session: SELECT (61xx), VERIFY with the PIN, GET BALANCE (6Cxx). */
    private static void purseSession(GogoShell shell) throws Exception {
        assertThat(shell.run("scard:apdu " + PurseCard.SELECT)).contains("SW 9000");
        assertThat(shell.run("scard:apdu " + PurseCard.VERIFY)).contains("SW 9000");
        assertThat(shell.run("scard:apdu " + PurseCard.GET_BALANCE)).contains("00 00 03 E8").contains("SW 9000");
    }

    /** The lines of the trace, without their time. */
    private static List<String> traceLines(String console) {
        return Arrays.stream(console.split("\n")).filter(l -> l.matches(TIME + ".*"))
                .map(l -> l.substring(14)).toList();
    }

    private Collection<ServiceReference<CardTraceListener>> shellListeners() {
        Bundle shellBundle = bundle("dev.scard.shell-commands");
        return references(CardTraceListener.class, null).stream().filter(ref -> ref.getBundle() == shellBundle)
                .toList();
    }

    private void awaitTracing(GogoShell shell) throws InterruptedException {
        Await.until("scard:trace started", BOUND, () -> shell.console().startsWith("Tracing "));
        assertThat(shellListeners()).hasSize(1);
    }

    // ---- scard:trace -------------------------------------------------------------------------------------------

    @Test
    void traceOfAReaderShowsEveryApduTheCoresExchangesAndTheReadersEventsButNeverThePin() throws Exception {
        GogoShell session = attached();
        GogoShell watcher = shell();
        Worker<String> tracing = inBackground("scard:trace -r",
                () -> watcher.run("scard:trace -r '" + READER + "' 2"));
        awaitTracing(watcher);
        purseSession(session);
        control.remove(READER);
        assertThat(tracing.get(BOUND)).isEqualTo("Traced 2 s: 5 APDUs, 1 event");
        String console = watcher.console();
        assertThat(console.split("\n")[0]).isEqualTo("Tracing reader '" + READER + "' for 2 s (Ctrl-C stops)");
        List<String> lines = traceLines(console);
        String id = lines.get(0).substring(0, lines.get(0).indexOf("]  ") + 3);
        assertThat(id).matches("\\[simulator/\\d+\\]  ");
        assertThat(lines).containsExactly(
                id + ">> " + PurseCard.SELECT,
                id + "<< 610B  SW 610B 11 bytes remaining (GET RESPONSE)",
                id + ">> 00C000000B  (by the core: GET RESPONSE after 61xx)",
                id + "<< " + PurseCard.FCI + "9000  SW 9000 success",
                id + ">> 0020000106 + 6 data bytes withheld (secret)",
                id + "<< 9000  SW 9000 success",
                id + ">> 8050000000",
                id + "<< 6C04  SW 6C04 wrong Le: 4 bytes available",
                id + ">> 8050000004  (by the core: resent with the Le of 6Cxx)",
                id + "<< 000003E89000  SW 9000 success",
                "[reader]  -- REMOVED");
        assertThat(console).doesNotContain(PurseCard.PIN_HEX).doesNotContain(PurseCard.PIN);
        assertThat(shellListeners()).as("the listener is gone with the command").isEmpty();
    }

    @Test
    void traceOfThisSessionShowsItsOwnAttachmentOnly() throws Exception {
        GogoShell traced = attached();
        GogoShell other = attached();
        Worker<String> tracing = inBackground("scard:trace", () -> traced.run("scard:trace 2"));
        awaitTracing(traced);
        String first = traced.console().split("\n")[0];
        assertThat(first).matches("Tracing this session's attachment \\(simulator/\\d+\\) for 2 s \\(Ctrl-C"
                + " stops\\)");
        String id = first.substring(first.indexOf('(') + 1, first.indexOf(')'));
        assertThat(shellListeners().iterator().next().getProperty("scard.trace.attachment")).isEqualTo(id);
        purseSession(other); // another attachment to the same reader: not this session's
        control.remove(READER); // the reader's event: this session's card is gone
        // None of the other attachment's APDUs; the reader's events are this session's too. Card events reach the
        // trace on the backend's event thread, but one published before the trace began (the test's set-up
        // inserting the cards) is not in it.
        assertThat(tracing.get(BOUND)).isEqualTo("Traced 2 s: 0 APDUs, 1 event");
        assertThat(traceLines(traced.console())).containsExactly("-- REMOVED");
    }

    @Test
    void traceRefusesWhatItCannotDo() throws Exception {
        GogoShell shell = shell();
        assertThat(shell.fails("scard:trace 1")).startsWith("not attached").endsWith("[SCARD_E_INVALID_HANDLE"
                + " 0x80100003]");
        assertThat(shell.fails("scard:trace -r nosuch 1")).startsWith("unknown reader 'nosuch' (readers: ")
                .contains("'" + READER + "'").endsWith("[E_INVALIDARG 0x80070057]");
        assertThat(shell.fails("scard:trace soon")).startsWith("'soon' is not a timeout");
        assertThat(shell.fails("scard:trace -z")).contains("unknown option '-z'");
        shell.put(".interactive", Boolean.FALSE); // as the console's -c and piped modes do
        assertThat(shell.fails("scard:trace -r '" + READER + "'")).isEqualTo("scard:trace needs a duration in a"
                + " non-interactive session (-c or commands from standard input), where Ctrl-C cannot stop it: e.g."
                + " scard:trace 10 [E_INVALIDARG 0x80070057]");
        assertThat(shellListeners()).isEmpty();
    }

    // ---- scard:record ------------------------------------------------------------------------------------------

    @Test
    void recordWritesTheSessionInTheTraceFormatWithoutThePin() throws Exception {
        GogoShell shell = attached();
        Path file = dir.resolve("purse.json");
        assertThat(shell.run("scard:record")).isEqualTo("Not recording (scard:record <path> starts)");
        assertThat(shell.run("scard:record " + file)).isEqualTo("Recording this session's attachment to '" + READER
                + "' into " + file + " (scard:record stop ends it)");
        purseSession(shell);
        assertThat(shell.run("scard:lock")).isNotBlank();
        assertThat(shell.run("scard:unlock reset")).isNotBlank();
        // the unlock's reset comes back from the simulator as the card's reset: lock, unlock, reset
        // the recording's own thread writes the file: the counts of what is written catch up within a few ms
        Await.until("5 APDUs and 3 events written", BOUND, () -> recordStatus(shell)
                .equals("Recording into " + file + ": 5 APDUs and 3 events so far"));
        assertThat(shell.fails("scard:record " + dir.resolve("other.json"))).isEqualTo("this session records into '"
                + file + "' already; run scard:record stop first [E_INVALIDARG 0x80070057]");
        control.remove(READER);
        // the removal reaches the recording on the simulator's event thread, a little after remove() returned
        Await.until("the removal written", BOUND, () -> recordStatus(shell)
                .equals("Recording into " + file + ": 5 APDUs and 4 events so far"));
        assertThat(shell.run("scard:record stop")).isEqualTo("Recorded 5 APDUs and 4 events into " + file);

        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain(PurseCard.PIN_HEX).doesNotContain(PurseCard.PIN)
                .contains("\"format\": \"scard-trace/1\"", "\"reader\": \"" + READER + "\"",
                        "\"backend\": \"simulator\"", "\"atr\": \"3B055055525345\"", "\"protocol\": \"T0\"",
                        "\"command\": \"0020000106\"", "\"redacted\": 6",
                        "\"command\": \"00C000000B\"", "\"by\": \"core\"", "\"response\": \"000003E89000\"",
                        "\"type\": \"lock\"", "\"type\": \"unlock\"", "\"disposition\": \"RESET\"",
                        "\"type\": \"reset\"", "\"type\": \"removed\"");
        assertThat(text.strip()).endsWith("]\n}");
        assertThat(shellListeners()).isEmpty();
    }

    @Test
    void recordRefusesFilesItCannotCreateAndTheSessionGoesOn() throws Exception {
        GogoShell shell = attached();
        Path missing = dir.resolve("no-such-dir").resolve("t.json");
        assertThat(shell.fails("scard:record " + missing)).isEqualTo("cannot record into '" + missing
                + "': the directory '" + missing.getParent() + "' does not exist [E_INVALIDARG 0x80070057]");
        Path taken = Files.writeString(dir.resolve("taken.json"), "keep");
        assertThat(shell.fails("scard:record " + taken)).isEqualTo("cannot record into '" + taken
                + "': the file exists (choose another name) [E_INVALIDARG 0x80070057]");
        assertThat(shell.fails("scard:record stop")).isEqualTo("this session is not recording (scard:record <file>"
                + " starts a recording) [E_INVALIDARG 0x80070057]");
        assertThat(shell.run("scard:apdu " + PurseCard.SELECT)).contains("SW 9000");
        assertThat(Files.readString(taken)).isEqualTo("keep");
        GogoShell detached = shell();
        assertThat(detached.fails("scard:record " + dir.resolve("x.json"))).startsWith("not attached");
    }

    // ---- the recorder's configuration --------------------------------------------------------------------------

    @Test
    void aRecorderConfigurationRecordsEverySessionOnTheChosenReaders() throws Exception {
        ConfigurationAdmin cm = awaitService(ConfigurationAdmin.class, null);
        Configuration config = cm.createFactoryConfiguration("dev.scard.recorder", "?");
        onCleanup(config::delete);
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("readers", new String[] {"Simulated Reader ?"});
        properties.put("directory", dir.toString());
        properties.put("fileNamePattern", "{reader}.json");
        config.update(properties);
        // A configuration records the sessions attached once the core's card tap has added its recorder, which is a
        // moment after the registration is visible here (the tap adds it when the core's component binds it); a
        // session attached in between is not recorded. So sessions are attached until one is (bounded), and that one
        // must be complete and correct. The recording's own thread completes its file after the detach.
        Path file = dir.resolve("Simulated_Reader_1.json");
        long deadline = System.nanoTime() + BOUND.toNanos();
        int sessions = 0;
        while (!Files.exists(file)) {
            assertThat(System.nanoTime() - deadline).as("a session recorded within %s (%d attached); in %s: %s",
                    BOUND, sessions, dir, contents(dir)).isNegative();
            GogoShell shell = attached();
            purseSession(shell);
            assertThat(shell.run("scard:detach")).isNotBlank();
            sessions++;
        }
        try {
            Await.until("the session's file, complete", BOUND, () -> complete(file));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; in " + dir + ": " + contents(dir), e);
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain(PurseCard.PIN_HEX).contains("\"redacted\": 6", "\"by\": \"core\"");
        assertThat(text.strip()).endsWith("]\n}");
    }

    /** The files of {@code directory} with their text, for a failure's message. */
    private static String contents(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> {
                try {
                    return f.getFileName() + ":\n" + Files.readString(f, StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    return f.getFileName() + ": " + e;
                }
            }).toList().toString();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /** What {@code scard:record} says. */
    private static String recordStatus(GogoShell shell) {
        try {
            return shell.run("scard:record");
        } catch (Exception e) {
            throw new IllegalStateException("scard:record failed", e);
        }
    }
}
