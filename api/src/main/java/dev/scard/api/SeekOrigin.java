package dev.scard.api;

/** The contract's {@code SEEKTYPE}: where an {@link ISCardFileAccess#seek} offset counts from. */
public enum SeekOrigin implements ContractValue {
    /** From the start of the file. */
    FROM_BEGINNING(0),
    /** From the end of the file. */
    FROM_END(1),
    /** From the current position. */
    RELATIVE(2);

    private final int value;

    SeekOrigin(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }
}
