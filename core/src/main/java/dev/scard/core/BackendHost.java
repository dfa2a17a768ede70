package dev.scard.core;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardInterfaceFactory;
import dev.scard.api.SCardServiceProperties;
import dev.scard.api.trace.CardTraceListener;
import dev.scard.core.log.BundleLog;
import dev.scard.core.log.Log;
import dev.scard.core.spi.Backend;
import dev.scard.core.spi.EventChannel;
import dev.scard.core.spi.EventChannels;

/**
 * The core's one component: hosts every {@link Backend} service ({@link HostedBackend}: the contract's services
 * for it), owns the {@link InterfaceProviders} all managers of all backends choose from, and provides
 * {@link EventChannels}, delivering each backend's events to the {@link SCardEventListener} services meant for it
 * and to Event Admin.
 *
 * <p><b>Which backend services are hosted.</b> One whose {@link Backend#name()} is lower-case letters, digits and
 * {@code -} and equals its {@value SCardServiceProperties#BACKEND} property; the first of a name (a second service
 * with the same name is logged and ignored until the first goes). Backends are tracked with a
 * {@link ServiceTracker}, so hosting begins while the backend registers its service and ends while it unregisters it
 * (the backend still works then). A change of the backend service's {@code service.ranking} is applied in place.
 *
 * <p><b>Handle spaces.</b> The simulator's handles are in space 0 and PC/SC's in space 1 (as before the core was a
 * bundle); any other backend gets the next free space from 2, so handle values of different backends differ.
 *
 * <p><b>Listeners.</b> A listener without a {@value SCardServiceProperties#BACKEND} property hears every backend, one
 * with it hears that backend only; a listener that comes hears the events published from then on.
 *
 * <p><b>Card trace.</b> {@link CardTraceListener} services (whiteboard) are added to the one {@link CardTap} that
 * every manager of every backend reports to; the backends' card insertions, removals and resets reach it from their
 * channels' delivery threads ({@code scard-<backend>-events}), never from {@link EventChannel#publish}. The
 * component's configuration {@value CardTap#SECRETS_PID} ({@link TraceSecretsConfig}) names the commands the tap
 * withholds beyond the built-in rule; a change applies from the next command on, without restarting anything.
 *
 * <p>State: {@link #hosted}, {@link #reserved}, {@link #listeners} and {@link #channels} are guarded by this
 * object's monitor; the interface providers and the dispatchers are thread-safe themselves.
 */
@Component(service = EventChannels.class, immediate = true, configurationPid = CardTap.SECRETS_PID)
@Designate(ocd = TraceSecretsConfig.class)
public final class BackendHost implements EventChannels {

    /**
     * The log of the core bundle: its {@code LoggerFactory} service, bound by this component; every class
     * of the bundle logs through it ({@link BundleLog#logger(Class)}). First of the static fields: the others use it.
     */
    static final BundleLog LOGS = new BundleLog();
    private static final Log LOG = LOGS.logger(BackendHost.class);

    private static final Pattern BACKEND_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private final InterfaceProviders providers = new InterfaceProviders();
    /** The card trace of every manager of every backend. */
    private final CardTap tap = new CardTap();
    /** Hosted backends by name. */
    private final Map<String, HostedBackend> hosted = new HashMap<>();
    /** Names of backends being hosted right now (their services being registered). */
    private final Set<String> reserved = new HashSet<>();
    /** Whiteboard listeners, each with the backend it is for (null: every backend), in the order they came. */
    private final List<Listener> listeners = new ArrayList<>();
    /** Open channels. */
    private final List<Channel> channels = new ArrayList<>();
    private EventAdmin eventAdmin;
    private ServiceTracker<Backend, HostedBackend> tracker;

    private record Listener(SCardEventListener listener, String backend) {
        boolean hears(String backendName) {
            return backend == null || backend.equals(backendName);
        }
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

