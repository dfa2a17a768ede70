package dev.scard.cardservices.internal;

import java.lang.System.Logger.Level;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardInterfaceFactory;

/**
 * The generic ISO 7816-4 {@code ISCardVerify} for every card: the fallback (ranking -1000) that
 * {@link ISCardManage#createCHVerification()} resolves when no card-specific provider matches.
 */
@Component(service = SCardInterfaceFactory.class, configurationPid = VerifyFactory.PID, property = {
    "scard.interface.name=ISCardVerify",
    "scard.interface.guid=4029DD85-5902-11D0-B84C-00C04FD424B9",
    "service.ranking:Integer=-1000"})
@Designate(ocd = VerifyConfig.class)
public final class VerifyFactory implements SCardInterfaceFactory {

    /** The configuration PID. */
    static final String PID = "dev.scard.cardservices.verify";
    /** The configuration property that bounds the codes sent ({@link VerifyConfig#maxCodeLength()}). */
    static final String MAX_CODE_LENGTH_PROPERTY = "maxCodeLength";

    private static final System.Logger LOG = System.getLogger(VerifyFactory.class.getName());

    private final int maxCodeLength;

    /** Creates the factory with the default configuration (outside OSGi). */
    public VerifyFactory() {
        this.maxCodeLength = IsoVerify.DEFAULT_MAX_CODE_LENGTH;
    }

    /**
     * Creates the factory (DS calls it, again after each change of its configuration).
     *
     * @param config the longest code sent to any card (a card's PKCS#15 AODF maximum applies as well); a value
     *        outside 1 to 127 is logged as an ERROR and the default is used
     */
    @Activate
    public VerifyFactory(VerifyConfig config) {
        this.maxCodeLength = maxCodeLength(config.maxCodeLength());
    }

    /**
     * The configured longest code when it is 1 to {@value IsoVerify#MAX_CODE_LENGTH}; otherwise an ERROR naming the
     * setting and the value, and the default {@value IsoVerify#DEFAULT_MAX_CODE_LENGTH}.
     */
    static int maxCodeLength(int configured) {
        if (configured >= 1 && configured <= IsoVerify.MAX_CODE_LENGTH) {
            return configured;
        }
        LOG.log(Level.ERROR, MAX_CODE_LENGTH_PROPERTY + " " + configured + " (PID " + PID + ") is out of range 1 to "
                + IsoVerify.MAX_CODE_LENGTH + ": using " + IsoVerify.DEFAULT_MAX_CODE_LENGTH);
        return IsoVerify.DEFAULT_MAX_CODE_LENGTH;
    }

    /**
     * A new {@link IsoVerify} over {@code manager}; {@code userData} {@code "IHV_CHECKONLY:force"}
     * ({@link IsoVerify#FORCE_STATUS_QUERY}, given through {@link ISCardManage#createInterface}) makes its
     * {@code IHV_CHECKONLY} ask the PIN's state even on a card not known to answer that without counting a try;
     * anything else is not used.
     */
    @Override
    public Object create(ISCardManage manager, Object userData) {
        return new IsoVerify(manager, IsoVerify.FORCE_STATUS_QUERY.equals(userData), maxCodeLength);
    }
}
