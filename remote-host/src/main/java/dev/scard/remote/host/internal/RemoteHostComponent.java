package dev.scard.remote.host.internal;

import java.lang.System.Logger.Level;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.util.tracker.ServiceTracker;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.log.BundleLog;
import dev.scard.core.log.Log;
import dev.scard.remote.api.RemoteCardHost;

/**
 * The export side: while its configuration ({@value RemoteCardHost#HOST_PID}, {@link HostConfig}) exists and has a
 * secret, registers a {@link RemoteCardHost} ({@link CardHost}) over this machine's public services and an
 * {@link SCardEventListener} that feeds the host's {@link EventLog}; closes expired sessions on a thread of its own.
 *
 * <p><b>Which readers.</b> Those of the configured {@code backend}, or else of the default backend: the best-ranked
 * {@link ISCardManage} with {@value SCardServiceProperties#BACKEND} or {@value SCardServiceProperties#DEFAULT} (so
 * {@code scard:use} counts), never the {@value RemoteCardHost#BACKEND} backend itself (a host does not serve readers
 * it imports). Each session gets a fresh prototype {@link ISCardManage} of that backend; the readers come from its
 * {@link SCardResourceManager}. When the backend goes, the host's calls fail with {@link HResult#SCARD_E_NO_SERVICE}
 * (and its sessions' managers with {@code SCARD_E_SERVICE_STOPPED}) until it is back.
 *
 * <p><b>Registration.</b> With {@code export} (the default) the service carries the Remote Services properties for
 * the distribution provider {@code scard.tcp} (bundle {@code dev.scard.remote-transport}, whose configuration
 * {@code dev.scard.remote.transport} says the address and port, 127.0.0.1:8201 by default):
 * {@code service.exported.interfaces=dev.scard.remote.api.RemoteCardHost}, {@code service.exported.configs=scard.tcp}
 * and {@code osgi.basic.timeout} (the longest lock wait plus two and a half minutes); and
 * {@value RemoteCardHost#HOST_NAME_PROPERTY} when a host name is configured. The secret is never a service property,
 * and never logged. A configuration change restarts the host (its sessions end). An exported host is registered only
 * while Remote Services can export it through {@code scard.tcp} ({@link ExportGate}: Aries RSA's topology manager
 * would report it as a failure otherwise), and withdrawn while they cannot (its sessions stay).
 *
 * <p><b>Leases.</b> The sweeper thread ({@code scard-remote-host-leases}) looks every quarter lease (at most every
 * second) for sessions whose lease expired and closes them (lock released, transaction ended, connection closed with
 * LEAVE), so a session outlives its last call by at most 1.25 leases. It stops when the component deactivates, which
 * also closes every session.
 */
@Component(name = RemoteCardHost.HOST_PID, configurationPid = RemoteCardHost.HOST_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true, service = {})
@Designate(ocd = HostConfig.class)
public final class RemoteHostComponent {

    /**
     * The log of the remote host bundle: its {@code LoggerFactory} service, bound by this component; every class of the
     * bundle logs through it ({@link BundleLog#logger(Class)}). First of the static fields: the others use it.
     */
    static final BundleLog LOGS = new BundleLog();
    private static final Log LOG = LOGS.logger(RemoteHostComponent.class);
    /** The Remote Services config type of the distribution provider (bundle dev.scard.remote-transport). */
    static final String SCARD_TCP = "scard.tcp";

    private static final long MAX_SWEEP_MILLIS = 1_000L;

    private BundleContext context;
    private ServiceTracker<ISCardManage, ServiceReference<ISCardManage>> managers;
    private ServiceTracker<SCardResourceManager, SCardResourceManager> resources;
    private EventLog events;
    private CardHost host;
    private Thread sweeper;
    private ServiceRegistration<SCardEventListener> listenerRegistration;
    /** The host's registration, or null while it is not registered; guarded by {@link #registrationLock}. */
    private ServiceRegistration<RemoteCardHost> hostRegistration;
    private final Object registrationLock = new Object();
    /** The host's service properties, or null once it stops; guarded by {@link #registrationLock}. */
    private Hashtable<String, Object> hostProperties;
    /** What registers an exported host once scard.tcp can export it, or null (not exported). */
    private ExportGate exportGate;

