package dev.scard.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.service.log.admin.LoggerContext;

/**
 * The log lines of the distribution: one line per record of the Log Service, at the chosen level, to standard error,
 * above the prompt or into a file; the records logged before the console started first, none twice.
 */
class ConsoleLogTest {

    /** What the PC/SC backend logs when it is used without pcscd. */
    private static final String NO_PCSCD = "dev.scard.pcsc: PC/SC backend registered, but its calls fail with"
            + " SCARD_E_NO_SERVICE until this is fixed: SCardEstablishContext failed: pcscd is not running (the PC/SC"
            + " service) [SCARD_E_NO_SERVICE 0x8010001D]";

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    private final Reader reader = new Reader();

    /** A record as Felix Log makes it. */
    private record Entry(long sequence, LogLevel level, String message, Throwable exception, String logger)
            implements LogEntry {
        Entry(long sequence, LogLevel level, String message, Throwable exception) {
            this(sequence, level, message, exception, "dev.scard.test");
        }

        @Override
        public Bundle getBundle() {
            return null;
        }

        @Override
        @SuppressWarnings("rawtypes")
        public ServiceReference getServiceReference() {
            return null;
        }

        @Override
        @SuppressWarnings("deprecation")
        public int getLevel() {
            return level.ordinal();
        }

        @Override
        public String getMessage() {
            return message;
        }

        @Override
        public Throwable getException() {
            return exception;
        }

        @Override
        public long getTime() {
            return 0;
        }

        @Override
        public LogLevel getLogLevel() {
            return level;
        }

        @Override
        public String getLoggerName() {
            return logger;
        }

        @Override
        public long getSequence() {
            return sequence;
        }

        @Override
        public String getThreadInfo() {
            return "main";
        }

        @Override
        public StackTraceElement getLocation() {
            return null;
        }
    }

    /**
     * A Log Service reader: a history (newest first, as Felix Log gives it) and listeners that get each record as it
     * is logged, or later ({@link #logQuietly}: the Log Service delivers on a thread of its own).
     */
    private static final class Reader implements LogReaderService {
        final List<LogEntry> history = new ArrayList<>();
        final List<LogListener> listeners = new CopyOnWriteArrayList<>();
        private long sequence;

        Entry log(LogLevel level, String message, Throwable exception) {
            Entry entry = logQuietly(level, message, exception);
            listeners.forEach(listener -> listener.logged(entry));
            return entry;
        }

        Entry logQuietly(LogLevel level, String message, Throwable exception) {
            Entry entry = new Entry(++sequence, level, message, exception);
            history.add(0, entry);
            return entry;
        }

        @Override
        public void addLogListener(LogListener listener) {
            listeners.add(listener);
        }

        @Override
        public void removeLogListener(LogListener listener) {
            listeners.remove(listener);
        }

        @Override
        public java.util.Enumeration<LogEntry> getLog() {
            return Collections.enumeration(new ArrayList<>(history));
        }
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private static String lines(String... lines) {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append(System.lineSeparator());
        }
        return text.toString();
    }

    @Test
    void theNoPcscdWarningIsOneReadableLine() throws IOException {
        ConsoleLog.install(ConsoleLog.DEFAULT_LEVEL, null, err, reader, null);

        reader.log(LogLevel.WARN, NO_PCSCD, null);

        assertThat(err()).isEqualTo(lines("WARNING: " + NO_PCSCD));
    }

    @Test
    void theDefaultLevelIsWarningAndVerboseShowsInfo() throws IOException {
        try (ConsoleLog log = ConsoleLog.install(ConsoleLog.DEFAULT_LEVEL, null, err, reader, null)) {
            reader.log(LogLevel.INFO, "reader 'Simulated Reader 0' served to vpcd at 127.0.0.1:35963", null);
            reader.log(LogLevel.ERROR, "broken", null);
            reader.log(LogLevel.AUDIT, "audited", null);
        }
        assertThat(err()).isEqualTo(lines("ERROR: broken", "AUDIT: audited"));

        errBytes.reset();
        try (ConsoleLog log = ConsoleLog.install(ConsoleArguments.parse(new String[] {"-v"}).logLevel(), null, err,
                new Reader(), null)) {
            log.logged(new Entry(1, LogLevel.INFO, "served", null));
            log.logged(new Entry(2, LogLevel.DEBUG, "not shown", null));
        }
        assertThat(err()).isEqualTo(lines("INFO: served"));
    }

    @Test
    void recordsLoggedBeforeTheConsoleStartedComeFirstInOrderAndNoneTwice() throws IOException {
        reader.logQuietly(LogLevel.WARN, "first", null);
        reader.logQuietly(LogLevel.INFO, "below the level", null);
        reader.logQuietly(LogLevel.ERROR, "second", null);
        ConsoleLog log = ConsoleLog.install(ConsoleLog.DEFAULT_LEVEL, null, err, reader, null);
        Entry late = reader.logQuietly(LogLevel.WARN, "not delivered yet", null);
        reader.log(LogLevel.WARN, "third", null);
        log.close(); // writes what the listener was not given
        log.logged(late); // delivered after all: handled already

        assertThat(err()).isEqualTo(lines("WARNING: first", "ERROR: second", "WARNING: third"));
        assertThat(reader.listeners).as("the console stopped listening").isEmpty();
    }

