package dev.scard.core.log;

import java.lang.System.Logger.Level;
import java.util.function.Supplier;

import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The logger of one class (see {@link BundleLog#logger(Class)}): records go to the OSGi Log Service bound to the
 * bundle's {@link BundleLog}, else to the {@link System.Logger} of the same name. Levels are named as
 * {@link System.Logger.Level} names them ({@code ERROR}, {@code WARNING}, {@code INFO}, {@code DEBUG},
 * {@code TRACE}); a message is taken as it is (no placeholders). A message must never hold a secret.
 */
public final class Log {

    private final BundleLog bundle;
    private final String name;
    /** The Log Service's logger and the factory it came from, made once per factory. */
    private volatile Bound bound;

    private record Bound(LoggerFactory factory, Logger logger) {
    }

    Log(BundleLog bundle, String name) {
        this.bundle = bundle;
        this.name = name;
    }

    /**
     * Logs a message.
     *
     * @param level the level
     * @param message the message
     */
    public void log(Level level, String message) {
        log(level, message, null);
    }

    /**
     * Logs a message made only when the level is enabled.
     *
     * @param level the level
     * @param message makes the message
     */
    public void log(Level level, Supplier<String> message) {
        if (isLoggable(level)) {
            log(level, message.get(), null);
        }
    }

    /**
     * Logs a message with an exception.
     *
     * @param level the level
     * @param message the message
     * @param thrown the exception, or null
     */
    public void log(Level level, String message, Throwable thrown) {
        Logger logger = logger();
        if (logger == null) {
            if (thrown == null) {
                System.getLogger(name).log(level, message);
            } else {
                System.getLogger(name).log(level, message, thrown);
            }
            return;
        }
        // "{}" would be taken for a placeholder (and take the exception); "\{}" is written as "{}"
        String text = message == null ? "" : message.replace("{}", "\\{}");
        Object[] arguments = thrown == null ? new Object[0] : new Object[] {thrown};
        switch (level) {
            case OFF -> {
                // nothing
            }
            case ERROR -> logger.error(text, arguments);
            case WARNING -> logger.warn(text, arguments);
            case INFO -> logger.info(text, arguments);
            case DEBUG -> logger.debug(text, arguments);
            default -> logger.trace(text, arguments); // TRACE, ALL
        }
    }

    /**
     * Whether a record of {@code level} would be logged now.
     *
     * @param level the level
     * @return whether it is enabled
     */
    public boolean isLoggable(Level level) {
        Logger logger = logger();
        if (logger == null) {
            return System.getLogger(name).isLoggable(level);
        }
        return switch (level) {
            case OFF -> false;
            case ERROR -> logger.isErrorEnabled();
            case WARNING -> logger.isWarnEnabled();
            case INFO -> logger.isInfoEnabled();
            case DEBUG -> logger.isDebugEnabled();
            default -> logger.isTraceEnabled();
        };
    }

    private Logger logger() {
        LoggerFactory factory = bundle.factory();
        if (factory == null) {
            return null;
        }
        Bound current = bound;
        if (current == null || current.factory() != factory) {
            current = new Bound(factory, factory.getLogger(name));
            bound = current;
        }
        return current.logger();
    }
}
