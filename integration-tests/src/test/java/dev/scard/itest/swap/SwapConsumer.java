package dev.scard.itest.swap;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.annotations.ReferenceScope;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;

/**
 * A consumer as an application writes one: it references {@link ISCardManage} and {@link SCardResourceManager} with
 * dynamic, greedy references, takes its own manager instance (prototype scope) from the bound service on every bind,
 * and remembers what it was given. Each factory configuration ({@value #FACTORY_PID}, activated only by the swap
 * tests) is one consumer, named by its {@code label} property; {@code manager.target} and
 * {@code resourceManager.target} give it a backend filter.
 *
 * <p>The manager comes through {@link ComponentServiceObjects}, not injected directly with
 * {@code scope = PROTOTYPE_REQUIRED}: Felix SCR 2.2.18 keeps the instance of a prototype-required reference per
 * service reference for the component's lifetime ({@code ComponentServiceObjectsHelper.prototypeInstances}, not
 * cleared on unbind), so a dynamic reference that is bound again to a service it was bound to before (the PC/SC
 * backend, after the simulator stopped a second time) gets the instance it released then, which fails with
 * {@code SCARD_E_SERVICE_STOPPED}. {@link ComponentServiceObjects} are closed on unbind and made anew on every bind.
 */
@Component(configurationPid = SwapConsumer.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = SwapConsumer.class)
public class SwapConsumer {

    /** The factory PID the tests create consumers with. */
    public static final String FACTORY_PID = "dev.scard.itest.swap.consumer";

    /**
     * One bind or unbind.
     *
     * @param reference {@code manager} or {@code resourceManager}
     * @param bound true for a bind
     * @param backend the backend of the service ({@code scard.default} or {@code scard.backend})
     * @param service the service object
     */
    public record Binding(String reference, boolean bound, String backend, Object service) {
    }

    private final List<Binding> history = new CopyOnWriteArrayList<>();
    private ComponentServiceObjects<ISCardManage> managerObjects;
    private volatile ISCardManage manager;
    private volatile String managerBackend;
    private volatile SCardResourceManager resourceManager;

    @Reference(name = "manager", service = ISCardManage.class, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, scope = ReferenceScope.PROTOTYPE_REQUIRED,
            unbind = "unbindManager")
    void bindManager(ComponentServiceObjects<ISCardManage> objects, Map<String, Object> properties) {
        String backend = backendOf(properties);
        ISCardManage bound = objects.getService();
        history.add(new Binding("manager", true, backend, bound));
        synchronized (this) {
            managerObjects = objects;
            manager = bound;
            managerBackend = backend;
        }
    }

    void unbindManager(ComponentServiceObjects<ISCardManage> objects, Map<String, Object> properties) {
        ISCardManage released = null;
        synchronized (this) {
            if (managerObjects == objects) { // SCR binds the replacement first
                released = manager;
                managerObjects = null;
                manager = null;
                managerBackend = null;
            }
        }
        history.add(new Binding("manager", false, backendOf(properties), released));
        // SCR releases what was got from these objects once this returns: the manager is disposed then.
    }

    @Reference(name = "resourceManager", policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindResourceManager")
    void bindResourceManager(SCardResourceManager bound, Map<String, Object> properties) {
        history.add(new Binding("resourceManager", true, backendOf(properties), bound));
        resourceManager = bound;
    }

    void unbindResourceManager(SCardResourceManager unbound, Map<String, Object> properties) {
        history.add(new Binding("resourceManager", false, backendOf(properties), unbound));
        if (resourceManager == unbound) {
            resourceManager = null;
        }
    }

    /** The manager bound now (this consumer's own instance), or null. */
    public ISCardManage manager() {
        return manager;
    }

    /** The backend of the manager bound now, or null. */
    public String managerBackend() {
        return managerBackend;
    }

    /** The resource manager bound now, or null. */
    public SCardResourceManager resourceManager() {
        return resourceManager;
    }

    /** Every bind and unbind, in order. */
    public List<Binding> history() {
        return List.copyOf(history);
    }

    private static String backendOf(Map<String, Object> properties) {
        Object marked = properties.get("scard.default");
        return String.valueOf(marked != null ? marked : properties.get(SCardServiceProperties.BACKEND));
    }
}
