package dev.scard.pcsc.internal;

import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.BackendResourceManager;

/**
 * The PC/SC backend's {@link SCardResourceManager}: the shared {@link BackendResourceManager} over the PC/SC
 * readers, issuing handles into the table every PC/SC manager looks them up in. Bundle-scoped: each bundle that gets
 * the service gets an instance of its own, whose handles belong to that bundle
 * ({@link BackendResourceManager#forOwner}): only that bundle's managers attach to them and only it disconnects them.
 * The handles outlive the instance (a bundle may get and release the service for every call): they stay open until
 * their owner disconnects them, the owner stops (its instance is then deactivated and closes them), or the backend
 * stops.
 */
@Component(configurationPid = PcscDefaultServices.PID,
        scope = ServiceScope.BUNDLE, service = SCardResourceManager.class,
        property = {SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_PCSC,
                "service.ranking:Integer=50"})
public final class PcscResourceManager extends BackendResourceManager {

    private final PcscComponent owner;
    /** The bundle whose handles these are; null for the instance of tests, which sees every handle. */
    private final Bundle user;

    /** A resource manager over the backend and handle table of {@code owner} for the bundle that got it. */
    @Activate
    public PcscResourceManager(@Reference PcscComponent owner, ComponentContext context) {
        this(owner, context.getUsingBundle());
    }

    /** A resource manager whose handles belong to {@code user}; null: the backend's own, seeing every handle. */
    PcscResourceManager(PcscComponent owner, Bundle user) {
        super(owner.backend(), user == null ? owner.handles() : owner.handles().scopedTo(() -> user));
        this.owner = owner;
        this.user = user;
    }

    /** A resource manager that sees every handle of the backend (tests). */
    PcscResourceManager(PcscComponent owner) {
        this(owner, (Bundle) null);
    }

    /**
     * Disconnects the handles of this instance's bundle when that bundle is going away (or the backend's bundle
     * is stopping); a bundle that only released the service keeps its handles.
     */
    @Deactivate
    void deactivate() {
        owner.stopIfBundleStopping();
        if (user == null || !isActive(user)) {
            closeAll();
        }
    }

    private static boolean isActive(Bundle bundle) {
        return (bundle.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0;
    }

    /**
     * Applies a changed configuration ({@value PcscDefaultServices#PID}: the {@code service.ranking} that
     * {@code scard:use} writes) in place: SCR puts the new properties on the service registration without
     * re-activating the component, so the handles it issued survive. Consumers with greedy references do not rebind on
     * such a change; {@link PcscDefaultServices} registers the services that make them.
     */
    @Modified
    void modified() {
        // Nothing to do here: SCR itself puts the new properties on the service registration.
    }
}
