package dev.scard.api;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What {@link ISCardManage#status()} returns: the contract's two out-parameters ({@code pStatus},
 * {@code pProtocols}) plus, as additions, the reader's name and the card's ATR.
 *
 * @param state the card's state; {@link CardState#ABSENT} for a reader attachment with no card
 * @param protocol the active protocol; {@link Protocol#UNDEFINED} when none is active
 * @param readerName the attached reader
 * @param atr the card's answer to reset, empty when no card is in (copied in and out)
 */
public record CardStatus(CardState state, Protocol protocol, String readerName, byte[] atr) {

    /** Checks the arguments and copies the ATR. */
    public CardStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(readerName, "readerName");
        atr = atr == null ? new byte[0] : atr.clone();
    }

    /** A copy of the ATR. */
    @Override
    public byte[] atr() {
        return atr.clone();
    }

    /** The ATR as upper-case hex without separators. */
    public String atrHex() {
        return HexFormat.of().withUpperCase().formatHex(atr);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CardStatus that && state == that.state && protocol == that.protocol
                && readerName.equals(that.readerName) && Arrays.equals(atr, that.atr);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state, protocol, readerName, Arrays.hashCode(atr));
    }

    @Override
    public String toString() {
        return "CardStatus[" + state + ", " + protocol + ", " + readerName + ", atr=" + atrHex() + "]";
    }
}
