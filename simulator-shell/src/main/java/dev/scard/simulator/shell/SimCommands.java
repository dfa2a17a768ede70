package dev.scard.simulator.shell;

import java.io.File;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.shell.text.CommandText;
import dev.scard.shell.text.CommandUsage;
import dev.scard.shell.text.UserErrors;
import dev.scard.simulator.control.ReplayMatch;
import dev.scard.simulator.control.ReplayStatus;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.SimulatorControl;
import dev.scard.simulator.control.VpcdAddress;

/**
 * The {@code sim:} commands: insert (the reader's card, a card of a profile file, or a card replaying a trace),
 * remove and reset simulated cards through the simulator's {@link SimulatorControl} service, serve them to a real
 * PC/SC daemon through vpcd ({@code sim:serve}, {@code sim:unserve}), and show how far replays got
 * ({@code sim:replay}).
 *
 * <p>This bundle needs the simulator's control API package (the simulator bundle exports it); the service itself
 * is an optional, dynamic reference, so while the simulator is stopped these commands exist and fail with a clear
 * message. Failures follow the shell's convention: bad input, a missing simulator and the simulator's own failures are
 * {@link SCardException}s ({@code E_INVALIDARG}, {@code SCARD_E_NO_SERVICE}, ...) whose message names the problem and
 * ends with the code; they are the shell's user errors ({@link UserErrors}), so Karaf prints the message and does not
 * log them as ERROR; only a fault (an unexpected exception, or a code that {@link UserErrors#isFault is a fault}) is.
 */
@Component(service = SimCommands.class, immediate = true)
@GogoCommand(scope = "sim", function = {"insert", "remove", "reset", "readers", "serve", "unserve", "replay",
        "__complete"})
public class SimCommands {

    static final String NO_SIMULATOR =
            "the simulator is not running (no SimulatorControl service): sim: commands need the simulator backend";
    /** vpcd's first slot on this machine, the PC/SC reader "Virtual PCD 00 00". */
    static final String DEFAULT_VPCD = "127.0.0.1:35963";

    private final AtomicReference<SimulatorControl> simulator = new AtomicReference<>();

    /** Commands without a simulator until one is bound. */
    public SimCommands() {
    }

    /** The simulator's control service (greedy: the best-ranked one). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindSimulator")
    void bindSimulator(SimulatorControl control) {
        simulator.set(control);
    }

    /** Forgets the simulator unless another one was bound meanwhile. */
    void unbindSimulator(SimulatorControl control) {
        simulator.compareAndSet(control, null);
    }

    // ------------------------------------------------------------------------------------------ Gogo entries

    private static final String READER_LINE = "  <reader>...  the simulated reader name as sim:readers shows it (quote a"
            + " name with spaces, or type its words)\n";

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String INSERT_SUMMARY = "insert the reader's card: the one last removed (with its state), or a fresh"
            + " default card; or, given a card profile file, a fresh card of that profile; or, given a trace, a card"
            + " that replays it";
    /** The command's usage line, options and arguments. */
    static final String INSERT_DETAILS = "Usage: sim:insert [options] [--] <reader>...\n"
            + "Options:\n"
            + "  -m, --match <match>  for a trace: how a command finds its recorded response: order (the default: each"
            + " command must be the next recorded one; recorded resets and removals are reproduced) or command (the"
            + " next recorded exchange with the same command, in any order)\n"
            + "  -s, --sw <sw>  for a trace: the status word, four hex digits, that a command the trace cannot answer"
            + " gets (default 6D00); sim:replay shows where the replay diverged\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <reader>...  the simulated reader name as sim:readers shows it (quote a name with spaces, or type its"
            + " words), then optionally a JSON card profile file or a trace to replay: a JSON file with \"format\":"
            + " \"scard-trace/1\" (what scard:record writes), an OpenSC debug log, an apdu4j/GlobalPlatformPro log or"
            + " a pcscd --apdu log (a"
            + " word ending in .json, .log or .txt or containing a '/'; relative to the working directory)\n";
    static final String INSERT_USAGE = INSERT_SUMMARY + "\n" + INSERT_DETAILS;

    static final CommandUsage INSERT = CommandUsage.of("sim:insert", INSERT_USAGE);

