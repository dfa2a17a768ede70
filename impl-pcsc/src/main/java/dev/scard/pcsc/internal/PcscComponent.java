package dev.scard.pcsc.internal;

import java.lang.System.Logger.Level;
import java.util.function.BooleanSupplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import dev.scard.api.SCardServiceProperties;
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
 * consumers that do not choose a backend. A configuration change ({@value #PID}) restarts the components.
 *
 * <p>On deactivation every connection is closed (threads waiting for a lock or a connection wake and fail), the
 * helper threads leave the library, and the control context is released. When the bundle stops, the first of the
 * three components to be deactivated already stops the backend (see {@link #stopIfBundleStopping()}).
 */
@Component(name = PcscComponent.PID, configurationPid = PcscComponent.PID, immediate = true,
        service = PcscComponent.class,
        property = {SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_PCSC,
                "service.ranking:Integer=50"})
@Designate(ocd = PcscConfig.class)
public final class PcscComponent {

    /** The configuration PID (and component name). */
    public static final String PID = "dev.scard.pcsc";

    private static final System.Logger LOG = System.getLogger(PcscComponent.class.getName());

    private final HandleTable handles = new HandleTable();
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
        this.bundleStopping = bundleStopping;
        PcscBackend created;
        try {
            created = new PcscBackend(PcscPlatform.current(), settings);
        } catch (IllegalArgumentException e) {
            PcscPlatform assumed = PcscPlatform.linux(8);
            created = new PcscBackend(assumed, settings, () -> {
                throw new UnsatisfiedLinkError(e.getMessage());
            }, assumed.defaultLibrary());
        }
        backend = created;
        String line = created.describe();
        LOG.log(line.startsWith("PC/SC backend ready") ? Level.DEBUG : Level.WARNING, PID + ": " + line);
    }

    /** Closes every connection and stops the helper threads; the readers and cards are left as they are. */
    @Deactivate
    void deactivate() {
        backend.stop();
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
