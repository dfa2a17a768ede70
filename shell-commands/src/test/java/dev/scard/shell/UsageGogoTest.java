package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.shell.text.CommandUsage;

/**
 * Every {@code scard:} command as Gogo's runtime calls it: {@code --help} and {@code -h} print the command's usage
 * (the same text as Gogo's {@code help} shows from the method's {@code @Descriptor}); wrong options and argument
 * counts give our one-line error with the usage and {@code E_INVALIDARG}, never Gogo's coercion text.
 */
class UsageGogoTest {

    private ThreadIOImpl threadIO;
    private CommandProcessorImpl processor;
    private CardShell shell;
    private CommandSession session;
    private ByteArrayOutputStream out;
    /** Every command by its full name, with its usage. */
    private final Map<String, CommandUsage> usages = new LinkedHashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        shell = new CardShell();
        ScardCommands commands = shell.commands;
        threadIO = new ThreadIOImpl();
        threadIO.start();
        processor = new CommandProcessorImpl(threadIO);
        for (Object target : new Object[] {commands, shell.files, shell.pins, shell.auth,
            new BackendCommands(shell.registry.context), new WatchCommand(shell.registry.context)}) {
            for (CommandUsage usage : usagesOf(target.getClass())) {
                if (usage == ScardCommands.ATTACH_HANDLE) {
                    continue; // its own service, below
                }
                usages.put(usage.command(), usage);
                processor.addCommand("scard", target, usage.command().substring("scard:".length()));
            }
        }
        processor.addCommand("scard", new AttachHandleCommand(commands), "attach-handle");
        usages.put("scard:attach-handle", ScardCommands.ATTACH_HANDLE);
        out = new ByteArrayOutputStream();
        session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream());
    }

    @AfterEach
    void tearDown() {
        processor.stop();
        threadIO.stop();
        shell.close();
    }

    /** The usages a command class declares, one per command. */
    static List<CommandUsage> usagesOf(Class<?> type) throws IllegalAccessException {
        List<CommandUsage> found = new ArrayList<>();
        for (Field field : type.getDeclaredFields()) {
            if (field.getType() == CommandUsage.class && Modifier.isStatic(field.getModifiers())) {
                field.setAccessible(true);
                found.add((CommandUsage) field.get(null));
            }
        }
        return found;
    }

    private Object run(String line) throws Exception {
        return session.execute(line);
    }

    private String printed() {
        String text = out.toString(StandardCharsets.UTF_8);
        out.reset();
        return text;
    }

    @Test
    void everyCommandPrintsItsUsageForHelpAndH() throws Exception {
        assertThat(usages).hasSize(35);
        for (CommandUsage usage : usages.values()) {
            for (String help : new String[] {" --help", " -h"}) {
                assertThat(run(usage.command() + help)).as(usage.command() + help).isNull();
                String text = printed();
                assertThat(text).as(usage.command() + help).isEqualTo(usage.text() + System.lineSeparator())
                        .contains("Usage: " + usage.command()).contains("  -h, --help  show this help");
            }
        }
        // the help text wins over everything else on the line, even words that would be an error
        run("scard:verify --help");
        assertThat(printed()).startsWith("present a PIN to the card (Verify)")
                .contains("  -c, --check  only show the PIN's state").contains("  <reference>  the PIN reference");
        run("scard:attach --help");
        assertThat(printed()).contains("Usage: scard:attach [options] [--] <reader>...")
                .contains("  -b, --backend <backend>").contains("  -p, --protocols <protocols>");
        run("scard:readers --help");
        assertThat(printed()).contains("Usage: scard:readers [options]");
    }

    @Test
    void gogoHelpShowsTheSameTextFromTheDescriptor() throws Exception {
        for (Object target : new Object[] {shell.commands, shell.files, shell.pins, shell.auth,
            new BackendCommands(shell.registry.context), new WatchCommand(shell.registry.context)}) {
            for (CommandUsage usage : usagesOf(target.getClass())) {
                String function = usage.command().substring("scard:".length());
                if (function.contains("-")) {
                    continue; // attach-handle: _main, below
                }
                String method = function;
                List<Method> publicMethods = new ArrayList<>();
                for (Method m : target.getClass().getMethods()) {
                    if (m.getName().equals(method)) {
                        publicMethods.add(m);
                    }
                }
                assertThat(publicMethods).as(function).hasSize(1);
                assertThat(describedBy(publicMethods.get(0))).as(function).isEqualTo(usage.text());
                assertThat(publicMethods.get(0).getAnnotation(Descriptor.class).value()).as(function)
                        .isEqualTo(usage.description()).doesNotContain("\n");
            }
        }
        Method main = AttachHandleCommand.class.getMethod("_main", CommandSession.class, CharSequence[].class);
        assertThat(describedBy(main)).isEqualTo(ScardCommands.ATTACH_HANDLE.text());
    }

    /**
     * What Gogo's help prints of a command method: the method's description (one line, which Gogo's and Karaf's
     * command lists show), then the description of its parameter (the usage line, options and arguments).
     */
    private static String describedBy(Method method) {
        Descriptor words = null;
        for (java.lang.annotation.Annotation a : method.getParameterAnnotations()[1]) {
            if (a instanceof Descriptor d) {
                words = d;
            }
        }
        return (method.getAnnotation(Descriptor.class).value() + "\n" + words.value()).strip();
    }

    @Test
    void theIssuesArgumentErrorsAreOneLineWithTheUsage() {
        expectError("scard:verify -z 1 1234", "scard:verify: unknown option '-z'",
                "scard:verify [options] [--] <reference> [<pin>]");
        expectError("scard:ls --bogus", "scard:ls: unknown option '--bogus'", "scard:ls [options]");
        expectError("scard:rm -x 2F01", "scard:rm: unknown option '-x'", "scard:rm [options] [--] <file>");
        expectError("scard:lock 1s 2s", "scard:lock: too many arguments: '2s' is one more than it takes",
                "scard:lock [--] [<timeout>]");
        expectError("scard:attach-handle", "scard:attach-handle: missing argument <handle>",
                "scard:attach-handle [options] [--] <handle>");
        expectError("scard:cat", "scard:cat: missing argument <file>", "scard:cat [--] <file> [<record>]");
        expectError("scard:attach --nope 'Simulated Reader 0'", "scard:attach: unknown option '--nope'",
                "scard:attach [options] [--] <reader>...");
        expectError("scard:status now", "scard:status: takes no arguments, got 'now'", "scard:status");
        expectError("scard:attach -b", "scard:attach: option -b needs a value <backend>", "scard:attach");
        expectError("scard:rm --recursive=yes 2F01", "scard:rm: option --recursive takes no value", "scard:rm");
        expectError("scard:create -n 2 -n 3 4406 linear-fixed 10", "scard:create: option --records is given twice",
                "scard:create");
        expectError("scard:change", "scard:change: missing argument <reference>", "scard:change");
        expectError("scard:auth internal", "scard:auth: missing argument <key>", "scard:auth");
    }

    @Test
    void anOptionIsNeverPartOfAReaderNameAndDoubleDashEndsOptions() throws Exception {
        run("scard:detach");
        assertThat(run("scard:attach -p t0,t1 -- Simulated Reader 0")).asString()
                .startsWith("Attached to 'Simulated Reader 0'");
        run("scard:detach");
        // after --, '-x' is a word of the name: an unknown reader, not an unknown option
        assertThatIllegalArgumentException().isThrownBy(() -> run("scard:attach -- -x Simulated Reader 0"))
                .withMessageContaining("unknown reader '-x Simulated Reader 0'");
        assertThat(run("scard:attach --backend=simulator Simulated Reader 0")).asString()
                .startsWith("Attached to 'Simulated Reader 0'");
        assertThat(run("scard:status")).asString().contains("Simulated Reader 0");
    }

    @Test
    void anErrorEchoesABoundedPrefixOfWhatWasTyped() {
        String huge = "x".repeat(100_000);
        assertThatIllegalArgumentException().isThrownBy(() -> run("scard:ls --" + huge))
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400)
                        .contains("'--" + "x".repeat(78) + "… (100002 characters)'"));
        assertThatIllegalArgumentException().isThrownBy(() -> run("scard:lock 1s " + huge))
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400));
    }

    private void expectError(String line, String problem, String synopsis) {
        assertThatIllegalArgumentException().as(line).isThrownBy(() -> run(line))
                .satisfies(e -> assertThat(e.getMessage()).as(line)
                        .startsWith(problem)
                        .contains("(usage: " + synopsis)
                        .doesNotContain("\n").doesNotContain("Cannot coerce")
                        .endsWith("[E_INVALIDARG 0x80070057]"));
    }
}
