package dev.scard.iso7816;

import java.util.Locale;

/**
 * A pattern of command headers ({@code CLA INS P1 P2}), such as {@code "80 20 * *"}: how a configuration or a card
 * profile names commands, for instance the extra commands whose data {@link SecretCommands} withholds. Immutable.
 *
 * <p><b>Syntax</b> ({@link #SYNTAX}). Words separated by white space, each one or more bytes. The word {@code *} is
 * one byte of any value. A word of two characters is one byte: each character a hex digit ({@code 0-9 a-f A-F}) or a
 * wildcard digit ({@code x}, {@code X} or {@code *}: any value). A longer word is several bytes written together in
 * hex digits only (no wildcards there, so that a C-style {@code 0x80} is refused rather than read as two bytes). The
 * pattern is two to four bytes, {@code CLA INS [P1 [P2]]}; the bytes left out match any value. So {@code "80 20"},
 * {@code "8020"}, {@code "80 20 * *"} and {@code "80 20 xx XX"} are the same pattern; {@code "84 **"} is every
 * command of class {@code 84}; {@code "0x 87"} is INS {@code 87} in the classes {@code 00} to {@code 0F}.
 *
 * <p><b>Matching.</b> A command matches when it has at least the four header bytes and each of them matches; what
 * follows the header (Lc, data, Le) does not matter. Matching does not allocate.
 */
public final class CommandPattern {

    /** The syntax in one sentence, for error messages and configuration descriptions. */
    public static final String SYNTAX = "CLA INS [P1 [P2]] in hex, each byte two hex digits, '*' or '**' or 'xx' for"
            + " any value, 'x' for any digit, bytes left out match anything (e.g. '80 20 * *', '00 87', '84 **',"
            + " '8020')";

    /** The header bits that must match, CLA in the highest byte. */
    private final int mask;
    /** Their values ({@code value & ~mask} is 0). */
    private final int value;

    private CommandPattern(int mask, int value) {
        this.mask = mask;
        this.value = value;
    }

    /**
     * Reads a pattern written as the class comment says (case does not matter; white space around it is ignored).
     *
     * @throws IllegalArgumentException for null or blank text, a word that is not a byte or bytes of the syntax (the
     *         message names the word by its number and the character by its number in the word), fewer than two or
     *         more than four bytes
     */
    public static CommandPattern parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty; a pattern is " + SYNTAX);
        }
        String[] words = text.strip().split("\\s+");
        int bytes = 0;
        int mask = 0;
        int value = 0;
        for (int w = 0; w < words.length; w++) {
            String word = words[w];
            if (word.equals("*")) {
                word = "xx";
            }
            if (word.length() % 2 != 0) {
                throw new IllegalArgumentException("word " + (w + 1) + " has " + word.length() + " characters: a byte"
                        + " is two (hex digits, x or *), or '*' alone; a pattern is " + SYNTAX);
            }
            for (int c = 0; c < word.length(); c++) {
                char ch = word.charAt(c);
                int digit = HexDigits.value(ch);
                boolean wildcard = ch == 'x' || ch == 'X' || ch == '*';
                if (wildcard && word.length() > 2) {
                    throw new IllegalArgumentException("word " + (w + 1) + ", character " + (c + 1) + ": wildcards"
                            + " stand in words of one byte ('8x', '**'), several bytes written together are hex digits"
                            + " only (no '0x' prefix); a pattern is " + SYNTAX);
                }
                if (digit < 0 && !wildcard) {
                    throw new IllegalArgumentException("word " + (w + 1) + ", character " + (c + 1) + " is not a hex"
                            + " digit, x or *; a pattern is " + SYNTAX);
                }
                if (c % 2 == 0 && ++bytes > 4) {
                    throw new IllegalArgumentException("more than four bytes: a pattern is " + SYNTAX);
                }
                int shift = 32 - 4 * (2 * (bytes - 1) + c % 2 + 1);
                if (!wildcard) {
                    mask |= 0xF << shift;
                    value |= digit << shift;
                }
            }
        }
        if (bytes < 2) {
            throw new IllegalArgumentException("one byte only: a pattern needs at least CLA and INS; it is " + SYNTAX);
        }
        return new CommandPattern(mask, value);
    }

    /**
     * Whether {@code apdu} is a command with these header bytes: at least four bytes long and each of its first four
     * bytes matching. False for null and for anything shorter than a header.
     */
    public boolean matches(byte[] apdu) {
        if (apdu == null || apdu.length < 4) {
            return false;
        }
        int header = (apdu[0] & 0xFF) << 24 | (apdu[1] & 0xFF) << 16 | (apdu[2] & 0xFF) << 8 | (apdu[3] & 0xFF);
        return (header & mask) == value;
    }

    /** The pattern in its one written form: four bytes, upper-case hex digits, {@code x} for wildcard digits. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(11);
        for (int digit = 0; digit < 8; digit++) {
            if (digit > 0 && digit % 2 == 0) {
                text.append(' ');
            }
            int shift = 28 - 4 * digit;
            text.append((mask >>> shift & 0xF) == 0 ? "x"
                    : Integer.toHexString(value >>> shift & 0xF).toUpperCase(Locale.ROOT));
        }
        return text.toString();
    }

    /** Patterns are equal when they match the same commands. */
    @Override
    public boolean equals(Object other) {
        return other instanceof CommandPattern pattern && pattern.mask == mask && pattern.value == value;
    }

    @Override
    public int hashCode() {
        return 31 * mask + value;
    }
}
