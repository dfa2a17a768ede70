package dev.scard.remote.rsa;

import java.util.Hashtable;
import java.util.Map;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ManagedServiceFactory;

import org.apache.aries.rsa.spi.EndpointDescriptionParser;

/**
 * Registers the {@link EndpointXml} parser and the static discovery ({@link StaticEndpoints}, factory PID
 * {@value StaticEndpoints#FACTORY_PID}) when the bundle starts, and keeps Aries RSA's start-up chatter out of a
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

    /** The static discovery, while the bundle runs. */
    private StaticEndpoints endpoints;

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
        // Static discovery: one factory configuration per endpoint (see StaticEndpoints).
        endpoints = new StaticEndpoints(context);
        endpoints.open();
        context.registerService(ManagedServiceFactory.class, endpoints,
                new Hashtable<>(Map.of(Constants.SERVICE_PID, StaticEndpoints.FACTORY_PID)));
        if (ARIES.getLevel() == null) {
            ARIES.setLevel(java.util.logging.Level.WARNING);
        }
    }

    /**
     * Withdraws the static endpoints; the framework unregisters the services.
     *
     * @param context the bundle's context (not used)
     */
    @Override
    public void stop(BundleContext context) {
        if (endpoints != null) {
            endpoints.close();
        }
    }
}
