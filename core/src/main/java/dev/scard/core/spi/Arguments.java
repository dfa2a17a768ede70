package dev.scard.core.spi;

import java.util.Set;

import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;

/**
 * Argument checks shared by the manager, the resource manager and the backends, each failing with
 * {@link dev.scard.api.HResult#E_INVALIDARG} and a message that names the problem.
 */
public final class Arguments {

    private Arguments() {
    }

    /** An {@code E_INVALIDARG} failure with this detail. */
    public static SCardException invalidArgument(String detail) {
        return new SCardException(HResult.E_INVALIDARG, detail);
    }

    /** {@code value}, or an {@code E_INVALIDARG} failure saying that {@code name} must not be null. */
    public static <T> T require(T value, String name) {
        if (value == null) {
            throw invalidArgument(name + " must not be null");
        }
        return value;
    }

    /** A non-blank reader name. */
    public static String requireReaderName(String readerName) {
        if (readerName == null || readerName.isBlank()) {
            throw invalidArgument("reader name must not be null or blank");
        }
        return readerName;
    }

    /** A copy of a non-empty set of T0, T1 and RAW. */
    public static Set<Protocol> requireProtocols(Set<Protocol> preferred) {
        if (preferred == null || preferred.isEmpty()) {
            throw invalidArgument("preferred protocols must name at least one of T0, T1, RAW");
        }
        for (Protocol protocol : preferred) {
            if (protocol == null || protocol == Protocol.UNDEFINED) {
                throw invalidArgument("preferred protocols may contain only T0, T1 and RAW, not " + preferred);
            }
        }
        return Set.copyOf(preferred);
    }
}
