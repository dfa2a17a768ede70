package dev.scard.core;

import java.util.Set;

import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;

/**
 * One open connection to a card (a PC/SC SCARDHANDLE), as a backend implements it. It must be safe to call
 * from several threads; the core serializes the calls of one manager but several managers may share a
 * connection through a handle.
 *
 * <p>After the card was removed, calls fail with {@link HResult#SCARD_W_REMOVED_CARD}; after another
 * connection reset it, with {@link HResult#SCARD_W_RESET_CARD}; both until {@link #reconnect}. After
 * {@link #disconnect}, calls fail with {@link HResult#SCARD_E_INVALID_HANDLE}.
 */
public interface ReaderConnection {

    /** The reader this connection is to. */
    String readerName();

    /** The share mode of this connection (changes with {@link #reconnect}). */
    ShareMode shareMode();

    /** The card's state, protocol and ATR (SCardStatus). */
    CardStatus status();

    /**
     * Sends one APDU as it is and returns the card's answer as it is (SCardTransmit). Waits while another
     * connection holds a transaction on the card. No T=0 handling: {@link ApduExchange} does that once for
     * every backend.
     */
    byte[] transmit(byte[] commandApdu);

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
