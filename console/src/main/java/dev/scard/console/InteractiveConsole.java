package dev.scard.console;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.apache.felix.service.command.Job;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EOFError;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.Terminal.Signal;
import org.jline.terminal.TerminalBuilder;

/**
 * The interactive mode: a {@code g! } prompt on the system terminal, read with jline (history, completion of
 * command names, multi-line input while a quote, closure or bracket is open).
 * <p>
 * Ctrl-C at the prompt clears the line; Ctrl-C while a command runs interrupts that command; Ctrl-D or
 * {@code exit} leaves with status 0 when every command succeeded, else 1 ({@code exit N} with N), as in the
 * other modes. A background job ({@code &}) runs while the prompt takes the next commands; when it fails, its
 * {@code Error:} line appears as it ends. Leaving the prompt does not wait for background jobs: closing the
 * session interrupts them. Log lines of the bundles ({@link ConsoleLog}) are printed above the prompt.
 */
final class InteractiveConsole {

    static final String PROMPT = "g! ";
    static final String BANNER = "SCard console (Apache Felix Gogo). Type 'help' for the commands, "
        + "'exit' or Ctrl-D to leave.";

    /** System property naming the jline terminal providers to try, in order (jline's own property). */
    private static final String PROVIDERS_PROPERTY = "org.jline.terminal.providers";
    /**
     * Providers tried when the property is not set: exec (stty) needs no native access, so JDK 24+ prints
     * no warning about restricted methods; jni is the fallback.
     */
    private static final String DEFAULT_PROVIDERS = "exec,jni";

    private final CommandProcessor processor;
    private final ConsoleLog log;

    /**
     * @param processor the Gogo command processor
     * @param log the handler of the log records, which prints above the prompt while it is open; {@code null}: none
     */
    InteractiveConsole(CommandProcessor processor, ConsoleLog log) {
        this.processor = processor;
        this.log = log;
    }

    /**
     * Runs the prompt until Ctrl-D or {@code exit}.
     *
     * @return the exit status
     * @throws IOException when the terminal cannot be opened
     */
    int run() throws IOException {
        try (Terminal terminal = openTerminal()) {
            PrintStream out = new PrintStream(terminal.output(), true, terminal.encoding());
            CommandSession session = CommandRunner.createSession(processor, terminal.input(), out, out);
            session.put(ConsoleMain.INTERACTIVE, Boolean.TRUE);
            try {
                return prompt(terminal, session, out, log);
            } finally {
                if (log != null) {
                    log.printAbove(null);
                }
                session.close();
                out.flush();
            }
        }
    }

