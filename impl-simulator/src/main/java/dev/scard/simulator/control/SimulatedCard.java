package dev.scard.simulator.control;

import dev.scard.api.Protocol;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A pluggable card model: what a simulated card answers. The simulator calls it one command at a time
 * (never concurrently for the same card).
 *
 * <p>A model must answer every byte string with a response APDU (at least a status word), like a real card
 * would ({@code 6D00} unknown instruction, {@code 6700} wrong length, ...), and never throw.
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
     * @param commandApdu the command (the model must not keep or change it)
     * @return the response: data followed by SW1 SW2
     */
    byte[] process(byte[] commandApdu);

    /**
     * Called on every reset and power-up (insertion, warm reset, cold reset): the card forgets its volatile
     * state (selected file, verified PINs, challenge); persistent state (files, retry counters) stays.
     */
    void reset();
}
