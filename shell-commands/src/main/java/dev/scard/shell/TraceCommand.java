package dev.scard.shell;

import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import dev.scard.api.trace.CardTraceEvent;
import dev.scard.api.trace.CardTraceListener;
import dev.scard.api.trace.CardTraceProperties;
import dev.scard.iso7816.StatusWords;
import dev.scard.shell.text.CommandUsage;

/**
 * {@code scard:trace [-r <reader>] [duration]}: prints the card trace live: the APDUs of this session's attachment
 * (or, with {@code -r}, of every attachment to a reader, any manager's) as they pass, and the events around them,
 * until the command is interrupted (Ctrl-C) or its duration has elapsed. One line each:
 *
 * <pre>
 * 14:03:07.512  >> 00B0000000
 * 14:03:07.512  << 6C04  SW 6C04 wrong Le: 4 bytes available
 * 14:03:07.513  >> 00B0000004  (by the core: resent with the Le of 6Cxx)
 * 14:03:07.513  << 6102  SW 6102 2 bytes remaining (GET RESPONSE)
 * 14:03:07.513  >> 00C0000002  (by the core: GET RESPONSE after 61xx)
 * 14:03:07.514  << AABB9000  SW 9000 success
 * 14:03:07.600  >> 0020008108 + 8 data bytes withheld (secret)
 * 14:03:07.600  << 63C2  SW 63C2 verification failed, 2 tries left
 * 14:03:08.020  -- UNLOCK RESET
 * </pre>
 *
 * <p>With {@code -r} each line names the attachment ({@code [simulator/7]}) after the time. The data of commands
 * that carry a PIN or key never reaches this command: the core withholds it. The time is when the command was sent.
 *
 * <p>For as long as it runs, the command registers a {@link CardTraceListener} of its own, filtered to the
 * attachment or the reader, that queues the events (up to {@value #QUEUE} waiting; beyond that they are counted as
 * dropped, so a slow console never holds up the card); the command's thread prints them. It ends as
 * {@code scard:watch} does: Ctrl-C, the duration, the console closing, the bundle stopping; in a non-interactive
 * session a duration is required.
 */
@Component(service = TraceCommand.class, immediate = true)
@GogoCommand(scope = "scard", function = "trace")
public class TraceCommand {

    /** The most events waiting to be printed; more are dropped (and counted). */
    static final int QUEUE = 10_000;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final ScardCommands commands;
    /** Runs the traces: registers their listeners, ends them when the bundle stops. */
    private final LiveCommand live;

    /**
     * @param context registers the command's listeners
     * @param commands the {@code scard:} commands, which hold the sessions' attachments and know the readers
     */
    @Activate
    public TraceCommand(BundleContext context, @Reference ScardCommands commands) {
        this.commands = commands;
        this.live = new LiveCommand(context);
    }

    /** Ends every running trace: the bundle is stopping. */
    @Deactivate
    void deactivate() {
        live.deactivate();
    }

    // ------------------------------------------------------------------------------------------ Gogo entries

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String TRACE_SUMMARY = "print the APDUs of this session's attachment (or of a reader, any"
            + " manager's) live as they pass: time, direction, bytes, the status word's meaning and the 61xx/6Cxx"
            + " exchanges the core made; PINs withheld; for a while, or until Ctrl-C (give a duration in a"
            + " non-interactive session)";
    /** The command's usage line, options and arguments. */
    static final String TRACE_DETAILS = "Usage: scard:trace [options] [--] [<duration>]\n"
            + "Options:\n"
            + "  -r, --reader <reader>  the APDUs of every attachment to this reader (any manager's), instead of this"
            + " session's\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  [<duration>]  how long: seconds (5, 0.5) or with a unit (500ms, 2s, 1m)\n";
    static final String TRACE_USAGE = TRACE_SUMMARY + "\n" + TRACE_DETAILS;

    static final CommandUsage TRACE = CommandUsage.of("scard:trace", TRACE_USAGE);

    /**
     * {@code scard:trace}.
     *
     * @param session the Gogo session, whose console shows the trace
     * @param words the options and arguments, as {@link #TRACE_USAGE} says
     * @return the summary, or null after {@code --help}
     */
    @Descriptor(TRACE_SUMMARY)
    public Object trace(CommandSession session, @Descriptor(TRACE_DETAILS) CharSequence... words) {
        return TRACE.run(session, words, w -> trace(session, w.option("--reader", ""), w.argument(0)));
    }

