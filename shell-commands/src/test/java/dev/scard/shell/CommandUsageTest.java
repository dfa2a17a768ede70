package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.scard.shell.text.CommandUsage;

/**
 * The usage texts and their parser: every command's {@code Usage:} line is what its options and arguments make, and
 * the words are read as the class describes.
 */
class CommandUsageTest {

    private static final CommandUsage DEMO = CommandUsage.of("demo:cmd", "does things\n"
            + "Usage: demo:cmd [options] [--] <first> [<second>] [<rest>...]\n"
            + "Options:\n"
            + "  -b, --backend <backend>  a value\n"
            + "  -r, --recursive  a flag\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <first>  one\n"
            + "  [<second>]  two\n"
            + "  [<rest>...]  the rest\n");

    static List<CommandUsage> allScardUsages() throws IllegalAccessException {
        List<CommandUsage> all = new ArrayList<>();
        for (Class<?> type : new Class<?>[] {ScardCommands.class, FileCommands.class, PinCommands.class,
            AuthCommands.class, BackendCommands.class, WatchCommand.class, TraceCommand.class, RecordCommand.class}) {
            all.addAll(UsageGogoTest.usagesOf(type));
        }
        return all;
    }

    @Test
    void everyUsageLineIsWhatTheSectionsMake() throws Exception {
        List<CommandUsage> all = allScardUsages();
        assertThat(all).hasSize(37);
        for (CommandUsage usage : all) {
            assertThat(usage.usageLine()).as(usage.command()).isEqualTo(usage.synopsis());
            assertThat(usage.options()).as(usage.command()).anySatisfy(o -> assertThat(o.names())
                    .containsExactly("-h", "--help"));
            assertThat(usage.description()).as(usage.command()).isNotBlank();
        }
        assertThat(DEMO.synopsis()).isEqualTo(DEMO.usageLine());
    }

    @Test
    void readsOptionsAnywhereUntilDoubleDash() {
        CommandUsage.Words w = DEMO.parse(new Object[] {"a", "-r", "--backend", "pcsc", "b", "--", "-c", "--help"});
        assertThat(w.help()).isFalse();
        assertThat(w.flag("--recursive")).isTrue();
        assertThat(w.option("--backend", "")).isEqualTo("pcsc");
        assertThat(w.arguments()).containsExactly("a", "b", "-c", "--help");
        assertThat(w.from(2)).containsExactly("-c", "--help");
        assertThat(w.argument(4)).isNull();
        CommandUsage.Words inline = DEMO.parse(new Object[] {"--backend=simulator", "-", "x"});
        assertThat(inline.option("--backend", "")).isEqualTo("simulator");
        assertThat(inline.flag("--recursive")).isFalse();
        assertThat(inline.arguments()).containsExactly("-", "x");
        assertThat(DEMO.parse(new Object[] {"x", "-h", "--bogus"}).help()).isTrue();
        assertThat(DEMO.parse(new Object[] {"x", 12L}).arguments()).containsExactly("x", "12");
        // a negative number is an argument (the command says what is wrong with it), not an option
        assertThat(DEMO.parse(new Object[] {"-5", "-0.5"}).arguments()).containsExactly("-5", "-0.5");
    }

    @Test
    void refusesWhatTheUsageDoesNotAllow() {
        assertThatIllegalArgumentException().isThrownBy(() -> DEMO.parse(new Object[0]))
                .withMessage("demo:cmd: missing argument <first> (usage: demo:cmd [options] [--] <first> [<second>]"
                        + " [<rest>...]; demo:cmd --help explains) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> DEMO.parse(new Object[] {"x", "-q"}))
                .withMessageStartingWith("demo:cmd: unknown option '-q' (usage: ");
        assertThatIllegalArgumentException().isThrownBy(() -> DEMO.parse(new Object[] {"x", "-b"}))
                .withMessageStartingWith("demo:cmd: option -b needs a value <backend> (usage: ");
        assertThatIllegalArgumentException().isThrownBy(() -> DEMO.parse(new Object[] {"x", "-b", "a", "-b", "c"}))
                .withMessageStartingWith("demo:cmd: option --backend is given twice (usage: ");
        assertThatIllegalArgumentException().isThrownBy(() -> DEMO.parse(new Object[] {"--recursive=1", "x"}))
                .withMessageStartingWith("demo:cmd: option --recursive takes no value (usage: ");
        CommandUsage two = CommandUsage.of("demo:two", "two words\nUsage: demo:two [--] <a> [<b>]\nOptions:\n"
                + CommandUsage.HELP_LINE + "Arguments:\n  <a>  first\n  [<b>]  second\n");
        assertThatIllegalArgumentException().isThrownBy(() -> two.parse(new Object[] {"1", "2", "3"}))
                .withMessageStartingWith("demo:two: too many arguments: '3' is one more than it takes (usage: ");
    }

    @Test
    void aUsageTextInAnotherFormIsRefusedWhenTheCommandIsMade() {
        assertThatIllegalArgumentException().isThrownBy(() -> CommandUsage.of("x:y", "no usage line"))
                .withMessage("x:y: the usage text has no Usage: line");
        assertThatIllegalArgumentException().isThrownBy(() -> CommandUsage.of("x:y",
                "d\nUsage: x:y\nArguments:\n  <a>...  all\n  <b>  more\n"))
                .withMessage("x:y: an argument follows one that takes the rest");
        assertThatIllegalArgumentException().isThrownBy(() -> CommandUsage.of("x:y", "d\nUsage: x:y\nOptions:\n"
                + "  backend  no dash\n")).withMessageStartingWith("x:y: bad option line");
    }

    @Test
    void shownCutsWhatWasTypedAfterEightyCharacters() {
        assertThat(CommandUsage.shown("short")).isEqualTo("short");
        assertThat(CommandUsage.shown("a".repeat(80))).isEqualTo("a".repeat(80));
        assertThat(CommandUsage.shown("a".repeat(81))).isEqualTo("a".repeat(80) + "… (81 characters)");
        assertThat(CommandUsage.shown(null)).isEqualTo("null");
    }
}
