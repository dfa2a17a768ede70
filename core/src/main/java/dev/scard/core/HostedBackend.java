package dev.scard.core;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.PrototypeServiceFactory;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ManagedService;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.log.Log;
import dev.scard.core.spi.Backend;

/**
 * What the core registers for one {@link Backend} service while that service is there: its prototype
 * {@link ISCardManage} (one {@link CardManager} per {@code getService}), its bundle-scoped
 * {@link SCardResourceManager} (one {@link BackendResourceManager} per bundle, over the backend's one
 * {@link HandleTable}), the {@link DefaultRegistration} that {@code scard:use} switches, and the
 * {@link ManagedService} of its configuration {@value SCardServiceProperties#SERVICES_PID_PREFIX}{@code <name>}.
 *
 * <p><b>Ranking.</b> Both services carry {@value SCardServiceProperties#BACKEND}{@code =<name>} and the
 * {@code service.ranking} the configuration sets, else the one the backend's service carries. A new ranking is put
 * on the registrations in place, so the managers and handles in use survive it (greedy consumers rebind through the
 * default registrations instead; see {@link DefaultRegistration}).
 *
 * <p><b>Handle owners.</b> Each manager accepts the handles of the bundle that got it, each resource manager issues
 * handles owned by its bundle ({@link HandleTable#scopedTo}); a bundle that releases its resource manager keeps its
 * handles unless it is stopping, in which case they are disconnected.
 *
 * <p><b>Closing</b> (the backend's service is unregistered, or the core stops): every handle is disconnected first
 * (threads waiting on a shared handle wake), then every manager handed out is disposed, those holding no lock before
 * those holding one, so that no waiting thread is granted the card of a stopping backend (its lock released, its
 * connection closed, its waiting threads woken; later calls fail with {@code SCARD_E_SERVICE_STOPPED}), then the
 * registrations go. The backend is still working while this happens (its service is being unregistered, its
 * component not yet deactivated), so locks and connections are released cleanly.
 *
 * <p>Thread-safe: the registrations are changed under this object's monitor; the managers handed out are kept in a
 * synchronized set owned by {@link Managers}.
 */
final class HostedBackend {

    private static final Log LOG = BackendHost.LOGS.logger(HostedBackend.class);

    private final BundleContext context;
    private final Backend backend;
    private final String name;
    private final HandleTable handles;
    private final int handleSpace;
    private final InterfaceProviders providers;
    private final CardTap tap;
    private final Managers managers = new Managers();
    private final ResourceManagers resourceManagers = new ResourceManagers();
    private final DefaultRegistration defaults;
    /** The ranking the backend's service carries; guarded by this. */
    private int backendRanking;
    /** The ranking the configuration sets, or null; guarded by this. */
    private Integer configuredRanking;
    private ServiceRegistration<?> managerRegistration;
    private ServiceRegistration<SCardResourceManager> resourceManagerRegistration;
    private ServiceRegistration<ManagedService> configuration;
    private boolean closed;

    /**
     * Registers the services of {@code backend}.
     *
     * @param context the core bundle's context, which registers them
     * @param backend the backend
     * @param ranking the {@code service.ranking} of the backend's service
     * @param handleSpace the handle space of its table ({@link HandleTable#HandleTable(int)})
     * @param providers the interface factories every manager chooses from
     * @param tap the card trace every manager reports to
     */
    HostedBackend(BundleContext context, Backend backend, int ranking, int handleSpace, InterfaceProviders providers,
            CardTap tap) {
        this.context = context;
        this.backend = backend;
        this.name = backend.name();
        this.handles = new HandleTable(handleSpace);
        this.handleSpace = handleSpace;
        this.providers = providers;
        this.tap = tap;
        this.backendRanking = ranking;
        this.defaults = new DefaultRegistration(context, name, resourceManagers, managers, null);
        synchronized (this) {
            int effective = ranking();
            resourceManagerRegistration = context.registerService(SCardResourceManager.class, resourceManagers,
                    properties(effective));
            managerRegistration = context.registerService(ISCardManage.class.getName(), managers,
                    properties(effective));
            Dictionary<String, Object> pid = new Hashtable<>();
            pid.put(Constants.SERVICE_PID, SCardServiceProperties.SERVICES_PID_PREFIX + name);
            configuration = context.registerService(ManagedService.class, this::configured, pid);
        }
    }

    /** The backend's name. */
    String name() {
        return name;
    }

    /** The space of its handle values. */
    int handleSpace() {
        return handleSpace;
    }

    /** The backend's service ranking changed: applied unless the configuration sets one. */
    synchronized void backendRankingChanged(int ranking) {
        backendRanking = ranking;
        reRank();
    }

