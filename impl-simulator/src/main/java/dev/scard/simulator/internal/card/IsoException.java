package dev.scard.simulator.internal.card;

/**
 * A command ends with an ISO 7816-4 error status word. Thrown inside the card model only (never out of
 * {@link IsoCard#process}); it carries no stack trace, as it is a normal answer, not a fault.
 */
final class IsoException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The status word, such as {@code 0x6A82}. */
    final int sw;

    IsoException(int sw) {
        super(null, null, false, false);
        this.sw = sw;
    }

    @Override
    public String getMessage() {
        return String.format("SW %04X", sw);
    }
}
