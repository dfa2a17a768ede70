package dev.scard.remote.rsa;

import java.lang.System.Logger.Level;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * Installs the {@link TcpStreamFilter} when the bundle starts: synchronously, so that a distribution that starts this
 * bundle before Aries RSA's TCP provider has the allow-list in force before the first remote call. Stopping the bundle
 * cannot remove it (the JDK sets the JVM-wide filter once).
 */
public final class Activator implements BundleActivator {

    private static final System.Logger LOG = System.getLogger("dev.scard.remote.rsa");

    /** Creates the activator (the framework does). */
    public Activator() {
    }

    /**
     * Installs the filter and logs a warning when another JVM-wide filter is in force instead.
     *
     * @param context the bundle's context (not used)
     */
    @Override
    public void start(BundleContext context) {
        if (TcpStreamFilter.install() == TcpStreamFilter.Installation.OTHER_FILTER) {
            LOG.log(Level.WARNING, "another JVM-wide deserialization filter is in force (jdk.serialFilter?): remote "
                + "calls are checked against it instead of the allow-list of remote calls");
        }
    }

    /**
     * Does nothing: the filter stays until the JVM ends.
     *
     * @param context the bundle's context (not used)
     */
    @Override
    public void stop(BundleContext context) {
    }
}
