package dev.scard.core.log;

import org.osgi.service.log.LoggerFactory;

/**
 * The log of one bundle: the {@code LoggerFactory} service its DS component got (so records name the bundle), or
 * none, when the bundle's classes log to {@link System.Logger}. A bundle keeps one in a static field; its component
 * binds the service ({@code @Reference(service = LoggerFactory.class, cardinality = OPTIONAL, policy = DYNAMIC)})
 * and unbinds it. Thread-safe.
 */
public final class BundleLog {

    private volatile LoggerFactory factory;

    /** Creates the log of a bundle, bound to nothing yet. */
    public BundleLog() {
    }

    /**
     * Logs through {@code loggerFactory} from now on.
     *
     * @param loggerFactory the bundle's {@code LoggerFactory} service
     */
    public void bind(LoggerFactory loggerFactory) {
        synchronized (this) {
            this.factory = loggerFactory;
        }
    }

    /**
     * Stops logging through {@code loggerFactory}, if it is the one bound (a newer one may have been bound since).
     *
     * @param loggerFactory the service that goes
     */
    public void unbind(LoggerFactory loggerFactory) {
        synchronized (this) {
            if (factory == loggerFactory) {
                factory = null;
            }
        }
    }

    /**
     * The logger of a class of the bundle; it follows the binding, so it may be kept in a static field.
     *
     * @param type the class that logs (its name is the logger's name)
     * @return the logger
     */
    public Log logger(Class<?> type) {
        return new Log(this, type.getName());
    }

    /** The factory bound now, or null. */
    LoggerFactory factory() {
        return factory;
    }
}
