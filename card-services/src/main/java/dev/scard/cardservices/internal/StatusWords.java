package dev.scard.cardservices.internal;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * The one place where ISO 7816-4 status words become the contract's HRESULTs. Every failure message names what
 * failed (a file path, a PIN reference, a key reference; never a PIN), the status word and its meaning.
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
final class StatusWords {

    static final int OK = 0x9000;
    static final int END_OF_FILE_BEFORE_LE = 0x6282;
    static final int SELECTED_FILE_DEACTIVATED = 0x6283;
    static final int VERIFICATION_FAILED = 0x6300;
    static final int WRONG_LENGTH = 0x6700;
    static final int LOGICAL_CHANNEL_NOT_SUPPORTED = 0x6881;
    static final int INCOMPATIBLE_FILE_STRUCTURE = 0x6981;
    static final int SECURITY_STATUS_NOT_SATISFIED = 0x6982;
    static final int AUTHENTICATION_METHOD_BLOCKED = 0x6983;
    static final int CONDITIONS_OF_USE_NOT_SATISFIED = 0x6985;
    static final int INCORRECT_DATA = 0x6A80;
    static final int FUNCTION_NOT_SUPPORTED = 0x6A81;
    static final int FILE_NOT_FOUND = 0x6A82;
    static final int RECORD_NOT_FOUND = 0x6A83;
    static final int NOT_ENOUGH_MEMORY = 0x6A84;
    static final int WRONG_P1_P2 = 0x6A86;
    static final int REFERENCED_DATA_NOT_FOUND = 0x6A88;
    static final int WRONG_PARAMETERS_OFFSET = 0x6B00;
    static final int INS_NOT_SUPPORTED = 0x6D00;
    static final int CLA_NOT_SUPPORTED = 0x6E00;

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

    private StatusWords() {
    }

    /** {@code 63Cx}: a counter (tries left) in the low nibble. */
    static boolean isCounter(int sw) {
        return (sw & 0xFFF0) == 0x63C0;
    }

    /** The ISO 7816-4 meaning of a status word, in a few words. */
    static String meaning(int sw) {
        if (isCounter(sw)) {
            return "verification failed, " + (sw & 0x0F) + " tries left";
        }
        switch (sw >> 8) {
            case 0x61:
                return (sw & 0xFF) + " more response bytes available";
            case 0x6C:
                return "wrong Le, the exact length is " + (sw & 0xFF);
            default:
                break;
        }
        return switch (sw) {
            case OK -> "success";
            case 0x6281 -> "part of the returned data may be corrupted";
            case END_OF_FILE_BEFORE_LE -> "end of file reached before reading Le bytes";
            case SELECTED_FILE_DEACTIVATED -> "selected file deactivated";
            case 0x6284 -> "file control information not formatted correctly";
            case VERIFICATION_FAILED -> "authentication failed";
            case 0x6400 -> "execution error, state of non-volatile memory unchanged";
            case 0x6500 -> "execution error, state of non-volatile memory changed";
            case 0x6581 -> "memory failure";
            case WRONG_LENGTH -> "wrong length";
            case LOGICAL_CHANNEL_NOT_SUPPORTED -> "logical channel not supported";
            case 0x6882 -> "secure messaging not supported";
            case 0x6884 -> "command chaining not supported";
            case INCOMPATIBLE_FILE_STRUCTURE -> "command incompatible with file structure";
            case SECURITY_STATUS_NOT_SATISFIED -> "security status not satisfied";
            case AUTHENTICATION_METHOD_BLOCKED -> "authentication method blocked";
            case 0x6984 -> "reference data not usable";
            case CONDITIONS_OF_USE_NOT_SATISFIED -> "conditions of use not satisfied";
            case 0x6986 -> "command not allowed (no current EF)";
            case 0x6987 -> "expected secure messaging data objects missing";
            case 0x6988 -> "incorrect secure messaging data objects";
            case INCORRECT_DATA -> "incorrect parameters in the data field";
            case FUNCTION_NOT_SUPPORTED -> "function not supported";
            case FILE_NOT_FOUND -> "file or application not found";
            case RECORD_NOT_FOUND -> "record not found";
            case NOT_ENOUGH_MEMORY -> "not enough memory space in the file";
            case 0x6A85 -> "Nc inconsistent with TLV structure";
            case WRONG_P1_P2 -> "incorrect parameters P1-P2";
            case 0x6A87 -> "Nc inconsistent with parameters P1-P2";
            case REFERENCED_DATA_NOT_FOUND -> "referenced data or reference data not found";
            case 0x6A89 -> "file already exists";
            case 0x6A8A -> "DF name already exists";
            case WRONG_PARAMETERS_OFFSET -> "wrong parameters (offset outside the EF)";
            case INS_NOT_SUPPORTED -> "instruction code not supported or invalid";
            case CLA_NOT_SUPPORTED -> "class not supported";
            case 0x6F00 -> "no precise diagnosis";
            default -> "unknown status";
        };
    }

