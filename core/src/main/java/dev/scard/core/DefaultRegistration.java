package dev.scard.core;

import java.lang.System.Logger.Level;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.PrototypeServiceFactory;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;

/**
 * The <i>default registrations</i> of a backend: while the backend's configuration (PID
 * {@value SCardServiceProperties#SERVICES_PID_PREFIX}{@code <backend>}, written by {@code scard:use} or through Config Admin) sets a
 * {@code service.ranking}, its {@link ISCardManage} and {@link SCardResourceManager} are registered a second time,
 * ranked one above that ranking and marked {@value SCardServiceProperties#DEFAULT}{@code =<backend>} instead of
 * {@link SCardServiceProperties#BACKEND}. This is what makes consumers with dynamic greedy references rebind when
 * the default backend changes.
 *
 * <p><b>Why a second registration.</b> The backends' own registrations take the configured ranking too (their
 * components share the PID and have a {@code @Modified} method, so the ranking changes in place and no manager in
 * use is disposed), but a ranking changed in place reaches consumers as a {@code ServiceEvent.MODIFIED}, and Apache
 * Felix SCR (2.2.18 and its current sources, {@code DependencyManager.SingleDynamicCustomizer.modifiedService})
 * then only calls the reference's {@code updated} method: a greedy reference rebinds when a better service is
 * <em>registered</em> or the bound one is <em>unregistered</em>, never on a modification. So a backend that
 * becomes the default registers new services, which greedy consumers rebind to, and a backend that stops being
 * the default unregisters them, which moves the consumers still bound to them to the best service left.
 *
 * <p><b>Ranking.</b> One above the configured ranking (saturating at {@link Integer#MAX_VALUE}): with the same
 * ranking, the OSGi order prefers the older service, so a consumer bound to a stepping-down backend's own
 * registration (still carrying the same ranking until its configuration is deleted) would not move.
 *
 * <p><b>Who sees them.</b> They carry no {@link SCardServiceProperties#BACKEND} property, so consumers that target
 * a backend by filter never bind them and keep their manager (and its attachment) across a switch; consumers
 * without a filter get the default backend. The manager registration is a prototype: each instance it hands out
 * is a fresh instance of the backend's own {@link ISCardManage} service, got and released through that service,
 * so unregistering (the framework releases every instance handed out) disposes the managers exactly as releasing
 * them would: their calls fail with {@code SCARD_E_SERVICE_STOPPED}, and their connections and locks are released.
 *
 * <p>The resource manager registration is bundle-scoped, like the backend's own: each bundle gets a view of its own
 * that passes every call to a resource manager of the backend whose handles belong to that bundle (same readers; see
 * {@link BackendResourceManager#forOwner}). A consumer's unbind method that clears its field only when handed the
 * object it holds ({@code if (rm == unbound) rm = null}) is not fooled when it moves from the backend's own
 * registration to the default one, which it would be if both registrations carried the same object.
 *
 * <p><b>Handle owners.</b> The managers handed out here are got through the backend bundle's own context, so the
 * backend sees its own bundle as their user; each one that is an {@link OwnedManager} is handed over to the bundle
 * that got it here, so that it attaches to the handles that bundle opened, as a manager from the backend's own
 * registration would.
 *
 * <p>A change of the configured ranking registers new default services before unregistering the old ones, so
 * consumers move once, straight to the best service. Thread-safe.
 */
public final class DefaultRegistration implements AutoCloseable {

    /**
     * The configuration PID prefix of a backend's services, the API's
     * {@link SCardServiceProperties#SERVICES_PID_PREFIX}: the backends' components name their PID with it.
     */
    public static final String PID_PREFIX = SCardServiceProperties.SERVICES_PID_PREFIX;

    private static final System.Logger LOG = System.getLogger(DefaultRegistration.class.getName());

    private final BundleContext context;
    private final String backend;
    private final SCardResourceManager resourceManager;
    private final ServiceReference<ISCardManage> manager;
    private Integer ranking;
    private ServiceRegistration<SCardResourceManager> resourceManagerRegistration;
    private ServiceRegistration<?> managerRegistration;

    /**
     * Registers the default services when {@code configuration} sets a ranking.
     *
     * @param context the backend bundle's context, which registers the services and gets the managers
     * @param backend the backend's name ({@link SCardServiceProperties#BACKEND} value)
     * @param resourceManager the backend's resource manager, registered again through a view that calls it
     * @param manager the backend's own {@link ISCardManage} (prototype) registration, which makes the managers
     * @param configuration the configuration's properties ({@code service.ranking} Integer, Long or numeric String)
     */
    public DefaultRegistration(BundleContext context, String backend, SCardResourceManager resourceManager,
            ServiceReference<ISCardManage> manager, Map<String, ?> configuration) {
        this.context = context;
        this.backend = backend;
        this.resourceManager = resourceManager;
        this.manager = manager;
        update(configuration);
    }

