package dev.scard.api.trace;

import java.time.Instant;
import java.util.Objects;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;

/**
 * One event of the card trace: an APDU that reached a card, or something that happened to the attachment or the
 * card. Immutable: the byte arrays are copied in and out.
 *
 * @param type what happened
 * @param time when (for an APDU: when the command was sent)
 * @param backend the backend ({@code scard.backend}) of the reader
 * @param reader the reader
 * @param attachment the {@link TraceableManager#traceId()} of the manager whose attachment this is; null for the
 *        card insertions, removals and resets a backend reports for the reader
 * @param command {@link Type#APDU}: the command as it reached the card, with the data of a secret command withheld
 *        (header and Lc only, see {@link #withheld()}); else null
 * @param withheld {@link Type#APDU}: how many data bytes of the command were withheld because they carry a secret
 *        (a PIN, a PUK, a key); 0 when none
 * @param response {@link Type#APDU}: the card's answer as it came, status word included; else null
 * @param byCore {@link Type#APDU}: whether the core sent this command itself to complete the caller's exchange (GET
 *        RESPONSE after {@code 61xx}, or the command resent with the Le of a {@code 6Cxx})
 * @param disposition {@link Type#RECONNECT}: what was done to the card first; {@link Type#UNLOCK}: what was done
 *        to it at the end of the transaction; {@link Type#RESET}: {@link Disposition#RESET}; else null
 * @param shareMode {@link Type#ATTACHED} and {@link Type#RECONNECT}: the share mode; else null
 * @param protocol {@link Type#ATTACHED} and {@link Type#RECONNECT}: the active protocol; else null
 * @param atrHex {@link Type#ATTACHED}, {@link Type#RECONNECT}, {@link Type#INSERTED}, {@link Type#RESET}: the
 *        card's ATR as upper-case hex; empty when there is none or it is not known
 */
public record CardTraceEvent(Type type, Instant time, String backend, String reader, String attachment,
        byte[] command, int withheld, byte[] response, boolean byCore, Disposition disposition, ShareMode shareMode,
        Protocol protocol, String atrHex) {

    /** What happened. */
    public enum Type {
        /** A manager attached to the reader (with a card: its share mode, protocol and ATR). */
        ATTACHED,
        /** A command reached the card, and this is its answer. */
        APDU,
        /** The card was reset (by another connection or the reader). */
        RESET,
        /** The manager reconnected, treating the card as {@link #disposition()} says. */
        RECONNECT,
        /** The manager took the card's lock (a transaction). */
        LOCK,
        /** The manager released the lock, leaving the card as {@link #disposition()} says. */
        UNLOCK,
        /** The card was removed from the reader. */
        REMOVED,
        /** A card was inserted into the reader. */
        INSERTED,
        /** The manager detached (or was released). */
        DETACHED
    }

    /** Checks the arguments and copies the arrays. */
    public CardTraceEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(reader, "reader");
        if (withheld < 0) {
            throw new IllegalArgumentException("withheld must not be negative, was " + withheld);
        }
        command = command == null ? null : command.clone();
        response = response == null ? null : response.clone();
        atrHex = atrHex == null ? "" : atrHex;
    }

    /**
     * An {@link Type#APDU} event.
     *
     * @param command the command with any secret already withheld
     */
    public static CardTraceEvent apdu(Instant time, String backend, String reader, String attachment, byte[] command,
            int withheld, byte[] response, boolean byCore) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(response, "response");
        return new CardTraceEvent(Type.APDU, time, backend, reader, attachment, command, withheld, response, byCore,
                null, null, null, "");
    }

    /** An event that is not an APDU; the fields that do not apply to {@code type} are null (or empty). */
    public static CardTraceEvent of(Type type, Instant time, String backend, String reader, String attachment,
            Disposition disposition, ShareMode shareMode, Protocol protocol, String atrHex) {
        if (type == Type.APDU) {
            throw new IllegalArgumentException("an APDU event is made with apdu(...)");
        }
        return new CardTraceEvent(type, time, backend, reader, attachment, null, 0, null, false, disposition,
                shareMode, protocol, atrHex);
    }

    /** A copy of the command (with any secret withheld), or null when this is not an APDU. */
    @Override
    public byte[] command() {
        return command == null ? null : command.clone();
    }

    /** A copy of the response, or null when this is not an APDU. */
    @Override
    public byte[] response() {
        return response == null ? null : response.clone();
    }

    /** The status word (the response's last two bytes), or -1 when this is not an APDU or the answer is shorter. */
    public int statusWord() {
        if (response == null || response.length < 2) {
            return -1;
        }
        return ((response[response.length - 2] & 0xFF) << 8) | (response[response.length - 1] & 0xFF);
    }

    /** The type, the reader and the attachment; never the bytes. */
    @Override
    public String toString() {
        return "CardTraceEvent[" + type + " '" + reader + "' (" + backend + ")" + (attachment == null ? ""
                : " attachment " + attachment) + "]";
    }
}
