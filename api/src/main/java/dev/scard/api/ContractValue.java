package dev.scard.api;

/**
 * An enum constant that stands for a numeric value of the contract (spec §3).
 */
public interface ContractValue {

    /** The numeric value the contract gives this constant. */
    int value();

    /**
     * The constant of {@code type} whose {@link #value()} is {@code value}.
     *
     * @param type the enum type
     * @param value the contract's numeric value
     * @return the constant
     * @throws SCardException {@link HResult#E_INVALIDARG} when no constant has that value
     */
    static <E extends Enum<E> & ContractValue> E fromValue(Class<E> type, int value) {
        for (E constant : type.getEnumConstants()) {
            if (constant.value() == value) {
                return constant;
            }
        }
        throw new SCardException(HResult.E_INVALIDARG,
                "no " + type.getSimpleName() + " has the value " + value);
    }
}
