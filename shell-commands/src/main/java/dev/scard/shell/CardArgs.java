package dev.scard.shell;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import dev.scard.api.FileType;
import dev.scard.api.RefType;
import dev.scard.api.SCardFlag;
import dev.scard.iso7816.HexDigits;
import dev.scard.shell.text.CommandUsage;

/**
 * Parses the words of the file, PIN and authentication commands: file paths, numbers, PIN references and PINs,
 * file types. Every failure is an {@link IllegalArgumentException} with one line naming the word; a PIN is never
 * repeated in a message, not even one character of it.
 */
final class CardArgs {

    private CardArgs() {
    }

    /**
     * How the API should read a path: {@code aid:<hex>} by DF name, {@code sfi:<n>} by short identifier, anything
     * else ({@code 2F01}, {@code 3F00/5015}, {@code ..}) as a path of file identifiers.
     */
    static RefType refType(String path) {
        String p = lower(path);
        if (p.startsWith("aid:")) {
            return RefType.BY_NAME;
        }
        if (p.startsWith("sfi:")) {
            return RefType.BY_SHORT_ID;
        }
        return RefType.BY_ID;
    }

    /** The longest path the shell takes: far more than any card's file tree needs. */
    static final int MAX_PATH = 256;

    /** A path as typed, which must not be empty, nor longer than {@link #MAX_PATH}. */
    static String path(String word, String what) {
        if (word == null || word.isBlank()) {
            throw ShellFailures.badInput("no " + what + " given");
        }
        String w = word.strip();
        if (w.length() > MAX_PATH) {
            throw ShellFailures.badInput("the " + what + " '" + CommandUsage.shown(w) + "' is too long (at most "
                    + MAX_PATH + " characters)");
        }
        return w;
    }

    /**
     * A whole number typed in decimal or in hex with {@code 0x}, within {@code min..max}.
     *
     * @param what what the number is, for messages ("offset")
     */
    static long number(String word, String what, long min, long max) {
        String w = word == null ? "" : word.strip();
        long value;
        try {
            if (w.startsWith("0x") || w.startsWith("0X")) {
                value = Long.parseLong(w.substring(2), 16);
            } else {
                value = Long.parseLong(w);
            }
        } catch (NumberFormatException e) {
            throw ShellFailures.badInput("'" + CommandUsage.shown(w) + "' is not a number (the " + what
                    + "; decimal, or hex with 0x)");
        }
        if (value < min || value > max) {
            throw ShellFailures.badInput("the " + what + " " + w + " is out of range (" + min + " to " + max + ")");
        }
        return value;
    }

    /**
     * A short EF identifier in hex ({@code 11}, {@code 0x11}), 01 to 1E: the way {@code sfi:<hex>} paths and card
     * profiles write it.
     */
    static int sfi(String word) {
        String w = word == null ? "" : word.strip();
        String digits = w.startsWith("0x") || w.startsWith("0X") ? w.substring(2) : w;
        int value = digits.matches("[0-9A-Fa-f]{1,2}") ? Integer.parseInt(digits, 16) : -1;
        if (value < 1 || value > 30) {
            throw ShellFailures.badInput("'" + CommandUsage.shown(w) + "' is not a short EF identifier (hex 01 to 1E)");
        }
        return value;
    }

    /** A PIN reference: the ISO 7816-4 reference 1..31 and whether it is local to the current DF. */
    record PinRef(int ref, boolean local) {

        /** The reference byte as the card sees it in P2: bit 8 set for a local PIN. */
        int p2() {
            return local ? ref | 0x80 : ref;
        }

        /** {@link SCardFlag#IHV_LOCAL} or {@link SCardFlag#IHV_GLOBAL}. */
        Set<SCardFlag> flags() {
            return EnumSet.of(local ? SCardFlag.IHV_LOCAL : SCardFlag.IHV_GLOBAL);
        }

        /** {@code PIN 1}, or {@code PIN 0x81 (local)} for a local one. */
        String label() {
            return local ? String.format(Locale.ROOT, "PIN 0x%02X (local)", p2()) : "PIN " + ref;
        }

        /** The reference as a command takes it: {@code 1}, {@code 0x81}. */
        String word() {
            return local ? String.format(Locale.ROOT, "0x%02X", p2()) : String.valueOf(ref);
        }
    }

    /** The PIN references {@link #pinRef} takes, for its messages (which never show the word: it may be a PIN). */
    static final String PIN_REF_RANGE = "1 to 31, or 0x81 to 0x9F for a local PIN of the current DF";

    /**
     * A PIN reference like opensc-explorer takes it: decimal ({@code 1}, {@code 129}) or hex ({@code 0x81}),
     * optionally written {@code CHV1}; bit 8 ({@code 0x80}) marks a local PIN of the current DF.
     */
    static PinRef pinRef(String word) {
        String w = word == null ? "" : word.strip();
        String number = w.regionMatches(true, 0, "chv", 0, 3) ? w.substring(3) : w;
        int value;
        try {
            value = number.startsWith("0x") || number.startsWith("0X") ? Integer.parseInt(number.substring(2), 16)
                    : Integer.parseInt(number);
        } catch (NumberFormatException e) {
            // the word is not repeated: with the arguments swapped it is the PIN
            throw ShellFailures.badInput("the first argument is not a PIN reference (" + PIN_REF_RANGE
                    + "; the argument itself is not shown)");
        }
        int ref = value & 0x7F;
        if (value < 0 || value > 0xFF || ref < 1 || ref > 31) {
            throw ShellFailures.badInput("the PIN reference (first argument) is out of range (" + PIN_REF_RANGE
                    + "; the argument itself is not shown)");
        }
        return new PinRef(ref, (value & 0x80) != 0);
    }

