package dev.scard.itest.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;

/**
 * One Gogo session with its own output and error streams, as a console runs commands: the value a command returns
 * is its output, an exception's message is all the user sees of an error (so it must be one line, without a stack
 * trace). Close it when done ({@link OsgiTestSupport#onCleanup}).
 */
public final class GogoShell implements AutoCloseable {

    private final CommandSession session;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** A session of {@code processor} that reads nothing and writes into buffers. */
    public GogoShell(CommandProcessor processor) {
        session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Runs a command line that must succeed and returns its output (the command's return value). */
    public String run(String commandLine) throws Exception {
        Object result;
        try {
            result = session.execute(commandLine);
        } catch (Exception e) {
            throw new AssertionError("'" + commandLine + "' failed: " + e, e);
        }
        assertThat(err()).as("error stream after '%s'", commandLine).isEmpty();
        assertThat(result).as("output of '%s'", commandLine).isInstanceOf(String.class);
        return (String) result;
    }

    /** Runs a command line that must fail and returns the one-line message the user sees. */
    public String fails(String commandLine) {
        Object result;
        try {
            result = session.execute(commandLine);
        } catch (Exception e) {
            String message = e.getMessage();
            assertThat(message).as("message of %s from '%s'", e.getClass().getName(), commandLine)
                    .isNotBlank().doesNotContain("\n", "\r").doesNotContain("Exception");
            assertThat(err()).as("error stream after '%s'", commandLine).isEmpty();
            return message;
        }
        return fail("'%s' should fail but returned %s", commandLine, result);
    }

    /**
     * Runs a command line that may succeed or fail, for tests that do not know which (fuzzing).
     *
     * @return the command's return value
     * @throws Exception what the command threw
     */
    public Object execute(String commandLine) throws Exception {
        return session.execute(commandLine);
    }

    /**
     * The response in the output of {@code scard:apdu}: the bytes of its {@code Data:} lines (and their continuation
     * lines) followed by its status word, in hex without spaces, e.g. {@code 6F0A...9000}.
     */
    public static String apduResponse(String output) {
        StringBuilder hex = new StringBuilder();
        String sw = "";
        for (String line : output.lines().toList()) {
            if (line.startsWith("SW ")) {
                sw = line.substring(3, 7);
            } else if (line.startsWith("Data: ") || line.startsWith("      ")) {
                hex.append(line.replace("Data:", "").replace(" ", ""));
            }
        }
        return hex + sw;
    }

    /** Sets a session variable, as the console does (for example {@code .interactive}). */
    public void put(String name, Object value) {
        session.put(name, value);
    }

    /** What the session wrote to its error stream so far (a stack trace would land there). */
    public String errorStream() {
        return err();
    }

    /** Interrupts the command running in this session, as Ctrl-C does in a console. */
    public void interrupt() {
        Job job = session.foregroundJob();
        assertThat(job).as("a command running in the session").isNotNull();
        job.interrupt();
    }

    /** What the session's console got so far (commands that print live, such as scard:watch). */
    public String console() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Detaches the session's attachment, if any, and closes it. */
    @Override
    public void close() throws Exception {
        try {
            session.execute("scard:detach");
        } finally {
            session.close();
        }
    }
}