    @Test
    void anExceptionAndLineBreaksStayOnTheOneLineWithoutAStackTrace() {
        Entry entry = new Entry(1, LogLevel.WARN, "the monitor stopped\n  and restarts",
                new IllegalStateException("no context\nat all"));

        assertThat(ConsoleLog.line(entry)).isEqualTo("WARNING: the monitor stopped and restarts"
                + " (java.lang.IllegalStateException: no context at all)");
    }

    @Test
    void atThePromptLinesGoAboveItAndBackToStandardErrorAfterwards() throws IOException {
        ConsoleLog log = ConsoleLog.install(ConsoleLog.Level.INFO, null, err, reader, null);
        List<String> above = new ArrayList<>();

        log.printAbove(above::add);
        reader.log(LogLevel.WARN, "while the prompt is open", null);
        log.printAbove(null);
        reader.log(LogLevel.WARN, "after the prompt closed", null);

        assertThat(above).containsExactly("WARNING: while the prompt is open");
        assertThat(err()).isEqualTo(lines("WARNING: after the prompt closed"));
    }

    @Test
    void aLogFileGetsTheLinesAppendedAndNothingGoesToStandardError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("scard.log");
        Files.writeString(file, "earlier line" + System.lineSeparator());
        ConsoleLog log = ConsoleLog.install(ConsoleLog.Level.INFO, file, err, reader, null);

        log.printAbove(line -> {
            throw new AssertionError("a log file's line went to the prompt: " + line);
        });
        reader.log(LogLevel.INFO, "to the file", null);
        log.close();

        assertThat(Files.readAllLines(file)).containsExactly("earlier line", "INFO: to the file");
        assertThat(err()).isEmpty();
    }

    @Test
    void offWritesNothingAndNoReaderMeansNoLines() throws IOException {
        try (ConsoleLog log = ConsoleLog.install(ConsoleLog.Level.OFF, null, err, reader, null)) {
            reader.log(LogLevel.ERROR, "not shown", null);
            reader.log(LogLevel.AUDIT, "not shown either", null);
        }
        try (ConsoleLog log = ConsoleLog.install(ConsoleLog.DEFAULT_LEVEL, null, err, null, null)) {
            log.logged(new Entry(1, LogLevel.ERROR, "given by hand", null));
        }
        assertThat(err()).isEqualTo(lines("ERROR: given by hand"));
    }

    @Test
    void theFrameworksOwnEventsAreWrittenAtDebugOnly() throws IOException {
        Entry registered = new Entry(1, LogLevel.INFO, "ServiceEvent REGISTERED", null, "Events.Service");
        Entry failed = new Entry(2, LogLevel.ERROR, "FrameworkEvent ERROR", null, "Events.Framework");
        try (ConsoleLog log = ConsoleLog.install(ConsoleLog.Level.INFO, null, err, null, null)) {
            log.logged(registered);
            log.logged(failed);
        }
        assertThat(err()).isEqualTo(lines("ERROR: FrameworkEvent ERROR"));
        errBytes.reset();
        try (ConsoleLog log = ConsoleLog.install(ConsoleLog.Level.DEBUG, null, err, null, null)) {
            log.logged(registered);
        }
        assertThat(err()).isEqualTo(lines("INFO: ServiceEvent REGISTERED"));
    }

    @Test
    void levelNames() {
        assertThat(ConsoleLog.parseLevel("warn")).isEqualTo(ConsoleLog.Level.WARNING);
        assertThat(ConsoleLog.parseLevel("ERROR")).isEqualTo(ConsoleLog.Level.ERROR);
        assertThat(ConsoleLog.parseLevel("debug")).isEqualTo(ConsoleLog.Level.DEBUG);
        assertThat(ConsoleLog.parseLevel("all")).isEqualTo(ConsoleLog.Level.TRACE);
        assertThat(ConsoleLog.parseLevel("off")).isEqualTo(ConsoleLog.Level.OFF);
        assertThat(ConsoleLog.parseLevel("loud")).isNull();
    }

    @Test
    void theLevelIsTheRootLevelOfTheLogServicesLoggers() throws IOException {
        List<Object> set = new ArrayList<>();
        LoggerContext root = (LoggerContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {LoggerContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("setLogLevels")) {
                        set.add(args[0]);
                    }
                    return null;
                });
        LoggerAdmin admin = name -> {
            assertThat(name).as("the root context").isNull();
            return root;
        };
        ConsoleLog.install(ConsoleLog.Level.DEBUG, null, err, reader, admin).close();

        assertThat(set).containsExactly(Map.of(Logger.ROOT_LOGGER_NAME, LogLevel.DEBUG));
    }
}
