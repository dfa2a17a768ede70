package dev.scard.trace;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.iso7816.CommandApdu;

/**
 * One entry of a {@link Trace}: an APDU exchange or an event of the card session, at a time {@link #time()} in
 * milliseconds since the trace's {@link TraceHeader#recordedAt()}. Immutable; byte arrays are copied in and out.
 *
 * <p>Which fields an entry has depends on its {@link Type} (the JSON field names in parentheses):
 * <table>
 * <caption>fields by type</caption>
 * <tr><th>type</th><th>fields</th></tr>
 * <tr><td>{@link Type#APDU}</td><td>{@link #command()} ({@code command}), {@link #response()} ({@code response}),
 * {@link #redacted()} ({@code redacted}, 0 when not redacted), {@link #byCore()} ({@code "by": "core"})</td></tr>
 * <tr><td>{@link Type#RESET}</td><td>{@link #disposition()}</td></tr>
 * <tr><td>{@link Type#RECONNECT}</td><td>{@link #disposition()}, {@link #shareMode()}, {@link #protocol()},
 * {@link #atr()}</td></tr>
 * <tr><td>{@link Type#LOCK}, {@link Type#REMOVED}</td><td>none</td></tr>
 * <tr><td>{@link Type#UNLOCK}</td><td>{@link #disposition()}</td></tr>
 * <tr><td>{@link Type#INSERTED}</td><td>{@link #atr()}</td></tr>
 * </table>
 * The accessors of fields an entry does not have return null (0 and false for {@link #redacted()} and
 * {@link #byCore()}).
 *
 * <p><b>Redacted commands.</b> A command that carried a secret (see {@link dev.scard.iso7816.SecretCommands}) is kept as its header and
 * Lc only (CLA INS P1 P2 Lc, or {@code 00} and a two-byte Lc), with {@link #redacted()} the number of data bytes left
 * out; its response is kept. {@link #answers(byte[])} then compares the header and Lc only.
 */
public final class TraceEntry {

    /** What an entry records; {@link #jsonName()} is its {@code type} in the JSON. */
    public enum Type {
        /** A command and the card's response ({@code "apdu"}). */
        APDU("apdu"),
        /** A warm or cold reset by a disposition ({@code "reset"}). */
        RESET("reset"),
        /** A reconnect: disposition, share mode, protocol and the ATR after it ({@code "reconnect"}). */
        RECONNECT("reconnect"),
        /** A transaction began ({@code "lock"}). */
        LOCK("lock"),
        /** A transaction ended, with its disposition ({@code "unlock"}). */
        UNLOCK("unlock"),
        /** The card was removed from the reader ({@code "removed"}). */
        REMOVED("removed"),
        /** A card was inserted, with its ATR ({@code "inserted"}). */
        INSERTED("inserted");

        private final String jsonName;

        Type(String jsonName) {
            this.jsonName = jsonName;
        }

        /** The type's name in the JSON ({@code "apdu"}, {@code "reset"}, ...). */
        public String jsonName() {
            return jsonName;
        }

        /** The type with this JSON name, or null when there is none. */
        public static Type ofJsonName(String name) {
            for (Type type : values()) {
                if (type.jsonName.equals(name)) {
                    return type;
                }
            }
            return null;
        }
    }

    /** The longest response a card gives: 65536 data bytes and the status word. */
    public static final int MAX_RESPONSE_LENGTH = 65536 + 2;

    private final Type type;
    private final double time;
    private final byte[] command;
    private final byte[] response;
    private final int redacted;
    private final boolean byCore;
    private final Disposition disposition;
    private final ShareMode shareMode;
    private final Protocol protocol;
    private final byte[] atr;

    private TraceEntry(Type type, double time, byte[] command, byte[] response, int redacted, boolean byCore,
            Disposition disposition, ShareMode shareMode, Protocol protocol, byte[] atr) {
        if (!(time >= 0) || Double.isInfinite(time)) {
            throw new IllegalArgumentException("an entry's time must be a finite number of milliseconds >= 0");
        }
        this.type = type;
        this.time = time;
        this.command = command;
        this.response = response;
        this.redacted = redacted;
        this.byCore = byCore;
        this.disposition = disposition;
        this.shareMode = shareMode;
        this.protocol = protocol;
        this.atr = atr;
    }

    /**
     * An APDU exchange that was not redacted.
     *
     * @param time milliseconds since the trace's start, finite and at least 0
     * @param command the command as the card got it, 4 to {@link CommandApdu#MAX_LENGTH} bytes (copied)
     * @param response the response, data and status word, 2 to {@link #MAX_RESPONSE_LENGTH} bytes (copied)
     * @param byCore whether the core sent it on its own to complete a {@code 61xx}/{@code 6Cxx} exchange (GET
     *        RESPONSE, or the resend with the Le the card asked for)
     * @throws IllegalArgumentException for a time, command or response out of range
     */
    public static TraceEntry apdu(double time, byte[] command, byte[] response, boolean byCore) {
        checkCommand(command);
        return new TraceEntry(Type.APDU, time, command.clone(), checkResponse(response), 0, byCore, null, null,
                null, null);
    }

