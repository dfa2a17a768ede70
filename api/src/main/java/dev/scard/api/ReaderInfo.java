package dev.scard.api;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A reader as {@link SCardResourceManager#listReaders()} sees it at one moment.
 *
 * @param name the reader's display name, as {@link ISCardManage#attachByIfd(String)} takes it
 * @param backend the backend that owns the reader ({@value SCardServiceProperties#BACKEND_SIMULATOR},
 *        {@value SCardServiceProperties#BACKEND_PCSC}, ...)
 * @param state {@link CardState#ABSENT} when no card is in, otherwise the card's state
 * @param atr the card's answer to reset; empty when no card is in (copied in and out)
 * @param exclusive whether a connection holds the card exclusively
 */
public record ReaderInfo(String name, String backend, CardState state, byte[] atr, boolean exclusive) {

    /** Checks the arguments and copies the ATR. */
    public ReaderInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(state, "state");
        atr = atr == null ? new byte[0] : atr.clone();
    }

    /** Whether a card is in the reader. */
    public boolean cardPresent() {
        return state != CardState.ABSENT;
    }

    /** A copy of the card's ATR; empty when no card is in. */
    @Override
    public byte[] atr() {
        return atr.clone();
    }

    /** The ATR as upper-case hex without separators; empty when no card is in. */
    public String atrHex() {
        return HexFormat.of().withUpperCase().formatHex(atr);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ReaderInfo that
                && name.equals(that.name) && backend.equals(that.backend) && state == that.state
                && Arrays.equals(atr, that.atr) && exclusive == that.exclusive;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, backend, state, Arrays.hashCode(atr), exclusive);
    }

    @Override
    public String toString() {
        return "ReaderInfo[" + name + ", " + backend + ", " + state + ", atr=" + atrHex()
                + (exclusive ? ", exclusive" : "") + "]";
    }
}
