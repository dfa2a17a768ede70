package dev.scard.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.util.List;
import java.util.concurrent.ExecutionException;

import org.apache.felix.gogo.runtime.CommandNotFoundException;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.EOFError;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ResultsTest {

    private CommandSession session;

    @BeforeEach
    void createSession() {
        // Gogo's own processor, outside OSGi: the formatting is the real one.
        CommandProcessorImpl processor = new CommandProcessorImpl(new ThreadIOImpl());
        session = processor.createSession(java.io.InputStream.nullInputStream(), System.out, System.err);
    }

    @AfterEach
    void closeSession() {
        session.close();
    }

    @Test
    void nothingToPrintForNullOrEmptyText() {
        assertThat(Results.format(session, null)).isNull();
        assertThat(Results.format(session, "")).isNull();
        assertThat(Results.format(session, new StringBuilder())).isNull();
    }

    @Test
    void textIsPrintedAsItIs() {
        assertThat(Results.format(session, "Simulated Reader 0\n  card: present")).isEqualTo(
            "Simulated Reader 0\n  card: present");
        assertThat(Results.format(session, new StringBuilder("a\tb"))).isEqualTo("a\tb");
    }

    @Test
    void otherValuesGoThroughTheSessionsInspectFormat() {
        assertThat(Results.format(session, 42)).isEqualTo("42");
        assertThat(Results.format(session, true)).isEqualTo("true");
        assertThat(Results.format(session, List.of("a", "b"))).contains("a").contains("b");
    }

    @Test
    void errorLineCarriesTheMessage() {
        assertThat(Results.errorLine(new IllegalArgumentException("bad APDU hex: 'zz'")))
            .isEqualTo("Error: bad APDU hex: 'zz'");
        assertThat(Results.errorLine(new CommandNotFoundException("nosuchcommand")))
            .isEqualTo("Error: Command not found: nosuchcommand");
    }

    @Test
    void errorLineIsAlwaysOneLine() {
        assertThat(Results.errorLine(new IllegalStateException("first\nsecond\r\n  third\n")))
            .isEqualTo("Error: first second third")
            .doesNotContain("\n");
    }

    @Test
    void errorLineUnwrapsReflectionAndExecutionWrappers() {
        Exception cause = new IllegalArgumentException("no reader named 'x'");
        assertThat(Results.errorLine(new InvocationTargetException(cause))).isEqualTo("Error: no reader named 'x'");
        assertThat(Results.errorLine(new ExecutionException(new InvocationTargetException(cause))))
            .isEqualTo("Error: no reader named 'x'");
    }

    @Test
    void errorLineWithoutAMessageNamesTheException() {
        assertThat(Results.errorLine(new NullPointerException())).isEqualTo("Error: NullPointerException");
        assertThat(Results.errorLine(new InterruptedException())).isEqualTo("Error: interrupted");
    }

    @Test
    void incompleteInputIsGogosEofError() {
        assertThat(Results.isIncompleteInput(new EOFError(1, 5, "unexpected EOF", "}", "}"))).isTrue();
        assertThat(Results.isIncompleteInput(new IllegalStateException())).isFalse();
        assertThat(Results.isIncompleteInput(null)).isFalse();
    }
}
