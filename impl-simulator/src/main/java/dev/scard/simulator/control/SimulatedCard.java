package dev.scard.simulator.control;

import dev.scard.api.Protocol;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A pluggable card model: what a simulated card answers. The simulator calls it one command at a time
 * (never concurrently for the same card).
 *
 * <p>A model must answer every byte string with a response APDU (at least a status word), like a real card
 * would ({@code 6D00} unknown instruction, {@code 6700} wrong length, ...), and never throw. If it throws anyway
 * or answers fewer than two bytes, the command fails with {@code SCARD_F_COMM_ERROR}.
 *
 * <p>A model instance is in one reader at a time; the simulator reads its {@link #atr()} and {@link #protocol()}
 * once per insertion, right after the power-up {@link #reset()}.
 */
@ConsumerType
public interface SimulatedCard {

    /** The card's answer to reset. */
    byte[] atr();

    /** The protocol the card speaks ({@link Protocol#T0} or {@link Protocol#T1}). */
    Protocol protocol();

    /**
     * Processes one command APDU.
     *
     * @param commandApdu the command (the model must not keep or change it); any bytes, also malformed ones. It is
     *        a copy the simulator made for this call and zeroes when the call returns, since it may hold a PIN: a
     *        model that copies a secret out of it clears its copies too
     * @return the response: data followed by SW1 SW2, in a new array for each call (the simulator hands it to
     *         the caller without copying)
     */
    byte[] process(byte[] commandApdu);

    /**
     * Called on every reset and power-up (insertion, warm reset, cold reset): the card forgets its volatile
     * state (selected file, verified PINs, challenge); persistent state (files, retry counters) stays.
     */
    void reset();
}
