package dev.scard.simulator.control;

import dev.scard.api.Protocol;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A pluggable card model: what a simulated card answers. The simulator calls it one command at a time
 * (never concurrently for the same card).
 *
 * <p><b>Threads and time.</b> The simulator's built-in models (its ISO 7816-4 cards made from card profiles without
 * a response delay) answer promptly and run on the caller's thread. A model plugged in through this interface runs on
 * its reader's <em>card thread</em> (a daemon thread per inserted card, started when needed), so that a model that
 * is slow or never answers cannot block its callers beyond the simulator's call timeout (configuration
 * {@code callTimeoutMillis}, default two minutes): a command it has not answered by then fails with
 * {@code SCARD_E_TIMEOUT}, its thread is interrupted and given up, and the card counts as mute: further commands fail
 * at once with {@code SCARD_E_TIMEOUT} until the card is reset (a reset, a reconnect or disconnect with
 * {@code RESET}/{@code UNPOWER}) or removed; the calls after that run on a new card thread. Removing the card,
 * disconnecting and stopping the simulator never wait for the model. A model that can block should therefore end its
 * call when interrupted (and must then expect that the caller is gone): the simulator calls a model again, on the new
 * thread, without waiting for an abandoned call to return. A model's {@link #reset()} and power-up are bounded the
 * same way.
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
     *        a copy the simulator made for this call and zeroes when the call returns (or gives up on the model),
     *        since it may hold a PIN: a model that copies a secret out of it clears its copies too
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
