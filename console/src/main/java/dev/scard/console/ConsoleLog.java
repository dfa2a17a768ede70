package dev.scard.console;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Where the log records of the distribution's bundles go. The bundles log through {@link System.Logger}, which the
 * JDK backs with {@code java.util.logging}; the console replaces the root handlers of {@code java.util.logging} by
 * this handler, which writes each record at or above the chosen level as one line:
 *
 * <pre>
 * WARNING: dev.scard.service.pcsc: SCardEstablishContext failed: pcscd is not running (the PC/SC service) ...
 * </pre>
 *
 * <p>The level as {@link System.Logger} names it ({@code ERROR}, {@code WARNING}, {@code INFO}, {@code DEBUG},
 * {@code TRACE}) and a colon, the message with its parameters on one line (line breaks become spaces) and, when
 * the record has an exception, {@code (<exception class>: <message>)}; never a stack trace, never JUL's two-line
 * format. The line goes to standard error, or, at the interactive prompt, above the prompt (jline's
 * {@code LineReader.printAbove}), so it never mixes with what is typed, or, with {@code --log-file FILE}, appended
 * to that file. The level is {@code WARNING} unless {@code -v} ({@code INFO}) or {@code --log-level LEVEL} says
 * otherwise.
 */
final class ConsoleLog extends Handler {

    /** The level without {@code -v} or {@code --log-level}. */
    static final Level DEFAULT_LEVEL = Level.WARNING;

    private static final Formatter MESSAGES = new Formatter() {
        @Override
        public String format(LogRecord record) {
            return formatMessage(record);
        }
    };

    private final Writer file;
    private final PrintStream err;
    private volatile Consumer<String> sink;

    private ConsoleLog(Level level, Writer file, PrintStream err) {
        this.file = file;
        this.err = err;
        this.sink = file != null ? this::toFile : err::println;
        setLevel(level);
    }

    /**
     * Makes this handler the only handler of the root logger, at {@code level}.
     *
     * @param level the lowest level written
     * @param file the file of {@code --log-file}, or {@code null}: standard error (or above the prompt)
     * @param err standard error (the root stream, not Gogo's per-thread one)
     * @return the installed handler
     * @throws IOException when the file cannot be opened for appending
     */
    static ConsoleLog install(Level level, Path file, PrintStream err) throws IOException {
        Writer writer = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        ConsoleLog handler = new ConsoleLog(level, writer, err);
        Logger root = LogManager.getLogManager().getLogger("");
        for (Handler old : root.getHandlers()) {
            root.removeHandler(old);
        }
        root.setLevel(level);
        root.addHandler(handler);
        return handler;
    }

    /**
     * Parses a level name as {@code --log-level} takes it: {@code OFF}, {@code ERROR}/{@code SEVERE},
     * {@code WARNING}/{@code WARN}, {@code INFO}, {@code DEBUG}/{@code FINE}, {@code TRACE}/{@code FINEST},
     * {@code ALL}, in any case.
     *
     * @param name the name typed
     * @return the level, or {@code null} for a name that is none of these
     */
    static Level parseLevel(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "OFF" -> Level.OFF;
            case "ERROR", "SEVERE" -> Level.SEVERE;
            case "WARNING", "WARN" -> Level.WARNING;
            case "INFO" -> Level.INFO;
            case "DEBUG", "FINE" -> Level.FINE;
            case "TRACE", "FINEST", "FINER" -> Level.FINEST;
            case "ALL" -> Level.ALL;
            default -> null;
        };
    }

    /**
     * The one line a record becomes.
     *
     * @param record the record
     * @return the line, without a line terminator
     */
    static String line(LogRecord record) {
        StringBuilder line = new StringBuilder(levelName(record.getLevel())).append(": ");
        String message = MESSAGES.format(record);
        line.append(message == null ? "" : message.strip());
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            line.append(" (").append(thrown.getClass().getName());
            if (thrown.getMessage() != null) {
                line.append(": ").append(thrown.getMessage().strip());
            }
            line.append(')');
        }
        return line.toString().replaceAll("\\s*\\R\\s*", " ");
    }

    /** The level as {@link System.Logger} names it: ERROR, WARNING, INFO, DEBUG, TRACE. */
    private static String levelName(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (value >= Level.WARNING.intValue()) {
            return "WARNING";
        }
        if (value >= Level.INFO.intValue()) {
            return "INFO";
        }
        return value >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }

    /**
     * Sends the lines to {@code printAbove} (the prompt's jline reader) while the prompt is open, unless they go to
     * a file.
     *
     * @param printAbove prints one line above the prompt; {@code null}: back to standard error
     */
    void printAbove(Consumer<String> printAbove) {
        if (file == null) {
            sink = printAbove != null ? printAbove : err::println;
        }
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null || !isLoggable(record)) {
            return;
        }
        String line;
        try {
            line = line(record);
        } catch (RuntimeException e) {
            line = levelName(record.getLevel()) + ": " + record.getMessage();
        }
        Objects.requireNonNull(sink).accept(line);
    }

    private synchronized void toFile(String line) {
        try {
            file.write(line);
            file.write(System.lineSeparator());
            file.flush();
        } catch (IOException e) {
            reportError("cannot write the log file", e, java.util.logging.ErrorManager.WRITE_FAILURE);
        }
    }

    @Override
    public void flush() {
        if (file != null) {
            synchronized (this) {
                try {
                    file.flush();
                } catch (IOException e) {
                    reportError("cannot flush the log file", e, java.util.logging.ErrorManager.FLUSH_FAILURE);
                }
            }
        } else {
            err.flush();
        }
    }

    @Override
    public void close() {
        if (file != null) {
            synchronized (this) {
                try {
                    file.close();
                } catch (IOException e) {
                    reportError("cannot close the log file", e, java.util.logging.ErrorManager.CLOSE_FAILURE);
                }
            }
        }
    }
}
