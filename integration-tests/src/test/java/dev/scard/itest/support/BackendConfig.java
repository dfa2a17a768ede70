package dev.scard.itest.support;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;

/**
 * The default backend through Config Admin, as {@code scard:use} sets it: {@code service.ranking=1000} in the chosen
 * backend's PID {@code dev.scard.service.<backend>}, the other backends' configurations deleted (the new one is
 * written first).
 */
public final class BackendConfig {

    /** The PID prefix of the backends' services. */
    public static final String PID_PREFIX = SCardServiceProperties.SERVICES_PID_PREFIX;
    /** The property of the default backend's extra registrations; its value is the backend. */
    public static final String DEFAULT_PROPERTY = SCardServiceProperties.DEFAULT;
    /** The ranking scard:use writes. */
    public static final int DEFAULT_RANKING = 1000;

    private BackendConfig() {
    }

    /** Makes {@code backend} the default as scard:use does, through the Config Admin API. */
    public static void use(ConfigurationAdmin cm, String backend) throws IOException, InvalidSyntaxException {
        Configuration chosen = cm.getConfiguration(PID_PREFIX + backend, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(Constants.SERVICE_RANKING, DEFAULT_RANKING);
        chosen.update(properties);
        Configuration[] all = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + PID_PREFIX + "*)");
        for (Configuration other : all == null ? new Configuration[0] : all) {
            try {
                if (!other.getPid().equals(PID_PREFIX + backend)) {
                    other.delete();
                }
            } catch (IllegalStateException deletedMeanwhile) {
                // Felix Config Admin may list a configuration deleted a moment ago
            }
        }
    }

    /** Deletes every backend configuration: the built-in rankings (simulator 100, pcsc 50) apply again. */
    public static void clear(ConfigurationAdmin cm) throws IOException, InvalidSyntaxException {
        Configuration[] all = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + PID_PREFIX + "*)");
        for (Configuration configuration : all == null ? new Configuration[0] : all) {
            try {
                configuration.delete();
            } catch (IllegalStateException deletedMeanwhile) {
                // Felix Config Admin may list a configuration deleted a moment ago
            }
        }
    }

    /** The backend of the best-ranked service of {@code type} (its scard.default or scard.backend), or null. */
    public static String defaultBackend(BundleContext context, Class<?> type) {
        Collection<? extends ServiceReference<?>> refs;
        try {
            refs = context.getServiceReferences(type, null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        ServiceReference<?> best = null;
        for (ServiceReference<?> ref : refs) {
            if (best == null || ref.compareTo(best) > 0) {
                best = ref;
            }
        }
        if (best == null) {
            return null;
        }
        Object marked = best.getProperty(DEFAULT_PROPERTY);
        return String.valueOf(marked != null ? marked : best.getProperty(SCardServiceProperties.BACKEND));
    }

    /** Waits until the best-ranked ISCardManage and resource manager belong to {@code backend}. */
    public static void awaitDefault(BundleContext context, String backend, Duration bound)
            throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!backend.equals(defaultBackend(context, ISCardManage.class))
                || !backend.equals(defaultBackend(context, SCardResourceManager.class))) {
            if (System.nanoTime() > deadline) {
                fail("the default backend is %s/%s, not %s, after %s", defaultBackend(context, ISCardManage.class),
                        defaultBackend(context, SCardResourceManager.class), backend, bound);
            }
            Thread.sleep(5);
        }
    }
}
