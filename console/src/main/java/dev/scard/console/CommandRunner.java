package dev.scard.console;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.felix.gogo.runtime.Parser;
import org.apache.felix.service.command.CommandSession;

/**
 * Runs Gogo programs in one session and prints what they return (to {@code out}) or throw (one
 * {@code Error:} line to {@code err}). Used by every mode: {@code -c}, standard input and the prompt.
 */
final class CommandRunner {

    /** Exit status when every command succeeded. */
    static final int OK = 0;
    /** Exit status when a command failed. */
    static final int FAILED = 1;
    /** Exit status for a command line the console does not understand. */
    static final int USAGE = 2;

    private static final Pattern EXIT = Pattern.compile("\\s*exit(?:\\s+(\\d{1,3}))?\\s*;?\\s*");

    private final CommandSession session;
    private final PrintStream out;
    private final PrintStream err;

    CommandRunner(CommandSession session, PrintStream out, PrintStream err) {
        this.session = session;
        this.out = out;
        this.err = err;
    }

    /**
     * Executes one Gogo program and prints the result of each of its statements, or the error of the
     * first that fails (the statements after it do not run).
     *
     * @param program the program text
     * @return {@code true} when it ran without throwing
     */
    boolean run(CharSequence program) {
        try {
            for (String statement : Statements.split(program)) {
                print(session.execute(statement));
                out.flush();
            }
            return true;
        } catch (Exception e) {
            printError(e);
            return false;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * The {@code -c} mode.
     *
     * @param program the program given with {@code -c}
     * @return {@link #OK} or {@link #FAILED}
     */
    int runCommand(String program) {
        return run(program) ? OK : FAILED;
    }

    /**
     * The standard-input mode: one program per line (a line that leaves a quote, closure or bracket open
     * continues on the next), all in this session, going on after an error. A line {@code exit [code]}
     * stops reading.
     *
     * @param lines the input
     * @return {@link #OK} when every program succeeded, else {@link #FAILED}; or the code given to
     *         {@code exit}
     */
    int runLines(BufferedReader lines) {
        boolean allSucceeded = true;
        StringBuilder pending = new StringBuilder();
        while (true) {
            String line;
            try {
                line = lines.readLine();
            } catch (IOException e) {
                err.println("Error: cannot read standard input: " + e.getMessage());
                err.flush();
                return FAILED;
            }
            if (line == null) {
                if (pending.length() > 0) {
                    allSucceeded &= run(pending);
                }
                return allSucceeded ? OK : FAILED;
            }
            if (pending.length() == 0) {
                if (line.isBlank() || line.stripLeading().startsWith("#")) {
                    continue;
                }
                OptionalInt exit = exitCode(line);
                if (exit.isPresent()) {
                    return exit.getAsInt() >= 0 ? exit.getAsInt() : allSucceeded ? OK : FAILED;
                }
            } else {
                pending.append('\n');
            }
            pending.append(line);
            if (isIncomplete(pending)) {
                continue;
            }
            allSucceeded &= run(pending);
            pending.setLength(0);
        }
    }

    /** Whether Gogo would reject the program only because it ends inside a quote, closure or bracket. */
    static boolean isIncomplete(CharSequence program) {
        try {
            new Parser(program).program();
            return false;
        } catch (RuntimeException e) {
            return Results.isIncompleteInput(e);
        }
    }

    /**
     * Recognizes the console's own {@code exit [code]} line.
     *
     * @param line one input line
     * @return empty when the line is not {@code exit}; {@code -1} for a plain {@code exit}; else the code
     */
    static OptionalInt exitCode(String line) {
        Matcher m = EXIT.matcher(line);
        if (!m.matches()) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(m.group(1) == null ? -1 : Math.min(255, Integer.parseInt(m.group(1))));
    }

    void print(Object result) {
        String text = Results.format(session, result);
        if (text == null) {
            return;
        }
        if (text.endsWith("\n")) {
            out.print(text);
        } else {
            out.println(text);
        }
    }

    void printError(Throwable failure) {
        err.println(Results.errorLine(failure));
    }
}
