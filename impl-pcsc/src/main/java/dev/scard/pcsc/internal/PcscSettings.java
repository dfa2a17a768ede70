package dev.scard.pcsc.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The backend's settings as plain values, from {@link PcscConfig} or built directly (tests).
 *
 * @param readerFilter which reader names the backend shows (the whole name must match)
 * @param libraryPath the PC/SC library to load; empty for the platform's default
 * @param transactionPoll sleep between retries when the library reports a sharing violation instead of waiting
 * @param cardCheck how often a caller waiting for another connection's transaction checks for a removed card
 * @param minimumLockWait the least time a native begin-transaction call gets, also for a zero timeout
 */
public record PcscSettings(Pattern readerFilter, String libraryPath, Duration transactionPoll, Duration cardCheck,
        Duration minimumLockWait) {

    private static final System.Logger LOG = System.getLogger(PcscSettings.class.getName());

    /** A filter no reader name matches, used when the configured one is not a valid regular expression. */
    static final Pattern NOTHING = Pattern.compile("(?!)");

    /** The defaults of {@link PcscConfig}. */
    public static PcscSettings defaults() {
        return new PcscSettings(Pattern.compile(".*"), "", Duration.ofMillis(2), Duration.ofMillis(100),
                Duration.ofMillis(250));
    }

    /**
     * The settings a configuration describes. An invalid reader filter hides every reader (and is logged): showing
     * readers the administrator meant to hide would be worse.
     */
    static PcscSettings from(PcscConfig config) {
        Pattern filter;
        String regex = config.readerFilter() == null ? ".*" : config.readerFilter();
        try {
            filter = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            LOG.log(Level.ERROR, PcscComponent.PID + ": readerFilter '" + regex + "' is not a valid regular "
                    + "expression (" + e.getDescription() + "); no reader is shown until it is fixed");
            filter = NOTHING;
        }
        return new PcscSettings(filter, config.libraryPath() == null ? "" : config.libraryPath().trim(),
                Duration.ofMillis(clamp(config.transactionPollMillis(), 1, 1000)),
                Duration.ofMillis(clamp(config.cardCheckMillis(), 5, 10_000)),
                Duration.ofMillis(clamp(config.minimumLockWaitMillis(), 1, 60_000)));
    }

    private static int clamp(int value, int min, int max) {
        return Math.max(min, Math.min(max, value));
    }

    /** Whether the filter admits a reader name. */
    boolean admits(String readerName) {
        return readerFilter.matcher(readerName).matches();
    }
}