    /** DS creates it. */
    public RemoteHostComponent() {
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

    /** Checks the configuration and, when it is usable, starts the host (see the class comment). */
    @Activate
    void activate(BundleContext bundleContext, HostConfig config) {
        context = bundleContext;
        HostSecret secret;
        try {
            secret = HostSecret.of(config.secret());
            check(config);
        } catch (IllegalArgumentException e) {
            LOG.log(Level.ERROR, RemoteCardHost.HOST_PID + ": " + e.getMessage() + "; the remote host does not start");
            return;
        }
        String backend = config.backend() == null ? "" : config.backend().trim();
        managers = new ServiceTracker<>(context, filter(ISCardManage.class, backend), new ReferenceOnly<>());
        resources = new ServiceTracker<>(context, filter(SCardResourceManager.class, backend), null);
        managers.open();
        resources.open();
        events = new EventLog(1024);
        host = new CardHost(secret, new TrackedCards(), new SessionTable(config.leaseMillis(), config.maxSessions(),
                System::nanoTime), events, config.maxLockWaitMillis());
        listenerRegistration = context.registerService(SCardEventListener.class, this::cardEvent, null);
        // A local copy: the thread must not keep the configuration (and its secret String) for the host's life.
        long leaseMillis = config.leaseMillis();
        sweeper = new Thread(() -> sweep(leaseMillis), "scard-remote-host-leases");
        sweeper.setDaemon(true);
        sweeper.start();
        synchronized (registrationLock) {
            hostProperties = properties(config);
        }
        if (config.export()) {
            exportGate = new ExportGate(context, SCARD_TCP, this::registerHost, () -> {
                synchronized (registrationLock) {
                    unregisterHost();
                }
            });
            exportGate.start();
        } else {
            registerHost();
        }
        LOG.log(Level.INFO, RemoteCardHost.HOST_PID + ": serving the readers of "
                + (backend.isEmpty() ? "the default backend" : "backend '" + backend + "'")
                + (config.export() ? " exported through " + SCARD_TCP
                        : " in this framework only") + ", lease " + config.leaseMillis() + " ms");
    }

    /** Withdraws the services, stops the sweeper and closes every session. */
    @Deactivate
    void deactivate() {
        if (host == null) {
            return;
        }
        if (exportGate != null) {
            exportGate.stop();
            exportGate = null;
        }
        synchronized (registrationLock) {
            hostProperties = null;
            unregisterHost();
        }
        unregister(listenerRegistration);
        sweeper.interrupt();
        try {
            sweeper.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        host.closeAll();
        events.close();
        managers.close();
        resources.close();
        host = null;
    }

    private static void check(HostConfig config) {
        if (config.leaseMillis() < 100 || config.leaseMillis() > 600_000) {
            throw new IllegalArgumentException("leaseMillis must be 100 to 600000, not " + config.leaseMillis());
        }
        if (config.maxSessions() < 1) {
            throw new IllegalArgumentException("maxSessions must be positive, not " + config.maxSessions());
        }
        if (config.maxLockWaitMillis() < 0 || config.maxLockWaitMillis() > 600_000) {
            throw new IllegalArgumentException("maxLockWaitMillis must be 0 to 600000, not "
                    + config.maxLockWaitMillis());
        }
        String backend = config.backend() == null ? "" : config.backend().trim();
        if (backend.equals(RemoteCardHost.BACKEND) || !backend.matches("[a-z0-9-]*")) {
            throw new IllegalArgumentException("backend must be the name of a local backend (lower-case letters, digits"
                    + " and '-', not '" + RemoteCardHost.BACKEND + "'), not '" + backend + "'");
        }
    }

    /** The service properties of the host (never the secret). */
    private static Hashtable<String, Object> properties(HostConfig config) {
        Hashtable<String, Object> properties = new Hashtable<>();
        if (config.export()) {
            properties.put("service.exported.interfaces", RemoteCardHost.class.getName());
            properties.put("service.exported.configs", SCARD_TCP);
            properties.put("osgi.basic.timeout",
                    config.maxLockWaitMillis() + TimeUnit.SECONDS.toMillis(150));
        }
        String hostName = config.hostName() == null ? "" : config.hostName().trim();
        if (!hostName.isEmpty()) {
            properties.put(RemoteCardHost.HOST_NAME_PROPERTY, hostName);
        }
        return properties;
    }

    /**
     * The services of the configured backend, or of every backend but the remote one (the tracker's best is the
     * default: the {@code scard.default} registrations rank above their backend's).
     */
    private Filter filter(Class<?> type, String backend) {
        String objectClass = "(objectClass=" + type.getName() + ")";
        String which = backend.isEmpty()
                ? "(|(" + SCardServiceProperties.BACKEND + "=*)(" + SCardServiceProperties.DEFAULT + "=*))"
                        + "(!(" + SCardServiceProperties.BACKEND + "=" + RemoteCardHost.BACKEND + "))"
                        + "(!(" + SCardServiceProperties.DEFAULT + "=" + RemoteCardHost.BACKEND + "))"
                : "(" + SCardServiceProperties.BACKEND + "=" + backend + ")";
        try {
            return FrameworkUtil.createFilter("(&" + objectClass + which + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException("the backend name was checked", e);
        }
    }

    /** The served backend now: the name of the best-ranked tracked manager's backend, or null. */
    private String servedBackend() {
        ServiceReference<ISCardManage> best = managers.getServiceReference();
        if (best == null) {
            return null;
        }
        Object name = best.getProperty(SCardServiceProperties.BACKEND);
        if (name == null) {
            name = best.getProperty(SCardServiceProperties.DEFAULT);
        }
        return name == null ? null : name.toString();
    }

    /** Keeps the served backend's events for the clients' polls. */
    private void cardEvent(SCardEvent event) {
        EventLog log = events;
        if (log != null && event.backend().equals(servedBackend())) {
            log.append(event);
        }
    }

    private void sweep(long leaseMillis) {
        long interval = Math.max(10L, Math.min(leaseMillis / 4, MAX_SWEEP_MILLIS));
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            try {
                int closed = host.closeExpired();
                if (closed > 0) {
                    LOG.log(Level.INFO, RemoteCardHost.HOST_PID + ": closed " + closed
                            + " session(s) whose lease of " + leaseMillis + " ms expired");
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, RemoteCardHost.HOST_PID + ": closing expired sessions failed ("
                        + e.getClass().getName() + ")");
            }
        }
    }

    /** Registers the host unless it is registered or stopped. */
    private void registerHost() {
        synchronized (registrationLock) {
            if (hostRegistration == null && hostProperties != null) {
                hostRegistration = context.registerService(RemoteCardHost.class, host, hostProperties);
            }
        }
    }

    /** Withdraws the host's registration, if any (its sessions stay); under {@link #registrationLock}. */
    private void unregisterHost() {
        if (hostRegistration != null) {
            unregister(hostRegistration);
            hostRegistration = null;
        }
    }

    private static void unregister(ServiceRegistration<?> registration) {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // Unregistered already (the bundle is stopping).
        }
    }

    /** The served backend's services as {@link CardHost} uses them. */
    private final class TrackedCards implements LocalCards {

        @Override
        public List<ReaderInfo> listReaders() {
            String backend = requireBackend();
            ServiceReference<SCardResourceManager>[] references = resources.getServiceReferences();
            if (references != null) {
                for (ServiceReference<SCardResourceManager> reference : references) {
                    if (backend.equals(reference.getProperty(SCardServiceProperties.BACKEND))) {
                        SCardResourceManager resourceManager = resources.getService(reference);
                        if (resourceManager != null) {
                            return resourceManager.listReaders();
                        }
                    }
                }
            }
            throw noService(backend);
        }

        @Override
        public Manager newManager() {
            String backend = requireBackend();
            ServiceReference<ISCardManage>[] references = managers.getServiceReferences();
            if (references != null) {
                for (ServiceReference<ISCardManage> reference : references) {
                    if (backend.equals(reference.getProperty(SCardServiceProperties.BACKEND))) {
                        ServiceObjects<ISCardManage> objects = context.getServiceObjects(reference);
                        ISCardManage manage = objects == null ? null : objects.getService();
                        if (manage != null) {
                            return new Manager(manage, () -> objects.ungetService(manage));
                        }
                    }
                }
            }
            throw noService(backend);
        }

        private String requireBackend() {
            String backend = servedBackend();
            if (backend == null) {
                throw new SCardException(HResult.SCARD_E_NO_SERVICE, "the host has no backend to serve");
            }
            return backend;
        }

        private SCardException noService(String backend) {
            return new SCardException(HResult.SCARD_E_NO_SERVICE, "backend '" + backend + "' is not there on the host");
        }
    }

    /** A tracker customizer that keeps the reference only: a prototype service is got per session instead. */
    private static final class ReferenceOnly<S> implements org.osgi.util.tracker.ServiceTrackerCustomizer<S,
            ServiceReference<S>> {

        @Override
        public ServiceReference<S> addingService(ServiceReference<S> reference) {
            return reference;
        }

        @Override
        public void modifiedService(ServiceReference<S> reference, ServiceReference<S> service) {
        }

        @Override
        public void removedService(ServiceReference<S> reference, ServiceReference<S> service) {
        }
    }
}
