package dev.scard.simulator.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.scard.api.Protocol;
import dev.scard.simulator.control.ReplayMatch;
import dev.scard.simulator.control.ReplayStatus;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.iso7816.CommandPattern;
import dev.scard.iso7816.SecretCommands;
import dev.scard.trace.Trace;
import dev.scard.trace.TraceEntry;

/**
 * A card that replays a recorded {@link Trace}: the recorded ATR and protocol, and for each command the recorded
 * response, matched as its {@link ReplayMatch} says. A built-in model: it answers at once, on the caller's thread.
 *
 * <p><b>In order</b> ({@link ReplayMatch#ORDER}) the replay keeps its place in the trace: a command that the next
 * {@code apdu} entry {@linkplain TraceEntry#answers answers} (for a redacted entry: the same header and Lc) gets its
 * response and the replay moves on; any other command gets the status word for unanswered commands, is counted, the
 * first such is kept as the {@linkplain ReplayStatus.Divergence divergence}, and the replay stays where it is. After an
 * answered command the replay passes the events that follow it: {@code lock} and {@code unlock} are passed over, a
 * {@code reset} or {@code reconnect} asks the reader to reset the card, a {@code removed} to remove it (and a
 * {@code removed} followed by {@code inserted} to insert it again after the recorded pause, at most
 * {@link #MAX_REINSERT_MILLIS}): {@link #takeAction()}, which the reader calls after every command. A reset of the
 * card by anyone else (a disconnect with {@code RESET}, pcscd powering it up) passes a {@code reset} or
 * {@code reconnect} entry the replay is waiting at, and changes nothing otherwise. The events before the first
 * {@code apdu} entry describe the state the card starts in and are passed at insertion.
 *
 * <p><b>By command</b> ({@link ReplayMatch#COMMAND}) a command gets the response of the next {@code apdu} entry that
 * answers it, searching on from the last one answered and around; events are not reproduced.
 *
 * <p><b>Secrets.</b> A received command shown in a divergence is shown without its data when it is secret by the
 * built-in rule ({@link SecretCommands}) or has the header of a redacted entry of the trace (a command the recording
 * withheld because a configuration or a card profile marked it secret).
 *
 * <p>Calls into the model come one at a time under the reader's card lock; {@link #status} comes from any thread, so
 * the state is guarded by this object's monitor.
 */
final class ReplayCard implements SimulatedCard {

    /** The longest pause before a recorded re-insertion is reproduced. */
    static final long MAX_REINSERT_MILLIS = 2_000;
    /** At most this many bytes of a command are shown in a divergence. */
    private static final int SHOWN_BYTES = 64;
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    /** What the reader is to do after a command (see {@link #takeAction()}). */
    enum Action {
        /** Nothing. */
        NONE,
        /** Reset the card, as another application would. */
        RESET,
        /** Remove the card; {@link #reinsertAfterMillis()} says whether and when to insert it again. */
        REMOVE
    }

    private final Path source;
    private final ReplayMatch match;
    private final int unansweredStatusWord;
    private final List<TraceEntry> entries;
    private final Protocol protocol;
    private final int apdus;
    /** The headers of the trace's redacted commands, secret in what this card shows (never null). */
    private final List<CommandPattern> redactedHeaders;

    // Guarded by this.
    private byte[] atr;
    private boolean poweredUp;
    private int position;
    private int lastAnswered = -1;
    private int answered;
    private int unanswered;
    private ReplayStatus.Divergence divergence;
    private Action action = Action.NONE;
    private long reinsertAfterMillis = -1;
    /** The reset the reader is about to make for a {@link Action#RESET} this card asked for: passes nothing more. */
    private boolean ownReset;

