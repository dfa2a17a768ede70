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
     * {@code ISCardFileAccess}, ...), compared exactly. A {@code String}, or several as {@code String[]}.
     */
    public static final String INTERFACE_NAME = "scard.interface.name";
    /**
     * On an {@link SCardInterfaceFactory}: the interface GUID it creates, in the usual string form (braces and
     * either case accepted), or several as {@code String[]}. A value that is not a GUID is ignored.
     */
    public static final String INTERFACE_GUID = "scard.interface.guid";
    /**
     * On an {@link SCardInterfaceFactory}: a regular expression the card's ATR (upper-case hex, no separators,
     * e.g. {@code 3B8801534341524453494D99}) must match entirely, compared without regard to case; several as
     * {@code String[]}, any of which may match. Absent means every card; a factory whose every pattern is invalid
     * serves no card.
     */
    public static final String ATR_PATTERN = "scard.atr";

    private SCardServiceProperties() {
    }
}
