package dev.scard.pcsc.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import dev.scard.api.SCardServiceProperties;
import dev.scard.core.log.BundleLog;
import dev.scard.core.log.Log;
import dev.scard.core.spi.Backend;
import dev.scard.core.spi.EventChannel;
import dev.scard.core.spi.EventChannels;
import dev.scard.core.spi.ForwardingBackend;

/**
 * The PC/SC backend's component: holds the {@link PcscBackend} (the library, the control context, the helper
 * threads) and registers it as the {@link Backend} service {@code scard.backend=pcsc}, which the core bundle turns
 * into the PC/SC {@code ISCardManage} and {@code SCardResourceManager}. Its events go out through the core's
 * {@link EventChannels}.
 *
 * <p>It activates whether or not the PC/SC library is installed and the PC/SC service runs: the services are
 * registered all the same and their calls fail with {@code SCARD_E_NO_SERVICE} saying why, until the library and
 * the service are there (nothing has to be restarted then). One log line tells which it is.
 *
 * <p>With the platform's library (no {@code libraryPath} configured) the activation loads nothing: JNA and the
 * PC/SC library are loaded by the first call that needs them (listing, looking at or connecting to a reader), which
 * also writes that log line and starts the event monitor; so a distribution that never uses PC/SC never loads them.
 * An event listener for PC/SC ({@code SCardEventListener} for every backend or for {@code pcsc}, or an Event Admin
 * handler for the {@code dev/scard} topics) registered before that first call starts the backend as well, on a thread
 * of its own: the monitor's first look then publishes the readers and cards that are there, so the listener misses
 * nothing. A configured library is loaded at activation, so that a wrong path is an error in the log at once.
 *
 * <p>Ranked 50 ({@code scard.backend=pcsc}), below the simulator's 100, so the simulator stays the default for
 * consumers that do not choose a backend.
 *
 * <p><b>Configuration</b> ({@value #PID}, {@link PcscConfig}). A change is applied in place ({@code @Modified}):
 * connections, locks and attachments stay. A change with an invalid value (a reader filter that is not a regular
 * expression, a number outside its range such as a negative time, a library path that does not load) is rejected as
 * a whole with one error in the log naming every bad value, and the previous settings stay in force. At activation
 * there is nothing to keep: an invalid reader filter hides every reader, an invalid number falls back to its
 * default, and a library that does not load makes every call fail with {@code SCARD_E_NO_SERVICE} saying so (each
 * logged as an error).
 *
 * <p><b>Events</b> go out through the channel the core opens for {@code pcsc} (delivered on the thread
 * {@value #EVENT_THREAD}); {@link PcscEventMonitor} says what it sees and cannot see.
 *
 * <p>On deactivation (its service is unregistered first, so the core has disposed the managers and closed the
 * handles by then) the event monitor stops (publishing {@code READER_REMOVED} for its readers), every connection
 * is closed (threads waiting for a lock or a connection wake and fail), the helper threads leave the library, every
 * context is released, and the event channel delivers what is queued and closes.
 */
@Component(name = PcscComponent.PID, configurationPid = PcscComponent.PID, immediate = true,
        service = Backend.class,
        property = {SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_PCSC,
                "service.ranking:Integer=50"})
@Designate(ocd = PcscConfig.class)
public final class PcscComponent implements ForwardingBackend {

    /**
     * The log of the PC/SC backend bundle: its {@code LoggerFactory} service, bound by this component; every class
     * of the bundle logs through it ({@link BundleLog#logger(Class)}). First of the static fields: the others use it.
     */
    static final BundleLog LOGS = new BundleLog();
    private static final Log LOG = LOGS.logger(PcscComponent.class);

    /** The configuration PID (and component name). */
    public static final String PID = dev.scard.api.SCardServiceProperties.PCSC_PID;

    /** Name of the thread that delivers the backend's events (the core names it after the backend). */
    static final String EVENT_THREAD = "scard-pcsc-events";

    @Reference
    private EventChannels eventChannels;
    private volatile EventChannel events;
    private volatile PcscBackend backend;
    /** Whether the backend has been started (log line, event monitor): at activation, or by the first call. */
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile BundleContext listenerContext;
    private volatile ServiceListener listenerWatch;

    /**
     * The event listeners that start a backend left to its first use: {@code SCardEventListener} services for every
     * backend or for {@code pcsc}, and Event Admin handlers whose topics may include the {@code dev/scard} ones.
     */
    static final String EVENT_LISTENERS = "(|(&(objectClass=dev.scard.api.SCardEventListener)"
            + "(|(!(" + SCardServiceProperties.BACKEND + "=*))(" + SCardServiceProperties.BACKEND + "="
            + SCardServiceProperties.BACKEND_PCSC + ")))"
            + "(&(objectClass=org.osgi.service.event.EventHandler)"
            + "(|(event.topics=dev/scard*)(event.topics=dev/\\*)(event.topics=\\*))))";