    /**
     * An APDU exchange whose command carried a secret: only its header and Lc are kept, and how many data bytes were
     * left out. A command without data has nothing to leave out and is kept whole ({@link #redacted()} 0).
     *
     * @param time milliseconds since the trace's start
     * @param command the whole command (read, never kept; the caller clears it)
     * @param response the response (copied)
     * @param byCore as for {@link #apdu}
     * @throws IllegalArgumentException for a time or response out of range, or a command that is not a well-formed
     *         APDU (the message never shows its bytes)
     */
    public static TraceEntry redactedApdu(double time, byte[] command, byte[] response, boolean byCore) {
        CommandApdu parsed = CommandApdu.parse(command);
        if (parsed.nc() == 0) {
            return apdu(time, command, response, byCore);
        }
        return new TraceEntry(Type.APDU, time, Arrays.copyOf(command, parsed.dataOffset()), checkResponse(response),
                parsed.nc(), byCore, null, null, null, null);
    }

    /**
     * An APDU exchange as it is stored: for a redacted one ({@code redacted > 0}) {@code storedCommand} is the header
     * and Lc, which must announce exactly {@code redacted} data bytes. For readers of stored traces.
     *
     * @throws IllegalArgumentException for values out of range or a redacted command that is not a header and an Lc
     *         of {@code redacted}
     */
    public static TraceEntry storedApdu(double time, byte[] storedCommand, int redacted, byte[] response,
            boolean byCore) {
        if (redacted == 0) {
            return apdu(time, storedCommand, response, byCore);
        }
        checkRedactedForm(storedCommand, redacted);
        return new TraceEntry(Type.APDU, time, storedCommand.clone(), checkResponse(response), redacted, byCore,
                null, null, null, null);
    }

    /** A reset of the card by a disposition (usually {@link Disposition#RESET} or {@link Disposition#UNPOWER}). */
    public static TraceEntry reset(double time, Disposition disposition) {
        return new TraceEntry(Type.RESET, time, null, null, 0, false, required(disposition, "disposition"), null,
                null, null);
    }

    /**
     * A reconnect.
     *
     * @param atr the card's ATR after the reconnect, 2 to 33 bytes (copied)
     */
    public static TraceEntry reconnect(double time, Disposition disposition, ShareMode shareMode, Protocol protocol,
            byte[] atr) {
        return new TraceEntry(Type.RECONNECT, time, null, null, 0, false, required(disposition, "disposition"),
                required(shareMode, "shareMode"), required(protocol, "protocol"), checkAtr(atr).clone());
    }

    /** A transaction began. */
    public static TraceEntry lock(double time) {
        return new TraceEntry(Type.LOCK, time, null, null, 0, false, null, null, null, null);
    }

    /** A transaction ended with a disposition. */
    public static TraceEntry unlock(double time, Disposition disposition) {
        return new TraceEntry(Type.UNLOCK, time, null, null, 0, false, required(disposition, "disposition"), null,
                null, null);
    }

    /** The card was removed. */
    public static TraceEntry removed(double time) {
        return new TraceEntry(Type.REMOVED, time, null, null, 0, false, null, null, null, null);
    }

    /**
     * A card was inserted.
     *
     * @param atr its ATR, 2 to 33 bytes (copied)
     */
    public static TraceEntry inserted(double time, byte[] atr) {
        return new TraceEntry(Type.INSERTED, time, null, null, 0, false, null, null, null, checkAtr(atr).clone());
    }

    /** What the entry records. */
    public Type type() {
        return type;
    }

    /** Milliseconds since the trace's {@link TraceHeader#recordedAt()}, at least 0. */
    public double time() {
        return time;
    }

    /**
     * The command of an {@link Type#APDU} entry (a copy): the whole command, or the header and Lc of a redacted one;
     * null for other types.
     */
    public byte[] command() {
        return command == null ? null : command.clone();
    }

    /** The response of an {@link Type#APDU} entry (a copy), data and status word; null for other types. */
    public byte[] response() {
        return response == null ? null : response.clone();
    }

    /** The status word of an {@link Type#APDU} entry's response (0..0xFFFF), or -1 for other types. */
    public int statusWord() {
        return response == null ? -1
                : (response[response.length - 2] & 0xFF) << 8 | (response[response.length - 1] & 0xFF);
    }

    /** How many data bytes of the command were left out because they were secret; 0 when it is whole. */
    public int redacted() {
        return redacted;
    }

    /** Whether the core sent this command on its own to complete a {@code 61xx}/{@code 6Cxx} exchange. */
    public boolean byCore() {
        return byCore;
    }

    /** The disposition of a reset, reconnect or unlock; null for other types. */
    public Disposition disposition() {
        return disposition;
    }

    /** The share mode of a reconnect; null for other types. */
    public ShareMode shareMode() {
        return shareMode;
    }

