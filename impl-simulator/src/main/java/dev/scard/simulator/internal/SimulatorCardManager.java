package dev.scard.simulator.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.CardManager;

/**
 * The simulator's {@link ISCardManage}, registered with prototype scope: every {@code getService} is a fresh
 * {@link CardManager} over the simulator's backend (one instance = one attachment), and releasing it or stopping
 * the simulator disposes it: it detaches, releases its lock and connection, and fails later calls with
 * {@code SCARD_E_SERVICE_STOPPED}.
 */
@Component(scope = ServiceScope.PROTOTYPE, service = ISCardManage.class,
        property = {SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_SIMULATOR,
                "service.ranking:Integer=100"})
public final class SimulatorCardManager extends CardManager {

    private final SimulatorComponent simulator;

    /** A manager over the simulator's backend that accepts the simulator's handles. */
    @Activate
    public SimulatorCardManager(@Reference SimulatorComponent simulator) {
        super(simulator.backend(), simulator.handles());
        this.simulator = simulator;
    }

    /**
     * Detaches and releases everything; later calls fail with {@code SCARD_E_SERVICE_STOPPED}. When the bundle
     * stops, the whole backend stops first, so no waiting thread takes a lock another manager's release frees.
     * (SCR reports the same deactivation reason, "disposed", for a released instance and for a stopping backend, so
     * the message names both.)
     */
    @Deactivate
    void deactivate() {
        simulator.stopIfBundleStopping();
        dispose("the ISCardManage service instance was released or the simulator backend stopped");
    }
}
