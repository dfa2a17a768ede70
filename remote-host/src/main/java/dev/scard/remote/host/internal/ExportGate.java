package dev.scard.remote.host.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * Keeps a service for export registered only while Remote Services can export it: while a Remote Service Admin for a
 * config type ({@code remote.configs.supported}) is there and the topology manager has taken it up.
 *
 * <p><b>Why.</b> Aries RSA's topology manager reports a service to export that it sees while it has no Remote Service
 * Admin as a failure ("Unable to export service ... no RemoteServiceAdmin is available. Marked for later export.",
 * SEVERE), and exports it once one comes. On a normal start the distribution provider comes a moment after the host
 * (its configuration is read after the bundles start), and Aries RSA registers the Remote Service Admin only then; a
 * host registered at once would make every start print that line.
 *
 * <p><b>When.</b> The framework delivers the Remote Service Admin's registration to its listeners in no set order, so
 * this gate's own tracker may hear of it before the topology manager's. The gate therefore registers on a thread of its
 * own ({@code scard-remote-host-export}), once a Remote Service Admin for the config type is used by a bundle (the
 * topology manager gets it as it takes it up; the gate never does) and a short settling time later; when none is used
 * within {@value #UNUSED_MILLIS} ms (no topology manager is installed), it registers all the same. When the last such
 * Remote Service Admin goes, it withdraws the registration. The Remote Service Admin is named by its class name in a
 * filter, so this bundle needs no Remote Services API.
 */
final class ExportGate {

    /** How often the gate looks whether the topology manager took up a Remote Service Admin. */
    private static final long POLL_MILLIS = 10L;
    /** How long after that the gate registers: the rest of the registration's delivery to the topology manager. */
    private static final long SETTLE_MILLIS = 100L;
    /** How long a Remote Service Admin nobody uses holds the registration back. */
    static final long UNUSED_MILLIS = 2_000L;

    private final ServiceTracker<Object, ServiceReference<Object>> admins;
    private final Runnable register;
    private final Runnable unregister;
    private final Thread thread;
    /** Guards {@link #tracked} and {@link #version}; notified when they change. */
    private final Object changes = new Object();
    /** The Remote Service Admins for the config type now; under {@link #changes}. */
    private final List<ServiceReference<Object>> tracked = new ArrayList<>();
    /** Counts the changes of {@link #tracked}; under {@link #changes}. */
    private long version;
    private volatile boolean stopped;

    /**
     * @param context the bundle's context
     * @param configType the config type the Remote Service Admin must support
     * @param register registers the service (on the gate's thread)
     * @param unregister withdraws it (on the gate's thread)
     */
    ExportGate(BundleContext context, String configType, Runnable register, Runnable unregister) {
        this.register = register;
        this.unregister = unregister;
        admins = new ServiceTracker<>(context, filter(configType), new Notifying());
        thread = new Thread(this::run, "scard-remote-host-export");
        thread.setDaemon(true);
    }

    /** Starts following the Remote Service Admins. */
    void start() {
        admins.open();
        thread.start();
    }

    /** Stops following them, waiting at most a few seconds for the gate's thread; registers nothing afterwards. */
    void stop() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admins.close();
    }

    private void run() {
        boolean registered = false;
        long seenSince = 0L;
        boolean seen = false;
        try {
            while (!stopped) {
                List<ServiceReference<Object>> references;
                long version;
                synchronized (changes) {
                    references = List.copyOf(tracked);
                    version = this.version;
                }
                long waitMillis = 0L;
                if (references.isEmpty()) {
                    seen = false;
                    if (registered) {
                        unregister.run();
                        registered = false;
                    }
                } else if (!registered) {
                    long now = System.nanoTime();
                    if (!seen) {
                        seen = true;
                        seenSince = now;
                    }
                    if (used(references) || now - seenSince > TimeUnit.MILLISECONDS.toNanos(UNUSED_MILLIS)) {
                        Thread.sleep(SETTLE_MILLIS);
                        register.run();
                        registered = true;
                    } else {
                        waitMillis = POLL_MILLIS;
                    }
                }
                synchronized (changes) {
                    if (!stopped && this.version == version) {
                        changes.wait(waitMillis);
                    }
                }
            }
        } catch (InterruptedException e) {
            // Stopped.
        }
    }

    private static boolean used(List<ServiceReference<Object>> references) {
        for (ServiceReference<Object> reference : references) {
            if (reference.getUsingBundles() != null) {
                return true;
            }
        }
        return false;
    }

    private static Filter filter(String configType) {
        try {
            return FrameworkUtil.createFilter("(&(objectClass=org.osgi.service.remoteserviceadmin.RemoteServiceAdmin)"
                    + "(remote.configs.supported=" + configType + "))");
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("not a config type: " + configType, e);
        }
    }

    /**
     * Keeps the references only (the gate must not use a Remote Service Admin) in {@link #tracked}, and wakes the
     * gate's thread.
     */
    private final class Notifying implements ServiceTrackerCustomizer<Object, ServiceReference<Object>> {

        @Override
        public ServiceReference<Object> addingService(ServiceReference<Object> reference) {
            synchronized (changes) {
                tracked.add(reference);
                changed();
            }
            return reference;
        }

        @Override
        public void modifiedService(ServiceReference<Object> reference, ServiceReference<Object> service) {
        }

        @Override
        public void removedService(ServiceReference<Object> reference, ServiceReference<Object> service) {
            synchronized (changes) {
                tracked.remove(reference);
                changed();
            }
        }

        /** Under {@link #changes}. */
        private void changed() {
            version++;
            changes.notifyAll();
        }
    }
}