    /**
     * A replay from the start of the trace.
     *
     * @param trace the trace
     * @param source the trace file, as given (shown in {@link #status})
     * @param match how commands find their responses
     * @param unansweredStatusWord the status word of a command the trace cannot answer, 0..0xFFFF
     */
    ReplayCard(Trace trace, Path source, ReplayMatch match, int unansweredStatusWord) {
        if (unansweredStatusWord < 0 || unansweredStatusWord > 0xFFFF) {
            throw new IllegalArgumentException("a status word is 0000..FFFF");
        }
        this.source = source;
        this.match = match;
        this.unansweredStatusWord = unansweredStatusWord;
        this.entries = trace.entries();
        this.protocol = trace.header().protocol();
        this.apdus = trace.apduCount();
        this.atr = trace.header().atr();
        this.redactedHeaders = redactedHeaders(entries);
    }

    /** A pattern of the exact header of each redacted {@code apdu} entry, once each. */
    private static List<CommandPattern> redactedHeaders(List<TraceEntry> entries) {
        Set<String> headers = new LinkedHashSet<>();
        for (TraceEntry entry : entries) {
            if (entry.type() == TraceEntry.Type.APDU && entry.redacted() > 0) {
                headers.add(HEX.formatHex(entry.command(), 0, 4));
            }
        }
        List<CommandPattern> patterns = new ArrayList<>();
        for (String header : headers) {
            patterns.add(CommandPattern.parse(header));
        }
        return List.copyOf(patterns);
    }

    @Override
    public synchronized byte[] atr() {
        return atr.clone();
    }

    @Override
    public Protocol protocol() {
        return protocol;
    }

    @Override
    public synchronized byte[] process(byte[] commandApdu) {
        if (match == ReplayMatch.COMMAND) {
            return byCommand(commandApdu);
        }
        skipTransactions();
        if (position < entries.size()) {
            TraceEntry next = entries.get(position);
            if (next.answers(commandApdu)) {
                answered++;
                position++;
                passEvents();
                return next.response();
            }
            diverged(position, next.type() == TraceEntry.Type.APDU ? next : null, commandApdu);
        } else {
            diverged(entries.size(), null, commandApdu);
        }
        return unansweredResponse();
    }

    private byte[] byCommand(byte[] commandApdu) {
        int size = entries.size();
        for (int i = 1; i <= size; i++) {
            int index = Math.floorMod(lastAnswered + i, size);
            TraceEntry entry = entries.get(index);
            if (entry.answers(commandApdu)) {
                lastAnswered = index;
                answered++;
                return entry.response();
            }
        }
        diverged(-1, null, commandApdu);
        return unansweredResponse();
    }

    private byte[] unansweredResponse() {
        unanswered++;
        return new byte[] {(byte) (unansweredStatusWord >> 8), (byte) unansweredStatusWord};
    }

    private void diverged(int entry, TraceEntry expected, byte[] received) {
        if (divergence == null) {
            String shownExpected = null;
            if (expected != null) {
                shownExpected = shown(expected.command()) + (expected.redacted() > 0
                        ? " (+" + expected.redacted() + " data bytes)" : "");
            }
            divergence = new ReplayStatus.Divergence(entry, shownExpected, shownReceived(received, redactedHeaders));
        }
    }

    /**
     * A received command in hex: header and Lc only when it carries a secret (by the built-in rule or one of
     * {@code secret}), at most {@link #SHOWN_BYTES} bytes.
     */
    static String shownReceived(byte[] command, List<CommandPattern> secret) {
        int length = SecretCommands.secretLength(command, secret);
        if (length > 0) {
            return shown(SecretCommands.withheld(command, secret)) + " (+" + length + " data bytes not shown)";
        }
        return shown(command);
    }

    private static String shown(byte[] bytes) {
        if (bytes.length <= SHOWN_BYTES) {
            return HEX.formatHex(bytes);
        }
        return HEX.formatHex(bytes, 0, SHOWN_BYTES) + "... (" + bytes.length + " bytes)";
    }

    /** Passes {@code lock} and {@code unlock} entries at the replay's place (they need nothing of the card). */
    private void skipTransactions() {
        while (position < entries.size() && isTransaction(entries.get(position))) {
            position++;
        }
    }

    private static boolean isTransaction(TraceEntry entry) {
        return entry.type() == TraceEntry.Type.LOCK || entry.type() == TraceEntry.Type.UNLOCK;
    }

