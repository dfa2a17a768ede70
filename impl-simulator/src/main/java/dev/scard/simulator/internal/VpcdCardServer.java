package dev.scard.simulator.internal;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.simulator.control.ServedReader.State;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.control.SimulatorControl;
import dev.scard.simulator.control.VpcdAddress;

/**
 * A simulated card served to a PC/SC daemon through vpcd, for plain Java outside OSGi (the PC/SC backend's tests
 * and benchmarks): a standalone {@link SimulatorBackend} with one reader, {@value #READER}, holding the card and
 * served to vpcd. The class is public for that alone; its package stays private to the bundle.
 *
 * <pre>{@code
 * try (VpcdCardServer server = VpcdCardServer.start(new MinimalIsoCard(), "127.0.0.1", 35963)) {
 *     server.awaitState(ServedReader.State.SERVING, Duration.ofSeconds(5)); // pcscd sees it in "Virtual PCD 00 00"
 *     ... PC/SC calls ...
 *     server.remove();  // pcscd sees the card removed (within its 0.4 s polling)
 *     server.insert();  // and back, with its state
 * }
 * }</pre>
 *
 * Everything {@link SimulatorControl} offers works on {@link #backend()} too (reset, another card model, in-process
 * connections through the core's {@code CardManager}); see {@link VpcdLink} for the protocol handling. Thread-safe.
 */
public final class VpcdCardServer implements AutoCloseable {

    /** The name of the simulated reader that holds the card. */
    public static final String READER = "Simulated Reader 0";

    private final SimulatorBackend backend;

    private VpcdCardServer(SimulatorBackend backend) {
        this.backend = backend;
    }

    /**
     * Inserts {@code card} into a new simulated reader and serves it to vpcd at {@code host:port}. Returns at once:
     * the connection is made in the background (and made again whenever it breaks), see {@link #awaitState}.
     *
     * @param port vpcd's port for the slot: {@value SimulatorControl#VPCD_PORT} for {@code "Virtual PCD 00 00"},
     *        35964 for {@code "Virtual PCD 00 01"}
     * @throws SCardException {@link HResult#E_INVALIDARG} for a bad host or port, or a card model that fails to
     *         power up
     */
    public static VpcdCardServer start(SimulatedCard card, String host, int port) {
        Objects.requireNonNull(card, "card");
        VpcdAddress.of(host, port);
        SimulatorBackend backend = SimulatorBackend.standalone(List.of(READER));
        try {
            backend.insert(READER, card);
            backend.serve(READER, host, port);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        return new VpcdCardServer(backend);
    }

    /**
     * A {@link MinimalIsoCard} (not the simulator's default card, which is the sample profile) served to vpcd at
     * 127.0.0.1 on {@code port}.
     */
    public static VpcdCardServer start(int port) {
        return start(new MinimalIsoCard(), SimulatorControl.VPCD_HOST, port);
    }

    /** The simulator behind the card, with its one reader {@value #READER}. */
    public SimulatorBackend backend() {
        return backend;
    }

    /** The simulated reader's name, {@value #READER}. */
    public String readerName() {
        return READER;
    }

    /** Where the card is served and how far the connection got. */
    public ServedReader status() {
        List<ServedReader> served = backend.served();
        if (served.isEmpty()) {
            throw new SCardException(HResult.SCARD_E_SERVICE_STOPPED, "this vpcd card server is closed");
        }
        return served.get(0);
    }

    /**
     * Waits until the connection reaches {@code state}: {@link State#SERVING} once vpcd has talked to the card
     * (pcscd polls every 0.4 s or so, so this takes up to about half a second after pcscd is there),
     * {@link State#NO_CARD} after {@link #remove()}.
     *
     * @return false when it did not within {@code timeout}, or the server was closed
     */
    public boolean awaitState(State state, Duration timeout) throws InterruptedException {
        VpcdLink link = backend.link(READER);
        return link != null && link.awaitState(Objects.requireNonNull(state, "state"), timeout.toMillis());
    }

    /** Removes the card from the reader: the vpcd connection is closed, pcscd sees the card removed. */
    public void remove() {
        backend.remove(READER);
    }

    /** Puts the card back (with its state): the link connects to vpcd again. */
    public void insert() {
        backend.insert(READER);
    }

    /** Closes the vpcd connection (pcscd sees the card removed) and ends the link's thread. Idempotent. */
    @Override
    public void close() {
        backend.close();
    }

    @Override
    public String toString() {
        return "VpcdCardServer[" + (backend.served().isEmpty() ? "closed" : status().address()) + "]";
    }
}