    /** The configuration {@value SCardServiceProperties#SERVICES_PID_PREFIX}{@code <name>} changed or went. */
    private void configured(Dictionary<String, ?> properties) {
        Map<String, Object> values = properties == null ? null : toMap(properties);
        synchronized (this) {
            if (closed) {
                return;
            }
            configuredRanking = values == null ? null
                    : DefaultRegistration.ranking(values.get(Constants.SERVICE_RANKING));
            reRank();
        }
        defaults.update(values);
        synchronized (this) {
            if (closed) {
                defaults.close(); // closed meanwhile: what the update registered goes again
            }
        }
    }

    private int ranking() {
        return configuredRanking != null ? configuredRanking : backendRanking;
    }

    private void reRank() {
        if (closed) {
            return;
        }
        Dictionary<String, Object> properties = properties(ranking());
        setProperties(resourceManagerRegistration, properties);
        setProperties(managerRegistration, properties);
    }

    private static void setProperties(ServiceRegistration<?> registration, Dictionary<String, Object> properties) {
        try {
            registration.setProperties(properties);
        } catch (IllegalStateException e) {
            // unregistered meanwhile: the core is stopping
        }
    }

    private Dictionary<String, Object> properties(int ranking) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(SCardServiceProperties.BACKEND, name);
        properties.put(Constants.SERVICE_RANKING, ranking);
        return properties;
    }

    private static Map<String, Object> toMap(Dictionary<String, ?> properties) {
        Map<String, Object> map = new HashMap<>();
        for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            map.put(key, properties.get(key));
        }
        return map;
    }

    /**
     * Withdraws everything registered for the backend: the managers handed out are disposed, every handle is
     * disconnected. Idempotent.
     */
    void close() {
        ServiceRegistration<?>[] registrations;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            registrations = new ServiceRegistration<?>[] {configuration, managerRegistration,
                    resourceManagerRegistration};
        }
        new BackendResourceManager(backend, handles).closeAll();
        managers.disposeAll("the " + name + " backend stopped");
        defaults.close();
        for (ServiceRegistration<?> registration : registrations) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // the framework unregistered it already (the core bundle is stopping)
            }
        }
    }

    /**
     * Hands each {@code getService} a fresh {@link CardManager} that accepts the handles of the bundle that got it,
     * and disposes it when it is released. Owns the set of managers handed out.
     */
    private final class Managers implements PrototypeServiceFactory<ISCardManage> {
        private final Set<CardManager> open = Collections.synchronizedSet(Collections.newSetFromMap(
                new IdentityHashMap<>()));

        @Override
        public ISCardManage getService(Bundle bundle, ServiceRegistration<ISCardManage> registration) {
            CardManager manager = new CardManager(backend, handles.scopedTo(() -> bundle), providers, tap);
            open.add(manager);
            return manager;
        }

        @Override
        public void ungetService(Bundle bundle, ServiceRegistration<ISCardManage> registration, ISCardManage service) {
            if (open.remove(service)) {
                ((CardManager) service).dispose("the ISCardManage service instance was released or the " + name
                        + " backend stopped");
            }
        }

        /**
         * Disposes every manager handed out: those without a lock first, so that a thread waiting for another
         * manager's lock fails before the holder's release could hand the card over to it.
         */
        void disposeAll(String reason) {
            List<CardManager> left;
            synchronized (open) {
                left = List.copyOf(open);
                open.clear();
            }
            List<CardManager> holders = new ArrayList<>();
            for (CardManager manager : left) {
                if (manager.isLocked()) {
                    holders.add(manager);
                } else {
                    dispose(manager, reason);
                }
            }
            for (CardManager manager : holders) {
                dispose(manager, reason);
            }
        }

        private void dispose(CardManager manager, String reason) {
            try {
                manager.dispose(reason);
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "disposing a manager of the " + name + " backend: " + e);
            }
        }
    }

    /**
     * Hands each bundle a resource manager whose handles belong to that bundle; when the bundle goes away (or the
     * core stops), that bundle's handles are disconnected; a bundle that only released the service keeps them.
     */
    private final class ResourceManagers implements ServiceFactory<SCardResourceManager> {
        @Override
        public SCardResourceManager getService(Bundle bundle, ServiceRegistration<SCardResourceManager> registration) {
            return new BackendResourceManager(backend, handles).forOwner(bundle);
        }

        @Override
        public void ungetService(Bundle bundle, ServiceRegistration<SCardResourceManager> registration,
                SCardResourceManager service) {
            if ((bundle.getState() & (Bundle.ACTIVE | Bundle.STARTING)) == 0) {
                ((BackendResourceManager) service).closeAll();
            }
        }
    }
}
