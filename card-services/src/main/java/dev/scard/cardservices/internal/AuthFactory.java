package dev.scard.cardservices.internal;

import org.osgi.service.component.annotations.Component;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardInterfaceFactory;

/**
 * The generic ISO 7816-4 {@code ISCardAuth} for every card: the fallback (ranking -1000) that
 * {@link ISCardManage#createCardAuth()} resolves when no card-specific provider matches.
 */
@Component(service = SCardInterfaceFactory.class, property = {
    "scard.interface.name=ISCardAuth",
    "scard.interface.guid=7B063D61-6E40-11D0-B858-00C04FD424B9",
    "service.ranking:Integer=-1000"})
public final class AuthFactory implements SCardInterfaceFactory {

    /** Creates the factory (DS calls it). */
    public AuthFactory() {
    }

    /** A new {@link IsoAuth} over {@code manager}; {@code userData} is not used. */
    @Override
    public Object create(ISCardManage manager, Object userData) {
        return new IsoAuth(manager);
    }
}
