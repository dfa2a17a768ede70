package dev.scard.shell;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.scard.shell.text.CommandUsage;

/**
 * Parses the timeouts typed in the shell: a number with a unit ({@code 500ms}, {@code 2s}, {@code 1.5s},
 * {@code 1m}, {@code 1h}), a plain number of milliseconds ({@code 250}) or an ISO-8601 duration
 * ({@code PT2S}). Zero is allowed; negative values are not.
 */
final class Durations {

    /** The accepted forms, for messages and command help. */
    static final String FORMS = "e.g. 500ms, 2s, 1.5s, 1m or plain milliseconds";

    private static final Pattern WITH_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min|h)?");

    private Durations() {
    }

    /**
     * The duration the text gives.
     *
     * @throws IllegalArgumentException naming the text when it is not a duration, is negative or is too long
     */
    static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw ShellFailures.badInput("no timeout given (" + FORMS + ")");
        }
        String trimmed = text.strip();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.startsWith("-")) {
            throw ShellFailures.badInput("timeout '" + CommandUsage.shown(trimmed) + "' is negative");
        }
        if (lower.startsWith("p")) {
            return iso(trimmed);
        }
        Matcher m = WITH_UNIT.matcher(lower);
        if (!m.matches()) {
            throw ShellFailures.badInput("'" + CommandUsage.shown(trimmed) + "' is not a timeout (" + FORMS + ")");
        }
        String unit = m.group(2) == null ? "ms" : m.group(2);
        long nanosPerUnit;
        switch (unit) {
            case "ms":
                nanosPerUnit = 1_000_000L;
                break;
            case "s":
                nanosPerUnit = 1_000_000_000L;
                break;
            case "m":
            case "min":
                nanosPerUnit = 60_000_000_000L;
                break;
            default: // h
                nanosPerUnit = 3_600_000_000_000L;
                break;
        }
        BigDecimal nanos = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit));
        try {
            return Duration.ofNanos(nanos.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
        } catch (ArithmeticException e) {
            throw ShellFailures.badInput("timeout '" + CommandUsage.shown(trimmed) + "' is too long");
        }
    }

    private static Duration iso(String text) {
        Duration duration;
        try {
            duration = Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw ShellFailures.badInput("'" + CommandUsage.shown(text) + "' is not a timeout (" + FORMS + ")");
        }
        if (duration.isNegative()) {
            throw ShellFailures.badInput("timeout '" + CommandUsage.shown(text) + "' is negative");
        }
        return duration;
    }
}
