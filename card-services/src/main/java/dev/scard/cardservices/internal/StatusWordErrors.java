package dev.scard.cardservices.internal;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.iso7816.StatusWords;

/**
 * The one place where ISO 7816-4 status words become the contract's HRESULTs. Every failure message names what
 * failed (a file path, a PIN reference, a key reference; never a PIN), the status word and its meaning (from the
 * shared table, {@link StatusWords#describe}).
 *
 * <p>The mapping, by what the command was about ({@link Kind}):
 * <table>
 * <caption>status word to HRESULT</caption>
 * <tr><th>SW</th><th>HRESULT</th></tr>
 * <tr><td>6A82 file not found</td><td>{@code SCARD_E_FILE_NOT_FOUND}; {@code SCARD_E_DIR_NOT_FOUND} for a
 * directory</td></tr>
 * <tr><td>6982 security status not satisfied</td><td>{@code SCARD_E_NO_ACCESS} (the file's access condition,
 * typically a PIN, is not met; chosen over {@code SCARD_W_SECURITY_VIOLATION}, which stays for rejected
 * authentication)</td></tr>
 * <tr><td>6985 conditions of use not satisfied</td><td>files: {@code SCARD_E_NO_ACCESS} (the file is invalidated);
 * authentication: {@code SCARD_W_SECURITY_VIOLATION} (no challenge to answer)</td></tr>
 * <tr><td>63Cx</td><td>PINs: {@code SCARD_W_WRONG_CHV} with x remaining tries; authentication:
 * {@code SCARD_W_SECURITY_VIOLATION} with x remaining tries</td></tr>
 * <tr><td>6300</td><td>authentication: {@code SCARD_W_SECURITY_VIOLATION}; PINs: {@code SCARD_W_WRONG_CHV}</td></tr>
 * <tr><td>6983 authentication method blocked, 6984 reference data not usable</td><td>{@code SCARD_W_CHV_BLOCKED}</td></tr>
 * <tr><td>6A84 not enough memory space</td><td>{@code SCARD_E_WRITE_TOO_MANY}</td></tr>
 * <tr><td>6700 wrong length, 6A80 incorrect data</td><td>PINs: {@code SCARD_E_INVALID_CHV} (the card refused the
 * code's format; no try was used); writes: {@code SCARD_E_WRITE_TOO_MANY} for 6700; otherwise
 * {@code E_INVALIDARG}</td></tr>
 * <tr><td>6B00 offset outside the EF, 6A83 record not found</td><td>reads: {@code SCARD_W_EOF}; writes:
 * {@code SCARD_E_WRITE_TOO_MANY}; otherwise {@code SCARD_E_BAD_SEEK}</td></tr>
 * <tr><td>6A88 referenced data not found</td><td>{@code E_INVALIDARG} (no such PIN or key)</td></tr>
 * <tr><td>6A89 file exists, 6A8A DF name exists, 6A86/6A87 wrong P1-P2/Lc</td><td>{@code E_INVALIDARG}</td></tr>
 * <tr><td>6986 no current EF</td><td>{@code SCARD_E_NO_FILE}</td></tr>
 * <tr><td>6981 incompatible with the file structure, 6A81 function not supported, 6D00 instruction not supported,
 * 6E00 class not supported, 6881/6882/6884 channel, secure messaging, chaining not supported</td>
 * <td>{@code SCARD_E_UNSUPPORTED_FEATURE}</td></tr>
 * <tr><td>6281 data may be corrupted</td><td>{@code SCARD_E_COMM_DATA_LOST}</td></tr>
 * <tr><td>anything else</td><td>{@code SCARD_E_UNEXPECTED}</td></tr>
 * </table>
 */
final class StatusWordErrors {

    /** What a command was about, which decides how its status word is reported. */
    enum Kind {
        /** Selecting, opening or managing an EF (or any file). */
        FILE,
        /** Selecting or managing a DF. */
        DIRECTORY,
        /** Reading data from an EF. */
        READ,
        /** Writing data to an EF. */
        WRITE,
        /** Creating a file. */
        CREATE,
        /** A PIN operation: verify, change, unblock. */
        PIN,
        /** Card or application authentication with a key. */
        AUTH,
        /** Anything else. */
        OTHER
    }

    private StatusWordErrors() {
    }

    /**
     * The failure for {@code 6A82} (file or application not found) when the caller found out more than the status
     * word says (which part of a path is missing): {@code detail} is the whole message, with the status word.
     */
    static SCardException notFound(Kind kind, String detail) {
        return new SCardException(kind == Kind.DIRECTORY ? HResult.SCARD_E_DIR_NOT_FOUND
                : HResult.SCARD_E_FILE_NOT_FOUND, detail);
    }

