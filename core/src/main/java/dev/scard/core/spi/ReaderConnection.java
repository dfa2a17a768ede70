package dev.scard.core.spi;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.iso7816.CommandPattern;
import dev.scard.iso7816.SecretCommands;

/**
 * One open connection to a card (a PC/SC SCARDHANDLE), as a backend implements it. It must be safe to call
 * from several threads; the core serializes the calls of one manager but several managers may share a
 * connection through a handle.
 *
 * <p>After the card was removed, calls fail with {@link HResult#SCARD_W_REMOVED_CARD}; after another
 * connection reset it, with {@link HResult#SCARD_W_RESET_CARD}; both until {@link #reconnect}. After
 * {@link #disconnect}, calls fail with {@link HResult#SCARD_E_INVALID_HANDLE}.
 *
 * <p><b>Bounded calls.</b> Every method that reaches the card or the reader is bounded by the backend's configured
 * call timeout ({@link Backend#callTimeout()}): a card or driver that does not answer makes the call fail with
 * {@link HResult#SCARD_E_TIMEOUT} instead of blocking its caller. {@link #disconnect} never waits for the card: when
 * another thread's call on this connection is stuck, the connection is closed for every later call at once and
 * what the backend still holds (a native handle, a thread stuck in a native call) is released when that call
 * returns, or abandoned.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface ReaderConnection {

    /** The reader this connection is to. */
    String readerName();

    /** The share mode of this connection (changes with {@link #reconnect}). */
    ShareMode shareMode();

    /** The card's state, protocol and ATR (SCardStatus). */
    CardStatus status();

    /**
     * Sends one APDU as it is and returns the card's answer as it is (SCardTransmit). Waits while another
     * connection holds a transaction on the card. No T=0 handling: the core does that once for every backend
     * ({@code 61xx} answered with GET RESPONSE, {@code 6Cxx} by resending with the right Le).
     */
    byte[] transmit(byte[] commandApdu);

    /**
     * Runs {@code exchange}, one complete command exchange of this connection (a command and the GET RESPONSE or
     * resend that completes it), so that no other connection's command reaches the card
     * between its {@link #transmit} calls: the backend holds off the card's other connections meanwhile. A
     * backend whose cards other programs can reach too (PC/SC) also keeps them off where it can, and documents
     * where it cannot. The default runs {@code exchange} as it is, for a connection that is the card's only one.
     *
     * @return what {@code exchange} returns
     */
    default <T> T exchangeAtomically(Supplier<T> exchange) {
        return exchange.get();
    }

    /**
     * The commands that the card this connection reaches marks as carrying secrets, beyond those
     * {@link SecretCommands} knows (VERIFY, CHANGE REFERENCE DATA, ...): for instance those a simulated card's profile
     * lists. The core's card trace withholds their data as it withholds a PIN's; the list can only add secret
     * commands, never take one away. Called on the exchange path while someone traces the card, so it must answer at
     * once, from memory, and never throw. The default: none, for a backend whose cards say nothing of the kind.
     *
     * @return the patterns, never null (an immutable list the caller does not change)
     * @since 1.1.0
     */
    default List<CommandPattern> secretCommands() {
        return List.of();
    }

    /**
     * Re-establishes the connection (SCardReconnect), first treating the card as {@code initialization} says.
     * A transaction held by this connection ends.
     */
    void reconnect(ShareMode shareMode, Set<Protocol> preferredProtocols, Disposition initialization);

    /**
     * Starts a transaction (SCardBeginTransaction): waits until no other connection holds one.
     *
     * @param timeoutNanos the longest wait; negative waits forever
     * @return false when the timeout expired first
     * @throws SCardException {@link HResult#SCARD_E_CANCELLED} when the thread is interrupted;
     *         {@link HResult#SCARD_E_INVALID_HANDLE} when the connection is closed meanwhile
     */
    boolean beginTransaction(long timeoutNanos);

    /**
     * Ends this connection's transaction (SCardEndTransaction) and treats the card as {@code disposition} says.
     *
     * @throws SCardException {@link HResult#SCARD_E_NOT_TRANSACTED} when this connection holds none;
     *         {@link HResult#SCARD_E_CANT_DISPOSE} when the reader cannot carry out the disposition
     */
    void endTransaction(Disposition disposition);

    /**
     * Closes the connection (SCardDisconnect), ending its transaction. Idempotent; never throws for a
     * connection that is already closed or whose card is gone.
     */
    void disconnect(Disposition disposition);
}
