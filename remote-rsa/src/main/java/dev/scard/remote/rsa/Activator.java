package dev.scard.remote.rsa;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

import org.apache.aries.rsa.spi.EndpointDescriptionParser;

/**
 * Registers the {@link EndpointXml} parser when the bundle starts, and keeps Aries RSA's start-up chatter out of a
 * quiet console: where Aries logs through SLF4J to {@code java.util.logging} (the distribution), its loggers ({@value #ARIES_LOGGERS}) log from WARNING up unless a
 * level was configured for them. In Karaf, Aries logs through Pax Logging and this has no effect.
 *
 * <p>(Remote calls go through the distribution provider {@code scard.tcp} of {@code dev.scard.remote-transport}, which
 * has its own deserialization allow-list.)
 */
public final class Activator implements BundleActivator {

    /** The parent of Aries RSA's {@code java.util.logging} loggers. */
    static final String ARIES_LOGGERS = "org.apache.aries.rsa";

    /** Held: {@code java.util.logging} keeps its loggers only weakly, and with them their levels. */
    private static final java.util.logging.Logger ARIES = java.util.logging.Logger.getLogger(ARIES_LOGGERS);

    /** Creates the activator (the framework does). */
    public Activator() {
    }

    /**
     * Registers the parser; quiets Aries's INFO unless a level was configured.
     *
     * @param context the bundle's context
     */
    @Override
    public void start(BundleContext context) {
        // For Aries RSA's ZooKeeper discovery, which needs a parser and whose own needs JAXB (see EndpointXml).
        context.registerService(EndpointDescriptionParser.class, new EndpointXml(), null);
        if (ARIES.getLevel() == null) {
            ARIES.setLevel(java.util.logging.Level.WARNING);
        }
    }

    /**
     * Does nothing more than the framework does (it unregisters the services).
     *
     * @param context the bundle's context (not used)
     */
    @Override
    public void stop(BundleContext context) {
    }
}
