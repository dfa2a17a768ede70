package dev.scard.simulator.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.BackendResourceManager;

/**
 * The simulator's {@link SCardResourceManager}: the shared {@link BackendResourceManager} over the simulated
 * readers, issuing handles into the table every simulator manager accepts. Immediate, so its handles live as long
 * as the simulator, not as long as someone happens to hold the service; on deactivation every handle is
 * disconnected.
 */
@Component(configurationPid = SimulatorDefaultServices.PID,
        immediate = true, service = SCardResourceManager.class,
        property = {SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_SIMULATOR,
                "service.ranking:Integer=100"})
public final class SimulatorResourceManager extends BackendResourceManager {

    private final SimulatorComponent simulator;

    /** A resource manager over the simulator's backend and handle table. */
    @Activate
    public SimulatorResourceManager(@Reference SimulatorComponent simulator) {
        super(simulator.backend(), simulator.handles());
        this.simulator = simulator;
    }

    /** Disconnects every handle this resource manager issued (leaving the cards as they are). */
    @Deactivate
    void deactivate() {
        simulator.stopIfBundleStopping();
        closeAll();
    }

    /**
     * Applies a changed configuration ({@value SimulatorDefaultServices#PID}: the {@code service.ranking} that
     * {@code scard:use} writes) in place: SCR puts the new properties on the service registration without
     * re-activating the component, so the handles it issued survive. Consumers with greedy references do not rebind on
     * such a change; {@link SimulatorDefaultServices} registers the services that make them.
     */
    @Modified
    void modified() {
        // Nothing to do here: SCR itself puts the new properties on the service registration.
    }
}
