package dev.scard.core;

import java.lang.System.Logger.Level;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.PrototypeServiceFactory;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.log.Log;

/**
 * The <i>default registrations</i> of a backend: while the backend's configuration (PID
 * {@value SCardServiceProperties#SERVICES_PID_PREFIX}{@code <backend>}, written by {@code scard:use} or through Config Admin) sets a
 * {@code service.ranking}, its {@link ISCardManage} and {@link SCardResourceManager} are registered a second time,
 * ranked one above that ranking and marked {@value SCardServiceProperties#DEFAULT}{@code =<backend>} instead of
 * {@link SCardServiceProperties#BACKEND}. This is what makes consumers with dynamic greedy references rebind when
 * the default backend changes.
 *
 * <p><b>Why a second registration.</b> The backend's own registrations take the configured ranking too
 * ({@link HostedBackend} changes it in place, so no manager in use is disposed), but a ranking changed in place
 * reaches consumers as a {@code ServiceEvent.MODIFIED}, and Apache Felix SCR (2.2.18 and its current sources,
 * {@code DependencyManager.SingleDynamicCustomizer.modifiedService}) then only calls the reference's
 * {@code updated} method: a greedy reference rebinds when a better service is <em>registered</em> or the bound one
 * is <em>unregistered</em>, never on a modification. So a backend that becomes the default registers new services,
 * which greedy consumers rebind to, and a backend that stops being the default unregisters them, which moves the
 * consumers still bound to them to the best service left.
 *
 * <p><b>Ranking.</b> One above the configured ranking (saturating at {@link Integer#MAX_VALUE}): with the same
 * ranking, the OSGi order prefers the older service, so a consumer bound to a stepping-down backend's own
 * registration (still carrying the same ranking until its configuration is deleted) would not move.
 *
 * <p><b>Who sees them.</b> They carry no {@link SCardServiceProperties#BACKEND} property, so consumers that target
 * a backend by filter never bind them and keep their manager (and its attachment) across a switch; consumers
 * without a filter get the default backend. Both registrations carry the same service factories as the backend's
 * own: the manager registration is a prototype handing out a fresh manager per {@code getService}, so unregistering
 * it (the framework releases every instance handed out) disposes the managers exactly as releasing them would:
 * their calls fail with {@code SCARD_E_SERVICE_STOPPED}, and their connections and locks are released. The
 * resource manager registration is bundle-scoped: each bundle gets an object of its own whose handles belong to
 * that bundle, distinct from the one the backend's own registration gives it, so a consumer's unbind method that
 * clears its field only when handed the object it holds ({@code if (rm == unbound) rm = null}) is not fooled when
 * it moves from one registration to the other.
 *
 * <p>A change of the configured ranking registers new default services before unregistering the old ones, so
 * consumers move once, straight to the best service. Thread-safe.
 */
public final class DefaultRegistration implements AutoCloseable {

    private static final Log LOG = BackendHost.LOGS.logger(DefaultRegistration.class);

    private final BundleContext context;
    private final String backend;
    private final ServiceFactory<SCardResourceManager> resourceManagers;
    private final PrototypeServiceFactory<ISCardManage> managers;
    private Integer ranking;
    private ServiceRegistration<SCardResourceManager> resourceManagerRegistration;
    private ServiceRegistration<?> managerRegistration;

    /**
     * Registers the default services when {@code configuration} sets a ranking.
     *
     * @param context the core bundle's context, which registers the services
     * @param backend the backend's name ({@link SCardServiceProperties#BACKEND} value)
     * @param resourceManagers what the backend's own resource manager registration hands out, registered again
     * @param managers what the backend's own {@link ISCardManage} registration hands out, registered again
     * @param configuration the configuration's properties ({@code service.ranking} Integer, Long or numeric String),
     *        or null for none
     */
    public DefaultRegistration(BundleContext context, String backend,
            ServiceFactory<SCardResourceManager> resourceManagers, PrototypeServiceFactory<ISCardManage> managers,
            Map<String, ?> configuration) {
        this.context = context;
        this.backend = backend;
        this.resourceManagers = resourceManagers;
        this.managers = managers;
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
            managerRegistration = context.registerService(ISCardManage.class.getName(), managers,
                    properties(above));
            resourceManagerRegistration = context.registerService(SCardResourceManager.class, resourceManagers,
                    properties(above));
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
}
