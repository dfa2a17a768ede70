package dev.scard.shell;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Pattern;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.shell.text.CommandUsage;

/**
 * {@code scard:watch [seconds]}: prints reader and card events live, as the backends publish them, until the
 * command is interrupted (Ctrl-C) or, with a duration, until it has elapsed. Like every event listener it first hears
 * the readers and cards that are there ({@code READER_ADDED}, {@code CARD_INSERTED}), so it starts with them.
 *
 * <p>For as long as it runs, the command registers an {@link SCardEventListener} of its own (with
 * {@code scard.backend} when {@code -b} names one backend, else without, so that every backend delivers to it)
 * and unregisters it when it ends, however it ends. Events are queued by the listener on the backends' event
 * threads and printed by the command's own thread to the session's console, one line each:
 *
 * <pre>
 * 14:03:07.512  CARD_INSERTED   simulator  'Simulated Reader 0'  ATR 3B8801534341524453494D99
 * 14:03:07.850  CARD_INSERTED   pcsc       'Virtual PCD 00 00'  ATR 3B8801534341524453494D99
 * 14:03:09.020  CARD_REMOVED    simulator  'Simulated Reader 0'
 * </pre>
 *
 * <p>A watch also ends when this bundle stops (its component is deactivated: the watching threads are
 * interrupted) and when the console can no longer be written to ({@link PrintStream#checkError()}, as when the
 * session's connection is closed; found when the console is next written to or flushed).
 *
 * <p>Without a duration a watch ends only when interrupted (Ctrl-C). A non-interactive session, where nobody can
 * press Ctrl-C (the console's {@code -c} mode and commands read from standard input), marks itself with the
 * session variable {@value #INTERACTIVE} set to {@code false}; there a watch needs a duration, and without one it is
 * refused ({@code E_INVALIDARG}) instead of running for ever. Sessions without the variable (the prompt, Karaf's
 * console) count as interactive.
 *
 * <p>{@code -b} names one backend: one of the backends this project ships ({@code simulator}, {@code pcsc}) or one
 * that is running; any other name is refused ({@code E_INVALIDARG}) with the list of the known ones.
 *
 * <p>The time is when the event reached the shell. Events carry the reader, the backend and the ATR only, never a
 * PIN, and nothing else is printed. The command returns a one-line summary; when it is interrupted it also prints
 * the summary, because Gogo (and the Karaf console) drop the value of an interrupted command.
 */
@Component(service = WatchCommand.class, immediate = true)
@GogoCommand(scope = "scard", function = "watch")
public class WatchCommand {

    /**
     * The session variable a non-interactive session sets to {@code false} (the console does in its {@code -c} and
     * standard-input modes): no Ctrl-C can end a watch there.
     */
    public static final String INTERACTIVE = ".interactive";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final Pattern PLAIN_SECONDS = Pattern.compile("\\d+(\\.\\d+)?");
    /** Width of the event type column: the longest type, {@code READER_REMOVED}, and two spaces. */
    private static final int TYPE_WIDTH = 16;
    /** Width of the backend column: the longest backend name this project ships, {@code simulator}. */
    private static final int BACKEND_WIDTH = 9;

    private final BundleContext context;
    /** Runs the watches: registers their listeners, ends them when the bundle stops. */
    private final LiveCommand live;

    /** Watches through the service registry of {@code context}'s framework. */
    @Activate
    public WatchCommand(BundleContext context) {
        this.context = context;
        this.live = new LiveCommand(context);
    }

    /**
     * Ends every running watch: the bundle is stopping (or the component is disabled), and a watch must not keep
     * a console thread, and a listener of a stopped bundle, waiting for events for ever.
     */
    @Deactivate
    void deactivate() {
        live.deactivate();
    }

    /** How many watches run now (for tests). */
    int running() {
        return live.running();
    }

    // ------------------------------------------------------------------------------------------ Gogo entries

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String WATCH_SUMMARY = "print reader and card events live (reader added/removed, card"
            + " inserted/removed/reset) for a while, or until interrupted with Ctrl-C; in a non-interactive session (-c,"
            + " commands from standard input) give a duration";
    /** The command's usage line, options and arguments. */
    static final String WATCH_DETAILS = "Usage: scard:watch [options] [--] [<duration>]\n"
            + "Options:\n"
            + "  -b, --backend <backend>  only the events of this backend (scard.backend, e.g. simulator or pcsc)\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  [<duration>]  how long: seconds (5, 0.5) or with a unit (500ms, 2s, 1m)\n";
    static final String WATCH_USAGE = WATCH_SUMMARY + "\n" + WATCH_DETAILS;

    static final CommandUsage WATCH = CommandUsage.of("scard:watch", WATCH_USAGE);

    /**
     * {@code scard:watch}.
     *
     * @param session the Gogo session, whose console shows the events
     * @param words the options and arguments, as {@link #WATCH_USAGE} says
     * @return the summary, or null after {@code --help}
     */
    @Descriptor(WATCH_SUMMARY)
    public Object watch(CommandSession session, @Descriptor(WATCH_DETAILS) CharSequence... words) {
        return WATCH.run(session, words, w -> w.count() == 0 ? watch(session, w.option("--backend", ""))
            : watch(session, w.option("--backend", ""), w.argument(0)));
    }

