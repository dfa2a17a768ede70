package dev.scard.itest.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.itest.support.GogoShell;
import dev.scard.itest.support.PurseReaderTestSupport;
import dev.scard.itest.support.PurseCard;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Worker;

/**
 * Commands marked secret beyond the built-in rule, in a real framework: by the configuration
 * {@code dev.scard.trace.secrets} (set through Config Admin) and by a simulated card's profile
 * ({@code secretCommands}). {@code scard:trace} prints them as header and Lc, {@code scard:record} writes them so, the
 * secret bytes appear in neither, and a replay of the recording answers them by header and Lc.
 */
public class SecretCommandsTraceTest extends PurseReaderTestSupport {

    private static final String PID = "dev.scard.trace.secrets";
    /** The time at the start of every trace line. */
    private static final String TIME = "\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  ";
    /** The core's services carry the configuration's properties once it applies. */
    private static final String CONFIGURED = "(&(objectClass=dev.scard.core.spi.EventChannels)(secretCommands=*))";

    /** The purse's DEBIT of 0x01A2, a command the configuration marks secret (its amount withheld). */
    private static final String DEBIT = "8030000002" + "01A2";
    /** A key: what a vendor's key load (class 84, which the purse does not know: 6E00) carries. */
    private static final String KEY = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
    private static final String KEY_LOAD = "84E2000010" + KEY;

    @BeforeEach
    void aPurseInReaderOne() throws Exception {
        purseInReader("scard-secrets-test", "scard:trace", "scard:record", "scard:attach", "scard:apdu", "sim:insert");
    }

    /** Sets {@code dev.scard.trace.secrets} and waits until the core applied it; deleted (and waited for) after. */
    private void configureSecretCommands(String... patterns) throws Exception {
        Configuration config = awaitService(ConfigurationAdmin.class, null).getConfiguration(PID, "?");
        onCleanup(() -> {
            config.delete();
            Await.until("the configuration deleted in the core", BOUND, () -> !configured());
        });
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("secretCommands", patterns);
        config.update(properties);
        awaitServiceMatching(CONFIGURED);
    }