    /** Starts hosting the backend services registered now and later, the trace withholding what {@code config} says. */
    @Activate
    void activate(BundleContext context, TraceSecretsConfig config) {
        modified(config);
        tracker = new ServiceTracker<>(context, Backend.class, new Customizer(context));
        tracker.open();
    }

    /** Applies a changed (or deleted) configuration {@value CardTap#SECRETS_PID}: the trace's secret commands. */
    @Modified
    void modified(TraceSecretsConfig config) {
        tap.secretCommands(config.secretCommands());
    }

    /** The card trace of every manager of every backend (for tests of the configuration). */
    CardTap tap() {
        return tap;
    }

    /** Withdraws the services of every backend (their managers are disposed, their handles disconnected). */
    @Deactivate
    void deactivate() {
        tracker.close();
    }

    // ---------------------------------------------------------------- backends

    private final class Customizer implements ServiceTrackerCustomizer<Backend, HostedBackend> {
        private final BundleContext context;

        Customizer(BundleContext context) {
            this.context = context;
        }

        @Override
        public HostedBackend addingService(ServiceReference<Backend> reference) {
            Backend backend = context.getService(reference);
            if (backend == null) {
                return null;
            }
            String problem = check(backend, reference);
            if (problem != null) {
                LOG.log(Level.ERROR, "backend service " + reference.getProperty(Constants.SERVICE_ID) + " of bundle "
                        + reference.getBundle().getSymbolicName() + " not used: " + problem);
                context.ungetService(reference);
                return null;
            }
            HostedBackend host;
            try {
                host = new HostedBackend(context, backend, ranking(reference), handleSpace(backend.name()),
                        providers, tap);
            } finally {
                synchronized (BackendHost.this) {
                    reserved.remove(backend.name());
                }
            }
            synchronized (BackendHost.this) {
                hosted.put(backend.name(), host);
            }
            return host;
        }

        @Override
        public void modifiedService(ServiceReference<Backend> reference, HostedBackend host) {
            host.backendRankingChanged(ranking(reference));
        }

        @Override
        public void removedService(ServiceReference<Backend> reference, HostedBackend host) {
            synchronized (BackendHost.this) {
                hosted.remove(host.name(), host);
            }
            try {
                host.close();
            } finally {
                try {
                    context.ungetService(reference);
                } catch (IllegalStateException e) {
                    // the core bundle is stopping
                }
            }
        }
    }

    /** Why this backend service cannot be hosted, or null. */
    private String check(Backend backend, ServiceReference<Backend> reference) {
        String name;
        try {
            name = backend.name();
        } catch (RuntimeException e) {
            return "its name() failed: " + e;
        }
        if (name == null || !BACKEND_NAME.matcher(name).matches()) {
            return "its name '" + name + "' is not lower-case letters, digits and '-'";
        }
        Object property = reference.getProperty(SCardServiceProperties.BACKEND);
        if (!name.equals(property)) {
            return "its " + SCardServiceProperties.BACKEND + " property '" + property + "' is not its name '" + name
                    + "'";
        }
        synchronized (this) {
            if (hosted.containsKey(name) || !reserved.add(name)) {
                return "a backend named '" + name + "' is registered already";
            }
        }
        return null; // the name stays reserved until the backend is hosted
    }

    private static int ranking(ServiceReference<?> reference) {
        Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
        return ranking instanceof Integer value ? value : 0;
    }

    /** 0 for the simulator, 1 for PC/SC, else the lowest space from 2 that no hosted backend uses. */
    private synchronized int handleSpace(String name) {
        if (SCardServiceProperties.BACKEND_SIMULATOR.equals(name)) {
            return HandleTable.SIMULATOR_SPACE;
        }
        if (SCardServiceProperties.BACKEND_PCSC.equals(name)) {
            return HandleTable.PCSC_SPACE;
        }
        int space = HandleTable.PCSC_SPACE + 1;
        while (space < HandleTable.MAX_SPACE && spaceTaken(space)) {
            space++;
        }
        return space;
    }

