package dev.scard.simulator.internal;

import dev.scard.api.Protocol;
import dev.scard.simulator.control.SimulatedCard;

/**
 * One power-up of one card in a reader, or the absence of a card: immutable but for {@link #used}, compared by
 * identity.
 *
 * <p>A reader makes a new session on every insertion, removal and reset. A connection remembers the session it
 * was established in; when the reader's session is no longer that one, the connection's card was removed (the
 * {@link #insertion} differs) or reset (same insertion, new session), until the connection reconnects.
 */
final class CardSession {

    private static final byte[] NO_ATR = new byte[0];

    /** Counts insertions and removals in a reader; a new number means a different card (or none). */
    final long insertion;
    /** The card model, or null when the reader is empty. */
    final SimulatedCard card;
    /**
     * The card's ATR as read at insertion, or as a replayed trace recorded it for the reset that began this session
     * ({@link #afterReset}); never handed out without a copy; empty without a card.
     */
    final byte[] atr;
    /** The protocol the card speaks; {@link Protocol#UNDEFINED} without a card. */
    final Protocol protocol;
    /**
     * The thread a plugged-in model runs on (shared by the sessions of one insertion); null for the built-in models,
     * which run on the caller's thread, and without a card.
     */
    final CardThread thread;
    /**
     * Whether a call to the card overran the call timeout in this session: commands then fail at once until the card
     * is reset (a new session) or removed.
     */
    volatile boolean mute;
    /**
     * Whether the card has processed a command in this session. Read and written under the reader's card lock
     * only: a reset asked by vpcd is skipped while it is false (it would change nothing).
     */
    boolean used;
    /**
     * The protocol the first connection since the card was powered up (inserted, reset or unpowered) chose, as
     * pcsc-lite keeps it for the reader: later connections must prefer it (RAW included) until the card is reset;
     * null before the first connection. Read and written under the reader's state lock only.
     */
    Protocol negotiated;

    private CardSession(long insertion, SimulatedCard card, byte[] atr, Protocol protocol, CardThread thread) {
        this.insertion = insertion;
        this.card = card;
        this.atr = atr;
        this.protocol = protocol;
        this.thread = thread;
    }

    /** The session of an empty reader. */
    static CardSession empty(long insertion) {
        return new CardSession(insertion, null, NO_ATR, Protocol.UNDEFINED, null);
    }

    /** The first session of a card just inserted; {@code thread} as {@link #thread}. */
    static CardSession inserted(long insertion, SimulatedCard card, byte[] atr, Protocol protocol, CardThread thread) {
        return new CardSession(insertion, card, atr, protocol, thread);
    }

    /**
     * The session that follows a reset of this session's card: the same card, a new identity, and the ATR the card
     * answers this reset with ({@code atrAfterReset}: the same as before but for a replayed trace that recorded
     * another; the session keeps the array).
     */
    CardSession afterReset(byte[] atrAfterReset) {
        return new CardSession(insertion, card, atrAfterReset, protocol, thread);
    }

    /** Whether a card is in. */
    boolean hasCard() {
        return card != null;
    }

    /** Whether {@code other} is a session of the same insertion (the same card, possibly reset since). */
    boolean sameInsertion(CardSession other) {
        return insertion == other.insertion;
    }
}
