package dev.scard.simulator.control;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Controls the simulated readers, registered by the simulator backend as a service. Reader names are the
 * ones {@code SCardResourceManager.listReaders()} shows. Unknown readers fail with
 * {@code SCardException(E_INVALIDARG)} naming the reader.
 */
@ProviderType
public interface SimulatorControl {

    /** The simulated readers' names, in order. */
    List<String> readers();

    /** Whether a card is in the reader. */
    boolean isCardPresent(String readerName);

    /**
     * Inserts the reader's card: the card last removed from this reader (with its state, as a real card keeps
     * it), or a fresh default card if the reader never had one. Inserting into a reader that holds a card fails
     * with {@code E_FAIL}. Insertion powers the card up ({@link SimulatedCard#reset()}).
     */
    void insert(String readerName);

    /**
     * Inserts a card model into a reader, replacing the reader's remembered card. Fails with {@code E_FAIL}
     * when the reader already holds a card, and with {@code E_INVALIDARG} for a null card, a model that is in
     * another reader, or one that throws on power-up or reports an ATR of other than 2 to 33 bytes or a protocol
     * other than T0 or T1 (the reader then stays empty).
     */
    void insert(String readerName, SimulatedCard card);

    /**
     * Removes the card: every connection to it fails with {@code SCARD_W_REMOVED_CARD} until reconnected after
     * a new insertion, and a transaction on it ends (threads waiting for it wake and fail). Removing from an
     * empty reader fails with {@code SCARD_E_NO_SMARTCARD}.
     */
    void remove(String readerName);

    /**
     * Resets the card (as another application would): connections fail with {@code SCARD_W_RESET_CARD} until
     * they reconnect, and a transaction on the card ends. Fails with {@code SCARD_E_NO_SMARTCARD} for an empty
     * reader.
     */
    void reset(String readerName);
}
