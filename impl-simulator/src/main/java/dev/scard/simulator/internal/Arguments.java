package dev.scard.simulator.internal;

import java.util.Set;

import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;

/** Argument checks of the simulator, each failing with {@link HResult#E_INVALIDARG} and a message naming the problem. */
final class Arguments {

    private Arguments() {
    }

    static <T> T require(T value, String name) {
        if (value == null) {
            throw new SCardException(HResult.E_INVALIDARG, name + " must not be null");
        }
        return value;
    }

    /** A non-empty set of T0, T1 and RAW. */
    static Set<Protocol> requireProtocols(Set<Protocol> preferred) {
        if (preferred == null || preferred.isEmpty()) {
            throw new SCardException(HResult.E_INVALIDARG, "preferred protocols must name at least one of T0, T1, RAW");
        }
        for (Protocol protocol : preferred) {
            if (protocol == null || protocol == Protocol.UNDEFINED) {
                throw new SCardException(HResult.E_INVALIDARG,
                        "preferred protocols may contain only T0, T1 and RAW, not " + preferred);
            }
        }
        return preferred;
    }
}
