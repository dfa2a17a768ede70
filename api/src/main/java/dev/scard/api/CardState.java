package dev.scard.api;

/**
 * The contract's {@code SCARD_STATES}: state of a card in a reader, as {@link ISCardManage#status()} reports it.
 * There is no "unknown" member, as in the contract.
 */
public enum CardState implements ContractValue {
    /** No card in the reader (also reported for a reader attachment with no card). */
    ABSENT(1),
    /** A card is inserted but not in position for use. */
    PRESENT(2),
    /** The card is in position but not powered. */
    SWALLOWED(3),
    /** The card is powered, but its mode is not known. */
    POWERED(4),
    /** The card was reset and waits for protocol negotiation. */
    NEGOTIABLE_MODE(5),
    /** The card was reset and a specific protocol is in effect: the normal state of an attached card. */
    SPECIFIC_MODE(6);

    private final int value;

    CardState(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }
}
