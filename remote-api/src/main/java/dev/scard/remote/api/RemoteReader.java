package dev.scard.remote.api;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

import dev.scard.api.CardState;
import dev.scard.api.ReaderInfo;

/**
 * One reader of a {@link RemoteCardHost} as the host sees it at one moment: {@link ReaderInfo} without the backend
 * (the importing side names its own), in a serializable form. Immutable.
 */
public final class RemoteReader implements Serializable {
    private static final long serialVersionUID = 1L;

    /** @serial the reader's name on the host */
    private final String name;
    /** @serial {@link CardState#ABSENT} when no card is in, otherwise the card's state */
    private final CardState state;
    /** @serial the card's ATR; empty when no card is in */
    private final byte[] atr;
    /** @serial whether a connection holds the card exclusively */
    private final boolean exclusive;

    /**
     * @param name the reader's name on the host, not blank
     * @param state the card's state, {@link CardState#ABSENT} when no card is in
     * @param atr the card's ATR (copied); null is taken as empty
     * @param exclusive whether a connection holds the card exclusively
     * @throws IllegalArgumentException when {@code name} is null or blank or {@code state} is null
     */
    public RemoteReader(String name, CardState state, byte[] atr, boolean exclusive) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a remote reader needs a name");
        }
        if (state == null) {
            throw new IllegalArgumentException("remote reader '" + name + "' needs a state");
        }
        this.name = name;
        this.state = state;
        this.atr = atr == null ? new byte[0] : atr.clone();
        this.exclusive = exclusive;
    }

    /** The host's reader as it stands in its {@code listReaders}. */
    public static RemoteReader of(ReaderInfo info) {
        return new RemoteReader(info.name(), info.state(), info.atr(), info.exclusive());
    }

    /** This reader as a {@link ReaderInfo} with another name and backend (what the importing side lists). */
    public ReaderInfo toReaderInfo(String localName, String backend) {
        return new ReaderInfo(localName, backend, state, atr, exclusive);
    }

    /** The reader's name on the host. */
    public String name() {
        return name;
    }

    /** {@link CardState#ABSENT} when no card is in, otherwise the card's state. */
    public CardState state() {
        return state;
    }

    /** A copy of the card's ATR; empty when no card is in. */
    public byte[] atr() {
        return atr.clone();
    }

    /** Whether a connection holds the card exclusively. */
    public boolean exclusive() {
        return exclusive;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RemoteReader that && name.equals(that.name) && state == that.state
                && Arrays.equals(atr, that.atr) && exclusive == that.exclusive;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, state, Arrays.hashCode(atr), exclusive);
    }

    @Override
    public String toString() {
        return "RemoteReader[" + name + ", " + state + ", atr=" + HexFormat.of().withUpperCase().formatHex(atr)
                + (exclusive ? ", exclusive" : "") + "]";
    }

    /** Checks and copies a deserialized value as the constructor does a new one. */
    private Object readResolve() {
        return new RemoteReader(name, state, atr, exclusive);
    }
}
