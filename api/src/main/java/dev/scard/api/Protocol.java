package dev.scard.api;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The contract's {@code SCARD_PROTOCOLS}, plus {@link #UNDEFINED} for "no protocol is active" (the contract
 * has no such member). Values keep the contract's numbers: {@link #RAW} is {@code 0xFF}, not PC/SC's
 * {@code 0x10000}.
 */
public enum Protocol implements ContractValue {
    /** No protocol is active (no card, or not connected). Addition to the contract. */
    UNDEFINED(0),
    /** ISO 7816-3 T=0, the character protocol. */
    T0(0x1),
    /** ISO 7816-3 T=1, the block protocol. */
    T1(0x2),
    /** Raw transfer. */
    RAW(0xFF);

    /** The preferred protocols an attachment uses when the caller names none: T=0 or T=1. */
    public static final Set<Protocol> T0_OR_T1 = Collections.unmodifiableSet(EnumSet.of(T0, T1));

    private final int value;

    Protocol(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }
}
