package dev.scard.pcsc.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import dev.scard.core.log.Log;

/**
 * The backend's settings as plain values, from {@link PcscConfig} or built directly (tests).
 *
 * @param readerFilter which reader names the backend shows (the whole name must match)
 * @param libraryPath the PC/SC library to load; empty for the platform's default
 * @param transactionPoll sleep between retries when the library reports a sharing violation instead of waiting
 * @param cardCheck how often a caller waiting for another connection's transaction checks for a removed card
 * @param minimumLockWait the least time a native begin-transaction call gets, also for a zero timeout
 * @param callTimeout the longest a call to the card or the reader may block before it fails with
 *        {@code SCARD_E_TIMEOUT} (the backend's {@code callTimeout()})
 */
public record PcscSettings(Pattern readerFilter, String libraryPath, Duration transactionPoll, Duration cardCheck,
        Duration minimumLockWait, Duration callTimeout) {

    private static final Log LOG = PcscComponent.LOGS.logger(PcscSettings.class);

    /** A filter no reader name matches, used when the configured one is not a valid regular expression. */
    static final Pattern NOTHING = Pattern.compile("(?!)");

    /** The limits of the millisecond settings, as the Metatype description of {@link PcscConfig} declares them. */
    static final int MIN_TRANSACTION_POLL = 1;
    static final int MAX_TRANSACTION_POLL = 1000;
    static final int MIN_CARD_CHECK = 5;
    static final int MAX_CARD_CHECK = 10_000;
    static final int MIN_LOCK_WAIT = 1;
    static final int MAX_LOCK_WAIT = 60_000;

    static final int MIN_CALL_TIMEOUT = 1;
    static final int MAX_CALL_TIMEOUT = Integer.MAX_VALUE;

    private static final int DEFAULT_TRANSACTION_POLL = 2;
    private static final int DEFAULT_CARD_CHECK = 100;
    private static final int DEFAULT_LOCK_WAIT = 250;
    private static final int DEFAULT_CALL_TIMEOUT = 120_000;

    /** Settings with the default call timeout ({@link dev.scard.core.Backend#DEFAULT_CALL_TIMEOUT}). */
    public PcscSettings(Pattern readerFilter, String libraryPath, Duration transactionPoll, Duration cardCheck,
            Duration minimumLockWait) {
        this(readerFilter, libraryPath, transactionPoll, cardCheck, minimumLockWait,
                Duration.ofMillis(DEFAULT_CALL_TIMEOUT));
    }

    /** The defaults of {@link PcscConfig}. */
    public static PcscSettings defaults() {
        return new PcscSettings(Pattern.compile(".*"), "", Duration.ofMillis(DEFAULT_TRANSACTION_POLL),
                Duration.ofMillis(DEFAULT_CARD_CHECK), Duration.ofMillis(DEFAULT_LOCK_WAIT));
    }

    /** These settings with another call timeout. */
    PcscSettings withCallTimeout(Duration timeout) {
        return new PcscSettings(readerFilter, libraryPath, transactionPoll, cardCheck, minimumLockWait, timeout);
    }

    /**
     * The settings a configuration describes, for activation, when there is nothing to keep instead: an invalid
     * reader filter hides every reader (showing readers the administrator meant to hide would be worse); a number
     * outside its range (e.g. a negative time) is replaced by its default. Each problem is logged as an error.
     */
    static PcscSettings from(PcscConfig config) {
        List<String> problems = new ArrayList<>();
        PcscSettings settings = parse(config, problems, true);
        for (String problem : problems) {
            LOG.log(Level.ERROR, PcscComponent.PID + ": " + problem);
        }
        return settings;
    }

    /**
     * The settings a changed configuration describes, when every value is valid.
     *
     * @throws IllegalArgumentException naming every invalid value (the reader filter that is not a regular
     *         expression, the numbers outside their range); the caller keeps its settings
     */
    static PcscSettings validated(PcscConfig config) {
        List<String> problems = new ArrayList<>();
        PcscSettings settings = parse(config, problems, false);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return settings;
    }

    private static PcscSettings parse(PcscConfig config, List<String> problems, boolean activating) {
        Pattern filter;
        String regex = config.readerFilter() == null ? ".*" : config.readerFilter();
        try {
            filter = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            problems.add("readerFilter '" + regex + "' is not a valid regular expression (" + e.getDescription()
                    + " near index " + e.getIndex() + ")"
                    + (activating ? "; no reader is shown until it is fixed" : ""));
            filter = NOTHING;
        }
        String library = config.libraryPath() == null ? "" : config.libraryPath().trim();
        Duration poll = millis("transactionPollMillis", config.transactionPollMillis(), MIN_TRANSACTION_POLL,
                MAX_TRANSACTION_POLL, DEFAULT_TRANSACTION_POLL, problems, activating);
        Duration check = millis("cardCheckMillis", config.cardCheckMillis(), MIN_CARD_CHECK, MAX_CARD_CHECK,
                DEFAULT_CARD_CHECK, problems, activating);
        Duration lockWait = millis("minimumLockWaitMillis", config.minimumLockWaitMillis(), MIN_LOCK_WAIT,
                MAX_LOCK_WAIT, DEFAULT_LOCK_WAIT, problems, activating);
        Duration callTimeout = millis("callTimeoutMillis", config.callTimeoutMillis(), MIN_CALL_TIMEOUT,
                MAX_CALL_TIMEOUT, DEFAULT_CALL_TIMEOUT, problems, activating);
        return new PcscSettings(filter, library, poll, check, lockWait, callTimeout);
    }

    private static Duration millis(String name, int value, int min, int max, int fallback, List<String> problems,
            boolean activating) {
        if (value >= min && value <= max) {
            return Duration.ofMillis(value);
        }
        problems.add(name + " " + value + " is outside " + min + ".." + max + " ms"
                + (activating ? "; the default " + fallback + " ms is used" : ""));
        return Duration.ofMillis(fallback);
    }

    /** Whether the filter admits a reader name. */
    boolean admits(String readerName) {
        return readerFilter.matcher(readerName).matches();
    }

    /** Whether the other settings name another library than these (an empty path is the platform's default). */
    boolean otherLibrary(PcscSettings other) {
        return !libraryPath.equals(other.libraryPath);
    }
}