    /**
     * The failure for a status word that is not success.
     *
     * @param kind what the command was about
     * @param what what failed, e.g. {@code "cannot read 3F00/5015/4402"}; never a PIN
     */
    static SCardException failure(int sw, Kind kind, String what) {
        String detail = what + ": " + StatusWords.describe(sw);
        if (StatusWords.isCounter(sw)) {
            int tries = sw & 0x0F;
            if (kind == Kind.AUTH) {
                return new SCardException(HResult.SCARD_W_SECURITY_VIOLATION, detail + "; the card rejected the"
                        + " cryptogram", tries, null);
            }
            return new SCardException(HResult.SCARD_W_WRONG_CHV, detail + (tries == 0 ? "; it is blocked now"
                    : ""), tries, null);
        }
        return switch (sw) {
            case StatusWords.FILE_NOT_FOUND -> new SCardException(kind == Kind.DIRECTORY ? HResult.SCARD_E_DIR_NOT_FOUND
                    : HResult.SCARD_E_FILE_NOT_FOUND, detail);
            case StatusWords.SECURITY_STATUS_NOT_SATISFIED -> new SCardException(HResult.SCARD_E_NO_ACCESS,
                    detail + "; verify the PIN or authenticate first");
            case StatusWords.CONDITIONS_OF_USE_NOT_SATISFIED -> switch (kind) {
                case AUTH -> new SCardException(HResult.SCARD_W_SECURITY_VIOLATION,
                        detail + "; ask for a challenge (GetChallenge) first");
                case FILE, DIRECTORY, READ, WRITE -> new SCardException(HResult.SCARD_E_NO_ACCESS,
                        detail + "; the file is invalidated (rehabilitate it first)");
                default -> new SCardException(HResult.SCARD_E_NO_ACCESS, detail);
            };
            case StatusWords.NO_INFORMATION_MEMORY_CHANGED -> kind == Kind.PIN
                    ? new SCardException(HResult.SCARD_W_WRONG_CHV, detail)
                    : new SCardException(HResult.SCARD_W_SECURITY_VIOLATION, detail);
            case StatusWords.AUTHENTICATION_METHOD_BLOCKED, 0x6984 -> new SCardException(HResult.SCARD_W_CHV_BLOCKED, detail);
            case StatusWords.NOT_ENOUGH_MEMORY -> new SCardException(HResult.SCARD_E_WRITE_TOO_MANY, detail);
            case StatusWords.WRONG_LENGTH -> switch (kind) {
                case PIN -> new SCardException(HResult.SCARD_E_INVALID_CHV, detail
                        + "; the card refused the code's length (no try was used)");
                case WRITE -> new SCardException(HResult.SCARD_E_WRITE_TOO_MANY, detail);
                default -> new SCardException(HResult.E_INVALIDARG, detail);
            };
            case StatusWords.INCORRECT_DATA -> kind == Kind.PIN
                    ? new SCardException(HResult.SCARD_E_INVALID_CHV, detail + "; the card refused the code's format")
                    : new SCardException(HResult.E_INVALIDARG, detail);
            case StatusWords.WRONG_P1_P2, StatusWords.RECORD_NOT_FOUND -> switch (kind) {
                case READ -> new SCardException(HResult.SCARD_W_EOF, detail);
                case WRITE -> new SCardException(HResult.SCARD_E_WRITE_TOO_MANY, detail);
                default -> new SCardException(HResult.SCARD_E_BAD_SEEK, detail);
            };
            case StatusWords.REFERENCED_DATA_NOT_FOUND, 0x6A89, 0x6A8A, StatusWords.INCORRECT_P1_P2, 0x6A87, 0x6A85 ->
                    new SCardException(HResult.E_INVALIDARG, detail);
            case 0x6986 -> new SCardException(HResult.SCARD_E_NO_FILE, detail);
            case StatusWords.INCOMPATIBLE_FILE_STRUCTURE, StatusWords.FUNCTION_NOT_SUPPORTED, StatusWords.INS_NOT_SUPPORTED, StatusWords.CLA_NOT_SUPPORTED,
                    StatusWords.LOGICAL_CHANNEL_NOT_SUPPORTED, 0x6882, 0x6884, 0x6987, 0x6988 ->
                    new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, detail);
            case 0x6281 -> new SCardException(HResult.SCARD_E_COMM_DATA_LOST, detail);
            default -> new SCardException(HResult.SCARD_E_UNEXPECTED, detail);
        };
    }
}
