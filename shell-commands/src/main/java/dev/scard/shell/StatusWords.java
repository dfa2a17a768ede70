package dev.scard.shell;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The meaning of ISO/IEC 7816-4 status words (SW1 SW2), for showing a card's answer to a person.
 * Exact entries come first, then the patterns with a value in SW2 ({@code 61xx}, {@code 63Cx}, {@code 6Cxx}),
 * then a description of the SW1 group; words outside ISO 7816-4 are named as such.
 */
final class StatusWords {

    private static final Map<Integer, String> EXACT = new HashMap<>();
    private static final Map<Integer, String> GROUPS = new HashMap<>();

    static {
        // Normal processing.
        EXACT.put(0x9000, "success");
        // Warnings, non-volatile memory unchanged.
        EXACT.put(0x6200, "warning: no information given, memory unchanged");
        EXACT.put(0x6281, "warning: part of returned data may be corrupted");
        EXACT.put(0x6282, "warning: end of file or record reached before reading Ne bytes");
        EXACT.put(0x6283, "warning: selected file deactivated");
        EXACT.put(0x6284, "warning: file control information not formatted according to ISO 7816-4");
        EXACT.put(0x6285, "warning: selected file in termination state");
        EXACT.put(0x6286, "warning: no input data available from a sensor on the card");
        // Warnings, non-volatile memory changed.
        EXACT.put(0x6300, "warning: no information given, memory changed");
        EXACT.put(0x6381, "warning: file filled up by the last write");
        // Execution errors, non-volatile memory unchanged.
        EXACT.put(0x6400, "execution error: memory unchanged");
        EXACT.put(0x6401, "execution error: immediate response required by the card");
        // Execution errors, non-volatile memory changed.
        EXACT.put(0x6500, "execution error: memory changed");
        EXACT.put(0x6581, "memory failure");
        EXACT.put(0x6600, "security-related issue");
        // Checking errors.
        EXACT.put(0x6700, "wrong length");
        EXACT.put(0x6800, "functions in CLA not supported");
        EXACT.put(0x6881, "logical channel not supported");
        EXACT.put(0x6882, "secure messaging not supported");
        EXACT.put(0x6883, "last command of the chain expected");
        EXACT.put(0x6884, "command chaining not supported");
        EXACT.put(0x6900, "command not allowed");
        EXACT.put(0x6981, "command incompatible with file structure");
        EXACT.put(0x6982, "security status not satisfied");
        EXACT.put(0x6983, "authentication method blocked");
        EXACT.put(0x6984, "reference data not usable");
        EXACT.put(0x6985, "conditions of use not satisfied");
        EXACT.put(0x6986, "command not allowed (no current EF)");
        EXACT.put(0x6987, "expected secure messaging data objects missing");
        EXACT.put(0x6988, "incorrect secure messaging data objects");
        EXACT.put(0x6A00, "wrong parameters P1-P2");
        EXACT.put(0x6A80, "incorrect parameters in the command data field");
        EXACT.put(0x6A81, "function not supported");
        EXACT.put(0x6A82, "file or application not found");
        EXACT.put(0x6A83, "record not found");
        EXACT.put(0x6A84, "not enough memory space in the file");
        EXACT.put(0x6A85, "Nc inconsistent with TLV structure");
        EXACT.put(0x6A86, "incorrect parameters P1-P2");
        EXACT.put(0x6A87, "Nc inconsistent with parameters P1-P2");
        EXACT.put(0x6A88, "referenced data or reference data not found");
        EXACT.put(0x6A89, "file already exists");
        EXACT.put(0x6A8A, "DF name already exists");
        EXACT.put(0x6B00, "wrong parameters P1-P2 (offset outside the file)");
        EXACT.put(0x6D00, "instruction code not supported or invalid");
        EXACT.put(0x6E00, "class not supported");
        EXACT.put(0x6F00, "no precise diagnosis");

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

    /**
     * What a status word means, e.g. {@code "file or application not found"} for {@code 0x6A82}.
     *
     * @param sw SW1 in bits 15-8 and SW2 in bits 7-0
     * @throws IllegalArgumentException when {@code sw} is outside 0..0xFFFF
     */
    static String meaning(int sw) {
        if (sw < 0 || sw > 0xFFFF) {
            throw ShellFailures.badInput("a status word has two bytes: " + Integer.toHexString(sw));
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
    static String describe(int sw) {
        return "SW " + String.format(Locale.ROOT, "%04X", sw) + " " + meaning(sw);
    }

    /**
     * A status word that a message names, written {@code SW 6982}, {@code SW=6982}, {@code SW: 69 82},
     * {@code SW1SW2 6982} or {@code status word 6982} (any case).
     */
    private static final Pattern IN_TEXT = Pattern.compile(
            "(?i)\\b(?:SW1?\\s?SW2|SW|status\\s+word)\\s*[=:]?\\s*([0-9A-F]{2})\\s?([0-9A-F]{2})\\b");

    /**
     * Adds the meaning of the first status word a message names right after it, unless the message already
     * explains it: {@code "card answered SW 6982"} becomes {@code "card answered SW 6982 (security status not
     * satisfied)"}. A word followed by more words ({@code "SW 6B00 wrong parameters"}) counts as explained, and so
     * does a message that holds the meaning. Text without a status word is returned as it is.
     */
    static String explainIn(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = IN_TEXT.matcher(text);
        if (!m.find()) {
            return text;
        }
        int sw = Integer.parseInt(m.group(1) + m.group(2), 16);
        String meaning = meaning(sw);
        String rest = text.substring(m.end());
        boolean explained = rest.matches("\\s+\\p{L}.*")
                || text.toLowerCase(Locale.ROOT).contains(meaning.toLowerCase(Locale.ROOT));
        if (explained) {
            return text;
        }
        return text.substring(0, m.end()) + " (" + meaning + ")" + rest;
    }
}
