package dev.scard.api;

/**
 * The contract's {@code REFTYPE}: how an {@link ISCardFileAccess} path names a file.
 *
 * <p>Path syntax (the contract leaves it open): hexadecimal file identifiers separated by {@code /}
 * ({@code 3F00/5015/4401}), absolute when starting at {@code 3F00}, relative otherwise; {@code aid:<hex>}
 * selects by DF name; {@code sfi:<hex>} by short file identifier.
 */
public enum RefType implements ContractValue {
    /** By name: a DF name (AID), written {@code aid:<hex>} or as plain hex. */
    BY_NAME(0),
    /** By file identifier path: {@code 3F00/5015/4401}. */
    BY_ID(1),
    /** By short file identifier (SFI, 1 to 30): {@code sfi:<hex>} or plain hex. */
    BY_SHORT_ID(2),
    /**
     * Let the provider work it out from the path's form. The contract names {@code SC_TYPE_BY_ANY} without
     * a value; 3 is this API's choice, the next free number.
     */
    BY_ANY(3);

    private final int value;

    RefType(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }
}
