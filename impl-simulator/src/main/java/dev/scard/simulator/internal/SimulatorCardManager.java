package dev.scard.simulator.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;

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
    private final OwnConnections ownConnections;

    /** A manager over the simulator's backend that accepts the simulator's handles. */
    @Activate
    public SimulatorCardManager(@Reference SimulatorComponent simulator) {
        this(simulator, new OwnConnections(simulator.backend()), simulator.handles());
    }

    private SimulatorCardManager(SimulatorComponent simulator, OwnConnections ownConnections, HandleTable handles) {
        super(ownConnections, handles);
        this.simulator = simulator;
        this.ownConnections = ownConnections;
    }

    /**
     * Detaches and releases everything; later calls fail with {@code SCARD_E_SERVICE_STOPPED}. The connections this
     * manager opened are closed first, from outside its monitor, so that a thread of this manager waiting for
     * another's lock wakes (and fails) instead of keeping the disposal waiting. (SCR reports the same deactivation
     * reason, "disposed", for a released instance and for a stopping backend, so the message names both.)
     */
    @Deactivate
    void deactivate() {
        simulator.stopIfBundleStopping();
        ownConnections.closeAll();
        dispose("the ISCardManage service instance was released or the simulator backend stopped");
    }

    /** The connections this manager opened and has not closed (for tests). */
    int openConnections() {
        return ownConnections.openCount();
    }
}
