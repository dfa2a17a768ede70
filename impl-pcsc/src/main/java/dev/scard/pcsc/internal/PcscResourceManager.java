package dev.scard.pcsc.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.BackendResourceManager;

/**
 * The PC/SC backend's {@link SCardResourceManager}: the shared {@link BackendResourceManager} over the PC/SC readers,
 * issuing handles into the table every PC/SC manager accepts. Immediate, so its handles live as long as the backend,
 * not as long as someone happens to hold the service; on deactivation every handle is disconnected.
 */
@Component(configurationPid = PcscDefaultServices.PID,
        immediate = true, service = SCardResourceManager.class,
        property = {SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_PCSC,
                "service.ranking:Integer=50"})
public final class PcscResourceManager extends BackendResourceManager {

    private final PcscComponent owner;

    /** A resource manager over the backend and handle table of {@code owner}. */
    @Activate
    public PcscResourceManager(@Reference PcscComponent owner) {
        super(owner.backend(), owner.handles());
        this.owner = owner;
    }

    /** Disconnects every handle this resource manager issued (leaving the cards as they are). */
    @Deactivate
    void deactivate() {
        owner.stopIfBundleStopping();
        closeAll();
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
