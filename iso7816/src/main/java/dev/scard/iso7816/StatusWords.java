package dev.scard.iso7816;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The status words of ISO/IEC 7816-4 (SW1 SW2, §5.1.3) and what they mean, in the standard's words: the one table
 * every part of SCard shows a card's answer with. Exact entries come first, then the words with a value in SW2
 * ({@code 61xx}, {@code 63Cx}, {@code 6Cxx}, triggering by the card), then the meaning of the SW1 group; words
 * outside ISO/IEC 7816-4 are named as such.
 */
public final class StatusWords {

    /** Normal processing, no further qualification. */
    public static final int OK = 0x9000;
    /** {@code 61xx}: SW2 more response bytes are available (GET RESPONSE). */
    public static final int BYTES_REMAINING = 0x6100;
    /** Part of the returned data may be corrupted. */
    public static final int DATA_MAY_BE_CORRUPTED = 0x6281;
    /** End of file or record reached before reading Ne bytes. */
    public static final int END_OF_FILE = 0x6282;
    /** The selected file is deactivated. */
    public static final int SELECTED_FILE_DEACTIVATED = 0x6283;
    /** Warning, non-volatile memory changed, no information given (e.g. a failed EXTERNAL AUTHENTICATE). */
    public static final int NO_INFORMATION_MEMORY_CHANGED = 0x6300;
    /** {@code 63Cx}: a counter, x, usually the tries left. */
    public static final int COUNTER = 0x63C0;
    /** Wrong length. */
    public static final int WRONG_LENGTH = 0x6700;
    /** Logical channel not supported. */
    public static final int LOGICAL_CHANNEL_NOT_SUPPORTED = 0x6881;
    /** Secure messaging not supported. */
    public static final int SECURE_MESSAGING_NOT_SUPPORTED = 0x6882;
    /** Command chaining not supported. */
    public static final int CHAINING_NOT_SUPPORTED = 0x6884;
    /** Command incompatible with file structure. */
    public static final int INCOMPATIBLE_FILE_STRUCTURE = 0x6981;
    /** Security status not satisfied. */
    public static final int SECURITY_STATUS_NOT_SATISFIED = 0x6982;
    /** Authentication method blocked. */
    public static final int AUTHENTICATION_METHOD_BLOCKED = 0x6983;
    /** Reference data not usable. */
    public static final int REFERENCE_DATA_NOT_USABLE = 0x6984;
    /** Conditions of use not satisfied. */
    public static final int CONDITIONS_OF_USE_NOT_SATISFIED = 0x6985;
    /** Command not allowed (no current EF). */
    public static final int NO_CURRENT_EF = 0x6986;
    /** Expected secure messaging data objects missing. */
    public static final int SM_DATA_OBJECTS_MISSING = 0x6987;
    /** Incorrect secure messaging data objects. */
    public static final int SM_DATA_OBJECTS_INCORRECT = 0x6988;
    /** Incorrect parameters in the command data field. */
    public static final int INCORRECT_DATA = 0x6A80;
    /** Function not supported. */
    public static final int FUNCTION_NOT_SUPPORTED = 0x6A81;
    /** File or application not found. */
    public static final int FILE_NOT_FOUND = 0x6A82;
    /** Record not found. */
    public static final int RECORD_NOT_FOUND = 0x6A83;
    /** Not enough memory space in the file. */
    public static final int NOT_ENOUGH_MEMORY = 0x6A84;
    /** Nc inconsistent with TLV structure. */
    public static final int NC_INCONSISTENT_WITH_TLV = 0x6A85;
    /** Incorrect parameters P1-P2. */
    public static final int INCORRECT_P1_P2 = 0x6A86;
    /** Nc inconsistent with parameters P1-P2. */
    public static final int NC_INCONSISTENT_WITH_P1_P2 = 0x6A87;
    /** Referenced data or reference data not found. */
    public static final int REFERENCED_DATA_NOT_FOUND = 0x6A88;
    /** File already exists. */
    public static final int FILE_EXISTS = 0x6A89;
    /** DF name already exists. */
    public static final int DF_NAME_EXISTS = 0x6A8A;
    /** Wrong parameters P1-P2 (for files: an offset outside the EF). */
    public static final int WRONG_P1_P2 = 0x6B00;
    /** {@code 6Cxx}: wrong Le field, SW2 is the exact number of available bytes. */
    public static final int WRONG_LE = 0x6C00;
    /** Instruction code not supported or invalid. */
    public static final int INS_NOT_SUPPORTED = 0x6D00;
    /** Class not supported. */
    public static final int CLA_NOT_SUPPORTED = 0x6E00;
    /** No precise diagnosis. */
    public static final int NO_PRECISE_DIAGNOSIS = 0x6F00;

