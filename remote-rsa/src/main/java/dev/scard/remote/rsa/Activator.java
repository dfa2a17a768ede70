package dev.scard.remote.rsa;

import java.lang.System.Logger.Level;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.hooks.weaving.WeavingHook;

import org.apache.aries.rsa.spi.EndpointDescriptionParser;

/**
 * Registers the {@link BundlePatch} weaving hooks and the {@link EndpointXml} parser, and installs the {@link TcpStreamFilter} when the bundle starts: synchronously, so that a distribution that starts this
 * bundle before Aries RSA's TCP provider has the allow-list in force before the first remote call. Stopping the bundle
 * cannot remove it (the JDK sets the JVM-wide filter once).
 *
 * <p>It also keeps Aries RSA's start-up chatter out of a quiet console: where Aries logs through SLF4J to
 * {@code java.util.logging} (the distribution), its loggers ({@value #ARIES_LOGGERS}) log from WARNING up unless a
 * level was configured for them. In Karaf, Aries logs through Pax Logging and this has no effect.
 */
public final class Activator implements BundleActivator {

    /** The parent of Aries RSA's {@code java.util.logging} loggers. */
    static final String ARIES_LOGGERS = "org.apache.aries.rsa";

    private static final System.Logger LOG = System.getLogger("dev.scard.remote.rsa");
    /** Held: {@code java.util.logging} keeps its loggers only weakly, and with them their levels. */
    private static final java.util.logging.Logger ARIES = java.util.logging.Logger.getLogger(ARIES_LOGGERS);

    /** Creates the activator (the framework does). */
    public Activator() {
    }

    /**
     * Registers the weaving hook, installs the filter and logs a warning when another JVM-wide filter is in force instead; quiets Aries's INFO.
     *
     * @param context the bundle's context
     */
    @Override
    public void start(BundleContext context) {
        context.registerService(WeavingHook.class, BundlePatch.ariesTcp(context.getBundle()), null);
        context.registerService(WeavingHook.class, BundlePatch.zookeeperClient(context.getBundle()), null);
        // For Aries RSA's ZooKeeper discovery, which needs a parser and whose own needs JAXB (see EndpointXml).
        context.registerService(EndpointDescriptionParser.class, new EndpointXml(), null);
        if (ARIES.getLevel() == null) {
            ARIES.setLevel(java.util.logging.Level.WARNING);
        }
        if (TcpStreamFilter.install() == TcpStreamFilter.Installation.OTHER_FILTER) {
            LOG.log(Level.WARNING, "another JVM-wide deserialization filter is in force (jdk.serialFilter?): remote "
                + "calls are checked against it instead of the allow-list of remote calls");
        }
    }

    /**
     * Does nothing more than the framework does (it unregisters the hook): the filter stays until the JVM ends.
     *
     * @param context the bundle's context (not used)
     */
    @Override
    public void stop(BundleContext context) {
    }
}