    /**
     * Applies a changed configuration: registers anew when the ranking changed (new services first, then the old
     * ones go), unregisters when the configuration no longer sets one, and does nothing when it is the same.
     */
    public synchronized void update(Map<String, ?> configuration) {
        Integer wanted = ranking(configuration == null ? null : configuration.get(Constants.SERVICE_RANKING));
        if (wanted == null ? ranking == null : wanted.equals(ranking)) {
            return;
        }
        ServiceRegistration<SCardResourceManager> oldResourceManager = resourceManagerRegistration;
        ServiceRegistration<?> oldManager = managerRegistration;
        resourceManagerRegistration = null;
        managerRegistration = null;
        ranking = wanted;
        if (wanted != null) {
            int above = wanted == Integer.MAX_VALUE ? wanted : wanted + 1;
            managerRegistration = context.registerService(ISCardManage.class.getName(), new Managers(),
                    properties(above));
            resourceManagerRegistration = context.registerService(SCardResourceManager.class,
                    new ResourceManagers(), properties(above));
        }
        unregister(oldManager);
        unregister(oldResourceManager);
    }

    /** The configured ranking, or null when none is set (or it is no number, which is logged). */
    public Integer ranking() {
        synchronized (this) {
            return ranking;
        }
    }

    /** Unregisters the default services (the managers they handed out are released). */
    @Override
    public synchronized void close() {
        ranking = null;
        unregister(managerRegistration);
        unregister(resourceManagerRegistration);
        managerRegistration = null;
        resourceManagerRegistration = null;
    }

    /** The ranking a configuration value stands for: Integer, Long or a decimal String; null for none or junk. */
    static Integer ranking(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Integer) {
            return (Integer) value;
        }
        if (value instanceof Number) {
            long number = ((Number) value).longValue();
            return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, number));
        }
        try {
            return Integer.valueOf(value.toString().trim());
        } catch (NumberFormatException e) {
            LOG.log(Level.ERROR, "service.ranking '" + value + "' is not an integer: no default registration");
            return null;
        }
    }

    /**
     * A distinct object that passes every {@link SCardResourceManager} call to {@code target} (exceptions as they
     * are); it is equal only to itself.
     */
    static SCardResourceManager view(SCardResourceManager target) {
        return (SCardResourceManager) Proxy.newProxyInstance(SCardResourceManager.class.getClassLoader(),
                new Class<?>[] {SCardResourceManager.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "equals":
                            if (method.getParameterCount() == 1) {
                                return proxy == args[0];
                            }
                            break;
                        case "hashCode":
                            if (method.getParameterCount() == 0) {
                                return System.identityHashCode(proxy);
                            }
                            break;
                        case "toString":
                            if (method.getParameterCount() == 0) {
                                return "default registration of " + target;
                            }
                            break;
                        default:
                            break;
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private Dictionary<String, Object> properties(int serviceRanking) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(Constants.SERVICE_RANKING, serviceRanking);
        properties.put(SCardServiceProperties.DEFAULT, backend);
        return properties;
    }

    private static void unregister(ServiceRegistration<?> registration) {
        if (registration == null) {
            return;
        }
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // unregistered already (the bundle is stopping)
        }
    }

    /**
     * A backend's manager whose handle owner (see {@link HandleTable#scopedTo}) can be handed over: to the bundle
     * that got it through a default registration.
     */
    public interface OwnedManager {
        /**
         * Makes {@code consumer} the owner whose handles this manager attaches to.
         *
         * @param consumer the bundle that got the manager
         */
        void ownedBy(Bundle consumer);
    }

    /**
     * Hands each bundle a view ({@link #view}) of the backend's resource manager for that bundle
     * ({@link BackendResourceManager#forOwner}; another kind of resource manager as it is).
     */
    private final class ResourceManagers implements ServiceFactory<SCardResourceManager> {
        @Override
        public SCardResourceManager getService(Bundle bundle, ServiceRegistration<SCardResourceManager> registration) {
            SCardResourceManager target = resourceManager instanceof BackendResourceManager own && bundle != null
                    ? own.forOwner(bundle) : resourceManager;
            return view(target);
        }

        @Override
        public void ungetService(Bundle bundle, ServiceRegistration<SCardResourceManager> registration,
                SCardResourceManager service) {
            // the handles stay open until their owner disconnects them or the backend stops
        }
    }

    /**
     * Hands out instances of the backend's own prototype {@link ISCardManage} service, each handed over to the
     * bundle that got it ({@link OwnedManager}).
     */
    private final class Managers implements PrototypeServiceFactory<ISCardManage> {
        private final ServiceObjects<ISCardManage> objects = context.getServiceObjects(manager);

        @Override
        public ISCardManage getService(Bundle bundle, ServiceRegistration<ISCardManage> registration) {
            if (objects == null) {
                LOG.log(Level.WARNING, "the " + backend + " backend's ISCardManage service is gone");
                return null;
            }
            ISCardManage instance = objects.getService();
            if (instance instanceof OwnedManager owned && bundle != null) {
                owned.ownedBy(bundle);
            }
            return instance;
        }

        @Override
        public void ungetService(Bundle bundle, ServiceRegistration<ISCardManage> registration, ISCardManage service) {
            try {
                objects.ungetService(service);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // the backend's own service is gone, which released the instance already
            }
        }
    }
}
