package dev.scard.console;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.felix.gogo.runtime.Closure;
import org.apache.felix.gogo.runtime.Parser;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;
import org.apache.felix.service.command.Job.Status;
import org.apache.felix.service.command.Result;

/**
 * Runs Gogo programs in one session and prints what they return (to {@code out}) or throw (one
 * {@code Error:} line to {@code err}). Used by every mode: {@code -c}, standard input and the prompt.
 * <p>
 * The error contract holds for every shape of program:
 * <ul>
 * <li>A <b>pipeline</b> ({@code a | b}) fails when any of its stages fails, not only the last: the first
 * stage that failed is reported as the one {@code Error:} line (Gogo's own {@code gogo: ...} report of a
 * failed stage is not printed) and the statement counts as failed.</li>
 * <li>A <b>background job</b> ({@code a &}) runs while the next statements run; when it fails, its
 * {@code Error:} line is printed as it ends, and the session counts as failed (exit status 1). In the
 * non-interactive modes ({@code -c} and standard input) the console waits for every background job before
 * it exits, as a script ending in {@code wait} would; a background job that reads the input is brought to
 * the foreground at that point.</li>
 * <li>A statement {@code exit [N]} ends the session with status N (a plain {@code exit}: 0 when everything
 * succeeded so far, else 1), in every mode.</li>
 * </ul>
 */
final class CommandRunner {

    /** Exit status when every command succeeded. */
    static final int OK = 0;
    /** Exit status when a command failed. */
    static final int FAILED = 1;
    /** Exit status for a command line the console does not understand. */
    static final int USAGE = 2;

    private static final Pattern EXIT = Pattern.compile("\\s*exit(?:\\s+(\\d{1,3}))?\\s*;?\\s*");

    /** How Gogo reports a failed stage that is not the last of its pipeline (see {@link #sessionErr}). */
    private static final byte[] GOGO_STAGE_REPORT = "gogo: ".getBytes(StandardCharsets.US_ASCII);

    private final CommandSession session;
    private final PrintStream out;
    private final PrintStream err;
    /** Failed stages of the foreground pipelines that ended since the current statement began, in order. */
    private final List<Throwable> stageFailures = new ArrayList<>();
    /** The longest the exit waits for the report of a background job Gogo already shows as done. */
    private static final long REPORT_WAIT_MILLIS = 2_000;
    /** The jobs running in the background (nested ones too), until their end is reported; notified then. */
    private final Set<Job> background = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean backgroundFailed = new AtomicBoolean();
    private OptionalInt exitRequest = OptionalInt.empty();

    /**
     * A runner for a session made with {@link #createSession}, whose job listener it becomes.
     *
     * @param session the session
     * @param out where results go
     * @param err where {@code Error:} lines go
     */
    CommandRunner(CommandSession session, PrintStream out, PrintStream err) {
        this.session = session;
        this.out = out;
        this.err = err;
        session.setJobListener(this::jobChanged);
    }

    /**
     * Creates the session every mode runs its commands in: Gogo's session, whose error stream leaves out
     * Gogo's own report of a failed pipeline stage (the runner reports it as an {@code Error:} line).
     *
     * @param processor Gogo's command processor
     * @param in the commands' input
     * @param out the commands' output
     * @param err the commands' error output
     * @return the session
     */
    static CommandSession createSession(CommandProcessor processor, InputStream in, PrintStream out,
        PrintStream err) {
        return processor.createSession(in, out, sessionErr(err));
    }

    /**
     * The error stream for a session: as {@code err}, except for Gogo's report of a failed stage that is not
     * the last of its pipeline ({@code gogo: <Exception>: <message>}, written in one piece by the thread
     * that ran the stage, a thread Gogo names {@code pipe-<statement>}).
     */
    static PrintStream sessionErr(PrintStream err) {
        OutputStream filter = new OutputStream() {
            @Override
            public void write(int b) {
                err.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                if (!isGogoStageReport(bytes, offset, length)) {
                    err.write(bytes, offset, length);
                }
            }

            @Override
            public void flush() {
                err.flush();
            }
        };
        return new PrintStream(filter, true, StandardCharsets.UTF_8);
    }

