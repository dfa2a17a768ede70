package dev.scard.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The runner against Gogo's real processor (outside OSGi), with commands of its own. */
class CommandRunnerTest {

    /** Commands shaped like ours: return data, print data, throw for bad input. */
    public static final class TestCommands {
        public String hello(String name) {
            return "Hello " + name;
        }

        public void shout() {
            System.out.println("printed through System.out");
        }

        public int count() {
            return 3;
        }

        public List<String> readers() {
            return List.of("Simulated Reader 0", "Simulated Reader 1");
        }

        public Object nothing() {
            return null;
        }

        public void fail() {
            throw new IllegalArgumentException("bad input: 'zz' is not hexadecimal");
        }

        public void failLater() throws InterruptedException {
            Thread.sleep(50);
            throw new IllegalStateException("late failure [SCARD_E_NO_SMARTCARD 0x8010000C]");
        }
    }

    private ThreadIOImpl threadIO;
    private CommandSession session;
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private PrintStream out;
    private PrintStream err;
    private CommandRunner runner;

    @BeforeEach
    void setUp() {
        threadIO = new ThreadIOImpl();
        threadIO.start(); // System.out now follows the session while a command runs, as in the framework
        CommandProcessorImpl processor = new CommandProcessorImpl(threadIO);
        TestCommands commands = new TestCommands();
        for (String function : List.of("hello", "shout", "count", "readers", "nothing", "fail", "failLater")) {
            processor.addCommand("t", commands, function);
        }
        out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        session = CommandRunner.createSession(processor, InputStream.nullInputStream(), out, err);
        runner = new CommandRunner(session, out, err);
    }