    /**
     * Opens the system terminal. jline finds its terminal providers through the thread's context class
     * loader, which in the framework is not jline's: it must be for the time of the lookup.
     */
    private static Terminal openTerminal() throws IOException {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(TerminalBuilder.class.getClassLoader());
        try {
            return TerminalBuilder.builder()
                .system(true)
                .name("scard")
                .providers(System.getProperty(PROVIDERS_PROPERTY, DEFAULT_PROVIDERS))
                .nativeSignals(true)
                .build();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static int prompt(Terminal terminal, CommandSession session, PrintStream out, ConsoleLog log) {
        CommandRunner runner = new CommandRunner(session, out, out);
        LineReader reader = LineReaderBuilder.builder()
            .terminal(terminal)
            .appName("scard")
            .parser(new GogoLineParser())
            .completer(new CommandNameCompleter(session))
            .variable(LineReader.SECONDARY_PROMPT_PATTERN, "%P > ")
            .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
            .build();
        // gogo-jline's convention: commands that must read from the terminal themselves (a PIN without echo)
        // find the console's line reader under ".reader".
        session.put(".reader", reader);
        // Log lines are printed above the prompt and what is being typed, never into them.
        if (log != null) {
            log.printAbove(reader::printAbove);
        }

        // While a command runs the terminal is not in raw mode: Ctrl-C raises SIGINT, which must stop the
        // command, not the JVM. While the reader waits for a line it installs its own handler.
        terminal.handle(Signal.INT, signal -> {
            Job job = session.foregroundJob();
            if (job != null) {
                job.interrupt();
            }
        });

        out.println(BANNER);
        boolean allSucceeded = true;
        while (true) {
            String line;
            try {
                line = reader.readLine(PROMPT);
            } catch (UserInterruptException e) {
                continue; // Ctrl-C at the prompt: the line is dropped, ask again
            } catch (EndOfFileException e) {
                return runner.status(allSucceeded); // Ctrl-D
            }
            if (line == null) {
                return runner.status(allSucceeded);
            }
            if (line.isBlank()) {
                continue;
            }
            allSucceeded &= runner.run(line);
            if (runner.exitRequest().isPresent()) {
                return runner.status(allSucceeded);
            }
            Thread.interrupted(); // a Ctrl-C that arrived as the command ended must not hit the next read
        }
    }

    /**
     * Splits words like jline's default parser (for completion), but asks for another line exactly when Gogo's
     * parser finds the input incomplete (an open quote, closure, bracket or pipe).
     */
    static final class GogoLineParser extends DefaultParser {

        @Override
        public ParsedLine parse(String line, int cursor, ParseContext context) {
            if (context == ParseContext.ACCEPT_LINE && CommandRunner.isIncomplete(line)) {
                throw new EOFError(-1, -1, "incomplete Gogo statement");
            }
            return super.parse(line, cursor, context);
        }
    }

    /**
     * Completes the first word of a statement with the command names Gogo knows right now, and the later words
     * with what the command's scope offers: a command {@code <scope>:__complete}, called with the command's name,
     * the words before the one being typed and its start, answers the candidates (the {@code scard:} and
     * {@code sim:} commands have one). Names starting with {@code __} are not offered as commands.
     */
    static final class CommandNameCompleter implements Completer {

        private final CommandSession session;

        CommandNameCompleter(CommandSession session) {
            this.session = session;
        }

        @Override
        public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
            if (line.wordIndex() != 0) {
                completeArgument(line, candidates);
                return;
            }
            Set<String> values = new TreeSet<>();
            for (String name : commandNames(session.get(".commands"))) {
                if (name.substring(name.indexOf(':') + 1).startsWith("__")) {
                    continue;
                }
                int colon = name.indexOf(':');
                String group = colon > 0 ? name.substring(0, colon) : null;
                if (values.add(name)) {
                    candidates.add(new Candidate(name, name, group, null, null, null, true));
                }
                String function = name.substring(colon + 1);
                if (colon > 0 && values.add(function)) {
                    candidates.add(new Candidate(function, function, group, null, null, null, true));
                }
            }
        }

        /** Asks the command's scope for the candidates of the word being typed; nothing when it has no answer. */
        private void completeArgument(ParsedLine line, List<Candidate> candidates) {
            List<String> words = line.words();
            if (words.isEmpty() || line.wordIndex() >= words.size()) {
                return;
            }
            String command = words.get(0);
            String scope = null;
            for (String name : commandNames(session.get(".commands"))) {
                if (name.equals(command) || name.endsWith(":" + command)) {
                    scope = name.substring(0, Math.max(0, name.indexOf(':')));
                    break;
                }
            }
            if (scope == null || scope.isEmpty()) {
                return;
            }
            List<Object> arguments = new ArrayList<>(words.subList(0, line.wordIndex()));
            String typed = line.word().substring(0, Math.min(line.wordCursor(), line.word().length()));
            arguments.add(typed);
            try {
                Object complete = session.get(scope + ":__complete");
                if (!(complete instanceof Function function)) {
                    return;
                }
                Object answer = function.execute(session, arguments);
                if (answer instanceof Collection<?> values) {
                    for (Object value : values) {
                        String v = String.valueOf(value);
                        candidates.add(new Candidate(v, v, null, null, null, null, true));
                    }
                }
            } catch (Exception e) {
                // completion offers nothing rather than disturb the prompt
            }
        }

        static Set<String> commandNames(Object commands) {
            Set<String> names = new TreeSet<>();
            if (commands instanceof Collection<?> all) {
                for (Object name : all) {
                    if (name != null) {
                        names.add(name.toString());
                    }
                }
            }
            return names;
        }
    }
}