    /**
     * Traces this session's attachment, or {@code reader} when not empty, for {@code duration} (null: until
     * interrupted).
     *
     * @throws IllegalArgumentException for a bad duration, an unknown reader, or no duration in a non-interactive
     *         session ({@code E_INVALIDARG})
     * @throws IllegalStateException when tracing this session but it is not attached
     */
    String trace(CommandSession session, String reader, String duration) {
        Duration limit = duration == null ? null : WatchCommand.parseDuration(duration);
        WatchCommand.checkCanEnd(session, limit, "scard:trace");
        Dictionary<String, Object> properties = new Hashtable<>();
        String what;
        String only = reader == null ? "" : reader.strip();
        if (only.isEmpty()) {
            ScardCommands.TracedAttachment attachment = commands.tracedAttachment(session);
            properties.put(CardTraceProperties.ATTACHMENT, attachment.traceId());
            what = "this session's attachment (" + attachment.traceId() + ")";
        } else {
            List<String> readers = commands.readerNames("");
            if (!readers.contains(only)) {
                throw ShellFailures.badInput("unknown reader '" + CommandUsage.shown(only) + "' (readers: "
                        + (readers.isEmpty() ? "none" : "'" + String.join("', '", readers) + "'") + ")");
            }
            properties.put(CardTraceProperties.READER, only);
            what = "reader '" + only + "'";
        }
        return run(session, properties, what, !only.isEmpty(), limit);
    }

    private String run(CommandSession session, Dictionary<String, Object> properties, String what,
            boolean showAttachment, Duration limit) {
        BlockingQueue<CardTraceEvent> queue = new ArrayBlockingQueue<>(QUEUE);
        AtomicLong dropped = new AtomicLong();
        CardTraceListener listener = event -> {
            if (!queue.offer(event)) {
                dropped.incrementAndGet();
            }
        };
        PrintStream console = session.getConsole();
        Counts counts = new Counts();
        return live.run(console, CardTraceListener.class, listener, properties, queue,
                event -> print(console, event, showAttachment, counts), "Tracing " + what, limit, "tracing", "Traced",
                () -> counts.apdus + (counts.apdus == 1 ? " APDU" : " APDUs") + ", " + counts.events
                        + (counts.events == 1 ? " event" : " events") + (dropped.get() == 0 ? ""
                                : ", " + dropped.get() + " dropped (the console was too slow)"));
    }

    /** How many APDUs and other events were printed. */
    private static final class Counts {
        int apdus;
        int events;
    }

    private static void print(PrintStream console, CardTraceEvent event, boolean showAttachment, Counts counts) {
        for (String line : lines(event, showAttachment)) {
            console.println(line);
        }
        console.flush();
        if (event.type() == CardTraceEvent.Type.APDU) {
            counts.apdus++;
        } else {
            counts.events++;
        }
    }

    /** The lines of one event, as the class comment shows: two for an APDU, one otherwise. */
    static List<String> lines(CardTraceEvent event, boolean showAttachment) {
        String prefix = TIME.format(LocalTime.ofInstant(event.time(), ZoneId.systemDefault())) + "  "
                + (showAttachment ? "[" + (event.attachment() == null ? "reader" : event.attachment()) + "]  " : "");
        if (event.type() != CardTraceEvent.Type.APDU) {
            return List.of(prefix + "-- " + describe(event));
        }
        byte[] command = event.command();
        StringBuilder sent = new StringBuilder(prefix).append(">> ").append(HEX.formatHex(command));
        if (event.withheld() > 0) {
            sent.append(" + ").append(event.withheld()).append(" data bytes withheld (secret)");
        }
        if (event.byCore()) {
            sent.append((command.length > 1 && (command[1] & 0xFF) == 0xC0)
                    ? "  (by the core: GET RESPONSE after 61xx)" : "  (by the core: resent with the Le of 6Cxx)");
        }
        byte[] response = event.response();
        int sw = event.statusWord();
        String received = prefix + "<< " + HEX.formatHex(response)
                + (sw < 0 ? "  (no status word)" : "  " + StatusWords.describe(sw));
        return List.of(sent.toString(), received);
    }

    /** An event that is not an APDU, in words: its type and what it carries. */
    private static String describe(CardTraceEvent event) {
        StringBuilder out = new StringBuilder(event.type().name());
        if (event.disposition() != null) {
            out.append(' ').append(event.disposition());
        }
        if (event.shareMode() != null) {
            out.append(' ').append(event.shareMode().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (event.protocol() != null) {
            out.append(' ').append(event.protocol());
        }
        if (!event.atrHex().isEmpty()) {
            out.append("  ATR ").append(event.atrHex());
        }
        if (event.type() == CardTraceEvent.Type.ATTACHED || event.type() == CardTraceEvent.Type.DETACHED) {
            out.append("  '").append(event.reader()).append('\'');
        }
        return out.toString();
    }
}
