package dev.scard.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.scard.console.ConsoleArguments.Mode;

class ConsoleArgumentsTest {

    @Test
    void noArgumentsReadStandardInput() {
        assertThat(ConsoleArguments.parse(new String[0]).mode()).isEqualTo(Mode.STDIN);
        assertThat(ConsoleArguments.parse(null).mode()).isEqualTo(Mode.STDIN);
    }

    @Test
    void dashCTakesTheWholeProgramAsOneArgument() {
        ConsoleArguments args = ConsoleArguments.parse(new String[] {"-c", "lb; scard:readers"});
        assertThat(args.mode()).isEqualTo(Mode.COMMAND);
        assertThat(args.command()).isEqualTo("lb; scard:readers");
        assertThat(args.error()).isNull();
    }

    @Test
    void longFormsOfCommand() {
        assertThat(ConsoleArguments.parse(new String[] {"--command", "lb"}).command()).isEqualTo("lb");
        assertThat(ConsoleArguments.parse(new String[] {"--command=lb -s"}).command()).isEqualTo("lb -s");
    }

    @Test
    void anEmptyProgramIsStillACommand() {
        ConsoleArguments args = ConsoleArguments.parse(new String[] {"-c", ""});
        assertThat(args.mode()).isEqualTo(Mode.COMMAND);
        assertThat(args.command()).isEmpty();
    }

    @Test
    void helpWinsWhereverItIs() {
        assertThat(ConsoleArguments.parse(new String[] {"--help"}).mode()).isEqualTo(Mode.HELP);
        assertThat(ConsoleArguments.parse(new String[] {"-h"}).mode()).isEqualTo(Mode.HELP);
        assertThat(ConsoleArguments.parse(new String[] {"-c", "lb", "--help"}).mode()).isEqualTo(Mode.HELP);
    }

    @Test
    void dashCWithoutAProgramIsAUsageError() {
        ConsoleArguments args = ConsoleArguments.parse(new String[] {"-c"});
        assertThat(args.mode()).isEqualTo(Mode.USAGE_ERROR);
        assertThat(args.error()).contains("-c").contains("needs a command");
    }

    @Test
    void unknownOptionsAndStrayWordsAreUsageErrors() {
        ConsoleArguments unknown = ConsoleArguments.parse(new String[] {"--loud"});
        assertThat(unknown.mode()).isEqualTo(Mode.USAGE_ERROR);
        assertThat(unknown.error()).isEqualTo("unknown option: --loud");

        ConsoleArguments stray = ConsoleArguments.parse(new String[] {"lb"});
        assertThat(stray.mode()).isEqualTo(Mode.USAGE_ERROR);
        assertThat(stray.error()).contains("unexpected argument: lb").contains("-c 'lb'");

        assertThat(ConsoleArguments.parse(new String[] {"-c", "lb", "extra"}).mode()).isEqualTo(Mode.USAGE_ERROR);
    }

    @Test
    void dashCTwiceIsAUsageError() {
        ConsoleArguments args = ConsoleArguments.parse(new String[] {"-c", "lb", "-c", "help"});
        assertThat(args.mode()).isEqualTo(Mode.USAGE_ERROR);
        assertThat(args.error()).contains("more than once");
    }

    @Test
    void configNamesTheInitialConfigurationFileInEitherMode() {
        ConsoleArguments command = ConsoleArguments.parse(new String[] {"--config", "my.json", "-c", "lb"});
        assertThat(command.mode()).isEqualTo(Mode.COMMAND);
        assertThat(command.command()).isEqualTo("lb");
        assertThat(command.config()).isEqualTo("my.json");
        ConsoleArguments stdin = ConsoleArguments.parse(new String[] {"--config=other.json"});
        assertThat(stdin.mode()).isEqualTo(Mode.STDIN);
        assertThat(stdin.config()).isEqualTo("other.json");
        assertThat(ConsoleArguments.parse(new String[] {"--config", ""}).config()).isEmpty();
        assertThat(ConsoleArguments.parse(new String[] {"-c", "lb"}).config()).isNull();
        assertThat(ConsoleArguments.parse(new String[0]).config()).isNull();
    }

    @Test
    void configWithoutAFileOrTwiceIsAUsageError() {
        ConsoleArguments missing = ConsoleArguments.parse(new String[] {"--config"});
        assertThat(missing.mode()).isEqualTo(Mode.USAGE_ERROR);
        assertThat(missing.error()).isEqualTo("option --config needs a file, e.g. --config scard.json");
        ConsoleArguments twice = ConsoleArguments.parse(new String[] {"--config", "a", "--config=b"});
        assertThat(twice.mode()).isEqualTo(Mode.USAGE_ERROR);
        assertThat(twice.error()).isEqualTo("option --config given more than once");
    }

    @Test
    void usageNamesEveryOptionAndTheExitCodes() {
        assertThat(ConsoleArguments.USAGE)
            .contains("java -jar scard.jar")
            .contains("--config FILE")
            .contains("-c, --command")
            .contains("-h, --help")
            .contains("0 when every command succeeded")
            .contains("2 for a");
    }

    @Test
    void launcherArgumentsOfAnyShape() {
        assertThat(ConsoleMain.toStrings(new String[] {"-c", "lb"})).containsExactly("-c", "lb");
        assertThat(ConsoleMain.toStrings(java.util.List.of("-c", "lb"))).containsExactly("-c", "lb");
        assertThat(ConsoleMain.toStrings("--help")).containsExactly("--help");
        assertThat(ConsoleMain.toStrings(null)).isEmpty();
    }
    @Test
    void logLevelAndFileOptions() {
        ConsoleArguments plain = ConsoleArguments.parse(new String[] {"-c", "lb"});
        assertThat(plain.logLevel()).isEqualTo(ConsoleLog.Level.WARNING);
        assertThat(plain.logFile()).isNull();

        ConsoleArguments verbose = ConsoleArguments.parse(new String[] {"-v", "--log-file", "scard.log", "-c", "lb"});
        assertThat(verbose.mode()).isEqualTo(Mode.COMMAND);
        assertThat(verbose.logLevel()).isEqualTo(ConsoleLog.Level.INFO);
        assertThat(verbose.logFile()).isEqualTo("scard.log");

        assertThat(ConsoleArguments.parse(new String[] {"--log-level", "debug"}).logLevel())
                .isEqualTo(ConsoleLog.Level.DEBUG);
    }

    @Test
    void badLogOptionsAreUsageErrors() {
        ConsoleArguments unknown = ConsoleArguments.parse(new String[] {"--log-level", "loud"});
        assertThat(unknown.mode()).isEqualTo(Mode.USAGE_ERROR);
        assertThat(unknown.error()).isEqualTo("unknown log level 'loud' (OFF, ERROR, WARNING, INFO, DEBUG, TRACE or ALL)");
        assertThat(ConsoleArguments.parse(new String[] {"-v", "--log-level", "INFO"}).error())
                .isEqualTo("option --log-level given with another -v or --log-level");
        assertThat(ConsoleArguments.parse(new String[] {"--log-file"}).error())
                .isEqualTo("option --log-file needs a file, e.g. --log-file scard.log");
        assertThat(ConsoleArguments.USAGE).contains("-v, --verbose").contains("--log-level LEVEL")
                .contains("--log-file FILE");
    }
}
