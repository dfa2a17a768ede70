package dev.scard.shell.text;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import org.apache.felix.service.command.CommandSession;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * One command's usage: the single source of its {@code --help} text, of the checks of its words (options, argument
 * counts) and of the completion data (what each option value and argument is).
 *
 * <p>The usage is a text, a compile-time constant, so that the command method's {@code @Descriptor} can be the same
 * text (Felix Gogo's {@code help <command>} prints it; Karaf's {@code help <command>} runs {@code <command> --help}).
 * Its form:
 *
 * <pre>
 * what the command does, one or more lines
 * Usage: scard:attach [options] [--] &lt;reader&gt;...
 * Options:
 *   -b, --backend &lt;backend&gt;  what the option is
 *   -r, --recursive        a flag: no value
 *   -h, --help             show this help
 * Arguments:
 *   &lt;reader&gt;...            one word or more
 *   [&lt;pin&gt;]               an optional word
 *   [&lt;range&gt;...]          any number of words
 * </pre>
 *
 * <p>An option line is its names, comma-separated, then its value's {@code <name>} for an option that takes one,
 * then two spaces or more and its description. An argument line is its {@code <name>}, in brackets when it may be
 * left out, followed by {@code ...} when it takes the rest of the words. The {@code Usage:} line must be what
 * {@link #synopsis()} derives from the sections (a unit test checks every command).
 *
 * <p>Parsing: a word that starts with {@code -} (other than {@code -} itself and a negative number such as
 * {@code -5}, which the command judges) is an option wherever it stands, until {@code --}, after which every word is
 * an argument; {@code --name=value} gives a value in the same word. Errors are
 * {@link IllegalArgumentException}s with one line: the command, what was wrong, the synopsis, and
 * {@code [E_INVALIDARG 0x80070057]}. Words echoed in messages are cut to {@link #ECHO_LIMIT} characters
 * ({@link #shown(Object)}).
 */
public final class CommandUsage {

    /** The help option's line, which every usage text has among its options. */
    public static final String HELP_LINE = "  -h, --help  show this help\n";
    /** At most this many characters of what was typed are repeated in a message. */
    public static final int ECHO_LIMIT = 80;

    private final String command;
    private final String text;
    private final String description;
    private final String usageLine;
    private final List<Option> options;
    private final List<Argument> arguments;

    private CommandUsage(String command, String text) {
        this.command = command;
        this.text = text.strip();
        List<Option> opts = new ArrayList<>();
        List<Argument> args = new ArrayList<>();
        StringBuilder desc = new StringBuilder();
        String usage = null;
        String section = "description";
        for (String line : this.text.split("\n")) {
            if (line.startsWith("Usage: ")) {
                usage = line.substring("Usage: ".length()).strip();
                section = "usage";
            } else if (line.equals("Options:")) {
                section = "options";
            } else if (line.equals("Arguments:")) {
                section = "arguments";
            } else if (section.equals("description")) {
                desc.append(desc.length() == 0 ? "" : " ").append(line.strip());
            } else if (section.equals("options")) {
                opts.add(Option.parse(command, line));
            } else if (section.equals("arguments")) {
                args.add(Argument.parse(command, line));
            } else {
                throw new IllegalArgumentException(command + ": unexpected usage line '" + line + "'");
            }
        }
        if (usage == null) {
            throw new IllegalArgumentException(command + ": the usage text has no Usage: line");
        }
        boolean variadic = false;
        for (Argument a : args) {
            if (variadic) {
                throw new IllegalArgumentException(command + ": an argument follows one that takes the rest");
            }
            variadic = a.rest;
        }
        this.description = desc.toString();
        this.usageLine = usage;
        this.options = Collections.unmodifiableList(opts);
        this.arguments = Collections.unmodifiableList(args);
    }

    /**
     * The usage of a command.
     *
     * @param command the command's full name, {@code scope:function}
     * @param text the usage text, in the form the class describes
     * @return the usage
     * @throws IllegalArgumentException when the text is not in that form
     */
    public static CommandUsage of(String command, String text) {
        return new CommandUsage(command, text);
    }

    /** @return the command's full name, {@code scope:function} */
    public String command() {
        return command;
    }

    /** @return the whole help text, as {@code --help} prints it */
    public String text() {
        return text;
    }

    /** @return what the command does, the lines before {@code Usage:} joined */
    public String description() {
        return description;
    }

    /** @return the text's {@code Usage:} line, without {@code Usage: } */
    public String usageLine() {
        return usageLine;
    }

    /** @return the options, in the order of the text */
    public List<Option> options() {
        return options;
    }

    /** @return the arguments, in the order of the text */
    public List<Argument> arguments() {
        return arguments;
    }

    /**
     * The synopsis the sections make: the command, {@code [options]} when it has options besides {@code --help},
     * {@code [--]} when it has arguments, then the arguments as their lines write them.
     *
     * @return the synopsis, which the text's {@code Usage:} line must be
     */
    public String synopsis() {
        StringBuilder s = new StringBuilder(command);
        if (options.stream().anyMatch(o -> !o.isHelp())) {
            s.append(" [options]");
        }
        if (!arguments.isEmpty()) {
            s.append(" [--]");
        }
        for (Argument a : arguments) {
            s.append(' ').append(a.form());
        }
        return s.toString();
    }

    /**
     * What {@code words} say, checked against this usage.
     *
     * @param words the command's words as Gogo passes them (tokens, strings, numbers); null counts as none
     * @return the options and arguments; {@link Words#help()} when {@code -h}/{@code --help} was given, in which
     *         case nothing else is checked
     * @throws IllegalArgumentException for an unknown option, an option without its value, one given twice, too
     *         few or too many arguments ({@code E_INVALIDARG})
     */
    public Words parse(Object[] words) {
        List<String> all = new ArrayList<>();
        if (words != null) {
            for (Object w : words) {
                all.add(String.valueOf(w));
            }
        }
        boolean options = true;
        for (String w : all) {
            if (w.equals("--")) {
                break;
            }
            if (w.equals("-h") || w.equals("--help")) {
                return new Words(true, Map.of(), List.of());
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> args = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            String w = all.get(i);
            if (options && w.equals("--")) {
                options = false;
                continue;
            }
            if (!options || w.length() < 2 || w.charAt(0) != '-' || Character.isDigit(w.charAt(1))) {
                args.add(w);
                continue;
            }
            String name = w;
            String inline = null;
            int eq = w.indexOf('=');
            if (w.startsWith("--") && eq > 0) {
                name = w.substring(0, eq);
                inline = w.substring(eq + 1);
            }
            Option option = option(name);
            if (option == null) {
                throw fail("unknown option '" + shown(name) + "'");
            }
            String value;
            if (option.value == null) {
                if (inline != null) {
                    throw fail("option " + option.longName() + " takes no value");
                }
                value = "true";
            } else if (inline != null) {
                value = inline;
            } else if (i + 1 < all.size()) {
                value = all.get(++i);
            } else {
                throw fail("option " + name + " needs a value " + option.value);
            }
            if (values.put(option.longName(), value) != null) {
                throw fail("option " + option.longName() + " is given twice");
            }
        }
        int required = 0;
        int max = 0;
        boolean rest = false;
        for (Argument a : arguments) {
            required += a.required ? 1 : 0;
            max++;
            rest |= a.rest;
        }
        if (args.size() < required) {
            Argument missing = arguments.get(Math.min(args.size(), arguments.size() - 1));
            for (Argument a : arguments) {
                if (a.required && arguments.indexOf(a) >= args.size()) {
                    missing = a;
                    break;
                }
            }
            throw fail("missing argument " + missing.name);
        }
        if (!rest && args.size() > max) {
            throw fail(max == 0 ? "takes no arguments, got '" + shown(args.get(0)) + "'"
                    : "too many arguments: '" + shown(args.get(max)) + "' is one more than it takes");
        }
        return new Words(false, values, args);
    }

    /**
     * Runs a command: prints the help text to the session's console when the words ask for it (and returns null),
     * else gives the checked words to the command.
     *
     * @param session the Gogo session, whose console shows the help; may be null (then standard output)
     * @param words the command's words as Gogo passes them
     * @param command what the command does with its checked words
     * @return the command's result, or null after printing the help
     * @throws IllegalArgumentException for words that do not fit the usage ({@code E_INVALIDARG})
     */
    public Object run(CommandSession session, Object[] words, Function<Words, Object> command) {
        Words parsed = parse(words);
        if (parsed.help()) {
            PrintStream console = session == null ? null : session.getConsole();
            (console == null ? System.out : console).println(text);
            return null;
        }
        return command.apply(parsed);
    }

    /**
     * A failure of this command's words: one line with the command, the problem and the synopsis.
     *
     * @param problem what was wrong
     * @return the exception to throw ({@code E_INVALIDARG})
     */
    public IllegalArgumentException fail(String problem) {
        return UserErrors.input(SCardException.format(HResult.E_INVALIDARG,
                command + ": " + problem + " (usage: " + usageLine + "; " + command + " --help explains)"));
    }

    /**
     * What was typed, as a message may repeat it: at most {@link #ECHO_LIMIT} characters, then {@code …} and how
     * many characters were left out.
     *
     * @param typed what the user typed; null is shown as {@code null}
     * @return the text, bounded
     */
    public static String shown(Object typed) {
        String s = String.valueOf(typed);
        if (s.length() <= ECHO_LIMIT) {
            return s;
        }
        return s.substring(0, ECHO_LIMIT) + "… (" + s.length() + " characters)";
    }

    /**
     * What the word being typed is, for completion: the words before it are read as {@link #parse} reads them.
     *
     * @param before the words typed before the one being completed (not the command's name)
     * @param current the start of the word being completed (may be empty)
     * @return {@link #OPTIONS} when an option name is being typed, else the bare name of the option value or of the
     *         argument being typed (such as {@code backend} or {@code reader}), or null when the command takes
     *         nothing there
     */
    public String completing(List<String> before, String current) {
        boolean options = true;
        int position = 0;
        for (int i = 0; i < before.size(); i++) {
            String w = before.get(i);
            if (options && w.equals("--")) {
                options = false;
            } else if (options && w.length() > 1 && w.charAt(0) == '-' && !Character.isDigit(w.charAt(1))) {
                Option o = option(w);
                if (o != null && o.value != null && w.indexOf('=') < 0) {
                    if (i == before.size() - 1) {
                        return o.valueName();
                    }
                    i++; // its value
                }
            } else {
                position++;
            }
        }
        if (options && current.startsWith("-")) {
            return OPTIONS;
        }
        for (int i = 0; i < arguments.size(); i++) {
            Argument a = arguments.get(i);
            if (position == i || (a.rest && position >= i)) {
                return a.bareName();
            }
        }
        return null;
    }

    /** What {@link #completing} returns while an option's name is typed. */
    public static final String OPTIONS = "--";

    /** @return every name of every option, for completion */
    public List<String> optionNames() {
        List<String> names = new ArrayList<>();
        for (Option o : options) {
            names.addAll(o.names);
        }
        return names;
    }

    private Option option(String name) {
        for (Option o : options) {
            if (o.names.contains(name)) {
                return o;
            }
        }
        return null;
    }

    /** The checked words of one command line. */
    public static final class Words {
        private final boolean help;
        private final Map<String, String> options;
        private final List<String> arguments;

        Words(boolean help, Map<String, String> options, List<String> arguments) {
            this.help = help;
            this.options = options;
            this.arguments = Collections.unmodifiableList(arguments);
        }

        /** @return whether {@code -h} or {@code --help} was given */
        public boolean help() {
            return help;
        }

        /**
         * An option's value.
         *
         * @param longName the option's long name, such as {@code --backend}
         * @param absent the value when the option was not given
         * @return the value given, or {@code absent}
         */
        public String option(String longName, String absent) {
            return options.getOrDefault(longName, absent);
        }

        /**
         * @param longName a flag's long name, such as {@code --recursive}
         * @return whether the flag was given
         */
        public boolean flag(String longName) {
            return options.containsKey(longName);
        }

        /** @return the arguments, in order */
        public List<String> arguments() {
            return arguments;
        }

        /** @return how many arguments were given */
        public int count() {
            return arguments.size();
        }

        /**
         * @param index the argument's position, from 0
         * @return the argument, or null when fewer were given
         */
        public String argument(int index) {
            return index < arguments.size() ? arguments.get(index) : null;
        }

        /**
         * @param from the first position, from 0
         * @return the arguments from that position on (maybe none)
         */
        public String[] from(int from) {
            return from >= arguments.size() ? new String[0]
                    : arguments.subList(from, arguments.size()).toArray(new String[0]);
        }
    }

    /** One option: its names, the name of its value (null for a flag) and its description. */
    public static final class Option {
        private final List<String> names;
        private final String value;
        private final String description;

        private Option(List<String> names, String value, String description) {
            this.names = names;
            this.value = value;
            this.description = description;
        }

        static Option parse(String command, String line) {
            String[] parts = splitLine(command, line);
            List<String> names = new ArrayList<>();
            String value = null;
            for (String token : parts[0].split("[, ]+")) {
                if (token.startsWith("<")) {
                    value = token;
                } else if (token.startsWith("-")) {
                    names.add(token);
                } else {
                    throw new IllegalArgumentException(command + ": bad option line '" + line + "'");
                }
            }
            return new Option(Collections.unmodifiableList(names), value, parts[1]);
        }

        /** @return the names, such as {@code -b} and {@code --backend} */
        public List<String> names() {
            return names;
        }

        /** @return the last name, the long one when there is one */
        public String longName() {
            return names.get(names.size() - 1);
        }

        /** @return the value's name without brackets ({@code backend}), or null for a flag */
        public String valueName() {
            return value == null ? null : value.substring(1, value.length() - 1);
        }

        /** @return what the option is */
        public String description() {
            return description;
        }

        boolean isHelp() {
            return names.contains("--help");
        }
    }

    /** One argument: its name, whether it must be given, whether it takes the rest of the words. */
    public static final class Argument {
        private final String name;
        private final String form;
        private final boolean required;
        private final boolean rest;
        private final String description;

        private Argument(String name, String form, boolean required, boolean rest, String description) {
            this.name = name;
            this.form = form;
            this.required = required;
            this.rest = rest;
            this.description = description;
        }

        static Argument parse(String command, String line) {
            String[] parts = splitLine(command, line);
            String form = parts[0];
            String f = form;
            boolean optional = f.startsWith("[") && f.endsWith("]");
            if (optional) {
                f = f.substring(1, f.length() - 1);
            }
            boolean rest = f.endsWith("...");
            if (rest) {
                f = f.substring(0, f.length() - 3);
            }
            if (!f.startsWith("<") || !f.endsWith(">") || f.length() < 3) {
                throw new IllegalArgumentException(command + ": bad argument line '" + line + "'");
            }
            return new Argument(f, form, !optional, rest, parts[1]);
        }

        /** @return the name with its brackets, such as {@code <reader>} */
        public String name() {
            return name;
        }

        /** @return the name without brackets, such as {@code reader} */
        public String bareName() {
            return name.substring(1, name.length() - 1).toLowerCase(Locale.ROOT);
        }

        /** @return how the synopsis writes it, such as {@code [<pin>]} or {@code <reader>...} */
        public String form() {
            return form;
        }

        /** @return whether it must be given */
        public boolean required() {
            return required;
        }

        /** @return whether it takes the rest of the words */
        public boolean rest() {
            return rest;
        }

        /** @return what the argument is */
        public String description() {
            return description;
        }
    }

    /** Splits an option or argument line into what it is and its description (two spaces or more apart). */
    private static String[] splitLine(String command, String line) {
        String l = line.strip();
        int gap = l.indexOf("  ");
        if (!line.startsWith("  ") || gap < 0) {
            throw new IllegalArgumentException(command + ": bad usage line '" + line + "'");
        }
        return new String[] {l.substring(0, gap), l.substring(gap).strip()};
    }
}
