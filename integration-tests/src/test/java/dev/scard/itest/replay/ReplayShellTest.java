package dev.scard.itest.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.test.common.annotation.InjectService;

import dev.scard.itest.support.GogoShell;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.itest.support.SampleProfile;
import dev.scard.simulator.control.SimulatorControl;

/**
 * A recorded trace as a simulated card, through the shell in a real framework: {@code sim:insert} with a
 * {@code scard-trace/1} file ({@code payment-card.json}, a session of a card the project does not model), the
 * recorded ATR and responses through {@code scard:attach} and {@code scard:apdu}, {@code sim:replay} showing how far
 * the replay got and where it diverged, and a malformed trace refused with its JSON path while the reader keeps what
 * it had.
 */
public class ReplayShellTest extends OsgiTestSupport {

    static final String READER = "Simulated Reader 1";
    static final String TRACE = "payment-card.json";
    static final String TRACE_ATR = "3B8F8001804F0CA000000306030001000000006A";

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @TempDir
    Path dir;
    SimulatorControl control;
    GogoShell shell;

    @BeforeEach
    void emptyReader() throws Exception {
        control = awaitService(SimulatorControl.class, null);
        awaitServiceMatching("(&(osgi.command.scope=sim)(osgi.command.function=replay))");
        if (control.isCardPresent(READER)) {
            control.remove(READER);
        }
        shell = new GogoShell(processor);
        onCleanup(shell::close);
        onCleanup(() -> {
            // leave the reader empty, its own card (what sim:insert puts back) a sample card, not this replay
            if (control.isCardPresent(READER)) {
                control.remove(READER);
            }
            control.insertProfile(READER, SampleProfile.copy(bundle(SampleProfile.SIMULATOR_BUNDLE)));
            control.remove(READER);
        });
    }

    Path trace() throws IOException {
        try (InputStream in = ReplayShellTest.class.getResourceAsStream(TRACE)) {
            Path file = dir.resolve(TRACE);
            Files.write(file, in.readAllBytes());
            return file;
        }
    }


    String apdu(String command) throws Exception {
        return GogoShell.apduResponse(shell.run("scard:apdu " + command));
    }

    @Test
    void aTraceInsertedWithSimInsertAnswersAsRecordedAndSimReplayShowsHowFarItGot() throws Exception {
        Path trace = trace();
        assertThat(shell.run("sim:insert '" + READER + "' '" + trace + "'")).isEqualTo("Inserted a card replaying"
                + " trace '" + trace + "' into '" + READER + "' (order, 5 recorded commands, unanswered ones get 6D00;"
                + " sim:replay shows how far it got)");
        assertThat(shell.run("scard:attach '" + READER + "'")).isEqualTo("Attached to '" + READER
                + "' (shared, T1, ATR " + TRACE_ATR + ")");
        assertThat(apdu("00A404000E325041592E5359532E444446303100"))
                .isEqualTo("6F1A840E325041592E5359532E4444463031A508880102BF0C0261009000");
        assertThat(apdu("00A4040007A000000004101000")).isEqualTo("6F138407A0000000041010A50850044D4153544552879000");
        assertThat(apdu("0020008004 31323334")).as("the redacted VERIFY: header and Lc match").isEqualTo("63C2");
        assertThat(apdu("00B0000000")).as("not what the trace recorded next").isEqualTo("6D00");

        String table = shell.run("sim:replay");
        assertThat(table).isEqualTo(String.join("\n",
                String.format("%-18s  %-" + trace.toString().length() + "s  Match  Card     Answered  Unanswered  Entry",
                        "Reader", "Trace"),
                READER + "  " + trace + "  order  present  3 of 5    1           4 of 7",
                READER + ": diverged at entry 4: expected 0084000008, received 00B0000000 (answered 6D00)"));

        assertThat(apdu("0084000008")).isEqualTo("11223344556677889000");
        assertThat(apdu("00B2010C00")).isEqualTo("700A5F2007524543415244539000");
        assertThat(shell.run("sim:replay '" + READER + "'")).contains("  5 of 5    1           7 of 7 (end)\n");
        assertThat(shell.run("sim:replay Simulated Reader 0")).isEqualTo("No trace is replayed in 'Simulated Reader 0'");
    }

    @Test
    void byCommandTheOrderDoesNotMatter() throws Exception {
        Path trace = trace();
        assertThat(shell.run("sim:insert --match command --sw 6A82 '" + READER + "' '" + trace + "'"))
                .contains("(command, 5 recorded commands, unanswered ones get 6A82;");
        shell.run("scard:attach '" + READER + "'");
        assertThat(apdu("00B2010C00")).isEqualTo("700A5F2007524543415244539000");
        assertThat(apdu("0084000008")).isEqualTo("11223344556677889000");
        assertThat(apdu("00B2020C00")).isEqualTo("6A82");
        assertThat(shell.run("sim:replay")).contains("  command  present  2 of 5    1           -\n")
                .endsWith(": diverged: no recorded command matches 00B2020C00 (answered 6A82)");
    }

    @Test
    void aMalformedTraceIsRefusedNamingItsJsonPathAndTheReaderKeepsWhatItHad() throws Exception {
        Path good = trace();
        String json = Files.readString(good, StandardCharsets.UTF_8);
        Path bad = Files.writeString(dir.resolve("bad.json"), json.replace("\"0084000008\"", "\"00840000 8\""));
        assertThat(shell.fails("sim:insert '" + READER + "' '" + bad + "'")).isEqualTo("trace " + bad
                + ": $.entries[4].command: not hexadecimal (an odd number of hex digits) [E_INVALIDARG 0x80070057]");
        assertThat(control.isCardPresent(READER)).as("nothing half-loaded").isFalse();
        assertThat(shell.run("sim:replay")).doesNotContain(READER);

        shell.run("sim:insert '" + READER + "' '" + good + "'");
        Path typo = Files.writeString(dir.resolve("typo.json"), json.replace("\"disposition\"", "\"dispositon\""));
        shell.run("sim:remove '" + READER + "'");
        assertThat(shell.fails("sim:insert '" + READER + "' '" + typo + "'")).isEqualTo("trace " + typo
                + ": $.entries[5].dispositon: unknown field [E_INVALIDARG 0x80070057]");
        assertThat(control.isCardPresent(READER)).isFalse();
        shell.run("sim:insert '" + READER + "'");
        assertThat(shell.run("scard:attach '" + READER + "'")).as("the card it had: the replay")
                .contains("ATR " + TRACE_ATR);
        assertThat(shell.fails("sim:insert --match command '" + READER + "' '" + SampleProfile.copy(
                bundle(SampleProfile.SIMULATOR_BUNDLE)) + "'")).startsWith("trace ").contains(": not a trace: ");
    }
}