    /**
     * {@code sim:insert}.
     *
     * @param session the Gogo session
     * @param words the options and arguments, as {@link #INSERT_USAGE} says
     * @return what was inserted where, or null after {@code --help}
     */
    @Descriptor(INSERT_SUMMARY)
    public Object insert(CommandSession session, @Descriptor(INSERT_DETAILS) CharSequence... words) {
        return INSERT.run(session, words, w -> insertWith(w.option("--match", null), w.option("--sw", null),
                w.from(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String REMOVE_SUMMARY = "remove the card from a simulated reader; connections to it see"
            + " SCARD_W_REMOVED_CARD";
    /** The command's usage line, options and arguments. */
    static final String REMOVE_DETAILS = "Usage: sim:remove [--] <reader>...\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + READER_LINE;
    static final String REMOVE_USAGE = REMOVE_SUMMARY + "\n" + REMOVE_DETAILS;

    static final CommandUsage REMOVE = CommandUsage.of("sim:remove", REMOVE_USAGE);

    /**
     * {@code sim:remove}.
     *
     * @param session the Gogo session
     * @param words the options and arguments, as {@link #REMOVE_USAGE} says
     * @return which reader's card was removed, or null after {@code --help}
     */
    @Descriptor(REMOVE_SUMMARY)
    public Object remove(CommandSession session, @Descriptor(REMOVE_DETAILS) CharSequence... words) {
        return REMOVE.run(session, words, w -> remove(w.from(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String RESET_SUMMARY = "reset the card in a simulated reader, as another application would;"
            + " connections to it see SCARD_W_RESET_CARD until they reconnect";
    /** The command's usage line, options and arguments. */
    static final String RESET_DETAILS = "Usage: sim:reset [--] <reader>...\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + READER_LINE;
    static final String RESET_USAGE = RESET_SUMMARY + "\n" + RESET_DETAILS;

    static final CommandUsage RESET = CommandUsage.of("sim:reset", RESET_USAGE);

    /**
     * {@code sim:reset}.
     *
     * @param session the Gogo session
     * @param words the options and arguments, as {@link #RESET_USAGE} says
     * @return which reader's card was reset, or null after {@code --help}
     */
    @Descriptor(RESET_SUMMARY)
    public Object reset(CommandSession session, @Descriptor(RESET_DETAILS) CharSequence... words) {
        return RESET.run(session, words, w -> reset(w.from(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String SERVE_SUMMARY = "serve the reader's card to a PC/SC daemon through the vsmartcard vpcd driver:"
            + " while a card is in, pcscd sees it in vpcd's reader (127.0.0.1:35963 is 'Virtual PCD 00 00', :35964"
            + " 'Virtual PCD 00 01')";
    /** The command's usage line, options and arguments. */
    static final String SERVE_DETAILS = "Usage: sim:serve [--] <reader>...\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <reader>...  the simulated reader name as sim:readers shows it (quote a name with spaces, or type its"
            + " words), then optionally where vpcd listens, <host>:<port> (default " + DEFAULT_VPCD + "; quote an"
            + " IPv6 address: '[::1]:35963')\n";
    static final String SERVE_USAGE = SERVE_SUMMARY + "\n" + SERVE_DETAILS;

    static final CommandUsage SERVE = CommandUsage.of("sim:serve", SERVE_USAGE);

    /**
     * {@code sim:serve}.
     *
     * @param session the Gogo session
     * @param words the options and arguments, as {@link #SERVE_USAGE} says
     * @return which reader is served where, or null after {@code --help}
     */
    @Descriptor(SERVE_SUMMARY)
    public Object serve(CommandSession session, @Descriptor(SERVE_DETAILS) CharSequence... words) {
        return SERVE.run(session, words, w -> serve(w.from(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String UNSERVE_SUMMARY = "stop serving the reader's card to vpcd: pcscd sees the card removed; it stays"
            + " in the simulated reader";
    /** The command's usage line, options and arguments. */
    static final String UNSERVE_DETAILS = "Usage: sim:unserve [--] <reader>...\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + READER_LINE;
    static final String UNSERVE_USAGE = UNSERVE_SUMMARY + "\n" + UNSERVE_DETAILS;

    static final CommandUsage UNSERVE = CommandUsage.of("sim:unserve", UNSERVE_USAGE);

    /**
     * {@code sim:unserve}.
     *
     * @param session the Gogo session
     * @param words the options and arguments, as {@link #UNSERVE_USAGE} says
     * @return where the reader was served, or that it was not, or null after {@code --help}
     */
    @Descriptor(UNSERVE_SUMMARY)
    public Object unserve(CommandSession session, @Descriptor(UNSERVE_DETAILS) CharSequence... words) {
        return UNSERVE.run(session, words, w -> unserve(w.from(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String READERS_SUMMARY = "list the simulated readers, whether a card is in each, and where it is served"
            + " to vpcd";
    /** The command's usage line, options and arguments. */
    static final String READERS_DETAILS = "Usage: sim:readers\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE;
    static final String READERS_USAGE = READERS_SUMMARY + "\n" + READERS_DETAILS;

    static final CommandUsage READERS = CommandUsage.of("sim:readers", READERS_USAGE);

    /**
     * {@code sim:readers}.
     *
     * @param session the Gogo session
     * @param words the options and arguments, as {@link #READERS_USAGE} says
     * @return the table, or that there are no simulated readers, or null after {@code --help}
     */
    @Descriptor(READERS_SUMMARY)
    public Object readers(CommandSession session, @Descriptor(READERS_DETAILS) CharSequence... words) {
        return READERS.run(session, words, w -> readers());
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String REPLAY_SUMMARY = "show how far the replays of traces got: commands answered, the entry the"
            + " replay waits for, and where it first diverged (the expected and the received command; a PIN is never"
            + " shown)";
    /** The command's usage line, options and arguments. */
    static final String REPLAY_DETAILS = "Usage: sim:replay [--] [<reader>...]\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  [<reader>...]  a simulated reader whose card replays a trace (quote a name with spaces, or type its"
            + " words); every replay when left out\n";
    static final String REPLAY_USAGE = REPLAY_SUMMARY + "\n" + REPLAY_DETAILS;

    static final CommandUsage REPLAY = CommandUsage.of("sim:replay", REPLAY_USAGE);

    /**
     * {@code sim:replay}.
     *
     * @param session the Gogo session
     * @param words the options and arguments, as {@link #REPLAY_USAGE} says
     * @return the replays, or that there are none, or null after {@code --help}
     */
    @Descriptor(REPLAY_SUMMARY)
    public Object replay(CommandSession session, @Descriptor(REPLAY_DETAILS) CharSequence... words) {
        return REPLAY.run(session, words, w -> replay(w.from(0)));
    }

    /**
     * {@code sim:insert [--match order|command] [--sw XXXX] <reader> [<profile.json>|<trace>]}.
     *
     * @param match the {@code --match} value, or null
     * @param statusWord the {@code --sw} value, or null
     * @param words the reader name (one quoted argument or several words), then optionally a profile or trace file
     * @return what was inserted where
     */
    String insertWith(String match, String statusWord, String... words) {
        if (match == null && statusWord == null) {
            return insert(words);
        }
        ReplayMatch replayMatch = replayMatch(match);
        int sw = statusWord(statusWord);
        String[] parts = CommandText.readerAndOption(words, SimCommands::isProfilePath, "sim:readers");
        if (parts[1] == null) {
            throw INSERT.fail("--match and --sw are for a trace: give the trace file after the reader");
        }
        control().insertTrace(parts[0], path(parts[1]), replayMatch, sw);
        return inserted(parts[0], parts[1]);
    }

    /** The {@code --match} value: {@code order} (also when absent) or {@code command}, in any case. */
    static ReplayMatch replayMatch(String value) {
        if (value == null || value.equalsIgnoreCase("order")) {
            return ReplayMatch.ORDER;
        }
        if (value.equalsIgnoreCase("command")) {
            return ReplayMatch.COMMAND;
        }
        throw INSERT.fail("--match must be order or command, not '" + CommandUsage.shown(value) + "'");
    }

    /** The {@code --sw} value: four hex digits ({@code 6D00} when absent). */
    static int statusWord(String value) {
        if (value == null) {
            return SimulatorControl.DEFAULT_UNANSWERED_STATUS_WORD;
        }
        if (!value.matches("[0-9A-Fa-f]{4}")) {
            throw INSERT.fail("--sw must be a status word of four hex digits such as 6D00, not '"
                    + CommandUsage.shown(value) + "'");
        }
        return Integer.parseInt(value, 16);
    }

    private static Path path(String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw UserErrors.card(HResult.E_INVALIDARG, "'" + text + "' is not a file path: " + e.getReason(), -1);
        }
    }

    /** What {@code sim:insert} says after inserting a file's card: a profile's card or a replay of a trace. */
    private String inserted(String reader, String file) {
        for (ReplayStatus replay : control().replays()) {
            if (replay.readerName().equals(reader) && replay.present() && replay.trace().toString().equals(file)) {
                return "Inserted a card replaying trace '" + file + "' into '" + reader + "' ("
                        + replay.match().name().toLowerCase(Locale.ROOT) + ", " + replay.apdus()
                        + " recorded commands, unanswered ones get " + String.format("%04X",
                                replay.unansweredStatusWord()) + "; sim:replay shows how far it got)";
            }
        }
        return "Inserted a card of profile '" + file + "' into '" + reader + "'";
    }

    /**
     * {@code sim:insert <reader> [<profile.json>]}.
     *
     * @param words the reader name (one quoted argument or several words), then optionally a card profile file
     * @return what was inserted where
     */
    String insert(String... words) {
        String[] parts = CommandText.readerAndOption(words, SimCommands::isProfilePath, "sim:readers");
        String name = parts[0];
        if (parts[1] == null) {
            control().insert(name);
            return "Inserted a card into '" + name + "'";
        }
        control().insertProfile(name, path(parts[1]));
        return inserted(name, parts[1]);
    }

    /** Whether the last word of {@code sim:insert} names a profile or trace file rather than ends the reader name. */
    static boolean isProfilePath(String word) {
        if (word == null) {
            return false;
        }
        String lower = word.toLowerCase(Locale.ROOT);
        return lower.endsWith(".json") || lower.endsWith(".log") || lower.endsWith(".txt") || word.indexOf('/') >= 0
                || word.indexOf(File.separatorChar) >= 0;
    }

    /**
     * {@code sim:replay [<reader>]}: one row per replay (reader, trace, match, card, commands answered of those
     * recorded, unanswered commands, the entry the replay waits for), then a line for each replay that diverged.
     *
     * @param words a reader name (one quoted argument or several words), or none for every replay
     * @return the table and the divergences, or that there is no replay
     */
    String replay(String... words) {
        String reader = words.length == 0 ? null : readerName(words);
        SimulatorControl control = control();
        if (reader != null && !control.readers().contains(reader)) {
            throw UserErrors.card(HResult.E_INVALIDARG, "unknown simulated reader '" + CommandUsage.shown(reader)
                    + "' (sim:readers lists them)", -1);
        }
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"Reader", "Trace", "Match", "Card", "Answered", "Unanswered", "Entry"});
        List<String> divergences = new ArrayList<>();
        for (ReplayStatus replay : control.replays()) {
            if (reader != null && !replay.readerName().equals(reader)) {
                continue;
            }
            String entry = replay.match() == ReplayMatch.COMMAND ? "-"
                    : replay.position() + " of " + replay.entries() + (replay.finished() ? " (end)" : "");
            table.add(new String[] {replay.readerName(), replay.trace().toString(),
                replay.match().name().toLowerCase(Locale.ROOT), replay.present() ? "present" : "absent",
                replay.answered() + " of " + replay.apdus(), String.valueOf(replay.unanswered()), entry});
            ReplayStatus.Divergence d = replay.divergence();
            if (d != null) {
                String what = d.entry() < 0 ? ": no recorded command matches " + d.received()
                        : d.expected() == null ? " at entry " + d.entry() + ", the end of the trace: received "
                                + d.received()
                        : " at entry " + d.entry() + ": expected " + d.expected() + ", received " + d.received();
                divergences.add(replay.readerName() + ": diverged" + what + " (answered "
                        + String.format("%04X", replay.unansweredStatusWord()) + ")");
            }
        }
        if (table.size() == 1) {
            return reader == null ? "No trace is replayed (sim:insert <reader> <trace.json> replays one)"
                    : "No trace is replayed in '" + reader + "'";
        }
        StringBuilder out = new StringBuilder(CommandText.table(table));
        for (String line : divergences) {
            out.append('\n').append(line);
        }
        return out.toString();
    }

    /**
     * {@code sim:remove <reader>}.
     *
     * @param reader the reader name, one quoted argument or several words
     * @return which reader's card was removed
     */
    String remove(String... reader) {
        String name = readerName(reader);
        control().remove(name);
        return "Removed the card from '" + name + "'";
    }

    /**
     * {@code sim:reset <reader>}.
     *
     * @param reader the reader name, one quoted argument or several words
     * @return which reader's card was reset
     */
    String reset(String... reader) {
        String name = readerName(reader);
        control().reset(name);
        return "Reset the card in '" + name + "'";
    }

    /**
     * {@code sim:serve <reader> [<host>:<port>]}.
     *
     * @param words the reader name (one quoted argument or several words), then optionally vpcd's address
     * @return which reader is served where
     */
    String serve(String... words) {
        String[] parts = CommandText.readerAndOption(words, VpcdAddress::isVpcdAddress, "sim:readers");
        String name = parts[0];
        VpcdAddress address;
        try {
            address = VpcdAddress.parse(parts[1] == null ? DEFAULT_VPCD : parts[1]);
        } catch (SCardException e) {
            throw UserErrors.userError(e);
        }
        control().serve(name, address.host(), address.port());
        String shown = address.host().indexOf(':') >= 0 ? "[" + address.host() + "]:" + address.port()
                : address.host() + ":" + address.port();
        return "Serving the card in '" + name + "' to vpcd at " + shown
                + " while a card is in; sim:readers shows whether it is connected";
    }

    /**
     * {@code sim:unserve <reader>}.
     *
     * @param reader the reader name, one quoted argument or several words
     * @return where the reader was served, or that it was not
     */
    String unserve(String... reader) {
        String name = readerName(reader);
        SimulatorControl control = control();
        String address = null;
        for (ServedReader served : control.served()) {
            if (served.readerName().equals(name)) {
                address = served.address();
            }
        }
        if (!control.unserve(name)) {
            return "'" + name + "' was not served to vpcd";
        }
        return "Stopped serving '" + name + "' to vpcd at " + (address == null ? "vpcd" : address);
    }

    /**
     * {@code sim:readers}: one row per simulated reader, its name, {@code present} or {@code absent}, where its card
     * is served ({@code -} when it is not) and how far that link got.
     *
     * @return the table, or that there are no simulated readers
     */
    String readers() {
        SimulatorControl control = control();
        Map<String, ServedReader> served = new HashMap<>();
        for (ServedReader s : control.served()) {
            served.put(s.readerName(), s);
        }
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"Reader", "Card", "Served to", "vpcd link"});
        for (String reader : control.readers()) {
            ServedReader link = served.get(reader);
            table.add(new String[] {reader, control.isCardPresent(reader) ? "present" : "absent",
                link == null ? "-" : link.address(), link == null ? "-" : linkState(link)});
        }
        if (table.size() == 1) {
            return "No simulated readers";
        }
        return CommandText.table(table);
    }

    /**
     * {@code sim:__complete}: the candidates for the word being typed in a {@code sim:} command, for the console's
     * completion: option names, and the simulated readers' names where a reader is typed.
     *
     * @param session the Gogo session
     * @param words the command's name (with or without {@code sim:}), the words before the one being typed, and the
     *        start of that word (maybe empty)
     * @return the candidates that start with what was typed
     */
    @Descriptor("the candidates for the last word of a sim: command line, for the console's completion")
    public List<String> __complete(CommandSession session, @Descriptor("the command, its words, the word being typed")
            String... words) {
        List<String> matching = new ArrayList<>();
        if (words.length < 2) {
            return matching;
        }
        String name = words[0].startsWith("sim:") ? words[0] : "sim:" + words[0];
        String current = words[words.length - 1];
        for (CommandUsage usage : List.of(INSERT, REMOVE, RESET, SERVE, UNSERVE, READERS, REPLAY)) {
            if (!usage.command().equals(name)) {
                continue;
            }
            String kind = usage.completing(List.of(words).subList(1, words.length - 1), current);
            List<String> all = new ArrayList<>();
            if (CommandUsage.OPTIONS.equals(kind)) {
                all.addAll(usage.optionNames());
            } else if ("reader".equals(kind)) {
                SimulatorControl control = simulator.get();
                if (control != null) {
                    all.addAll(control.readers());
                }
            }
            for (String candidate : all) {
                if (candidate.startsWith(current)) {
                    matching.add(candidate);
                }
            }
        }
        return matching;
    }

    /** How far a served reader's link got, in words. */
    static String linkState(ServedReader link) {
        switch (link.state()) {
            case NO_CARD:
                return "waiting for a card";
            case CONNECTING:
                return link.detail().isEmpty() ? "connecting" : "connecting (" + link.detail() + ")";
            case CONNECTED:
                return "connected, vpcd has not polled yet";
            case SERVING:
                return "serving";
            default:
                return link.state().name();
        }
    }

    private static String readerName(String[] words) {
        return CommandText.readerAndOption(words, word -> false, "sim:readers")[0];
    }

    /**
     * The bound SimulatorControl service, seen through {@link UserErrors#reporting} (its failures are user errors
     * unless their code is a fault), or a clear failure when the simulator is not running.
     */
    private SimulatorControl control() {
        SimulatorControl control = simulator.get();
        if (control == null) {
            throw UserErrors.card(HResult.SCARD_E_NO_SERVICE, NO_SIMULATOR, -1);
        }
        return UserErrors.reporting(SimulatorControl.class, control);
    }
}
