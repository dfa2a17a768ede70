package dev.scard.pcsc.internal;

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
 * Makes the PC/SC backend the default while its configuration {@value #PID} sets a {@code service.ranking}
 * ({@code scard:use pcsc} writes 1000): registers the PC/SC backend's resource manager and manager a second time,
 * without {@code scard.backend} and ranked one above, so consumers with dynamic greedy references rebind to the
 * PC/SC backend; deleting the configuration unregisters them again. See {@link DefaultRegistration} for why a ranking
 * changed in place is not enough.
 */
@Component(configurationPid = PcscDefaultServices.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
public final class PcscDefaultServices {

    /**
     * The configuration PID of the PC/SC backend's services ({@link PcscCardManager},
     * {@link PcscResourceManager} and this component), whose {@code service.ranking} ranks the backend.
     */
    public static final String PID = DefaultRegistration.PID_PREFIX + SCardServiceProperties.BACKEND_PCSC;

    private final DefaultRegistration registration;

    /** Registers the default services with the configured ranking. */
    @Activate
    public PcscDefaultServices(BundleContext context, Map<String, Object> configuration,
            @Reference(target = "(component.name=dev.scard.pcsc.internal.PcscResourceManager)")
            SCardResourceManager resourceManager,
            @Reference(target = "(component.name=dev.scard.pcsc.internal.PcscCardManager)")
            ServiceReference<ISCardManage> manager) {
        registration = new DefaultRegistration(context, SCardServiceProperties.BACKEND_PCSC, resourceManager,
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