    private boolean configured() {
        try {
            return context.getAllServiceReferences(null, CONFIGURED) != null;
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The lines of the trace, without their time. */
    private static List<String> traceLines(String console) {
        return Arrays.stream(console.split("\n")).filter(l -> l.matches(TIME + ".*")).map(l -> l.substring(14))
                .toList();
    }


    @Test
    void theConfiguredSecretCommandsAreWithheldInTraceAndRecordingAndTheReplayAnswersThemByHeaderAndLc()
            throws Exception {
        configureSecretCommands("80 30 * *", "84 **");
        GogoShell session = attached();
        GogoShell watcher = shell();
        Worker<String> tracing = inBackground("scard:trace -r",
                () -> watcher.run("scard:trace -r '" + READER + "' 3"));
        Await.until("scard:trace started", BOUND, () -> watcher.console().startsWith("Tracing "));
        Path file = dir.resolve("purse.json");
        assertThat(session.run("scard:record " + file)).startsWith("Recording this session's attachment");

        assertThat(session.run("scard:apdu " + PurseCard.SELECT)).contains("SW 9000");
        assertThat(session.run("scard:apdu " + PurseCard.VERIFY)).contains("SW 9000");
        assertThat(session.run("scard:apdu " + DEBIT)).contains("SW 9000");
        assertThat(session.run("scard:apdu " + KEY_LOAD)).contains("SW 6E00");
        assertThat(session.run("scard:apdu " + PurseCard.GET_BALANCE)).as("the debit reached the card whole")
                .contains("00 00 02 46").contains("SW 9000");
        Await.until("7 APDUs written", BOUND, () -> {
            try {
                return session.run("scard:record").startsWith("Recording into " + file + ": 7 APDUs");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(session.run("scard:record stop")).startsWith("Recorded 7 APDUs");

        assertThat(tracing.get(BOUND)).startsWith("Traced 3 s: 7 APDUs");
        String console = watcher.console();
        List<String> lines = traceLines(console);
        String id = lines.get(0).substring(0, lines.get(0).indexOf("]  ") + 3);
        assertThat(lines).contains(
                id + ">> 0020000106 + 6 data bytes withheld (secret)",
                id + ">> 8030000002 + 2 data bytes withheld (secret)",
                id + "<< 9000  SW 9000 success",
                id + ">> 84E2000010 + 16 data bytes withheld (secret)");
        assertThat(lines).anyMatch(line -> line.startsWith(id + "<< 6E00  SW 6E00 "));
        assertThat(console).doesNotContain(KEY).doesNotContain(DEBIT).doesNotContain(PurseCard.PIN_HEX);

        Await.until("the recording complete", BOUND, () -> complete(file));
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertThat(text).contains("\"command\": \"8030000002\", \"redacted\": 2, \"response\": \"9000\"",
                "\"command\": \"84E2000010\", \"redacted\": 16, \"response\": \"6E00\"")
                .doesNotContain(KEY).doesNotContain("01A2").doesNotContain(PurseCard.PIN_HEX);
        assertThat(indexOf(bytes, KEY.getBytes(StandardCharsets.US_ASCII))).as("the key's hex in the file's bytes")
                .isEqualTo(-1);

        // The recording replayed: the withheld commands are answered by their header and Lc, whatever their data.
        assertThat(session.run("scard:detach")).isNotBlank();
        control.remove(READER);
        GogoShell replay = shell();
        assertThat(replay.run("sim:insert --match command --sw 6A88 '" + READER + "' '" + file + "'"))
                .startsWith("Inserted a card replaying trace '" + file + "'");
        assertThat(replay.run("scard:attach '" + READER + "'")).startsWith("Attached to '" + READER + "'");
        assertThat(GogoShell.apduResponse(replay.run("scard:apdu 8030000002FFFF"))).as("another amount")
                .isEqualTo("9000");
        assertThat(GogoShell.apduResponse(replay.run("scard:apdu 84E2000010" + "00".repeat(16))))
                .as("another key").isEqualTo("6E00");
        assertThat(GogoShell.apduResponse(replay.run("scard:apdu 84E200000F" + "00".repeat(15))))
                .as("another Lc: unanswered").isEqualTo("6A88");
        assertThat(replay.run("scard:detach")).isNotBlank();
    }

    @Test
    void theCommandsACardsProfileMarksAreWithheldInTheRecording() throws Exception {
        Path profile = Files.writeString(dir.resolve("vendor-card.json"),
                "{\"name\": \"vendor card\", \"secretCommands\": [\"80 40 * *\"]}");
        control.remove(READER);
        GogoShell shell = shell();
        assertThat(shell.run("sim:insert '" + READER + "' '" + profile + "'")).isEqualTo("Inserted a card of profile '"
                + profile + "' into '" + READER + "'");
        assertThat(shell.run("scard:attach '" + READER + "'")).startsWith("Attached to '" + READER + "'");
        Path file = dir.resolve("vendor.json");
        assertThat(shell.run("scard:record " + file)).startsWith("Recording this session's attachment");
        assertThat(shell.run("scard:apdu 8040000104" + "DEADBEEF")).contains("SW ");
        assertThat(shell.run("scard:apdu 8042000104" + "CAFEF00D")).as("not marked").contains("SW ");
        assertThat(shell.run("scard:record stop")).startsWith("Recorded 2 APDUs");
        Await.until("the recording complete", BOUND, () -> complete(file));
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).contains("\"command\": \"8040000104\", \"redacted\": 4", "\"command\": \"8042000104CAFEF00D\"")
                .doesNotContain("DEADBEEF");
        assertThat(shell.run("scard:detach")).isNotBlank();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