    private boolean spaceTaken(int space) {
        for (HostedBackend host : hosted.values()) {
            if (host.handleSpace() == space) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- events

    @Override
    public synchronized EventChannel open(String backendName) {
        if (backendName == null || backendName.isBlank()) {
            throw new IllegalArgumentException("an event channel needs the backend's name, not '" + backendName
                    + "'");
        }
        Channel channel = new Channel(backendName);
        for (Listener entry : listeners) {
            if (entry.hears(backendName)) {
                channel.dispatcher.addListener(entry.listener());
            }
        }
        if (eventAdmin != null) {
            channel.dispatcher.setEventAdmin(eventAdmin);
        }
        channels.add(channel);
        return channel;
    }

    /** One backend's channel: its dispatcher, and the backend whose listeners it serves. */
    private final class Channel implements EventChannel {
        final String backendName;
        final EventDispatcher dispatcher;

        Channel(String backendName) {
            this.backendName = backendName;
            this.dispatcher = new EventDispatcher("scard-" + backendName + "-events", tap::cardEvent);
        }

        @Override
        public void publish(SCardEvent event) {
            dispatcher.publish(event); // only queues: the tap hears it on the delivery thread
        }

        @Override
        public void close() {
            synchronized (BackendHost.this) {
                channels.remove(this);
            }
            dispatcher.close();
        }
    }

    /** Adds a listener to the channels of the backends it is for. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void addListener(SCardEventListener listener, Map<String, Object> properties) {
        Object backend = properties.get(SCardServiceProperties.BACKEND);
        Listener entry = new Listener(listener, backend == null ? null : backend.toString());
        listeners.add(entry);
        for (Channel channel : channels) {
            if (entry.hears(channel.backendName)) {
                channel.dispatcher.addListener(listener);
            }
        }
    }

    synchronized void removeListener(SCardEventListener listener, Map<String, Object> properties) {
        listeners.removeIf(entry -> entry.listener() == listener);
        for (Channel channel : channels) {
            channel.dispatcher.removeListener(listener);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void setEventAdmin(EventAdmin admin) {
        eventAdmin = admin;
        for (Channel channel : channels) {
            channel.dispatcher.setEventAdmin(admin);
        }
    }

    synchronized void unsetEventAdmin(EventAdmin admin) {
        if (eventAdmin == admin) {
            eventAdmin = null;
        }
        for (Channel channel : channels) {
            channel.dispatcher.unsetEventAdmin(admin);
        }
    }

    // ---------------------------------------------------------------- card trace

    /** Adds a card trace listener (whiteboard), with the properties that choose what it hears ({@link CardTap#add}). */
    @Reference(name = "traceListener", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            unbind = "removeTraceListener", updated = "updateTraceListener")
    void addTraceListener(CardTraceListener listener, Map<String, Object> properties) {
        tap.add(listener, properties);
    }

    /** Applies a card trace listener's changed properties. */
    void updateTraceListener(CardTraceListener listener, Map<String, Object> properties) {
        tap.remove(listener);
        tap.add(listener, properties);
    }

    /** Withdraws a card trace listener that went away. */
    void removeTraceListener(CardTraceListener listener) {
        tap.remove(listener);
    }

    // ---------------------------------------------------------------- interface factories

    /**
     * Offers an {@link SCardInterfaceFactory} service, with its properties, to the {@code create*} methods of every
     * manager of every backend; also called when its properties change.
     */
    @Reference(name = "interfaceFactory", cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removeInterfaceFactory", updated = "addInterfaceFactory")
    void addInterfaceFactory(SCardInterfaceFactory factory, Map<String, Object> properties) {
        providers.add(factory, properties);
    }

    /** Withdraws an {@link SCardInterfaceFactory} service that went away. */
    void removeInterfaceFactory(SCardInterfaceFactory factory, Map<String, Object> properties) {
        providers.remove(factory, properties);
    }
}
