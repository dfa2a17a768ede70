package dev.scard.console;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.admin.LoggerAdmin;

/**
 * Where the log records of the distribution's bundles go. The bundles log through the OSGi Log Service (Felix Log in
 * the distribution); the console listens to it ({@link LogReaderService}) and writes each record at or above the
 * chosen level as one line:
 *
 * <pre>
 * WARNING: dev.scard.pcsc: PC/SC backend registered, but its calls fail with SCARD_E_NO_SERVICE ...
 * </pre>
 *
 * <p>The level ({@code ERROR}, {@code WARNING}, {@code INFO}, {@code DEBUG}, {@code TRACE}, {@code AUDIT}) and a
 * colon, the message on one line (line breaks become spaces) and, when the record has an exception,
 * {@code (<exception class>: <message>)}; never a stack trace. The line goes to standard error, or, at the
 * interactive prompt, above the prompt (jline's {@code LineReader.printAbove}), so it never mixes with what is typed,
 * or, with {@code --log-file FILE}, appended to that file. The level is {@code WARNING} unless {@code -v}
 * ({@code INFO}) or {@code --log-level LEVEL} says otherwise; it is also set as the root level of the Log Service's
 * loggers ({@link LoggerAdmin}), so that records below it are not even made.
 *
 * <p>The framework's own events, which the Log Service logs too ("ServiceEvent REGISTERED"), are written only at
 * {@code DEBUG} and {@code TRACE} (or when they are warnings or errors).
 *
 * <p>Records logged before the console started (a backend that started without its service) are in the Log
 * Service's history and are written first, in the order they were logged; records are told apart by their sequence
 * numbers, so none is written twice. {@link #close()} writes what the listener has not been given yet (the Log
 * Service delivers records to listeners on a thread of its own).
 */
final class ConsoleLog implements LogListener, AutoCloseable {

    /** The levels {@code --log-level} takes, lowest last. */
    enum Level {
        /** Nothing is written. */
        OFF(LogLevel.ERROR),
        /** Errors. */
        ERROR(LogLevel.ERROR),
        /** Warnings and errors (the default). */
        WARNING(LogLevel.WARN),
        /** Information too ({@code -v}). */
        INFO(LogLevel.INFO),
        /** Debugging records too. */
        DEBUG(LogLevel.DEBUG),
        /** Everything. */
        TRACE(LogLevel.TRACE);

        private final LogLevel logLevel;

        Level(LogLevel logLevel) {
            this.logLevel = logLevel;
        }

        /** Whether a record of {@code level} is written at this level (audit records always are, unless OFF). */
        boolean shows(LogLevel level) {
            return this != OFF && (level == LogLevel.AUDIT || logLevel.implies(level));
        }
    }

    /** The prefix of the loggers the Log Service writes the framework's events to (OSGi Log Service 1.4, 101.6). */
    static final String FRAMEWORK_EVENTS = "Events.";

    /** The level without {@code -v} or {@code --log-level}. */
    static final Level DEFAULT_LEVEL = Level.WARNING;

    private final Level level;
    private final Writer file;
    private final PrintStream err;
    private final LogReaderService reader;
    private volatile Consumer<String> sink;
    /** The sequence number of the last record handled (written or not); guarded by this object's monitor. */
    private long handled = -1;

    private ConsoleLog(Level level, Writer file, PrintStream err, LogReaderService reader) {
        this.level = level;
        this.file = file;
        this.err = err;
        this.reader = reader;
        this.sink = file != null ? this::toFile : err::println;
    }

