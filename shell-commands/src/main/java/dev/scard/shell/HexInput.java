package dev.scard.shell;

import dev.scard.api.ISCardManage;

/**
 * Parses hexadecimal bytes typed in the shell. Gogo splits {@code 00 A4 04 00} into four arguments, so the
 * input comes as several parts; each part may itself contain spaces or {@code ':'} separators
 * ({@code "00:A4:04:00"}, {@code "00A4 0400"}). Separators go between bytes, never inside one.
 */
final class HexInput {

    /** The longest command APDU, as the API defines it. */
    static final int MAX_APDU_LENGTH = ISCardManage.MAX_COMMAND_APDU_LENGTH;

    private HexInput() {
    }

    /**
     * The bytes the parts spell.
     *
     * @param what what the bytes are, for messages ("APDU")
     * @param parts the shell arguments
     * @throws IllegalArgumentException naming the first word (by position) that is not hexadecimal or that splits
     *         a byte, for an odd number of digits, or for no digits at all; the typed input is never echoed (it may
     *         hold a PIN)
     */
    static byte[] parse(String what, String... parts) {
        if (parts == null) {
            parts = new String[0];
        }
        int digits = 0;
        for (int p = 0; p < parts.length; p++) {
            String part = parts[p];
            if (part == null) {
                throw ShellFailures.badInput(what + " word " + (p + 1) + " is null, not hexadecimal");
            }
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                if (value(c) >= 0) {
                    digits++;
                } else if (!isSeparator(c)) {
                    throw ShellFailures.badInput(what + " word " + (p + 1) + " is not hexadecimal: character "
                            + (i + 1) + " is " + describe(c));
                }
            }
        }
        if (digits == 0) {
            throw ShellFailures.badInput("no " + what + " given");
        }
        if (digits % 2 != 0) {
            throw ShellFailures.badInput("odd number of hex digits (" + digits + ") in the " + what);
        }
        byte[] bytes = new byte[digits / 2];
        int n = 0;
        for (int p = 0; p < parts.length; p++) {
            String part = parts[p];
            int high = -1;
            for (int i = 0; i < part.length(); i++) {
                int digit = value(part.charAt(i));
                if (digit < 0) {
                    if (high >= 0) {
                        throw splitByte(what, p);
                    }
                } else if (high < 0) {
                    high = digit;
                } else {
                    bytes[n++] = (byte) (high << 4 | digit);
                    high = -1;
                }
            }
            if (high >= 0) {
                throw splitByte(what, p);
            }
        }
        return bytes;
    }

    /**
     * A command APDU: {@link #parse} plus the size limit. The structure (header, Lc, Le) is left to the
     * backend, which checks it the same way for every caller.
     *
     * @throws IllegalArgumentException as {@link #parse} does, and for more than {@value #MAX_APDU_LENGTH} bytes
     */
    static byte[] apdu(String... parts) {
        byte[] apdu = parse("APDU", parts);
        if (apdu.length > MAX_APDU_LENGTH) {
            throw ShellFailures.badInput(
                    "APDU too long: " + apdu.length + " bytes, at most " + MAX_APDU_LENGTH);
        }
        return apdu;
    }

    private static int value(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    private static boolean isSeparator(char c) {
        return c == ':' || Character.isWhitespace(c);
    }

    private static IllegalArgumentException splitByte(String what, int part) {
        return ShellFailures.badInput(what + " word " + (part + 1) + " splits a byte: hex digits go in pairs");
    }

    /** A character for a message: printable ASCII quoted, anything else as its code (never the typed input). */
    private static String describe(char c) {
        return c >= 0x21 && c < 0x7F ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