    /** After an answered command: passes the events up to the next command, noting the first action they need. */
    private void passEvents() {
        while (position < entries.size()) {
            TraceEntry entry = entries.get(position);
            switch (entry.type()) {
                case APDU:
                    return;
                case LOCK:
                case UNLOCK:
                    position++;
                    break;
                case RESET:
                case RECONNECT:
                    if (entry.type() == TraceEntry.Type.RECONNECT) {
                        atr = entry.atr();
                    }
                    position++;
                    action = Action.RESET;
                    return;
                case REMOVED:
                    position++;
                    action = Action.REMOVE;
                    reinsertAfterMillis = -1;
                    if (position < entries.size() && entries.get(position).type() == TraceEntry.Type.INSERTED) {
                        TraceEntry inserted = entries.get(position);
                        atr = inserted.atr();
                        reinsertAfterMillis = Math.min(MAX_REINSERT_MILLIS,
                                Math.round(inserted.time() - entry.time()));
                        position++;
                    }
                    return;
                case INSERTED:
                    atr = entry.atr();
                    position++;
                    break;
                default:
                    throw new IllegalStateException(entry.type().name());
            }
        }
    }

    /**
     * What the reader is to do now that a command was answered (and forgets it): called by the reader after every
     * command, with the card lock held. For {@link Action#RESET} the reader's reset that follows passes nothing more.
     */
    synchronized Action takeAction() {
        Action taken = action;
        action = Action.NONE;
        if (taken == Action.RESET) {
            ownReset = true;
        }
        return taken;
    }

    /** After {@link Action#REMOVE}: milliseconds until the card is to be inserted again, or -1 for never. */
    synchronized long reinsertAfterMillis() {
        return reinsertAfterMillis;
    }

    @Override
    public synchronized void reset() {
        if (ownReset) {
            ownReset = false;
            return;
        }
        if (match == ReplayMatch.COMMAND) {
            return;
        }
        if (!poweredUp) {
            poweredUp = true;
            while (position < entries.size() && entries.get(position).type() != TraceEntry.Type.APDU) {
                position++; // the state the recording started in
            }
            return;
        }
        int at = pendingReset();
        if (at >= 0) {
            if (entries.get(at).type() == TraceEntry.Type.RECONNECT) {
                atr = entries.get(at).atr();
            }
            position = at + 1;
        }
    }

    /**
     * The ATR this card answers the reset the reader is about to make with, before {@link #reset()} runs (the reader
     * records it in the new session, which {@code Status} and the reader's state show): for a reset this card asked
     * for ({@link #takeAction()}) or one that passes a recorded {@code reconnect}, the ATR recorded there; else the
     * ATR it has.
     */
    synchronized byte[] atrAfterReset() {
        if (!ownReset && match == ReplayMatch.ORDER && poweredUp) {
            int at = pendingReset();
            if (at >= 0 && entries.get(at).type() == TraceEntry.Type.RECONNECT) {
                return entries.get(at).atr();
            }
        }
        return atr.clone();
    }

    /**
     * The index of the {@code reset} or {@code reconnect} entry the replay waits at (past {@code lock} and
     * {@code unlock} entries), which a reset by anyone passes; -1 when it waits at none.
     */
    private int pendingReset() {
        int at = position;
        while (at < entries.size() && isTransaction(entries.get(at))) {
            at++;
        }
        if (at < entries.size() && (entries.get(at).type() == TraceEntry.Type.RESET
                || entries.get(at).type() == TraceEntry.Type.RECONNECT)) {
            return at;
        }
        return -1;
    }

    /** How far the replay got, for {@code SimulatorControl.replays()}. */
    synchronized ReplayStatus status(String readerName, boolean present) {
        return new ReplayStatus(readerName, source, match, unansweredStatusWord, present, entries.size(),
                match == ReplayMatch.COMMAND ? 0 : position, apdus, answered, unanswered, divergence);
    }

    @Override
    public String toString() {
        return "replay of " + source;
    }
}