    /**
     * The bytes of a PIN or PUK: text is sent as its UTF-8 bytes ({@code 1234} is {@code 31 32 33 34}); hex is
     * written {@code hex:31323334} or, as in opensc-explorer, {@code 31:32:33:34}. Messages never show the input.
     *
     * <p>Read character by character: no other String (no substring, no copy) of the code is made. A code typed
     * as a command argument arrives as a String from Gogo that cannot be cleared; one typed at the prompt comes
     * as a {@code char[]} ({@link #code(String, char[])}) and stays out of Strings altogether.
     *
     * @param what {@code "PIN"}, {@code "PUK"}, {@code "new PIN"}
     */
    static byte[] code(String what, CharSequence text) {
        if (text == null || text.length() == 0) {
            throw ShellFailures.badInput("empty " + what);
        }
        int length = text.length();
        if (length >= 4 && startsWithHexPrefix(text)) {
            return hexCode(what, text, 4, true);
        }
        if (colonPairs(text)) {
            return hexCode(what, text, 0, false);
        }
        return utf8(text);
    }

    /**
     * {@link #code(String, CharSequence)} for a code typed at the prompt; the caller clears {@code typed}.
     */
    static byte[] code(String what, char[] typed) {
        return code(what, CharBuffer.wrap(typed));
    }

    private static boolean startsWithHexPrefix(CharSequence text) {
        return (text.charAt(0) | 0x20) == 'h' && (text.charAt(1) | 0x20) == 'e' && (text.charAt(2) | 0x20) == 'x'
                && text.charAt(3) == ':';
    }

    /** {@code xx:xx:...}: two characters other than {@code ':'}, then one or more {@code :xx}. */
    private static boolean colonPairs(CharSequence text) {
        int length = text.length();
        if (length < 5 || (length + 1) % 3 != 0) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            boolean colon = text.charAt(i) == ':';
            if (colon != (i % 3 == 2)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Hex digits from {@code from} on; {@code ':'} is skipped, and so are spaces after {@code hex:}. A digit
     * that is not hex fails without naming it.
     */
    private static byte[] hexCode(String what, CharSequence text, int from, boolean spacesToo) {
        byte[] bytes;
        try {
            bytes = HexDigits.decode(text, from, spacesToo ? ": " : ":");
        } catch (IllegalArgumentException e) {
            throw notHex(what);
        }
        if (bytes.length == 0) {
            throw ShellFailures.badInput("empty " + what + " after hex:");
        }
        return bytes;
    }

    private static IllegalArgumentException notHex(String what) {
        return ShellFailures.badInput("the " + what + " is not valid hex (pairs of 0-9, A-F; the " + what
                + " itself is not shown)");
    }

    /**
     * The UTF-8 bytes of the text (unpaired surrogates become {@code '?'}, as {@link String#getBytes} makes them);
     * the encoder's buffer is cleared.
     */
    private static byte[] utf8(CharSequence text) {
        ByteBuffer encoded;
        try {
            encoded = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).encode(CharBuffer.wrap(text));
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("UTF-8 encoding with replacement cannot fail", e);
        }
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        Arrays.fill(encoded.array(), (byte) 0);
        return bytes;
    }

    /** The kinds of file {@code scard:create} makes, with the words it takes for them. */
    enum NewFile {
        TRANSPARENT(FileType.TRANSPARENT_EF, 0x01, "transparent", "ef", "binary"),
        LINEAR_FIXED(FileType.FIXED_EF, 0x02, "linear-fixed", "fixed", "lf"),
        LINEAR_VARIABLE(FileType.VARIABLE_EF, 0x04, "linear-variable", "variable", "lv"),
        CYCLIC(FileType.CYCLIC_EF, 0x06, "cyclic", "cyc"),
        DF(FileType.DIRECTORY_FILE, 0x38, "df", "dir");

        final FileType type;
        /** The ISO 7816-4 file descriptor byte (a working EF, or a DF). */
        final int descriptor;
        final String[] words;

        NewFile(FileType type, int descriptor, String... words) {
            this.type = type;
            this.descriptor = descriptor;
            this.words = words;
        }

        boolean records() {
            return this == LINEAR_FIXED || this == LINEAR_VARIABLE || this == CYCLIC;
        }
    }

    /** A file type word of {@code scard:create}. */
    static NewFile newFile(String word) {
        String w = lower(word);
        for (NewFile kind : NewFile.values()) {
            for (String name : kind.words) {
                if (name.equals(w)) {
                    return kind;
                }
            }
        }
        throw ShellFailures.badInput("unknown file type '" + CommandUsage.shown(word)
                + "' (use transparent, linear-fixed,"
                + " linear-variable, cyclic or df)");
    }

    /** A file identifier of {@code scard:create}: four hex digits, not 3F00, FFFF or 3FFF. */
    static byte[] fid(String word) {
        String w = word == null ? "" : word.strip();
        if (!w.matches("[0-9A-Fa-f]{4}")) {
            throw ShellFailures.badInput("'" + CommandUsage.shown(w)
                    + "' is not a file identifier (four hex digits, such as 4405)");
        }
        int value = Integer.parseInt(w, 16);
        if (value == 0x3F00 || value == 0x3FFF || value == 0xFFFF) {
            throw ShellFailures.badInput("file identifier " + w.toUpperCase(Locale.ROOT)
                    + " is reserved by ISO 7816-4");
        }
        return new byte[] {(byte) (value >> 8), (byte) value};
    }

    private static String lower(String word) {
        return word == null ? "" : word.strip().toLowerCase(Locale.ROOT);
    }
}
