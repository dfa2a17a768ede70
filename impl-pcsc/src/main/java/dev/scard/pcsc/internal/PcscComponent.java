package dev.scard.pcsc.internal;

import java.lang.System.Logger.Level;
import java.util.function.BooleanSupplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.Designate;

import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.EventDispatcher;
import dev.scard.core.HandleTable;

/**
 * The PC/SC backend's owner: holds the {@link PcscBackend} (the library, the control context, the helper threads)
 * and the handle table of its resource manager. It registers itself (a bundle-private type) for
 * {@link PcscResourceManager} and {@link PcscCardManager}, which reference it statically: so all three share one
 * backend, and stopping it first stops them.
 *
 * <p>It activates whether or not the PC/SC library is installed and the PC/SC service runs: the services are
 * registered all the same and their calls fail with {@code SCARD_E_NO_SERVICE} saying why, until the library and
 * the service are there (nothing has to be restarted then). One log line at activation tells which it is.
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
 * <p><b>Events</b> go to {@link SCardEventListener} services without a {@code scard.backend} property or with
 * {@code scard.backend=pcsc}, and to Event Admin when one is present, on one delivery thread
 * ({@value #EVENT_THREAD}); {@link PcscEventMonitor} says what it sees and cannot see.
 *
 * <p>On deactivation the event monitor stops (publishing {@code READER_REMOVED} for its readers), every connection
 * is closed (threads waiting for a lock or a connection wake and fail), the helper threads leave the library, every
 * context is released, and the event thread delivers what is queued and ends. When the bundle stops, the first of the
 * three components to be deactivated already stops the backend (see {@link #stopIfBundleStopping()}).
 */
@Component(name = PcscComponent.PID, configurationPid = PcscComponent.PID, immediate = true,
        service = PcscComponent.class,
        property = {SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_PCSC,
                "service.ranking:Integer=50"})
@Designate(ocd = PcscConfig.class)
public final class PcscComponent {

    /** The configuration PID (and component name). */
    public static final String PID = dev.scard.api.SCardServiceProperties.PCSC_PID;

    /** Name of the thread that delivers the backend's events. */
    static final String EVENT_THREAD = "scard-pcsc-events";

    /** Listeners of every backend or of the PC/SC backend only. */
    static final String LISTENER_TARGET = "(|(!(" + SCardServiceProperties.BACKEND + "=*))("
            + SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_PCSC + "))";

    private static final System.Logger LOG = System.getLogger(PcscComponent.class.getName());

    private final EventDispatcher events = new EventDispatcher(EVENT_THREAD);
    private final HandleTable handles = new HandleTable(HandleTable.PCSC_SPACE); // values apart from the simulator's
    private volatile PcscBackend backend;
    private volatile BooleanSupplier bundleStopping = () -> false;

    /** A component that creates its backend on activation. */
    public PcscComponent() {
    }

    @Activate
    void activate(PcscConfig config, BundleContext context) {
        Bundle bundle = context.getBundle();
        activateWith(PcscSettings.from(config), () -> bundle.getState() == Bundle.STOPPING);
    }

    /** {@link #activate(PcscConfig, BundleContext)} with plain settings and the bundle-state check given (tests). */
    void activateWith(PcscSettings settings, BooleanSupplier bundleStopping) {
        PcscBackend created;
        try {
            created = new PcscBackend(PcscPlatform.current(), settings);
        } catch (IllegalArgumentException e) {
            PcscPlatform assumed = PcscPlatform.linux(8);
            created = new PcscBackend(assumed, settings, () -> {
                throw new UnsatisfiedLinkError(e.getMessage());
            }, assumed.defaultLibrary());
        }
        activateWith(created, bundleStopping);
    }

    /** Activates with a backend built by the caller (tests: on a fake library). */
    void activateWith(PcscBackend created, BooleanSupplier bundleStopping) {
        this.bundleStopping = bundleStopping;
        PcscSettings settings = created.settings();
        backend = created;
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
        backend.stop();
        events.close();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = LISTENER_TARGET)
    void addListener(SCardEventListener listener) {
        events.addListener(listener);
    }

    void removeListener(SCardEventListener listener) {
        events.removeListener(listener);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setEventAdmin(EventAdmin eventAdmin) {
        events.setEventAdmin(eventAdmin);
    }

    void unsetEventAdmin(EventAdmin eventAdmin) {
        events.unsetEventAdmin(eventAdmin);
    }

    /** The event dispatcher (tests add listeners directly). */
    EventDispatcher events() {
        return events;
    }

    /**
     * Stops the backend at once when the bundle is stopping. The managers and the resource manager call it first
     * thing on deactivation: SCR deactivates them one by one before this component, and a manager whose thread waits
     * for another manager's lock could otherwise not be disposed until that other one is.
     */
    void stopIfBundleStopping() {
        if (bundleStopping.getAsBoolean()) {
            backend.stop();
        }
    }

    /** The backend, shared with the sibling components. */
    PcscBackend backend() {
        return backend;
    }

    /** The handles the resource manager issued, shared with every manager for {@code attachByHandle}. */
    HandleTable handles() {
        return handles;
    }
}
