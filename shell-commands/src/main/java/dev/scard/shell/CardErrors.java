package dev.scard.shell;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.iso7816.StatusWords;
import dev.scard.shell.text.UserErrors;

/**
 * Failures of the card services as the file, PIN and authentication commands report them: one line that starts
 * with what was being done to which file ({@code cat 4402: ...}), keeps the service's detail with the meaning of
 * the status word it names, and ends with the contract's code, like every other shell error. The service's
 * exception is not kept as the cause, so nothing but that line can reach the console. The failures are
 * {@link UserErrors} (Karaf logs them at DEBUG) unless their code is a fault.
 *
 * <p>The PIN commands never pass a service's text on when it could hold a secret: their messages are made here
 * from the error code and the remaining tries alone ({@link #pinFailure}).
 */
final class CardErrors {

    private CardErrors() {
    }

    /**
     * Calls a card service and rewrites its failure with the context.
     *
     * @param context what is being done, naming the file: {@code "cat 4402"}
     */
    static <T> T call(String context, Supplier<T> call) {
        try {
            return call.get();
        } catch (SCardException e) {
            throw failure(context, e);
        }
    }

    /** {@link #call(String, Supplier)} for calls without a result. */
    static void run(String context, Runnable call) {
        try {
            call.run();
        } catch (SCardException e) {
            throw failure(context, e);
        }
    }

    /**
     * The failure with the context in front: {@code "cat 4402: access denied: SW 6982 (security status not
     * satisfied) [SCARD_E_NO_ACCESS 0x80100027]"}. Keeps the code and the remaining tries.
     */
    static SCardException failure(String context, SCardException e) {
        return UserErrors.card(e.code(), context + ": " + explainIn(detail(e)), e.remainingTries().orElse(-1));
    }

    /** An exception's message without the {@code [NAME 0x...]} that ends it. */
    static String detail(SCardException e) {
        return UserErrors.detail(e);
    }

    /**
     * A failure of {@code VERIFY}, {@code CHANGE REFERENCE DATA} or {@code RESET RETRY COUNTER}, said without
     * the service's text for the codes that mean a wrong or blocked code, and with it only when it holds none of
     * the secrets (in text or hex) for the others.
     *
     * @param context {@code "verify PIN 1"}
     * @param code what was checked, for the message: {@code "PIN"}, {@code "PUK"}, {@code "current PIN"}
     * @param secrets the codes that were sent, to keep out of the message
     */
    static SCardException pinFailure(String context, String code, SCardException e, byte[]... secrets) {
        int tries = e.remainingTries().orElse(-1);
        String detail;
        switch (e.code()) {
            case SCARD_W_WRONG_CHV:
                if (tries < 0) {
                    detail = "wrong " + code;
                } else if (tries == 0) {
                    detail = "wrong " + code + ", no tries left: it is blocked now (SW 63C0)";
                } else {
                    detail = "wrong " + code + ", " + tries + (tries == 1 ? " try" : " tries") + " left (SW "
                            + String.format(Locale.ROOT, "%04X", 0x63C0 | Math.min(tries, 15)) + ")";
                }
                break;
            case SCARD_W_CHV_BLOCKED:
                detail = code + " blocked (SW 6983 " + StatusWords.meaning(0x6983) + ")";
                break;
            case SCARD_E_INVALID_CHV:
                detail = tooLong(detail(e), secrets);
                if (detail == null) {
                    detail = "the card does not accept this " + code + " (wrong length or format)";
                }
                break;
            default:
                String text = explainIn(detail(e));
                detail = holdsSecret(text, secrets) ? e.code().meaning() : text;
                break;
        }
        return UserErrors.card(e.code(), context + ": " + detail, tries);
    }

    /**
     * The card services' refusal of a code longer than the card takes, before anything was sent ({@code "the new PIN
     * is too long: 9 bytes, ... no try was counted"}), which names the code that was too long; null for other texts, or
     * when the text holds a secret.
     */
    private static String tooLong(String text, byte[]... secrets) {
        int at = text.indexOf(" is too long: ");
        if (at < 0 || holdsSecret(text, secrets)) {
            return null;
        }
        int start = text.lastIndexOf(": ", at);
        return start < 0 ? text : text.substring(start + 2);
    }

    /**
     * Whether the text holds one of the secrets as text or as hex (upper or lower case, spaced or not). Compared
     * byte by byte: no String of a secret is made for the check.
     */
    static boolean holdsSecret(String text, byte[]... secrets) {
        byte[] lower = text.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        for (byte[] secret : secrets) {
            if (secret == null || secret.length == 0) {
                continue;
            }
            if (containsText(lower, secret) || containsHex(text, secret, (char) 0) || containsHex(text, secret, ' ')
                    || containsHex(text, secret, ':')) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code lower} (lower-case UTF-8) holds the secret's bytes, ASCII letters in either case. */
    private static boolean containsText(byte[] lower, byte[] secret) {
        for (int start = 0; start + secret.length <= lower.length; start++) {
            int i = 0;
            while (i < secret.length && lower[start + i] == asciiLower(secret[i])) {
                i++;
            }
            if (i == secret.length) {
                return true;
            }
        }
        return false;
    }

    private static byte asciiLower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
    }

    /** Whether the text holds the secret in hex, any case, its bytes separated by {@code separator} (0: none). */
    private static boolean containsHex(String text, byte[] secret, char separator) {
        int step = separator == 0 ? 2 : 3;
        int length = secret.length * step - (step - 2);
        for (int start = 0; start + length <= text.length(); start++) {
            int i = 0;
            while (i < secret.length) {
                int at = start + i * step;
                if (i > 0 && separator != 0 && text.charAt(at - 1) != separator) {
                    break;
                }
                int high = Character.digit(text.charAt(at), 16);
                int low = Character.digit(text.charAt(at + 1), 16);
                if (high < 0 || low < 0 || (byte) (high << 4 | low) != secret[i]) {
                    break;
                }
                i++;
            }
            if (i == secret.length) {
                return true;
            }
        }
        return false;
    }

    /** The user stopped the entry of a code: {@link HResult#SCARD_W_CANCELLED_BY_USER}. */
    static SCardException cancelled(String detail) {
        return new SCardException(HResult.SCARD_W_CANCELLED_BY_USER, detail);
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
        String meaning = StatusWords.meaning(sw);
        String rest = text.substring(m.end());
        boolean explained = rest.matches("\\s+\\p{L}.*")
                || text.toLowerCase(Locale.ROOT).contains(meaning.toLowerCase(Locale.ROOT));
        if (explained) {
            return text;
        }
        return text.substring(0, m.end()) + " (" + meaning + ")" + rest;
    }
}
