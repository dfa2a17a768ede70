package dev.scard.simulator.internal;

import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.DefaultRegistration;

/**
 * Makes the simulator the default backend while its configuration {@value #PID} sets a {@code service.ranking}
 * ({@code scard:use simulator} writes 1000): registers the simulator's resource manager and manager a second time,
 * without {@code scard.backend} and ranked one above, so consumers with dynamic greedy references rebind to the
 * simulator; deleting the configuration unregisters them again. See {@link DefaultRegistration} for why a ranking
 * changed in place is not enough.
 */
@Component(configurationPid = SimulatorDefaultServices.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
public final class SimulatorDefaultServices {

    /**
     * The configuration PID of the simulator's services ({@link SimulatorCardManager},
     * {@link SimulatorResourceManager} and this component), whose {@code service.ranking} ranks the backend.
     */
    public static final String PID = SCardServiceProperties.SERVICES_PID_PREFIX + SCardServiceProperties.BACKEND_SIMULATOR;

    private final DefaultRegistration registration;

    /** Registers the default services with the configured ranking. */
    @Activate
    public SimulatorDefaultServices(BundleContext context, Map<String, Object> configuration,
            @Reference(target = "(component.name=dev.scard.simulator.internal.SimulatorResourceManager)")
            SCardResourceManager resourceManager,
            @Reference(target = "(component.name=dev.scard.simulator.internal.SimulatorCardManager)")
            ServiceReference<ISCardManage> manager) {
        registration = new DefaultRegistration(context, SCardServiceProperties.BACKEND_SIMULATOR, resourceManager,
                manager, configuration);
    }

    /** Re-ranks the default services (registered anew when the ranking changed). */
    @Modified
    void modified(Map<String, Object> configuration) {
        registration.update(configuration);
    }

    /** Unregisters the default services; the managers they handed out are released. */
    @Deactivate
    void deactivate() {
        registration.close();
    }
}
