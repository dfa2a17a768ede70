package dev.scard.simulator.internal;

import java.util.Map;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One simulated reader defined by a factory configuration of {@value SimulatorComponent#READER_FACTORY_PID}: SCR
 * makes one of these per configuration. Creating the configuration adds the reader, updating it applies the change
 * live, deleting it removes the reader; {@link SimulatorComponent#applyReader} and
 * {@link SimulatorComponent#removeReader} say what exactly happens, and what happens when a value is bad.
 *
 * <p>It references the simulator statically: when the simulator stops, these stop first (their readers go with
 * the backend anyway).
 */
@Component(name = SimulatorComponent.READER_FACTORY_PID, configurationPid = SimulatorComponent.READER_FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true, service = {})
@Designate(ocd = SimulatedReaderConfig.class, factory = true)
public final class SimulatedReaderComponent {

    private final SimulatorComponent simulator;
    private final String pid;

    /** Adds the configured reader (or logs why not). */
    @Activate
    public SimulatedReaderComponent(@Reference SimulatorComponent simulator, SimulatedReaderConfig config,
            Map<String, Object> properties) {
        this.simulator = simulator;
        this.pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        simulator.applyReader(pid, config);
    }

    /** Applies the changed configuration live (or logs why not and leaves the reader as it was). */
    @Modified
    void modified(SimulatedReaderConfig config) {
        simulator.applyReader(pid, config);
    }

    /** Removes the reader: the configuration was deleted, or the simulator stops. */
    @Deactivate
    void deactivate() {
        simulator.removeReader(pid);
    }
}
