package dev.scard.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log lines of the distribution: one line per record, at the chosen level, to standard error, above the prompt
 * or into a file; never java.util.logging's two-line format.
 */
class ConsoleLogTest {

    /** What the PC/SC backend logs when it starts without pcscd. */
    private static final String NO_PCSCD = "dev.scard.service.pcsc: PC/SC service not running: SCardEstablishContext"
            + " failed: pcscd is not running (the PC/SC service) [SCARD_E_NO_SERVICE 0x8010001D]";

    private final Logger root = LogManager.getLogManager().getLogger("");
    private Handler[] saved;
    private Level savedLevel;
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void saveRootLogger() {
        saved = root.getHandlers();
        savedLevel = root.getLevel();
    }

    @AfterEach
    void restoreRootLogger() {
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
            h.close();
        }
        for (Handler h : saved) {
            root.addHandler(h);
        }
        root.setLevel(savedLevel);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theNoPcscdWarningIsOneReadableLine() throws IOException {
        ConsoleLog.install(ConsoleLog.DEFAULT_LEVEL, null, err);

        System.getLogger("dev.scard.pcsc.internal.PcscComponent").log(System.Logger.Level.WARNING, NO_PCSCD);

        assertThat(err()).isEqualTo("WARNING: " + NO_PCSCD + System.lineSeparator());
    }

    @Test
    void theDefaultLevelIsWarningAndVerboseShowsInfo() throws IOException {
        System.Logger logger = System.getLogger("dev.scard.simulator.internal.VpcdLink");
        ConsoleLog.install(ConsoleLog.DEFAULT_LEVEL, null, err);
        logger.log(System.Logger.Level.INFO, "reader 'Simulated Reader 0' served to vpcd at 127.0.0.1:35963");
        logger.log(System.Logger.Level.ERROR, "broken");
        assertThat(err()).isEqualTo("ERROR: broken" + System.lineSeparator());

        errBytes.reset();
        ConsoleLog.install(ConsoleArguments.parse(new String[] {"-v"}).logLevel(), null, err);
        logger.log(System.Logger.Level.INFO, "reader ''{0}'' served to vpcd at {1}", "Simulated Reader 0",
                "127.0.0.1:35963");
        logger.log(System.Logger.Level.DEBUG, "not shown");
        assertThat(err()).isEqualTo("INFO: reader 'Simulated Reader 0' served to vpcd at 127.0.0.1:35963"
                + System.lineSeparator());
        assertThat(root.getHandlers()).hasSize(1).allMatch(h -> h instanceof ConsoleLog);
    }

    @Test
    void anExceptionAndLineBreaksStayOnTheOneLineWithoutAStackTrace() {
        LogRecord record = new LogRecord(Level.WARNING, "the monitor stopped\n  and restarts");
        record.setThrown(new IllegalStateException("no context\nat all"));

        assertThat(ConsoleLog.line(record)).isEqualTo("WARNING: the monitor stopped and restarts"
                + " (java.lang.IllegalStateException: no context at all)");
    }

    @Test
    void atThePromptLinesGoAboveItAndBackToStandardErrorAfterwards() throws IOException {
        ConsoleLog log = ConsoleLog.install(Level.INFO, null, err);
        List<String> above = new ArrayList<>();
        System.Logger logger = System.getLogger("dev.scard.test");

        log.printAbove(above::add);
        logger.log(System.Logger.Level.WARNING, "while the prompt is open");
        log.printAbove(null);
        logger.log(System.Logger.Level.WARNING, "after the prompt closed");

        assertThat(above).containsExactly("WARNING: while the prompt is open");
        assertThat(err()).isEqualTo("WARNING: after the prompt closed" + System.lineSeparator());
    }

    @Test
    void aLogFileGetsTheLinesAppendedAndNothingGoesToStandardError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("scard.log");
        Files.writeString(file, "earlier line" + System.lineSeparator());
        ConsoleLog log = ConsoleLog.install(Level.INFO, file, err);

        log.printAbove(line -> { throw new AssertionError("a log file's line went to the prompt: " + line); });
        System.getLogger("dev.scard.test").log(System.Logger.Level.INFO, "to the file");
        log.flush();

        assertThat(Files.readAllLines(file)).containsExactly("earlier line", "INFO: to the file");
        assertThat(err()).isEmpty();
    }

    @Test
    void levelNames() {
        assertThat(ConsoleLog.parseLevel("warn")).isEqualTo(Level.WARNING);
        assertThat(ConsoleLog.parseLevel("ERROR")).isEqualTo(Level.SEVERE);
        assertThat(ConsoleLog.parseLevel("debug")).isEqualTo(Level.FINE);
        assertThat(ConsoleLog.parseLevel("off")).isEqualTo(Level.OFF);
        assertThat(ConsoleLog.parseLevel("loud")).isNull();
    }
}
