package dev.scard.simulator.control;

import java.util.Objects;

/**
 * A simulated reader whose card is served to a PC/SC daemon through the vsmartcard {@code vpcd} driver, as
 * {@link SimulatorControl#served()} lists it: where it is served and how far the connection got.
 *
 * @param readerName the simulated reader
 * @param host where vpcd listens, as given to {@link SimulatorControl#serve}
 * @param port vpcd's port for the slot ({@value SimulatorControl#VPCD_PORT} is vpcd's first slot)
 * @param state how far the connection got
 * @param detail why the link is not connected ({@link State#CONNECTING}: the last failure, such as
 *        {@code "Connection refused"}), otherwise empty
 */
public record ServedReader(String readerName, String host, int port, State state, String detail) {

    /** How far the link to vpcd got. */
    public enum State {
        /** The reader is empty: nothing is connected; the link connects when a card is inserted. */
        NO_CARD,
        /**
         * A card is in and the link tries to reach vpcd, retrying with a growing pause (0.1 s up to 2 s) while vpcd
         * is not listening (pcscd stopped) or after the connection was lost; {@link ServedReader#detail()} says why.
         */
        CONNECTING,
        /**
         * Connected to vpcd's port, but vpcd has not talked to the card yet. It polls every 0.4 s or so; a link that
         * stays here has probably queued behind another card that holds the same vpcd slot.
         */
        CONNECTED,
        /** vpcd talks to the card: PC/SC applications see it in vpcd's reader. */
        SERVING
    }

    /** Checks that no component is null. */
    public ServedReader {
        Objects.requireNonNull(readerName, "readerName");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(detail, "detail");
    }

    /** {@code host:port}, with an IPv6 address in brackets ({@code [::1]:35963}). */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Whether the link is connected to vpcd ({@link State#CONNECTED} or {@link State#SERVING}). */
    public boolean connected() {
        return state == State.CONNECTED || state == State.SERVING;
    }
}
