package dev.scard.api;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * The one failure type of the API: a contract method that would return a failing HRESULT throws this
 * exception instead ({@code S_OK} is a normal return).
 *
 * <p>It is unchecked, because every method of the contract may fail with a smart-card code. The message
 * starts with the caller-relevant detail and ends with the symbolic name and value, e.g.
 * {@code "no card in reader 'Simulated Reader 1' [SCARD_E_NO_SMARTCARD 0x8010000C]"}. Messages never
 * contain PINs or other secret input.
 */
public class SCardException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final HResult code;
    private final int remainingTries;

    /**
     * @param code the HRESULT; never {@link HResult#S_OK}
     * @param detail what went wrong, in words a user understands
     */
    public SCardException(HResult code, String detail) {
        this(code, detail, -1, null);
    }

    /**
     * @param code the HRESULT
     * @param detail what went wrong
     * @param cause the underlying failure, or {@code null}
     */
    public SCardException(HResult code, String detail, Throwable cause) {
        this(code, detail, -1, cause);
    }

    /**
     * An exception for a failed card-holder verification that tells how many tries remain
     * (ISO 7816-4 status word {@code 63Cx}).
     *
     * @param code usually {@link HResult#SCARD_W_WRONG_CHV}
     * @param detail what went wrong
     * @param remainingTries tries left before the PIN blocks, or -1 when unknown
     * @param cause the underlying failure, or {@code null}
     */
    public SCardException(HResult code, String detail, int remainingTries, Throwable cause) {
        super(format(code, detail), cause);
        this.code = Objects.requireNonNull(code, "code");
        this.remainingTries = remainingTries;
    }

    /**
     * The message this exception would carry: {@code detail} (or the code's meaning when there is none) followed
     * by the symbolic name and value, e.g. {@code "no card [SCARD_E_NO_SMARTCARD 0x8010000C]"}. For callers
     * that report a contract error through another exception type.
     */
    public static String format(HResult code, String detail) {
        Objects.requireNonNull(code, "code");
        String prefix = detail == null || detail.isEmpty() ? code.meaning() : detail;
        return prefix + " [" + code.name() + " " + code.hex() + "]";
    }

    /** The HRESULT this failure stands for. */
    public HResult code() {
        return code;
    }

    /** The numeric HRESULT, the same as {@code code().value()}. */
    public int hresult() {
        return code.value();
    }

    /** Tries left before a PIN blocks, when the card told (after {@link HResult#SCARD_W_WRONG_CHV}). */
    public OptionalInt remainingTries() {
        return remainingTries < 0 ? OptionalInt.empty() : OptionalInt.of(remainingTries);
    }
}