    @AfterEach
    void tearDown() {
        session.close();
        threadIO.stop();
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void commandPrintsItsResultAndSucceeds() {
        assertThat(runner.runCommand("t:hello world")).isEqualTo(CommandRunner.OK);
        assertThat(out()).isEqualTo("Hello world" + System.lineSeparator());
        assertThat(err()).isEmpty();
    }

    @Test
    void unscopedNamesWork() {
        assertThat(runner.runCommand("count")).isZero();
        assertThat(out().strip()).isEqualTo("3");
    }

    @Test
    void whatACommandPrintsReachesTheSessionsOutput() {
        assertThat(runner.runCommand("shout")).isZero();
        assertThat(out()).contains("printed through System.out");
    }

    @Test
    void everyStatementsResultIsPrinted() {
        assertThat(runner.runCommand("hello a; hello b\nhello c")).isZero();
        assertThat(out().lines()).containsExactly("Hello a", "Hello b", "Hello c");
    }

    @Test
    void nullResultsPrintNothing() {
        assertThat(runner.runCommand("nothing")).isZero();
        assertThat(out()).isEmpty();
    }

    @Test
    void collectionsAreFormattedBySession() {
        assertThat(runner.runCommand("readers")).isZero();
        assertThat(out()).contains("Simulated Reader 0").contains("Simulated Reader 1");
    }

    @Test
    void unknownCommandIsOneErrorLineAndExitCodeOne() {
        assertThat(runner.runCommand("nosuchcommand")).isEqualTo(CommandRunner.FAILED);
        assertThat(out()).isEmpty();
        assertThat(err().lines()).containsExactly("Error: Command not found: nosuchcommand");
    }

    @Test
    void commandExceptionIsOneErrorLineWithoutStackTrace() {
        assertThat(runner.runCommand("fail")).isEqualTo(CommandRunner.FAILED);
        assertThat(err().lines()).containsExactly("Error: bad input: 'zz' is not hexadecimal");
        assertThat(err()).doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void statementsAfterAFailureDoNotRun() {
        assertThat(runner.runCommand("hello a; fail; hello b")).isEqualTo(CommandRunner.FAILED);
        assertThat(out().lines()).containsExactly("Hello a");
        assertThat(err().lines()).hasSize(1);
    }

    @Test
    void conditionalOperatorsKeepGogoSemantics() {
        // Run whole: Gogo returns only the last result of a && chain.
        assertThat(runner.runCommand("hello a && hello b")).isZero();
        assertThat(out().lines()).containsExactly("Hello b");
    }

    @Test
    void syntaxErrorsAreReported() {
        assertThat(runner.runCommand("hello 'unclosed")).isEqualTo(CommandRunner.FAILED);
        assertThat(err().lines()).hasSize(1).allSatisfy(line -> assertThat(line).startsWith("Error: "));
    }

    @Test
    void variablesLiveInTheSession() {
        assertThat(runner.runCommand("x = world; hello $x")).isZero();
        assertThat(out().lines()).last().isEqualTo("Hello world");
    }

    @Test
    void linesRunInOneSessionAndGoOnAfterAnError() {
        String input = "hello a\n\n# a comment\nnosuchcommand\nx = b\nhello $x\n";
        int status = runner.runLines(new BufferedReader(new StringReader(input)));
        assertThat(status).isEqualTo(CommandRunner.FAILED);
        assertThat(out().lines()).contains("Hello a").last().isEqualTo("Hello b");
        assertThat(err().lines()).containsExactly("Error: Command not found: nosuchcommand");
    }

    @Test
    void linesSucceedWhenEveryCommandSucceeds() {
        int status = runner.runLines(new BufferedReader(new StringReader("hello a\nhello b")));
        assertThat(status).isZero();
        assertThat(out().lines()).containsExactly("Hello a", "Hello b");
    }

    @Test
    void anOpenClosureContinuesOnTheNextLine() {
        int status = runner.runLines(new BufferedReader(new StringReader("greet = {\n  hello $1\n}\ngreet a\ngreet b\n")));
        assertThat(status).isZero();
        assertThat(out()).contains("Hello a").contains("Hello b");
        assertThat(err()).isEmpty();
    }

    @Test
    void inputEndingInsideAClosureIsAnError() {
        int status = runner.runLines(new BufferedReader(new StringReader("hello a\ngreet = {\n")));
        assertThat(status).isEqualTo(CommandRunner.FAILED);
        assertThat(err().lines()).hasSize(1).first().asString().startsWith("Error: ");
    }

    @Test
    void exitStopsReading() {
        int status = runner.runLines(new BufferedReader(new StringReader("hello a\nexit 3\nhello b\n")));
        assertThat(status).isEqualTo(3);
        assertThat(out().lines()).containsExactly("Hello a");

        assertThat(CommandRunner.exitCode("exit")).hasValue(-1);
        assertThat(CommandRunner.exitCode("  exit 7 ")).hasValue(7);
        assertThat(CommandRunner.exitCode("exit 999")).hasValue(255);
        assertThat(CommandRunner.exitCode("exitcode")).isEmpty();
        assertThat(CommandRunner.exitCode("exit now")).isEmpty();
    }

    @Test
    void statementsSplitOnlyOnSemicolonsAndNewLines() {
        assertThat(Statements.split("lb; scard:readers\nhelp")).containsExactly("lb", "scard:readers", "help");
        assertThat(Statements.split("a && b")).containsExactly("a && b");
        assertThat(Statements.split("echo 'x; y'")).containsExactly("echo 'x; y'");
        assertThat(Statements.split("each [1 2] { echo $it; echo x }")).hasSize(1);
        assertThat(Statements.split("lb | grep x; help")).containsExactly("lb | grep x", "help");
        assertThat(Statements.split("   ")).isEmpty();
        assertThat(Statements.split("'unclosed")).containsExactly("'unclosed");
    }

    @Test
    void aFailingFirstStageOfAPipelineIsOneErrorLineAndFails() {
        assertThat(runner.runCommand("fail | hello x")).isEqualTo(CommandRunner.FAILED);
        assertThat(err().lines()).containsExactly("Error: bad input: 'zz' is not hexadecimal");
        assertThat(out()).isEmpty();
    }

    @Test
    void aFailingPipelineStopsTheStatementsAfterIt() {
        assertThat(runner.runCommand("hello a; readers | fail; hello b")).isEqualTo(CommandRunner.FAILED);
        assertThat(out().lines()).containsExactly("Hello a");
        assertThat(err().lines()).containsExactly("Error: bad input: 'zz' is not hexadecimal");
    }

    @Test
    void whenSeveralStagesFailTheFirstIsReported() {
        assertThat(runner.runCommand("fail | failLater")).isEqualTo(CommandRunner.FAILED);
        assertThat(err().lines()).containsExactly("Error: bad input: 'zz' is not hexadecimal");
    }

    @Test
    void aSucceedingPipelineStillSucceeds() {
        assertThat(runner.runCommand("readers | hello x")).isZero();
        assertThat(out().lines()).containsExactly("Hello x");
        assertThat(err()).isEmpty();
    }

    @Test
    void aFailingPipelineInPipedInputFails() {
        int status = runner.runLines(new BufferedReader(new StringReader("fail | hello x\nhello b\n")));
        assertThat(status).isEqualTo(CommandRunner.FAILED);
        assertThat(out().lines()).containsExactly("Hello b");
        assertThat(err().lines()).containsExactly("Error: bad input: 'zz' is not hexadecimal");
    }

    @Test
    void aFailingBackgroundJobIsAwaitedReportedAndFails() {
        assertThat(runner.runCommand("failLater &")).isEqualTo(CommandRunner.FAILED);
        assertThat(err().lines()).containsExactly("Error: late failure [SCARD_E_NO_SMARTCARD 0x8010000C]");
    }

    @Test
    void aFailingBackgroundJobFailsPipedInputToo() {
        int status = runner.runLines(new BufferedReader(new StringReader("failLater &\nhello b\n")));
        assertThat(status).isEqualTo(CommandRunner.FAILED);
        assertThat(out().lines()).containsExactly("Hello b");
        assertThat(err().lines()).containsExactly("Error: late failure [SCARD_E_NO_SMARTCARD 0x8010000C]");
    }

    @Test
    void aBackgroundClosureThatFailsAfterTheLastStatementIsAwaited() {
        assertThat(runner.runCommand("late = { shout; failLater }; late &; hello first")).isEqualTo(CommandRunner.FAILED);
        assertThat(out()).contains("Hello first").contains("printed through System.out");
        assertThat(err().lines()).containsExactly("Error: late failure [SCARD_E_NO_SMARTCARD 0x8010000C]");
    }

    @Test
    void aBackgroundPipelineWithAFailingStageFails() {
        assertThat(runner.runCommand("fail | hello x &")).isEqualTo(CommandRunner.FAILED);
        assertThat(err().lines()).containsExactly("Error: bad input: 'zz' is not hexadecimal");
    }

    @Test
    void aSucceedingBackgroundJobSucceeds() {
        assertThat(runner.runCommand("shout &")).isZero();
        assertThat(out()).contains("printed through System.out");
        assertThat(err()).isEmpty();
    }

    @Test
    void exitInCommandModeExitsWithItsCode() {
        assertThat(runner.runCommand("exit 3")).isEqualTo(3);
        assertThat(err()).isEmpty();
    }

    @Test
    void exitStatementStopsTheProgram() {
        assertThat(runner.runCommand("hello a; exit 4; hello b")).isEqualTo(4);
        assertThat(out().lines()).containsExactly("Hello a");
    }

    @Test
    void plainExitKeepsTheStatusSoFar() {
        assertThat(runner.runCommand("exit")).isZero();
        int status = runner.runLines(new BufferedReader(new StringReader("fail\nexit\nhello b\n")));
        assertThat(status).isEqualTo(CommandRunner.FAILED);
        assertThat(out()).isEmpty();
    }
}