    private static boolean isGogoStageReport(byte[] bytes, int offset, int length) {
        if (length <= GOGO_STAGE_REPORT.length || bytes[offset + length - 1] != '\n'
            || !Thread.currentThread().getName().startsWith("pipe-")) {
            return false;
        }
        for (int i = 0; i < GOGO_STAGE_REPORT.length; i++) {
            if (bytes[offset + i] != GOGO_STAGE_REPORT[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Gogo tells of every job (a statement or a pipeline) that starts, goes to the background or ends.
     * A failed stage of a pipeline other than the last leaves its exception under
     * {@link Closure#PIPE_EXCEPTION} (as a suppressed exception) before its job ends.
     */
    private void jobChanged(Job job, Status previous, Status current) {
        if (current == Status.Background) {
            background.add(job);
            return;
        }
        if (current != Status.Done) {
            return;
        }
        Throwable stageFailure = firstStageFailure(session.get(Closure.PIPE_EXCEPTION));
        if (background.contains(job)) {
            Result result = job.result();
            Throwable failure = stageFailure != null ? stageFailure : result == null ? null : result.exception();
            if (failure != null) {
                backgroundFailed.set(true);
                printError(failure);
                err.flush();
            }
            synchronized (background) { // reported: awaitReports may go on
                background.remove(job);
                background.notifyAll();
            }
        } else if (stageFailure != null) {
            synchronized (stageFailures) {
                stageFailures.add(stageFailure);
            }
        }
    }

    private static Throwable firstStageFailure(Object pipeException) {
        if (pipeException instanceof Throwable t) {
            Throwable[] stages = t.getSuppressed();
            return stages.length > 0 ? stages[0] : t;
        }
        return null;
    }

    /**
     * Executes one Gogo program and prints the result of each of its statements, or the error of the
     * first that fails (the statements after it do not run). A statement {@code exit [N]} stops the program
     * and is remembered ({@link #exitRequest()}).
     *
     * @param program the program text
     * @return {@code true} when it ran without a failure
     */
    boolean run(CharSequence program) {
        try {
            for (String statement : Statements.split(program)) {
                OptionalInt exit = exitCode(statement);
                if (exit.isPresent()) {
                    exitRequest = exit;
                    return true;
                }
                clearStageFailures();
                Object result = session.execute(statement);
                Throwable stageFailure = takeStageFailure();
                if (stageFailure != null) {
                    printError(stageFailure);
                    return false;
                }
                print(result);
                out.flush();
            }
            return true;
        } catch (Exception e) {
            Throwable stageFailure = takeStageFailure();
            printError(stageFailure != null ? stageFailure : e);
            return false;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private void clearStageFailures() {
        synchronized (stageFailures) {
            stageFailures.clear();
        }
    }

    private Throwable takeStageFailure() {
        synchronized (stageFailures) {
            Throwable first = stageFailures.isEmpty() ? null : stageFailures.get(0);
            stageFailures.clear();
            return first;
        }
    }

    /**
     * The {@code exit [N]} statement that stopped the last program, if any.
     *
     * @return empty when none did; {@code -1} for a plain {@code exit}; else N
     */
    OptionalInt exitRequest() {
        return exitRequest;
    }

    /**
     * Whether a background job failed (its {@code Error:} line was printed when it ended).
     *
     * @return {@code true} once any background job of this session failed
     */
    boolean backgroundFailed() {
        return backgroundFailed.get();
    }

    /**
     * Waits until every background job has ended; a job that waits for the input (Gogo suspends a
     * background job that reads it) is brought to the foreground so that it can read it.
     *
     * @return {@code true} when every background job of this session so far succeeded
     */
    boolean awaitBackgroundJobs() {
        try {
            for (Job job : List.copyOf(background)) {
                synchronized (job) {
                    while (job.status() != Status.Done) {
                        if (job.status() == Status.Suspended) {
                            job.foreground();
                        }
                        job.wait();
                    }
                }
            }
            awaitReports();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(Results.errorLine(e));
            err.flush();
            return false;
        }
        return !backgroundFailed();
    }

    /**
     * Waits a little (at most {@link #REPORT_WAIT_MILLIS}) until {@link #jobChanged} has reported the end of every
     * background job that Gogo says is done: Gogo can show a job as done before its listener ran, and the exit status
     * must include a failure that listener is about to record.
     */
    private void awaitReports() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REPORT_WAIT_MILLIS);
        synchronized (background) {
            while (background.stream().anyMatch(job -> job.status() == Status.Done)) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return;
                }
                background.wait(left);
            }
        }
    }

    /**
     * The exit status of a non-interactive session once its commands have run: waits for the background
     * jobs, then the code of an {@code exit N} statement, else {@link #OK} or {@link #FAILED}.
     *
     * @param allSucceeded whether every program succeeded
     * @return the exit status
     */
    int finish(boolean allSucceeded) {
        boolean succeeded = awaitBackgroundJobs() && allSucceeded;
        return status(succeeded);
    }

    /**
     * The exit status for {@code succeeded} and the {@code exit} statement, without waiting.
     *
     * @param succeeded whether every command (background jobs included) succeeded
     * @return the code of {@code exit N}; else {@link #OK} or {@link #FAILED}
     */
    int status(boolean succeeded) {
        int code = exitRequest.orElse(-1);
        if (code >= 0) {
            return code;
        }
        return succeeded && !backgroundFailed() ? OK : FAILED;
    }

    /**
     * The {@code -c} mode.
     *
     * @param program the program given with {@code -c}
     * @return {@link #OK}, {@link #FAILED} or the code given to {@code exit}
     */
    int runCommand(String program) {
        return finish(run(program));
    }

    /**
     * The standard-input mode: one program per line (a line that leaves a quote, closure or bracket open
     * continues on the next), all in this session, going on after an error. A statement {@code exit [code]}
     * stops reading. At the end it waits for the background jobs ({@link #finish}).
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
                return finish(allSucceeded);
            }
            if (pending.length() == 0) {
                if (line.isBlank() || line.stripLeading().startsWith("#")) {
                    continue;
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
            if (exitRequest.isPresent()) {
                return finish(allSucceeded);
            }
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
