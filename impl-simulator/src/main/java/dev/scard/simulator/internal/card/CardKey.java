package dev.scard.simulator.internal.card;

import java.security.GeneralSecurityException;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * An AES-128 key on the card, used by INTERNAL AUTHENTICATE (the card encrypts the host's block) and EXTERNAL
 * AUTHENTICATE (the host proves it can encrypt the card's challenge). {@link #toString()} never shows the value.
 * The value is held as a {@code byte[]} and never as a String; the JDK's {@link SecretKeySpec} and AES cipher
 * made for each block keep copies of it (and its round keys) that they do not clear, until they are collected.
 */
final class CardKey {

    /** The key length in bytes (AES-128). */
    static final int LENGTH = 16;

    final int ref;
    /** The DF the key belongs to: the MF for global keys. */
    final DedicatedFile owner;
    private final byte[] value;

    CardKey(int ref, byte[] value, DedicatedFile owner) {
        if (value.length != LENGTH) {
            throw new IllegalArgumentException("an AES-128 key has 16 bytes");
        }
        this.ref = ref;
        this.value = value.clone();
        this.owner = owner;
    }

    /** The same key for the copy of its DF in a new card. */
    CardKey copy(DedicatedFile newOwner) {
        return new CardKey(ref, value, newOwner);
    }

    /**
     * AES-128-ECB of one 16-byte block.
     *
     * @throws IllegalStateException if the platform has no AES (every Java SE platform has it)
     */
    byte[] encrypt(byte[] block, int offset) {
        try {
            Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(value, "AES"));
            return cipher.doFinal(block, offset, LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-128 is not available", e);
        }
    }

    @Override
    public String toString() {
        return String.format("AES-128 key %02X", ref);
    }
}