    /** {@code "SW 6A82 file or application not found"}. */
    static String describe(int sw) {
        return String.format("SW %04X %s", sw, meaning(sw));
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
        String detail = what + ": " + describe(sw);
        if (isCounter(sw)) {
            int tries = sw & 0x0F;
            if (kind == Kind.AUTH) {
                return new SCardException(HResult.SCARD_W_SECURITY_VIOLATION, detail + "; the card rejected the"
                        + " cryptogram", tries, null);
            }
            return new SCardException(HResult.SCARD_W_WRONG_CHV, detail + (tries == 0 ? "; it is blocked now"
                    : ""), tries, null);
        }
        return switch (sw) {
            case FILE_NOT_FOUND -> new SCardException(kind == Kind.DIRECTORY ? HResult.SCARD_E_DIR_NOT_FOUND
                    : HResult.SCARD_E_FILE_NOT_FOUND, detail);
            case SECURITY_STATUS_NOT_SATISFIED -> new SCardException(HResult.SCARD_E_NO_ACCESS,
                    detail + "; verify the PIN or authenticate first");
            case CONDITIONS_OF_USE_NOT_SATISFIED -> switch (kind) {
                case AUTH -> new SCardException(HResult.SCARD_W_SECURITY_VIOLATION,
                        detail + "; ask for a challenge (GetChallenge) first");
                case FILE, DIRECTORY, READ, WRITE -> new SCardException(HResult.SCARD_E_NO_ACCESS,
                        detail + "; the file is invalidated (rehabilitate it first)");
                default -> new SCardException(HResult.SCARD_E_NO_ACCESS, detail);
            };
            case VERIFICATION_FAILED -> kind == Kind.PIN
                    ? new SCardException(HResult.SCARD_W_WRONG_CHV, detail)
                    : new SCardException(HResult.SCARD_W_SECURITY_VIOLATION, detail);
            case AUTHENTICATION_METHOD_BLOCKED, 0x6984 -> new SCardException(HResult.SCARD_W_CHV_BLOCKED, detail);
            case NOT_ENOUGH_MEMORY -> new SCardException(HResult.SCARD_E_WRITE_TOO_MANY, detail);
            case WRONG_LENGTH -> switch (kind) {
                case PIN -> new SCardException(HResult.SCARD_E_INVALID_CHV, detail
                        + "; the card refused the code's length (no try was used)");
                case WRITE -> new SCardException(HResult.SCARD_E_WRITE_TOO_MANY, detail);
                default -> new SCardException(HResult.E_INVALIDARG, detail);
            };
            case INCORRECT_DATA -> kind == Kind.PIN
                    ? new SCardException(HResult.SCARD_E_INVALID_CHV, detail + "; the card refused the code's format")
                    : new SCardException(HResult.E_INVALIDARG, detail);
            case WRONG_PARAMETERS_OFFSET, RECORD_NOT_FOUND -> switch (kind) {
                case READ -> new SCardException(HResult.SCARD_W_EOF, detail);
                case WRITE -> new SCardException(HResult.SCARD_E_WRITE_TOO_MANY, detail);
                default -> new SCardException(HResult.SCARD_E_BAD_SEEK, detail);
            };
            case REFERENCED_DATA_NOT_FOUND, 0x6A89, 0x6A8A, WRONG_P1_P2, 0x6A87, 0x6A85 ->
                    new SCardException(HResult.E_INVALIDARG, detail);
            case 0x6986 -> new SCardException(HResult.SCARD_E_NO_FILE, detail);
            case INCOMPATIBLE_FILE_STRUCTURE, FUNCTION_NOT_SUPPORTED, INS_NOT_SUPPORTED, CLA_NOT_SUPPORTED,
                    LOGICAL_CHANNEL_NOT_SUPPORTED, 0x6882, 0x6884, 0x6987, 0x6988 ->
                    new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, detail);
            case 0x6281 -> new SCardException(HResult.SCARD_E_COMM_DATA_LOST, detail);
            default -> new SCardException(HResult.SCARD_E_UNEXPECTED, detail);
        };
    }
}
