package dev.scard.remote.rsa;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedServiceFactory;
import org.osgi.service.remoteserviceadmin.EndpointDescription;
import org.osgi.service.remoteserviceadmin.EndpointEvent;
import org.osgi.service.remoteserviceadmin.EndpointEventListener;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Static discovery of remote services: each factory configuration {@value #FACTORY_PID}{@code ~<name>} is one endpoint
 * description (OSGi Remote Services: {@code endpoint.id}, {@code objectClass}, {@code service.imported.configs}, ...),
 * announced to every {@link EndpointEventListener} (Aries RSA's topology manager) whose scope it matches, so that the
 * service is imported; deleting the configuration withdraws it. For small setups whose hosts are known; hosts that
 * come and go are found through ZooKeeper instead.
 *
 * <p>Our own, in place of Aries RSA's config discovery: its 1.16.1 artifact names a parent POM that was never
 * published, so a build that resolves it from Maven Central fails. A configuration that is not a valid endpoint
 * description is refused with a {@link ConfigurationException} naming what is missing (Config Admin logs it), and
 * nothing is announced for it.
 *
 * <p>Threads: Config Admin's and the framework's. The endpoints are guarded by this object's monitor; listeners are
 * called outside it.
 */
final class StaticEndpoints implements ManagedServiceFactory {

    /** The factory PID of the endpoint configurations. */
    static final String FACTORY_PID = "dev.scard.remote.endpoint";

    /** Configuration properties that belong to Config Admin, not to the endpoint description. */
    private static final Set<String> ADMIN_PROPERTIES = Set.of(Constants.SERVICE_PID, "service.factoryPid",
            "service.bundleLocation", "felix.fileinstall.filename", ":configurator:resource-version");

    private final Map<String, EndpointDescription> endpoints = new HashMap<>();
    private final ServiceTracker<EndpointEventListener, EndpointEventListener> listeners;

    StaticEndpoints(BundleContext context) {
        listeners = new ServiceTracker<>(context, EndpointEventListener.class, null) {
            @Override
            public EndpointEventListener addingService(ServiceReference<EndpointEventListener> reference) {
                EndpointEventListener listener = super.addingService(reference);
                if (listener != null) {
                    for (EndpointDescription endpoint : snapshot()) {
                        tell(reference, listener, new EndpointEvent(EndpointEvent.ADDED, endpoint));
                    }
                }
                return listener;
            }

            /** A listener whose scope changed (the topology manager's, when a service is looked for) hears it again. */
            @Override
            public void modifiedService(ServiceReference<EndpointEventListener> reference,
                    EndpointEventListener listener) {
                for (EndpointDescription endpoint : snapshot()) {
                    tell(reference, listener, new EndpointEvent(EndpointEvent.ADDED, endpoint));
                }
            }
        };
    }

    /** Starts tracking the listeners. */
    void open() {
        listeners.open();
    }

    /** Stops tracking them: every endpoint is withdrawn first. */
    void close() {
        List<EndpointDescription> all;
        synchronized (this) {
            all = new ArrayList<>(endpoints.values());
            endpoints.clear();
        }
        all.forEach(endpoint -> announce(new EndpointEvent(EndpointEvent.REMOVED, endpoint)));
        listeners.close();
    }

    @Override
    public String getName() {
        return "SCard static remote endpoints";
    }

    /**
     * Announces the endpoint the configuration describes (withdrawing the one it described before).
     *
     * @throws ConfigurationException when the properties are not a valid endpoint description
     */
    @Override
    public void updated(String pid, Dictionary<String, ?> properties) throws ConfigurationException {
        EndpointDescription endpoint = endpoint(properties);
        EndpointDescription before;
        synchronized (this) {
            before = endpoints.put(pid, endpoint);
        }
        if (before != null) {
            announce(new EndpointEvent(EndpointEvent.REMOVED, before));
        }
        announce(new EndpointEvent(EndpointEvent.ADDED, endpoint));
    }

    /** Withdraws the endpoint of a deleted configuration. */
    @Override
    public void deleted(String pid) {
        EndpointDescription before;
        synchronized (this) {
            before = endpoints.remove(pid);
        }
        if (before != null) {
            announce(new EndpointEvent(EndpointEvent.REMOVED, before));
        }
    }

    /** The endpoint description of a configuration's properties. */
    static EndpointDescription endpoint(Dictionary<String, ?> properties) throws ConfigurationException {
        Map<String, Object> description = new HashMap<>();
        for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            if (!ADMIN_PROPERTIES.contains(key)) {
                Object value = properties.get(key);
                description.put(key, Constants.OBJECTCLASS.equals(key) && value instanceof String single
                        ? new String[] {single} : value);
            }
        }
        try {
            return new EndpointDescription(description);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(null, "not a remote endpoint description: " + e.getMessage());
        }
    }

    private synchronized List<EndpointDescription> snapshot() {
        return new ArrayList<>(endpoints.values());
    }

    private void announce(EndpointEvent event) {
        ServiceReference<EndpointEventListener>[] references = listeners.getServiceReferences();
        if (references == null) {
            return;
        }
        for (ServiceReference<EndpointEventListener> reference : references) {
            EndpointEventListener listener = listeners.getService(reference);
            if (listener != null) {
                tell(reference, listener, event);
            }
        }
    }

    /** Tells a listener of the event with the first of its scope filters that the endpoint matches, if any. */
    private static void tell(ServiceReference<?> reference, EndpointEventListener listener, EndpointEvent event) {
        for (String filter : scope(reference.getProperty(EndpointEventListener.ENDPOINT_LISTENER_SCOPE))) {
            if (event.getEndpoint().matches(filter)) {
                listener.endpointChanged(event, filter);
                return;
            }
        }
    }

    private static List<String> scope(Object value) {
        if (value instanceof String filter) {
            return List.of(filter);
        }
        if (value instanceof String[] filters) {
            return List.of(filters);
        }
        if (value instanceof Collection<?> filters) {
            return filters.stream().map(String::valueOf).toList();
        }
        return List.of();
    }
}