    /** The protocol of a reconnect; null for other types. */
    public Protocol protocol() {
        return protocol;
    }

    /** The ATR of a reconnect or insertion (a copy); null for other types. */
    public byte[] atr() {
        return atr == null ? null : atr.clone();
    }

    /** The command itself, not a copy (for {@link TraceWriter}, which only reads it); null for other types. */
    byte[] commandBytes() {
        return command;
    }

    /** The response itself, not a copy (for {@link TraceWriter}, which only reads it); null for other types. */
    byte[] responseBytes() {
        return response;
    }

    /** The ATR itself, not a copy (for {@link TraceWriter}, which only reads it); null for other types. */
    byte[] atrBytes() {
        return atr;
    }

    /**
     * Whether this {@link Type#APDU} entry answers {@code received}: for a whole command, the bytes are equal; for a
     * redacted one, {@code received} is a well-formed command with the same header and Lc (so exactly
     * {@link #redacted()} data bytes, whatever they are; an Le may follow). False for other types.
     *
     * @param received a command (only read; it may hold a secret)
     */
    public boolean answers(byte[] received) {
        if (type != Type.APDU || received == null) {
            return false;
        }
        if (redacted == 0) {
            return Arrays.equals(command, received);
        }
        if (received.length < command.length
                || !Arrays.equals(command, 0, command.length, received, 0, command.length)) {
            return false;
        }
        try {
            CommandApdu parsed = CommandApdu.parse(received);
            return parsed.nc() == redacted && parsed.dataOffset() == command.length;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * A short description that never holds secret data: the type, the time and, for an APDU, the command (header
     * and Lc only when redacted) and the status word.
     */
    @Override
    public String toString() {
        HexFormat hex = HexFormat.of().withUpperCase();
        StringBuilder text = new StringBuilder(type.jsonName()).append(" at ").append(time).append(" ms");
        switch (type) {
            case APDU -> {
                text.append(": ").append(hex.formatHex(command));
                if (redacted > 0) {
                    text.append(" (").append(redacted).append(" data bytes redacted)");
                }
                text.append(" -> SW ").append(String.format("%04X", statusWord()));
            }
            case RESET, UNLOCK -> text.append(": ").append(disposition);
            case RECONNECT -> text.append(": ").append(disposition).append(", ").append(shareMode).append(", ")
                    .append(protocol).append(", ATR ").append(hex.formatHex(atr));
            case INSERTED -> text.append(": ATR ").append(hex.formatHex(atr));
            default -> {
            }
        }
        return text.toString();
    }

    /** Entries are equal when every field is. */
    @Override
    public boolean equals(Object other) {
        return other instanceof TraceEntry e && type == e.type && Double.compare(time, e.time) == 0
                && Arrays.equals(command, e.command) && Arrays.equals(response, e.response) && redacted == e.redacted
                && byCore == e.byCore && disposition == e.disposition && shareMode == e.shareMode
                && protocol == e.protocol && Arrays.equals(atr, e.atr);
    }

    /** A hash of every field. */
    @Override
    public int hashCode() {
        return Objects.hash(type, time, Arrays.hashCode(command), Arrays.hashCode(response), redacted, byCore,
                disposition, shareMode, protocol, Arrays.hashCode(atr));
    }

    private static <T> T required(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    private static void checkCommand(byte[] command) {
        if (command == null || command.length < 4 || command.length > CommandApdu.MAX_LENGTH) {
            throw new IllegalArgumentException("a command must have 4 to " + CommandApdu.MAX_LENGTH + " bytes");
        }
    }

    private static byte[] checkResponse(byte[] response) {
        if (response == null || response.length < 2 || response.length > MAX_RESPONSE_LENGTH) {
            throw new IllegalArgumentException("a response must have 2 to " + MAX_RESPONSE_LENGTH
                    + " bytes (data and the status word)");
        }
        return response.clone();
    }

    static byte[] checkAtr(byte[] atr) {
        if (atr == null || atr.length < 2 || atr.length > 33) {
            throw new IllegalArgumentException("an ATR must have 2 to 33 bytes");
        }
        return atr;
    }

    private static void checkRedactedForm(byte[] command, int redacted) {
        boolean shortForm = command != null && command.length == 5 && redacted <= CommandApdu.MAX_SHORT_NC
                && (command[4] & 0xFF) == redacted;
        boolean extendedForm = command != null && command.length == 7 && command[4] == 0
                && ((command[5] & 0xFF) << 8 | (command[6] & 0xFF)) == redacted;
        if (redacted < 1 || redacted > CommandApdu.MAX_EXTENDED_NC) {
            throw new IllegalArgumentException("redacted must be a number of data bytes, 1 to "
                    + CommandApdu.MAX_EXTENDED_NC);
        }
        if (!shortForm && !extendedForm) {
            throw new IllegalArgumentException("a redacted command must be the header and an Lc of " + redacted
                    + " (5 bytes, or 7 in the extended form)");
        }
    }
}
