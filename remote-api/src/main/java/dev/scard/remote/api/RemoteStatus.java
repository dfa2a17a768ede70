package dev.scard.remote.api;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Protocol;

/**
 * What {@link RemoteCardHost#status} returns: {@link CardStatus} without the reader's name (the importing side names
 * the reader its own way), in a serializable form. Immutable.
 */
public final class RemoteStatus implements Serializable {
    private static final long serialVersionUID = 1L;

    /** @serial the card's state */
    private final CardState state;
    /** @serial the active protocol, {@link Protocol#UNDEFINED} when none */
    private final Protocol protocol;
    /** @serial the card's ATR, empty when no card is in */
    private final byte[] atr;

    /**
     * @param state the card's state
     * @param protocol the active protocol, {@link Protocol#UNDEFINED} when none
     * @param atr the ATR (copied); null is taken as empty
     * @throws IllegalArgumentException when {@code state} or {@code protocol} is null
     */
    public RemoteStatus(CardState state, Protocol protocol, byte[] atr) {
        if (state == null || protocol == null) {
            throw new IllegalArgumentException("a remote status needs a state and a protocol");
        }
        this.state = state;
        this.protocol = protocol;
        this.atr = atr == null ? new byte[0] : atr.clone();
    }

    /** The host's status as its {@code ISCardManage.status()} gave it. */
    public static RemoteStatus of(CardStatus status) {
        return new RemoteStatus(status.state(), status.protocol(), status.atr());
    }

    /** This status as a {@link CardStatus} for the reader named {@code readerName}. */
    public CardStatus toCardStatus(String readerName) {
        return new CardStatus(state, protocol, readerName, atr);
    }

    /** The card's state. */
    public CardState state() {
        return state;
    }

    /** The active protocol, {@link Protocol#UNDEFINED} when none. */
    public Protocol protocol() {
        return protocol;
    }

    /** A copy of the ATR, empty when no card is in. */
    public byte[] atr() {
        return atr.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RemoteStatus that && state == that.state && protocol == that.protocol
                && Arrays.equals(atr, that.atr);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state, protocol, Arrays.hashCode(atr));
    }

    @Override
    public String toString() {
        return "RemoteStatus[" + state + ", " + protocol + ", atr=" + HexFormat.of().withUpperCase().formatHex(atr)
                + "]";
    }

    /** Checks and copies a deserialized value as the constructor does a new one. */
    private Object readResolve() {
        return new RemoteStatus(state, protocol, atr);
    }
}
