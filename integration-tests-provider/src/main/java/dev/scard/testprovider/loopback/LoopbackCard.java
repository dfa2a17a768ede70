package dev.scard.testprovider.loopback;

/**
 * What a card in a loopback reader answers. The reader calls it one command or reset at a time, outside its own
 * locks, so a slow card delays only the connections waiting for the card, never {@code disconnect}, status or the
 * reader's other state changes. A card speaks T=1.
 */
public interface LoopbackCard {

    /** The card's answer to reset, read once when the card is inserted. */
    byte[] atr();

    /**
     * Answers one command APDU (well-formed: the core checked it) with data followed by SW1 SW2. Should not throw;
     * if it does, or answers fewer than two bytes, the command fails with {@code SCARD_F_COMM_ERROR}.
     */
    byte[] process(byte[] commandApdu);

    /** Called before the first command after the card was inserted or reset: the card forgets its volatile state. */
    void reset();

    /** The built-in card: {@link SimpleCard}. */
    static LoopbackCard simple() {
        return new SimpleCard();
    }
}
