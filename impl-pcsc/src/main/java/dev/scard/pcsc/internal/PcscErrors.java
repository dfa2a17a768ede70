package dev.scard.pcsc.internal;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * PC/SC return codes as the contract's failures. Every code the contract names becomes that {@link HResult} (with
 * the platform's quirks, see {@link PcscPlatform#hresult(int)}); any other becomes
 * {@link HResult#SCARD_F_UNKNOWN_ERROR} with the value in hex. Messages name the PC/SC function and the reader.
 */
final class PcscErrors {

    static final int SUCCESS = 0;
    static final int F_INTERNAL_ERROR = 0x80100001;
    static final int E_CANCELLED = 0x80100002;
    static final int E_INVALID_HANDLE = 0x80100003;
    static final int E_INSUFFICIENT_BUFFER = 0x80100008;
    static final int E_UNKNOWN_READER = 0x80100009;
    static final int E_TIMEOUT = 0x8010000A;
    static final int E_SHARING_VIOLATION = 0x8010000B;
    static final int E_NO_SMARTCARD = 0x8010000C;
    static final int E_PROTO_MISMATCH = 0x8010000F;
    static final int F_COMM_ERROR = 0x80100013;
    static final int E_NOT_TRANSACTED = 0x80100016;
    static final int E_READER_UNAVAILABLE = 0x80100017;
    static final int E_NO_SERVICE = 0x8010001D;
    static final int E_SERVICE_STOPPED = 0x8010001E;
    static final int E_NO_READERS_AVAILABLE = 0x8010002E;
    static final int W_RESET_CARD = 0x80100068;
    static final int W_REMOVED_CARD = 0x80100069;

    private PcscErrors() {
    }

    /**
     * The failure for a return code.
     *
     * @param platform whose values the code has
     * @param code the return code
     * @param operation the PC/SC function, e.g. {@code SCardTransmit}
     * @param readerName the reader concerned, or null for calls that concern none
     */
    static SCardException failure(PcscPlatform platform, int code, String operation, String readerName) {
        HResult result = platform.hresult(code);
        String where = readerName == null ? operation : operation + " on reader '" + readerName + "'";
        if (result == null || result == HResult.SCARD_S_SUCCESS) {
            return new SCardException(HResult.SCARD_F_UNKNOWN_ERROR,
                    where + " failed with a return code the contract does not know: " + hex(code));
        }
        return new SCardException(result, where + " failed: " + result.meaning());
    }

    /** Whether a code means that the context's connection to the PC/SC service is gone. */
    static boolean serviceGone(int code) {
        return code == E_NO_SERVICE || code == E_SERVICE_STOPPED || code == F_COMM_ERROR;
    }

    static String hex(int code) {
        return String.format("0x%08X", code);
    }
}