    /**
     * {@code scard:watch}: prints events until the command is interrupted (Ctrl-C); returns the summary.
     *
     * @throws IllegalArgumentException in a non-interactive session (no Ctrl-C there: give a duration), or for an
     *         unknown backend ({@code E_INVALIDARG})
     */
    String watch(CommandSession session, String backend) {
        return run(session, backend, null);
    }

    /**
     * {@code scard:watch <duration>}: prints events for {@code duration} (a plain number is seconds) or until
     * interrupted.
     *
     * @throws IllegalArgumentException for a duration that is zero, negative or not one, or an unknown backend
     *         ({@code E_INVALIDARG})
     */
    String watch(CommandSession session, String backend, String duration) {
        return run(session, backend, parseDuration(duration));
    }

    /**
     * Parses the duration of {@code scard:watch}: a plain number is seconds; other forms as {@link Durations}
     * reads them. It must be more than zero.
     */
    static Duration parseDuration(String text) {
        String trimmed = text == null ? "" : text.strip();
        Duration duration;
        if (PLAIN_SECONDS.matcher(trimmed).matches()) {
            duration = Durations.parse(trimmed + "s");
        } else {
            duration = Durations.parse(trimmed);
        }
        if (duration.isZero()) {
            throw ShellFailures.badInput("watch duration '" + CommandUsage.shown(trimmed)
                    + "' is zero; give seconds (5, 0.5) or omit"
                    + " it to watch until Ctrl-C");
        }
        return duration;
    }

    /** One line per event, as the class comment shows. */
    static String line(SCardEvent event, Instant received) {
        String type = event.type().name();
        StringBuilder out = new StringBuilder(TIME.format(LocalTime.ofInstant(received, ZoneId.systemDefault())))
                .append("  ").append(type).append(" ".repeat(Math.max(1, TYPE_WIDTH - type.length())))
                .append(event.backend()).append(" ".repeat(Math.max(0, BACKEND_WIDTH - event.backend().length())))
                .append("  '").append(event.readerName()).append('\'');
        if (!event.atrHex().isEmpty()) {
            out.append("  ATR ").append(event.atrHex());
        }
        return out.toString();
    }

    /**
     * Refuses a watch that could not end: no duration in a session marked non-interactive.
     */
    static void checkCanEnd(CommandSession session, Duration duration) {
        checkCanEnd(session, duration, "scard:watch");
    }

    /**
     * Refuses a live command ({@code command}, such as {@code scard:trace}) that could not end: no duration in a
     * session marked non-interactive.
     */
    static void checkCanEnd(CommandSession session, Duration duration, String command) {
        if (duration == null && Boolean.FALSE.equals(interactive(session))) {
            throw ShellFailures.badInput(command + " needs a duration in a non-interactive session (-c or commands"
                    + " from standard input), where Ctrl-C cannot stop it: e.g. " + command + " 10");
        }
    }

    private static Object interactive(CommandSession session) {
        Object value = session.get(INTERACTIVE);
        if (value instanceof String text) {
            return Boolean.valueOf(text.strip());
        }
        return value;
    }

    /**
     * Refuses a backend name that is neither one this project ships nor a running backend's, naming the known ones.
     */
    private void checkBackend(String only) {
        if (only.isEmpty()) {
            return;
        }
        Set<String> known = new TreeSet<>(List.of(SCardServiceProperties.BACKEND_SIMULATOR,
                SCardServiceProperties.BACKEND_PCSC));
        try {
            for (ServiceReference<SCardResourceManager> ref : context.getServiceReferences(
                    SCardResourceManager.class, "(" + SCardServiceProperties.BACKEND + "=*)")) {
                Object name = ref.getProperty(SCardServiceProperties.BACKEND);
                if (name instanceof String text) {
                    known.add(text);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e); // the filter is a constant
        }
        if (!known.contains(only)) {
            throw ShellFailures.badInput("unknown backend '" + CommandUsage.shown(only)
                    + "' (known backends: " + String.join(", ", known)
                    + ")");
        }
    }

    private String run(CommandSession session, String backend, Duration duration) {
        String only = backend == null ? "" : backend.strip();
        checkCanEnd(session, duration);
        checkBackend(only);
        BlockingQueue<Received> queue = new LinkedBlockingQueue<>();
        Dictionary<String, Object> properties = new Hashtable<>();
        if (!only.isEmpty()) {
            properties.put(SCardServiceProperties.BACKEND, only);
        }
        SCardEventListener listener = event -> {
            if (only.isEmpty() || only.equals(event.backend())) {
                queue.add(new Received(event, Instant.now()));
            }
        };
        PrintStream console = session.getConsole();
        int[] count = {0};
        return live.run(console, SCardEventListener.class, listener, properties, queue, next -> {
            console.println(line(next.event, next.at));
            console.flush();
            count[0]++;
        }, "Watching reader and card events of " + (only.isEmpty() ? "every backend" : "'" + only + "'"), duration,
                "watching", "Watched", () -> count[0] + (count[0] == 1 ? " event" : " events"));
    }

    /** A duration in words: {@code 5 s}, {@code 0.5 s}, {@code 250 ms}. */
    static String describe(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + " s";
        }
        return String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** An event and when it reached the listener. */
    private record Received(SCardEvent event, Instant at) {
    }
}
