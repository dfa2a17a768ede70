package dev.scard.remote.client.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import dev.scard.api.SCardServiceProperties;
import dev.scard.core.log.BundleLog;
import dev.scard.core.log.Log;
import dev.scard.core.spi.Backend;
import dev.scard.core.spi.EventChannel;
import dev.scard.core.spi.EventChannels;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.SecretBytes;

/**
 * The remote backend's component: while its configuration ({@value RemoteCardHost#CLIENT_PID}, {@link ClientConfig})
 * exists, registers a {@link RemoteBackend} as the {@link Backend} {@code scard.backend=remote} (ranking
 * {@value #RANKING}: below the simulator and PC/SC, so it becomes the default only by {@code scard:use remote}), and
 * gives it every
 * {@link RemoteCardHost} service: those imported through Remote Services ({@code service.imported}) and, unless
 * {@code acceptLocal} is false, those of this framework.
 *
 * <p>The secrets are kept as bytes for as long as the component runs (they are sent on every listing, poll and
 * session open) and never logged or shown. The component registers the backend itself, with two properties only, so
 * that no configuration property (a secret) becomes a service property.
 */
@Component(name = RemoteCardHost.CLIENT_PID, configurationPid = RemoteCardHost.CLIENT_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true, service = {})
@Designate(ocd = ClientConfig.class)
public final class RemoteBackendComponent {

    /**
     * The log of the remote backend bundle: its {@code LoggerFactory} service, bound by this component; every class of the
     * bundle logs through it ({@link BundleLog#logger(Class)}). First of the static fields: the others use it.
     */
    static final BundleLog LOGS = new BundleLog();
    private static final Log LOG = LOGS.logger(RemoteBackendComponent.class);
    /** The ranking of the remote backend's services. */
    static final int RANKING = 20;

    @Reference
    private EventChannels eventChannels;
    /** The host services bound before and while the backend runs, by service id; guarded by this. */
    private final Map<Long, Bound> hosts = new LinkedHashMap<>();
    /** The running backend, or null; guarded by this. */
    private RemoteBackend backend;
    private ServiceRegistration<Backend> registration;
    private EventChannel events;
    private boolean acceptLocal = true;

    private record Bound(RemoteCardHost service, Map<String, Object> properties) {
    }

    /** DS creates it. */
    public RemoteBackendComponent() {
    }

    /**
     * Binds the bundle's {@code LoggerFactory} (the OSGi Log Service: Felix Log, Pax Logging), which the bundle's
     * classes log through from now on ({@link #LOGS}); optional: without one they log to {@link System.Logger}.
     *
     * @param loggerFactory the bundle's own logger factory
     */
    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC)
    void bindLoggerFactory(LoggerFactory loggerFactory) {
        LOGS.bind(loggerFactory);
    }

    /**
     * Unbinds the logger factory: the bundle's classes log to {@link System.Logger} until another is bound.
     *
     * @param loggerFactory the factory that goes
     */
    void unbindLoggerFactory(LoggerFactory loggerFactory) {
        LOGS.unbind(loggerFactory);
    }

    /** Opens the event channel, starts the backend with the hosts bound so far and registers it. */
    @Activate
    void activate(BundleContext context, ClientConfig config) {
        long millis = config.callTimeoutMillis();
        if (millis < 100) {
            LOG.log(Level.ERROR, RemoteCardHost.CLIENT_PID + ": callTimeoutMillis must be at least 100, not " + millis
                    + "; using " + Backend.DEFAULT_CALL_TIMEOUT.toMillis());
            millis = Backend.DEFAULT_CALL_TIMEOUT.toMillis();
        }
        long listMillis = config.listTimeoutMillis();
        if (listMillis < 100) {
            LOG.log(Level.ERROR, RemoteCardHost.CLIENT_PID + ": listTimeoutMillis must be at least 100, not "
                    + listMillis + "; using 5000");
            listMillis = 5_000L;
        }
        Map<String, byte[]> perHost = hostSecrets(config.hostSecrets());
        byte[] common = SecretBytes.utf8(config.secret());
        if (common.length == 0 && perHost.isEmpty()) {
            LOG.log(Level.WARNING, RemoteCardHost.CLIENT_PID + ": no secret is configured; every host will refuse "
                    + "this client (E_ACCESSDENIED)");
        }
        events = eventChannels.open(RemoteCardHost.BACKEND);
        RemoteBackend started = new RemoteBackend(Duration.ofMillis(millis), Duration.ofMillis(listMillis),
                host -> perHost.getOrDefault(host, common), events::publish);
        synchronized (this) {
            acceptLocal = config.acceptLocal();
            backend = started;
            hosts.forEach((id, bound) -> use(started, id, bound));
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(SCardServiceProperties.BACKEND, RemoteCardHost.BACKEND);
        properties.put(Constants.SERVICE_RANKING, RANKING);
        registration = context.registerService(Backend.class, started, properties);
    }

    /**
     * Withdraws the backend (the core disposes its managers and handles while it still works), then closes the
     * connections left, stops following the hosts (READER_REMOVED for their readers) and closes the channel.
     */
    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // Unregistered with the bundle already.
        }
        RemoteBackend stopping;
        synchronized (this) {
            stopping = backend;
            backend = null;
        }
        stopping.stop();
        events.close();
    }

    /** A host service came. */
    @Reference(service = RemoteCardHost.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindHost(RemoteCardHost host, Map<String, Object> properties) {
        Bound bound = new Bound(host, new HashMap<>(properties));
        hosts.put(serviceId(properties), bound);
        if (backend != null) {
            use(backend, serviceId(properties), bound);
        }
    }

    /** A host service went. */
    void unbindHost(RemoteCardHost host, Map<String, Object> properties) {
        RemoteBackend current;
        synchronized (this) {
            hosts.remove(serviceId(properties));
            current = backend;
        }
        if (current != null) {
            current.removeHost(serviceId(properties));
        }
    }

    private void use(RemoteBackend target, long id, Bound bound) {
        if (acceptLocal || bound.properties().get("service.imported") != null) {
            target.addHost(id, bound.service(), bound.properties());
        }
    }

    private static long serviceId(Map<String, Object> properties) {
        return ((Number) properties.get("service.id")).longValue();
    }

    /** The {@code <host name>=<secret>} entries as bytes by host; malformed entries are logged without their value. */
    private static Map<String, byte[]> hostSecrets(String[] entries) {
        Map<String, byte[]> secrets = new HashMap<>();
        for (int i = 0; entries != null && i < entries.length; i++) {
            String entry = entries[i];
            int equals = entry == null ? -1 : entry.indexOf('=');
            if (equals <= 0 || equals == entry.length() - 1 || entry.substring(0, equals).isBlank()) {
                LOG.log(Level.ERROR, RemoteCardHost.CLIENT_PID + ": hostSecrets entry " + (i + 1)
                        + " is not '<host name>=<secret>'; skipped");
                continue;
            }
            secrets.put(entry.substring(0, equals).trim(), SecretBytes.utf8(entry.substring(equals + 1)));
        }
        return secrets;
    }
}
