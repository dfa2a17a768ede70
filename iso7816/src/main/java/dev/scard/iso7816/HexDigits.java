package dev.scard.iso7816;

/**
 * Hex digits typed by people (APDUs, card data, PINs given as hex), decoded the one way every SCard bundle reads
 * them: ASCII digits {@code 0-9 a-f A-F} only, the separators the caller allows skipped, and nothing copied out of
 * the text, which may hold a secret. Errors name a position, never the character.
 */
public final class HexDigits {

    private HexDigits() {
    }

    /** The value of an ASCII hex digit, or -1 for any other character. */
    public static int value(char c) {
        return c <= 0x7F ? Character.digit(c, 16) : -1;
    }

    /**
     * Decodes the hex digits of {@code text} from index {@code from} on, skipping the characters in
     * {@code separators}. The text is read twice (checked, then decoded) and never copied.
     *
     * @param text the text; it may hold a secret
     * @param from where the digits begin
     * @param separators the characters allowed between digits (e.g. {@code " :"}), possibly none
     * @return the bytes, empty when there is no digit
     * @throws IllegalArgumentException {@code "character <n> is not a hex digit"} (n counted from 1 at {@code from})
     *         or {@code "an odd number of hex digits"}
     */
    public static byte[] decode(CharSequence text, int from, String separators) {
        int digits = 0;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (separators.indexOf(c) >= 0) {
                continue;
            }
            if (value(c) < 0) {
                throw new IllegalArgumentException("character " + (i - from + 1) + " is not a hex digit");
            }
            digits++;
        }
        if (digits % 2 != 0) {
            throw new IllegalArgumentException("an odd number of hex digits");
        }
        byte[] bytes = new byte[digits / 2];
        int n = 0;
        int high = -1;
        for (int i = from; i < text.length(); i++) {
            int digit = value(text.charAt(i));
            if (digit < 0) {
                continue;
            }
            if (high < 0) {
                high = digit;
            } else {
                bytes[n++] = (byte) (high << 4 | digit);
                high = -1;
            }
        }
        return bytes;
    }
}
