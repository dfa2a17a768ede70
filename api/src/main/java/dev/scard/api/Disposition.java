package dev.scard.api;

/** The contract's {@code SCARD_DISPOSITIONS}: what happens to the card when a lock or connection ends. */
public enum Disposition implements ContractValue {
    /** Leave the card as it is. */
    LEAVE(0),
    /** Reset the card (warm reset): every other connection sees {@link HResult#SCARD_W_RESET_CARD}. */
    RESET(1),
    /** Cut the card's power; it is powered up again when next used, so it acts like a cold reset. */
    UNPOWER(2),
    /** Eject the card if the reader can; a reader that cannot fails with {@link HResult#SCARD_E_CANT_DISPOSE}. */
    EJECT(3);

    private final int value;

    Disposition(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }
}
