package dev.scard.simulator.internal.card;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A PIN (reference data for VERIFY) with its retry counter, and optionally a PUK (resetting code for RESET RETRY
 * COUNTER) with its own retry counter. The value's length is fixed: a new value must have the same length. Counters
 * and values are persistent card state; whether the PIN is verified is not kept here but in the card's volatile
 * security state. {@link #toString()} never shows a value. Values are held as {@code byte[]} (never as a String),
 * compared in constant time ({@link MessageDigest#isEqual}), and a replaced value is cleared.
 */
final class Pin {

    final int ref;
    /** The DF the PIN belongs to: the MF for global PINs. */
    final DedicatedFile owner;
    private byte[] value;
    final int maxTries;
    int triesLeft;
    private final byte[] puk;
    final int pukMaxTries;
    int pukTriesLeft;

    Pin(int ref, byte[] value, int maxTries, int triesLeft, byte[] puk, int pukMaxTries, int pukTriesLeft,
            DedicatedFile owner) {
        this.ref = ref;
        this.value = value.clone();
        this.maxTries = maxTries;
        this.triesLeft = triesLeft;
        this.puk = puk == null ? null : puk.clone();
        this.pukMaxTries = pukMaxTries;
        this.pukTriesLeft = pukTriesLeft;
        this.owner = owner;
    }

    Pin copy(DedicatedFile newOwner) {
        return new Pin(ref, value, maxTries, triesLeft, puk, pukMaxTries, pukTriesLeft, newOwner);
    }

    int length() {
        return value.length;
    }

    boolean hasPuk() {
        return puk != null;
    }

    int pukLength() {
        return puk == null ? 0 : puk.length;
    }

    boolean blocked() {
        return triesLeft == 0;
    }

    /** Compares {@code length} bytes at {@code offset} with the PIN, in constant time for equal lengths. */
    boolean matches(byte[] bytes, int offset, int length) {
        return equal(value, bytes, offset, length);
    }

    boolean pukMatches(byte[] bytes, int offset, int length) {
        return puk != null && equal(puk, bytes, offset, length);
    }

    private static boolean equal(byte[] secret, byte[] bytes, int offset, int length) {
        byte[] candidate = new byte[length];
        System.arraycopy(bytes, offset, candidate, 0, length);
        try {
            return MessageDigest.isEqual(secret, candidate);
        } finally {
            Arrays.fill(candidate, (byte) 0);
        }
    }

    /** Sets a new value of the PIN's length from {@code bytes}; the old value is cleared. */
    void setValue(byte[] bytes, int offset) {
        byte[] next = new byte[value.length];
        System.arraycopy(bytes, offset, next, 0, next.length);
        byte[] old = value;
        value = next;
        Arrays.fill(old, (byte) 0);
    }

    /** A fingerprint of the persistent state for the tests' consistency checks (not the value itself). */
    int stateHash() {
        return Arrays.hashCode(value) * 31 + triesLeft * 17 + pukTriesLeft;
    }

    @Override
    public String toString() {
        return String.format("PIN %02X (%d of %d tries left%s)", ref, triesLeft, maxTries,
                puk == null ? "" : ", PUK " + pukTriesLeft + " of " + pukMaxTries);
    }
}