    /** A component that creates its backend on activation. */
    public PcscComponent() {
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

    @Activate
    void activate(PcscConfig config, BundleContext context) {
        activateWith(PcscSettings.from(config), eventChannels.open(SCardServiceProperties.BACKEND_PCSC));
        if (!started.get()) {
            startWithFirstListener(context);
        }
    }

    /**
     * Starts the backend (on a thread of its own, so that nobody waits for the library) as soon as an event listener
     * for PC/SC is registered: an {@code SCardEventListener} for every backend or for {@code pcsc}, or an Event Admin
     * {@code EventHandler} for the {@code dev/scard} topics; such a listener may want events before any call.
     */
    private void startWithFirstListener(BundleContext context) {
        ServiceListener listener = event -> {
            if (event.getType() == ServiceEvent.REGISTERED) {
                startInBackground();
            }
        };
        try {
            context.addServiceListener(listener, EVENT_LISTENERS);
            listenerContext = context;
            listenerWatch = listener;
            ServiceReference<?>[] present = context.getServiceReferences((String) null, EVENT_LISTENERS);
            if (present != null && present.length > 0) {
                startInBackground();
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException("the listener filter is valid", e);
        }
    }

    private void startInBackground() {
        if (started.get()) {
            return;
        }
        PcscBackend current = backend;
        Thread thread = new Thread(() -> start(current), "scard-pcsc-start");
        thread.setDaemon(true);
        thread.start();
    }

    private void stopWatchingListeners() {
        BundleContext context = listenerContext;
        ServiceListener listener = listenerWatch;
        listenerContext = null;
        listenerWatch = null;
        if (context != null && listener != null) {
            try {
                context.removeServiceListener(listener);
            } catch (IllegalStateException e) {
                // the bundle is stopping: the listener is gone already
            }
        }
    }

    /**
     * {@link #activate(PcscConfig)} with plain settings and the event channel given (tests). With the platform's
     * library (no {@code libraryPath}) nothing is loaded yet: see {@link #activateWith(PcscBackend, EventChannel,
     * boolean)}; a configured library is loaded now, so that a wrong path is an error in the log at once.
     */
    void activateWith(PcscSettings settings, EventChannel channel) {
        PcscBackend created;
        try {
            created = new PcscBackend(PcscPlatform.current(), settings);
        } catch (IllegalArgumentException e) {
            PcscPlatform assumed = PcscPlatform.linux(8);
            created = new PcscBackend(assumed, settings, () -> {
                throw new UnsatisfiedLinkError(e.getMessage());
            }, assumed.defaultLibrary());
        }
        activateWith(created, channel, settings.libraryPath().isBlank());
    }

    /** Activates with a backend built by the caller (tests: on a fake library) and the event channel given. */
    void activateWith(PcscBackend created, EventChannel channel) {
        activateWith(created, channel, false);
    }

    /**
     * Activates with {@code created} and the event channel given. {@code lazy}: the library (JNA and the PC/SC
     * library) is left alone until the first call that needs it ({@link #delegate()}), so a start that never uses
     * PC/SC never loads it; that first call then writes the log line and starts the event monitor. Otherwise both
     * happen now.
     */
    void activateWith(PcscBackend created, EventChannel channel, boolean lazy) {
        this.events = channel;
        backend = created;
        started.set(false);
        if (!lazy) {
            start(created);
        }
    }

    /** Says in the log how the backend stands and starts the event monitor, once. */
    private void start(PcscBackend created) {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        stopWatchingListeners();
        PcscSettings settings = created.settings();
        String line = created.describe();
        Level level;
        if (line.startsWith("PC/SC backend ready")) {
            level = Level.DEBUG;
        } else if (!settings.libraryPath().isBlank() && line.contains(" not found or not loadable")) {
            level = Level.ERROR; // the configured library path is wrong
        } else {
            level = Level.WARNING;
        }
        LOG.log(level, PID + ": " + line);
        created.startEvents(events::publish);
    }

    /**
     * Applies a changed configuration in place; see the class description. A rejected change leaves everything as
     * it was and logs one error naming each bad value.
     */
    @Modified
    void modified(PcscConfig config) {
        apply(config);
    }

    /**
     * {@link #modified} returning the outcome (tests).
     *
     * @return null when the configuration is in force now, else why it was rejected (as logged)
     */
    String apply(PcscConfig config) {
        String rejected;
        try {
            backend.reconfigure(PcscSettings.validated(config));
            LOG.log(Level.INFO, PID + ": configuration applied (" + backend.describe() + ")");
            return null;
        } catch (IllegalArgumentException e) {
            rejected = e.getMessage();
        } catch (dev.scard.api.SCardException e) {
            rejected = e.getMessage(); // stopped meanwhile
        }
        String message = PID + ": configuration rejected, the previous settings stay in force: " + rejected;
        LOG.log(Level.ERROR, message);
        return message;
    }

    /**
     * Stops the event monitor, closes every connection and stops the helper threads (the readers and cards are left
     * as they are), then lets the event thread deliver what is queued and end.
     */
    @Deactivate
    void deactivate() {
        started.set(true); // a call that comes too late starts nothing
        stopWatchingListeners();
        backend.stop();
        events.close();
    }

    /** The backend (tests). */
    PcscBackend backend() {
        return backend;
    }

    // ---------------------------------------------------------------- Backend

    /**
     * {@inheritDoc} The Backend service's calls go to the backend this component holds; the first one starts it
     * (the log line and the event monitor) when the activation left that to the first use.
     */
    @Override
    public Backend delegate() {
        PcscBackend current = backend;
        if (!started.get()) {
            start(current);
        }
        return current;
    }

    /** {@inheritDoc} Needs no library: the core asks for it when it takes up the service. */
    @Override
    public String name() {
        return backend.name();
    }

    /** {@inheritDoc} The configured call timeout; needs no library. */
    @Override
    public Duration callTimeout() {
        return backend.callTimeout();
    }
}
