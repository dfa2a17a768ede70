package dev.scard.itest.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.api.SCardServiceProperties;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.simulator.control.SimulatorControl;

/**
 * The {@code scard:} and {@code sim:} Gogo commands, run through real Gogo sessions the way a console runs
 * them: output is the value a command returns, errors are exceptions whose message is all a user sees, so
 * it must be one line that names the problem (and, when the API failed, its code), with no stack trace.
 */
public class ShellCommandsTest extends OsgiTestSupport {

    private static final String READER_0 = "Simulated Reader 0";
    private static final String READER_1 = "Simulated Reader 1";
    private static final String SELECT_MF = "00A40000023F00";

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    /** One Gogo session with its own output and error streams. */
    final class Shell {
        final CommandSession session;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        Shell() {
            session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            onCleanup(() -> {
                try {
                    session.execute("scard:detach");
                } finally {
                    session.close();
                }
            });
        }

        /** Runs a command line that must succeed and returns its output. */
        String run(String commandLine) throws Exception {
            Object result;
            try {
                result = session.execute(commandLine);
            } catch (Exception e) {
                throw new AssertionError("'" + abbreviate(commandLine) + "' failed: " + e, e);
            }
            assertNothingPrinted(commandLine);
            assertThat(result).as("output of '%s'", abbreviate(commandLine)).isInstanceOf(String.class);
            return (String) result;
        }

        /**
         * Runs a command line that must fail and returns the message the user sees, after checking that it
         * is one line and that nothing (no stack trace) went to the session's streams.
         */
        String fails(String commandLine) {
            Object result;
            try {
                result = session.execute(commandLine);
            } catch (Exception e) {
                String message = e.getMessage();
                assertThat(message).as("message of %s from '%s'", e.getClass().getName(), abbreviate(commandLine))
                        .isNotBlank().doesNotContain("\n", "\r").doesNotContain("Exception");
                assertThat(message.length()).as("message length of %s", message).isLessThan(300);
                assertNothingPrinted(commandLine);
                return message;
            }
            return fail("'%s' should fail but returned %s", abbreviate(commandLine), result);
        }

