package dev.scard.pcsc.internal;

import dev.scard.api.CardState;
import dev.scard.api.ReaderInfo;

/**
 * A reader as {@code SCardGetStatusChange} (timeout 0, current state unaware) showed it at one moment.
 *
 * @param name the reader's name
 * @param eventState the state word ({@code SCARD_STATE_*} flags, pcsc-lite's event counter in the upper 16 bits)
 * @param atr the card's ATR, empty without a card
 * @param counter pcsc-lite's insertion/removal counter, or -1 where the platform has none
 */
record ReaderSnapshot(String name, long eventState, byte[] atr, int counter) {

    ReaderSnapshot {
        atr = atr == null ? new byte[0] : atr.clone();
    }

    /** The card's state as far as the reader state tells (see {@link PcscPlatform#readerCardState(int)}). */
    CardState state() {
        return PcscPlatform.readerCardState((int) eventState);
    }

    /** Whether a card is in the reader. */
    boolean present() {
        return state() != CardState.ABSENT;
    }

    /** Whether a connection holds the card exclusively. */
    boolean exclusive() {
        return ((int) eventState & PcscPlatform.STATE_EXCLUSIVE) != 0;
    }

    /** A copy of the ATR (empty without a card). */
    @Override
    public byte[] atr() {
        return present() ? atr.clone() : new byte[0];
    }

    /** The resource manager's view of the reader. */
    ReaderInfo info(String backend) {
        return new ReaderInfo(name, backend, state(), atr(), exclusive());
    }
}
