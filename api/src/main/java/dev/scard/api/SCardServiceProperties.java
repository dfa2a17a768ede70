package dev.scard.api;

/**
 * Service property names and values the backends and extension factories use, and the configuration PIDs of the
 * backends this project ships.
 */
public final class SCardServiceProperties {

    /** The backend a service belongs to, on every {@link ISCardManage} and {@link SCardResourceManager}. */
    public static final String BACKEND = "scard.backend";
    /** {@link #BACKEND} value of the simulated readers and cards. */
    public static final String BACKEND_SIMULATOR = "simulator";
    /** {@link #BACKEND} value of the real PC/SC readers. */
    public static final String BACKEND_PCSC = "pcsc";

    /**
     * On the default backend's second registration of its {@link ISCardManage} and {@link SCardResourceManager}
     * (registered while its {@link #SERVICES_PID_PREFIX} configuration sets a {@code service.ranking}, ranked one
     * above it, without {@link #BACKEND}): the backend's name. Consumers without a backend filter bind these.
     *
     * @since 1.1
     */
    public static final String DEFAULT = "scard.default";
    /**
     * Configuration PID prefix of a backend's services: the PID {@code dev.scard.service.<backend>} (for example
     * {@code dev.scard.service.simulator}) carries the {@code service.ranking} of that backend's
     * {@link ISCardManage} and {@link SCardResourceManager}; a ranking there makes the backend the default
     * ({@link #DEFAULT}). {@code scard:use} writes it.
     *
     * @since 1.1
     */
    public static final String SERVICES_PID_PREFIX = "dev.scard.service.";
    /**
     * Configuration PID of the simulator backend (its readers, inserted cards, call timeout, vpcd links).
     *
     * @since 1.1
     */
    public static final String SIMULATOR_PID = "dev.scard.simulator";
    /**
     * Factory configuration PID of the simulator's configured readers: one reader (and its card) per configuration.
     *
     * @since 1.1
     */
    public static final String SIMULATOR_READER_FACTORY_PID = "dev.scard.simulator.reader";
    /**
     * Configuration PID of the PC/SC backend (its native library, call timeout, reader filters).
     *
     * @since 1.1
     */
    public static final String PCSC_PID = "dev.scard.pcsc";

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
