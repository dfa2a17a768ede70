package dev.scard.pcsc.internal;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * PC/SC return codes as the contract's failures, read in the context of the call that returned them: the same code
 * means different things from different calls (pcsc-lite's {@code SCARD_E_NOT_TRANSACTED} is "no transaction to end"
 * from SCardEndTransaction, but "the reader or its driver failed the exchange" from SCardTransmit). This class is the
 * one place that decides, for a call and a code, the contract's code, a message that says what happened, and what the
 * code means for the connection or context that got it ({@link Meaning}). Codes without a meaning of their own for a
 * call become the {@link HResult} of the same value (with the platform's quirks, see {@link PcscPlatform#hresult});
 * codes the contract does not know become {@link HResult#SCARD_F_UNKNOWN_ERROR} with the value in hex. Every message
 * names the reader (where there is one) and ends with the PC/SC code and function it was read from.
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
    static final int E_COMM_DATA_LOST = 0x8010002F;
    static final int W_UNRESPONSIVE_CARD = 0x80100066;
    static final int W_UNPOWERED_CARD = 0x80100067;
    static final int W_RESET_CARD = 0x80100068;
    static final int W_REMOVED_CARD = 0x80100069;
    static final int W_SECURITY_VIOLATION = 0x8010006A;

    /** The PC/SC functions this backend calls, as the context a return code is read in. */
    enum Call {
        ESTABLISH_CONTEXT("SCardEstablishContext", false),
        LIST_READERS("SCardListReaders", false),
        GET_STATUS_CHANGE("SCardGetStatusChange", false),
        CONNECT("SCardConnect", false),
        RECONNECT("SCardReconnect", true),
        STATUS("SCardStatus", true),
        TRANSMIT("SCardTransmit", true),
        GET_ATTRIB("SCardGetAttrib", true),
        BEGIN_TRANSACTION("SCardBeginTransaction", true),
        END_TRANSACTION("SCardEndTransaction", true);

        private final String function;
        private final boolean onHandle;

        Call(String function, boolean onHandle) {
            this.function = function;
            this.onHandle = onHandle;
        }

        /** The PC/SC function's name, e.g. {@code SCardTransmit}. */
        String function() {
            return function;
        }

        /** Whether the call is made on a card handle (an open connection) rather than on a context. */
        boolean onHandle() {
            return onHandle;
        }
    }

    /** What a return code of a call means for the connection or context that got it. */
    enum Meaning {
        /** The call failed; nothing else is known to have changed. */
        FAILED,
        /** The context's link to the PC/SC service is gone (it stopped or restarted): establish a new context. */
        SERVICE_LOST,
        /** The service does not know the handle (it restarted, or the handle was disconnected). */
        HANDLE_INVALID,
        /**
         * The card this connection reached is gone for it: removed, or the reader or its driver failed an exchange
         * with it (the card, or the program behind a virtual card, stopped answering). Every later call on the
         * connection reports the same until a reconnect reaches the card in the reader.
         */
        CARD_LOST,
        /**
         * The reader or its driver failed an exchange with the card (pcsc-lite's ifdwrapper returns
         * {@code SCARD_E_NOT_TRANSACTED} from SCardTransmit for any driver error but "no such device" and "ICC not
         * present"): the card, or the link to it, stopped answering, and what it did with the command is unknown.
         * {@link #CARD_LOST} for every connection of this backend that reached the card before.
         */
        EXCHANGE_FAILED,
        /** Another connection or application reset the card: reported until this connection reconnects. */
        CARD_RESET
    }

    private PcscErrors() {
    }

    /** What {@code code}, returned by {@code call}, means for the connection or context that got it. */
    static Meaning meaning(int code, Call call) {
        if (serviceGone(code)) {
            return call == Call.ESTABLISH_CONTEXT ? Meaning.FAILED : Meaning.SERVICE_LOST;
        }
        if (code == E_INVALID_HANDLE) {
            return call.onHandle() ? Meaning.HANDLE_INVALID : Meaning.SERVICE_LOST;
        }
        if (!call.onHandle()) {
            return Meaning.FAILED;
        }
        return switch (code) {
            case W_REMOVED_CARD -> Meaning.CARD_LOST;
            case W_RESET_CARD -> Meaning.CARD_RESET;
            // from a call that reaches the card through the driver: the driver said the card is not there
            case E_NO_SMARTCARD -> call == Call.RECONNECT ? Meaning.FAILED : Meaning.CARD_LOST;
            case E_NOT_TRANSACTED, E_COMM_DATA_LOST -> call == Call.TRANSMIT ? Meaning.EXCHANGE_FAILED : Meaning.FAILED;
            default -> Meaning.FAILED;
        };
    }

    /**
     * The failure for a return code of a call, with the contract's code that fits the call and a message that says
     * what happened.
     *
     * @param platform whose values the code has
     * @param code the return code
     * @param call the PC/SC function that returned it
     * @param readerName the reader concerned, or null for calls that concern none
     */
    static SCardException failure(PcscPlatform platform, int code, Call call, String readerName) {
        HResult result = platform.hresult(code);
        String source = " (" + codeName(platform, code) + " from " + call.function() + ")";
        String reader = readerName == null ? null : "reader '" + readerName + "'";
        String card = readerName == null ? "the card" : "the card in reader '" + readerName + "'";
        String where = readerName == null ? call.function() : call.function() + " on " + reader;
        if (result == null || result == HResult.SCARD_S_SUCCESS) {
            return new SCardException(HResult.SCARD_F_UNKNOWN_ERROR,
                    where + " failed with a return code the contract does not know: " + hex(code));
        }
        switch (code) {
            case E_NOT_TRANSACTED, E_COMM_DATA_LOST: // the second is WinSCard's word for a failed exchange
                if (call == Call.TRANSMIT) {
                    return new SCardException(HResult.SCARD_W_REMOVED_CARD, "the reader or its driver failed the "
                            + "exchange with " + card + source + ": the card, or the link to it, stopped answering; "
                            + "reconnect once it answers again");
                }
                if (code == E_NOT_TRANSACTED && call == Call.END_TRANSACTION) {
                    return new SCardException(HResult.SCARD_E_NOT_TRANSACTED, "the connection to " + reader
                            + " holds no transaction to end" + source);
                }
                return new SCardException(HResult.SCARD_F_COMM_ERROR, "the reader or its driver failed " + where
                        + source);
            case E_NO_SMARTCARD:
                if (call.onHandle() && call != Call.RECONNECT) {
                    return new SCardException(HResult.SCARD_W_REMOVED_CARD, card + " was removed" + source
                            + "; reconnect once a card is in");
                }
                return new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in " + reader + source);
            case W_REMOVED_CARD:
                return new SCardException(HResult.SCARD_W_REMOVED_CARD, card + " was removed" + source
                        + "; reconnect once a card is in");
            case W_RESET_CARD:
                return new SCardException(HResult.SCARD_W_RESET_CARD, card + " was reset by another connection or "
                        + "application" + source + "; reconnect to go on");
            case W_SECURITY_VIOLATION:
                if (call == Call.ESTABLISH_CONTEXT) {
                    return new SCardException(HResult.SCARD_W_SECURITY_VIOLATION, where + " failed: the PC/SC "
                            + "service closed the connection at once: it refuses this process (polkit) or it was "
                            + "stopping" + source);
                }
                return new SCardException(HResult.SCARD_E_NO_SERVICE, where + " failed: the PC/SC service reset "
                        + "the connection: it stopped or restarted" + source);
            case F_COMM_ERROR:
                return new SCardException(HResult.SCARD_F_COMM_ERROR, where + " failed: the connection to the PC/SC "
                        + "service broke" + source);
            case E_SERVICE_STOPPED:
                return new SCardException(HResult.SCARD_E_SERVICE_STOPPED, where + " failed: the PC/SC service "
                        + "stopped" + source);
            case E_INVALID_HANDLE:
                if (call.onHandle()) {
                    return new SCardException(HResult.SCARD_E_INVALID_HANDLE, where + " failed: the PC/SC service "
                            + "no longer knows the connection (it restarted)" + source);
                }
                return new SCardException(HResult.SCARD_E_INVALID_HANDLE, where + " failed: the PC/SC service "
                        + "no longer knows the context (it restarted)" + source);
            case E_READER_UNAVAILABLE:
                return new SCardException(HResult.SCARD_E_READER_UNAVAILABLE, (reader == null ? "the reader"
                        : reader) + " is unavailable: it was unplugged or its driver reports errors" + source);
            case W_UNRESPONSIVE_CARD:
                return new SCardException(HResult.SCARD_W_UNRESPONSIVE_CARD, card + " does not answer the reset "
                        + "(mute, or inserted the wrong way)" + source);
            case W_UNPOWERED_CARD:
                return new SCardException(HResult.SCARD_W_UNPOWERED_CARD, "the reader could not power "
                        + card + source);
            default:
                return new SCardException(result, where + " failed: " + result.meaning());
        }
    }

    /**
     * The failure of an SCardTransmit that succeeded with no response at all (not even a status word, which every
     * card answers with): the driver lost the card in the middle of the exchange (vpcd does this when the program
     * behind its card closes the connection). It means {@link Meaning#CARD_LOST}, as a failed exchange does.
     */
    static SCardException noStatusWord(String readerName) {
        return new SCardException(HResult.SCARD_W_REMOVED_CARD, "the reader or its driver ended the exchange with "
                + "the card in reader '" + readerName + "' without a status word (SCardTransmit returned no bytes): "
                + "the card, or the link to it, stopped answering; reconnect once it answers again");
    }

    /**
     * Whether a code means that the context's connection to the PC/SC service is gone: the service is not running or
     * stopped, or the client library lost its socket to it ({@code SCARD_F_COMM_ERROR}; pcsc-lite's
     * {@code SCARD_W_SECURITY_VIOLATION}, which it returns when the service reset the socket, as a restarting pcscd
     * does). From SCardEstablishContext, {@link #meaning} tells a refusal apart.
     */
    static boolean serviceGone(int code) {
        return code == E_NO_SERVICE || code == E_SERVICE_STOPPED || code == F_COMM_ERROR
                || code == W_SECURITY_VIOLATION;
    }

    /** A code as PC/SC names it ({@code SCARD_E_NOT_TRANSACTED}), or its value in hex. */
    static String codeName(PcscPlatform platform, int code) {
        HResult result = platform.hresult(code);
        return result == null ? hex(code) : result.name();
    }

    /** The words of a failure's message, without the code's name and value that {@link SCardException} adds. */
    static String detail(SCardException failure) {
        String message = failure.getMessage();
        String suffix = SCardException.format(failure.code(), "x").substring(1);
        return message.endsWith(suffix) ? message.substring(0, message.length() - suffix.length()) : message;
    }

    static String hex(int code) {
        return String.format("0x%08X", code);
    }
}