        private void assertNothingPrinted(String commandLine) {
            assertThat(err.toString(StandardCharsets.UTF_8)).as("error stream after '%s'", abbreviate(commandLine))
                    .isEmpty();
            assertThat(out.toString(StandardCharsets.UTF_8)).as("output stream after '%s'", abbreviate(commandLine))
                    .doesNotContain("Exception", "\tat ");
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    /** The line of {@code output} that names {@code reader}. */
    private static String line(String output, String reader) {
        return Arrays.stream(output.split("\n")).filter(l -> l.contains(reader)).findFirst()
                .orElseThrow(() -> new AssertionError("no line with '" + reader + "' in:\n" + output));
    }

    private static String quoted(String reader) {
        return "\"" + reader + "\"";
    }

    @BeforeEach
    void waitForTheCommandsAndRestoreTheReadersAfterwards() throws Exception {
        for (String command : new String[] {"(osgi.command.scope=scard)(osgi.command.function=apdu)",
            "(osgi.command.scope=scard)(osgi.command.function=attach-handle)",
            "(osgi.command.scope=sim)(osgi.command.function=insert)"}) {
            awaitServiceMatching("(&" + command + ")");
        }
        awaitService(SimulatorControl.class, null);
        onCleanup(() -> {
            SimulatorControl control = awaitService(SimulatorControl.class, null);
            if (!control.isCardPresent(READER_0)) {
                control.insert(READER_0);
            }
            if (control.isCardPresent(READER_1)) {
                control.remove(READER_1);
            }
        });
    }

    // ---- the happy path ----------------------------------------------------------------------------------

    @Test
    void readersListsBothSimulatedReaders() throws Exception {
        String output = new Shell().run("scard:readers");
        assertThat(line(output, READER_0)).contains("simulator", "present");
        assertThat(line(output, READER_1)).contains("simulator", "absent");
    }

    @Test
    void attachApduStatusLockUnlockDetach() throws Exception {
        Shell shell = new Shell();
        assertThat(shell.run("scard:attach " + quoted(READER_0))).contains(READER_0);

        String response = shell.run("scard:apdu " + SELECT_MF);
        assertThat(response).contains("9000");
        assertThat(shell.run("scard:apdu 00 A4 00 0C 02 3F 00")).contains("9000");
        assertThat(shell.run("scard:apdu 00 5E 00 00")).contains("6D00");

        String status = shell.run("scard:status");
        assertThat(status).contains(READER_0, "simulator", "SPECIFIC_MODE");

        shell.run("scard:lock");
        assertThat(shell.run("scard:apdu 0084000008")).contains("9000");
        shell.run("scard:unlock");
        assertThat(shell.fails("scard:unlock")).contains("SCARD_E_NOT_TRANSACTED");

        shell.run("scard:detach");
        assertThat(shell.fails("scard:status")).containsIgnoringCase("not attached");
        shell.run("scard:detach"); // a no-op
    }

    @Test
    void sessionsHaveIndependentAttachmentsAndShareLocksLikeManagers() throws Exception {
        Shell a = new Shell();
        Shell b = new Shell();
        a.run("scard:attach " + quoted(READER_0));
        assertThat(b.fails("scard:status")).containsIgnoringCase("not attached");
        assertThat(b.fails("scard:apdu " + SELECT_MF)).containsIgnoringCase("not attached");

        b.run("scard:attach " + quoted(READER_0));
        a.run("scard:lock");
        assertThat(b.fails("scard:lock 200ms")).contains("E_FAIL");
        a.run("scard:detach");
        assertThat(b.run("scard:status")).contains(READER_0);
        b.run("scard:lock 2s");
        assertThat(b.run("scard:apdu " + SELECT_MF)).contains("9000");
        b.run("scard:unlock");

        assertThat(a.fails("scard:attach " + quoted(READER_0) + " exclusive")).contains("SCARD_E_SHARING_VIOLATION");
        assertThat(a.fails("scard:status")).containsIgnoringCase("not attached");
    }

    @Test
    void aHandleBelongsToTheSessionThatOpenedIt() throws Exception {
        Shell owner = new Shell();
        Shell other = new Shell();
        String connected = owner.run("scard:connect " + quoted(READER_0) + " exclusive");
        Matcher number = Pattern.compile("Handle (\\d+) connected").matcher(connected);
        assertThat(number.find()).as("a handle number in '%s'", connected).isTrue();
        String handle = number.group(1);
        assertThat(Long.parseLong(handle)).as("a random value, not the first of a count").isNotEqualTo(4097L)
                .isPositive();

        String notHers = "no handle " + handle + " opened in this session";
        assertThat(other.fails("scard:attach-handle " + handle)).startsWith(notHers).endsWith("[E_INVALIDARG 0x80070057]");
        assertThat(other.fails("scard:attach-handle -b simulator " + handle)).startsWith(notHers);
        assertThat(other.fails("scard:disconnect " + handle)).startsWith(notHers).endsWith("[E_INVALIDARG 0x80070057]");
        assertThat(other.fails("scard:status")).containsIgnoringCase("not attached");

        assertThat(owner.run("scard:attach-handle " + handle)).contains(READER_0).contains("exclusive");
        assertThat(owner.run("scard:apdu " + SELECT_MF)).contains("9000");
        assertThat(other.fails("scard:disconnect " + handle)).startsWith(notHers);
        assertThat(owner.run("scard:apdu " + SELECT_MF)).as("still open after the refused disconnect").contains("9000");
        owner.run("scard:detach");
        assertThat(owner.run("scard:disconnect " + handle)).startsWith("Disconnected handle " + handle);
        assertThat(owner.fails("scard:attach-handle " + handle)).startsWith("no handle " + handle);
    }

    @Test
    void aHandleOfTheShellIsNotAnotherBundlesToUse() throws Exception {
        Shell owner = new Shell();
        Matcher number = Pattern.compile("Handle (\\d+) connected")
                .matcher(owner.run("scard:connect " + quoted(READER_0)));
        assertThat(number.find()).isTrue();
        long handle = Long.parseLong(number.group(1));
        ISCardManage manager = awaitService(ISCardManage.class,
                "(" + SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_SIMULATOR + ")");
        SCardException refused = catchThrowableOfType(SCardException.class, () -> manager.attachByHandle(handle));
        assertThat(refused).as("the test bundle attaching to the shell bundle's handle").isNotNull();
        assertThat(refused.code()).isEqualTo(HResult.E_INVALIDARG);
        assertThat(manager.isAttached()).isFalse();
        owner.run("scard:disconnect " + handle);
    }

    @Test
    void simRemoveAndInsertThroughTheShell() throws Exception {
        Shell shell = new Shell();
        shell.run("scard:attach " + quoted(READER_0));
        shell.run("sim:remove " + quoted(READER_0));
        assertThat(shell.fails("scard:apdu " + SELECT_MF)).contains("SCARD_W_REMOVED_CARD");
        assertThat(shell.run("scard:status")).contains("ABSENT");
        assertThat(line(shell.run("scard:readers"), READER_0)).contains("absent");
        assertThat(shell.fails("scard:reconnect")).contains("SCARD_E_NO_SMARTCARD");

        shell.run("sim:insert " + quoted(READER_0));
        shell.run("scard:reconnect");
        assertThat(shell.run("scard:apdu " + SELECT_MF)).contains("9000");

        shell.run("sim:reset " + quoted(READER_0));
        assertThat(shell.fails("scard:apdu " + SELECT_MF)).contains("SCARD_W_RESET_CARD");
        shell.run("scard:reconnect");
        assertThat(shell.run("scard:apdu " + SELECT_MF)).contains("9000");

        assertThat(shell.fails("sim:insert " + quoted(READER_0))).contains("E_FAIL");
        assertThat(shell.fails("sim:remove " + quoted(READER_1))).contains("SCARD_E_NO_SMARTCARD");
        assertThat(shell.fails("sim:remove \"No Such Reader\"")).contains("No Such Reader", "E_INVALIDARG");
    }

    @Test
    void readerAttachmentThroughTheShell() throws Exception {
        Shell shell = new Shell();
        shell.run("scard:attach " + quoted(READER_1));
        assertThat(shell.run("scard:status")).contains(READER_1, "ABSENT");
        assertThat(shell.fails("scard:apdu " + SELECT_MF)).contains("SCARD_E_NO_SMARTCARD");
        shell.run("sim:insert " + quoted(READER_1));
        shell.run("scard:reconnect");
        assertThat(shell.run("scard:apdu " + SELECT_MF)).contains("9000");
    }

    // ---- errors ------------------------------------------------------------------------------------------

    @Test
    void errorsAreOneLineMessagesNamingTheProblem() throws Exception {
        Shell shell = new Shell();
        assertThat(shell.fails("scard:attach \"No Such Reader\"")).contains("No Such Reader").containsIgnoringCase("unknown");
        assertThat(shell.fails("scard:apdu " + SELECT_MF)).containsIgnoringCase("not attached");
        assertThat(shell.fails("scard:unlock")).containsIgnoringCase("not attached");

        shell.run("scard:attach " + quoted(READER_0));
        assertThat(shell.fails("scard:attach " + quoted(READER_1))).contains("E_FAIL");
        // the typed bytes are never echoed (they may hold a PIN): the message names the word and the character
        assertThat(shell.fails("scard:apdu 12G4")).doesNotContain("12G4").contains("word 1", "'G'", "E_INVALIDARG");
        assertThat(shell.fails("scard:apdu 00A4000")).containsIgnoringCase("odd").doesNotContain("00A4000");
        assertThat(shell.fails("scard:apdu 00A400")).contains("E_INVALIDARG");
        assertThat(shell.fails("scard:apdu FF000000")).contains("E_INVALIDARG");
        assertThat(shell.fails("scard:apdu " + "00".repeat(65_545))).containsAnyOf("65545", "too long");
        assertThat(shell.fails("scard:lock soon")).contains("soon");
        assertThat(shell.fails("scard:unlock sideways")).contains("sideways");
        assertThat(shell.fails("scard:unlock")).contains("SCARD_E_NOT_TRANSACTED");

        // none of it harmed the attachment
        assertThat(shell.run("scard:apdu " + SELECT_MF)).contains("9000");
        assertThat(shell.run("scard:status")).contains(READER_0, "SPECIFIC_MODE");
    }
}
