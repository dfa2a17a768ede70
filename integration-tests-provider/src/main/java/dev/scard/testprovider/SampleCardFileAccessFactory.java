package dev.scard.testprovider;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardInterfaceFactory;

/**
 * A card-specific {@code ISCardFileAccess} provider for the simulator's sample card only (its ATR), ranked above
 * the generic one (-1000): {@code createFileAccess()} on that card gets a {@link ReadOnlyFileAccess}, on any other
 * card still the generic ISO 7816-4 one.
 */
@Component(service = SCardInterfaceFactory.class, configurationPid = TestProvider.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = {
    "scard.interface.name=ISCardFileAccess",
    "scard.atr=3B8801534341524453494D99",
    "service.ranking:Integer=10"})
public final class SampleCardFileAccessFactory implements SCardInterfaceFactory {

    /** DS creates it. */
    public SampleCardFileAccessFactory() {
    }

    @Override
    public Object create(ISCardManage manager, Object userData) {
        return new ReadOnlyFileAccess(manager);
    }
}