    private static final Map<Integer, String> EXACT = new HashMap<>();
    private static final Map<Integer, String> GROUPS = new HashMap<>();

    static {
        EXACT.put(OK, "success");
        // Warnings, non-volatile memory unchanged.
        EXACT.put(0x6200, "warning: no information given, memory unchanged");
        EXACT.put(DATA_MAY_BE_CORRUPTED, "warning: part of returned data may be corrupted");
        EXACT.put(END_OF_FILE, "warning: end of file or record reached before reading Ne bytes");
        EXACT.put(SELECTED_FILE_DEACTIVATED, "warning: selected file deactivated");
        EXACT.put(0x6284, "warning: file control information not formatted according to ISO 7816-4");
        EXACT.put(0x6285, "warning: selected file in termination state");
        EXACT.put(0x6286, "warning: no input data available from a sensor on the card");
        // Warnings, non-volatile memory changed.
        EXACT.put(NO_INFORMATION_MEMORY_CHANGED, "warning: no information given, memory changed");
        EXACT.put(0x6381, "warning: file filled up by the last write");
        // Execution errors.
        EXACT.put(0x6400, "execution error: memory unchanged");
        EXACT.put(0x6401, "execution error: immediate response required by the card");
        EXACT.put(0x6500, "execution error: memory changed");
        EXACT.put(0x6581, "memory failure");
        EXACT.put(0x6600, "security-related issue");
        // Checking errors.
        EXACT.put(WRONG_LENGTH, "wrong length");
        EXACT.put(0x6800, "functions in CLA not supported");
        EXACT.put(LOGICAL_CHANNEL_NOT_SUPPORTED, "logical channel not supported");
        EXACT.put(SECURE_MESSAGING_NOT_SUPPORTED, "secure messaging not supported");
        EXACT.put(0x6883, "last command of the chain expected");
        EXACT.put(CHAINING_NOT_SUPPORTED, "command chaining not supported");
        EXACT.put(0x6900, "command not allowed");
        EXACT.put(INCOMPATIBLE_FILE_STRUCTURE, "command incompatible with file structure");
        EXACT.put(SECURITY_STATUS_NOT_SATISFIED, "security status not satisfied");
        EXACT.put(AUTHENTICATION_METHOD_BLOCKED, "authentication method blocked");
        EXACT.put(REFERENCE_DATA_NOT_USABLE, "reference data not usable");
        EXACT.put(CONDITIONS_OF_USE_NOT_SATISFIED, "conditions of use not satisfied");
        EXACT.put(NO_CURRENT_EF, "command not allowed (no current EF)");
        EXACT.put(SM_DATA_OBJECTS_MISSING, "expected secure messaging data objects missing");
        EXACT.put(SM_DATA_OBJECTS_INCORRECT, "incorrect secure messaging data objects");
        EXACT.put(0x6A00, "wrong parameters P1-P2");
        EXACT.put(INCORRECT_DATA, "incorrect parameters in the command data field");
        EXACT.put(FUNCTION_NOT_SUPPORTED, "function not supported");
        EXACT.put(FILE_NOT_FOUND, "file or application not found");
        EXACT.put(RECORD_NOT_FOUND, "record not found");
        EXACT.put(NOT_ENOUGH_MEMORY, "not enough memory space in the file");
        EXACT.put(NC_INCONSISTENT_WITH_TLV, "Nc inconsistent with TLV structure");
        EXACT.put(INCORRECT_P1_P2, "incorrect parameters P1-P2");
        EXACT.put(NC_INCONSISTENT_WITH_P1_P2, "Nc inconsistent with parameters P1-P2");
        EXACT.put(REFERENCED_DATA_NOT_FOUND, "referenced data or reference data not found");
        EXACT.put(FILE_EXISTS, "file already exists");
        EXACT.put(DF_NAME_EXISTS, "DF name already exists");
        EXACT.put(WRONG_P1_P2, "wrong parameters P1-P2 (offset outside the file)");
        EXACT.put(INS_NOT_SUPPORTED, "instruction code not supported or invalid");
        EXACT.put(CLA_NOT_SUPPORTED, "class not supported");
        EXACT.put(NO_PRECISE_DIAGNOSIS, "no precise diagnosis");

        GROUPS.put(0x62, "warning, memory unchanged");
        GROUPS.put(0x63, "warning, memory changed");
        GROUPS.put(0x64, "execution error, memory unchanged");
        GROUPS.put(0x65, "execution error, memory changed");
        GROUPS.put(0x66, "security-related issue");
        GROUPS.put(0x67, "wrong length");
        GROUPS.put(0x68, "functions in CLA not supported");
        GROUPS.put(0x69, "command not allowed");
        GROUPS.put(0x6A, "wrong parameters P1-P2");
        GROUPS.put(0x6B, "wrong parameters P1-P2");
        GROUPS.put(0x6D, "instruction code not supported or invalid");
        GROUPS.put(0x6E, "class not supported");
        GROUPS.put(0x6F, "no precise diagnosis");
    }