    /**
     * Starts writing the Log Service's records at or above {@code level}: sets the root level of the loggers, writes
     * the records of the history, and listens for new ones.
     *
     * @param level the lowest level written
     * @param file the file of {@code --log-file}, or {@code null}: standard error (or above the prompt)
     * @param err standard error (the root stream, not Gogo's per-thread one)
     * @param reader the Log Service's reader, or {@code null} when there is none (nothing is written then)
     * @param admin the Log Service's logger admin, or {@code null}: the loggers' levels stay as they are
     * @return the log, to be closed when the console ends
     * @throws IOException when the file cannot be opened for appending
     */
    static ConsoleLog install(Level level, Path file, PrintStream err, LogReaderService reader, LoggerAdmin admin)
            throws IOException {
        Writer writer = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        ConsoleLog log = new ConsoleLog(level, writer, err, reader);
        if (admin != null) {
            admin.getLoggerContext(null).setLogLevels(Map.of(Logger.ROOT_LOGGER_NAME, level.logLevel));
        }
        if (reader != null) {
            synchronized (log) { // the history first: the listener waits for it
                reader.addLogListener(log);
                log.writeHistory();
            }
        }
        return log;
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
            case "ERROR", "SEVERE" -> Level.ERROR;
            case "WARNING", "WARN" -> Level.WARNING;
            case "INFO" -> Level.INFO;
            case "DEBUG", "FINE" -> Level.DEBUG;
            case "TRACE", "FINEST", "FINER", "ALL" -> Level.TRACE;
            default -> null;
        };
    }

    /**
     * The one line a record becomes.
     *
     * @param entry the record
     * @return the line, without a line terminator
     */
    static String line(LogEntry entry) {
        StringBuilder line = new StringBuilder(levelName(entry.getLogLevel())).append(": ");
        String message = entry.getMessage();
        line.append(message == null ? "" : message.strip());
        Throwable thrown = entry.getException();
        if (thrown != null) {
            line.append(" (").append(thrown.getClass().getName());
            if (thrown.getMessage() != null) {
                line.append(": ").append(thrown.getMessage().strip());
            }
            line.append(')');
        }
        return line.toString().replaceAll("\\s*\\R\\s*", " ");
    }

    /** The level as the console names it: ERROR, WARNING, INFO, DEBUG, TRACE, AUDIT. */
    private static String levelName(LogLevel level) {
        return level == LogLevel.WARN ? "WARNING" : level.name();
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
    public synchronized void logged(LogEntry entry) {
        write(entry);
    }

    /** Writes {@code entry} unless it was handled before; call with this object's monitor held. */
    private void write(LogEntry entry) {
        if (entry.getSequence() <= handled) {
            return;
        }
        handled = entry.getSequence();
        if (!level.shows(entry.getLogLevel()) || isFrameworkChatter(entry)) {
            return;
        }
        String line;
        try {
            line = line(entry);
        } catch (RuntimeException e) {
            line = levelName(entry.getLogLevel()) + ": " + entry.getMessage();
        }
        sink.accept(line);
    }

    /**
     * Whether a record is one of the framework's events that the Log Service logs itself (its loggers
     * {@code Events.Framework}, {@code Events.Bundle}, {@code Events.Service}: "ServiceEvent REGISTERED" and the like)
     * below WARNING: written at {@code DEBUG} and {@code TRACE} only, not with {@code -v}.
     */
    private boolean isFrameworkChatter(LogEntry entry) {
        String logger = entry.getLoggerName();
        return logger != null && logger.startsWith(FRAMEWORK_EVENTS) && !LogLevel.WARN.implies(entry.getLogLevel())
                && !level.logLevel.implies(LogLevel.DEBUG);
    }

    /** Writes the history's records not handled yet, oldest first; call with this object's monitor held. */
    private void writeHistory() {
        List<LogEntry> entries = new ArrayList<>();
        for (Enumeration<LogEntry> history = reader.getLog(); history.hasMoreElements();) {
            LogEntry entry = history.nextElement();
            if (entry.getSequence() > handled) {
                entries.add(entry);
            }
        }
        Collections.sort(entries, Comparator.comparingLong(LogEntry::getSequence));
        entries.forEach(this::write);
    }

    private void toFile(String line) {
        try {
            file.write(line);
            file.write(System.lineSeparator());
            file.flush();
        } catch (IOException e) {
            err.println("scard: cannot write the log file: " + e.getMessage());
        }
    }

    /** Writes the records logged so far that the listener has not been given yet, and flushes. */
    synchronized void flush() {
        if (reader != null) {
            writeHistory();
        }
        if (file != null) {
            try {
                file.flush();
            } catch (IOException e) {
                err.println("scard: cannot write the log file: " + e.getMessage());
            }
        } else {
            err.flush();
        }
    }

    /** Writes what is left ({@link #flush()}), stops listening and closes the log file. */
    @Override
    public void close() {
        flush();
        if (reader != null) {
            try {
                reader.removeLogListener(this);
            } catch (IllegalStateException e) {
                // the Log Service is stopping
            }
        }
        if (file != null) {
            synchronized (this) {
                try {
                    file.close();
                } catch (IOException e) {
                    err.println("scard: cannot close the log file: " + e.getMessage());
                }
            }
        }
    }
}
