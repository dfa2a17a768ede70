package dev.scard.api;

/** The contract's {@code SCARD_SHARE_MODES}: how a connection shares the card with others. */
public enum ShareMode implements ContractValue {
    /** Nobody else may connect to the card while this connection is open. */
    EXCLUSIVE(1),
    /** Other connections may use the card too; the default of {@link ISCardManage#attachByIfd(String)}. */
    SHARED(2);

    private final int value;

    ShareMode(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }
}
