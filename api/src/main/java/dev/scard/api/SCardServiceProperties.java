package dev.scard.api;

/**
 * Service property names and values the backends and extension factories use (DESIGN §3 and §4).
 */
public final class SCardServiceProperties {

    /** The backend a service belongs to, on every {@link ISCardManage} and {@link SCardResourceManager}. */
    public static final String BACKEND = "scard.backend";
    /** {@link #BACKEND} value of the simulated readers and cards. */
    public static final String BACKEND_SIMULATOR = "simulator";
    /** {@link #BACKEND} value of the real PC/SC readers. */
    public static final String BACKEND_PCSC = "pcsc";

    /**
     * On an {@link SCardInterfaceFactory}: the interface name it creates, as
     * {@link ISCardManage#createInterface(java.util.UUID, String, Object)} takes it ({@code CryptoProvider},
     * {@code ISCardFileAccess}, ...).
     */
    public static final String INTERFACE_NAME = "scard.interface.name";
    /** On an {@link SCardInterfaceFactory}: the interface GUID it creates, in the usual string form. */
    public static final String INTERFACE_GUID = "scard.interface.guid";
    /**
     * On an {@link SCardInterfaceFactory}: a regular expression the card's ATR (upper-case hex, no separators)
     * must match entirely; absent means every card.
     */
    public static final String ATR_PATTERN = "scard.atr";

    private SCardServiceProperties() {
    }
}
