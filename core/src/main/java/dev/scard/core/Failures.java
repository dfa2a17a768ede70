package dev.scard.core;

import java.util.Set;

import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;

/** Argument checks shared by the manager and the resource manager, each failing with a message that names the problem. */
final class Failures {

    private Failures() {
    }

    static SCardException invalidArgument(String detail) {
        return new SCardException(HResult.E_INVALIDARG, detail);
    }

    static <T> T requireArgument(T value, String name) {
        if (value == null) {
            throw invalidArgument(name + " must not be null");
        }
        return value;
    }

    static String requireReaderName(String readerName) {
        if (readerName == null || readerName.isBlank()) {
            throw invalidArgument("reader name must not be null or blank");
        }
        return readerName;
    }

    static Set<Protocol> requireProtocols(Set<Protocol> preferred) {
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