    private StatusWords() {
    }

    /** Whether {@code sw} is {@code 63Cx}: a counter (usually the tries left) in the low nibble. */
    public static boolean isCounter(int sw) {
        return (sw & 0xFFF0) == COUNTER;
    }

    /** The status word at the end of a response APDU (its last two bytes). */
    public static int of(byte[] response, int length) {
        if (length < 2) {
            throw new IllegalArgumentException("a response APDU of " + length + " bytes has no status word");
        }
        return ((response[length - 2] & 0xFF) << 8) | (response[length - 1] & 0xFF);
    }

    /**
     * What a status word means, e.g. {@code "file or application not found"} for {@code 0x6A82}.
     *
     * @param sw SW1 in bits 15-8 and SW2 in bits 7-0
     * @throws IllegalArgumentException when {@code sw} is outside 0..0xFFFF
     */
    public static String meaning(int sw) {
        if (sw < 0 || sw > 0xFFFF) {
            throw new IllegalArgumentException("a status word has two bytes: " + Integer.toHexString(sw));
        }
        String exact = EXACT.get(sw);
        if (exact != null) {
            return exact;
        }
        int sw1 = sw >> 8;
        int sw2 = sw & 0xFF;
        switch (sw1) {
            case 0x61:
                return (sw2 == 0 ? "256 or more" : String.valueOf(sw2)) + " bytes remaining (GET RESPONSE)";
            case 0x6C:
                return "wrong Le: " + (sw2 == 0 ? 256 : sw2) + " bytes available";
            case 0x63:
                if ((sw2 & 0xF0) == 0xC0) {
                    int tries = sw2 & 0x0F;
                    return "verification failed, " + tries + (tries == 1 ? " try" : " tries") + " left";
                }
                break;
            case 0x62:
            case 0x64:
                if (sw2 >= 0x02 && sw2 <= 0x80) {
                    return "triggering by the card (" + (sw1 == 0x62 ? "warning" : "execution error") + ")";
                }
                break;
            case 0x90:
                return "proprietary status (outside ISO 7816-4)";
            default:
                break;
        }
        String group = GROUPS.get(sw1);
        if (group != null) {
            return group;
        }
        if (sw1 >= 0x91 && sw1 <= 0x9F) {
            return "proprietary status (outside ISO 7816-4)";
        }
        return "not an ISO 7816-4 status word";
    }

    /** The word with its meaning, e.g. {@code "SW 6A82 file or application not found"}. */
    public static String describe(int sw) {
        return "SW " + String.format(Locale.ROOT, "%04X", sw) + " " + meaning(sw);
    }
}
