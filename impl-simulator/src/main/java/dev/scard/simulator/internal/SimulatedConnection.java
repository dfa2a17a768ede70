package dev.scard.simulator.internal;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.core.spi.Arguments;
import dev.scard.iso7816.CommandPattern;
import dev.scard.simulator.internal.card.CardProfile;

/**
 * One connection to a simulated card (a PC/SC SCARDHANDLE). The state lives here; the rules live in
 * {@link SimulatedReader}, which every method delegates to. Thread-safe.
 *
 * <p>Decisions where PC/SC leaves room: {@link Disposition#EJECT} removes the card from the simulated reader
 * (simulated readers can eject; {@code SimulatorControl.insert} puts it back with its state). A
 * {@link Disposition#RESET} or {@link Disposition#UNPOWER} on disconnect is not carried out while another
 * connection holds the card's transaction, nor when the card is no longer the one this connection knew; the card
 * is left as it is then.
 *
 * <p><b>Transactions.</b> A card has at most one transaction owner, one connection; all threads using that
 * connection are in it. Beginning a transaction that this connection already holds succeeds at once, from any of its
 * threads, and does not nest (unlike pcsc-lite, which counts): one {@link #endTransaction} ends it, a second one
 * fails with {@link HResult#SCARD_E_NOT_TRANSACTED}. A transaction begins only between other connections'
 * commands and exchanges, never inside one; a reset, the card's removal, a reconnect and {@link #disconnect} end it.
 *
 * <p><b>Bounded calls.</b> Every wait (for the card while another connection's command or exchange runs, for a
 * foreign transaction, for a plugged-in card model's answer) is bounded by the backend's call timeout
 * ({@code callTimeoutMillis}) and then fails with {@link HResult#SCARD_E_TIMEOUT}; {@link #disconnect} does not wait
 * for a card model that is busy or mute.
 */
final class SimulatedConnection implements ReaderConnection {

    private final SimulatedReader reader;

    // Written by the reader under its state lock; read without it on the transmit fast path.
    volatile ShareMode shareMode;
    volatile Protocol protocol;
    volatile CardSession session;
    volatile boolean closed;

    SimulatedConnection(SimulatedReader reader, ShareMode shareMode, Protocol protocol, CardSession session) {
        this.reader = reader;
        this.shareMode = shareMode;
        this.protocol = protocol;
        this.session = session;
    }

    @Override
    public String readerName() {
        return reader.name();
    }

    @Override
    public ShareMode shareMode() {
        return shareMode;
    }

    /**
     * {@inheritDoc} Never throws for a removed or reset card: {@code SPECIFIC_MODE} with the protocol and ATR while
     * the card this connection knows is in (also after someone else reset it); {@code PRESENT} with the new card's
     * ATR and {@code UNDEFINED} after it was replaced by another card; {@code ABSENT} and {@code UNDEFINED} while the
     * reader is empty.
     *
     * @throws SCardException {@link HResult#SCARD_E_INVALID_HANDLE} after {@link #disconnect}
     */
    @Override
    public CardStatus status() {
        return reader.status(this);
    }

    /**
     * {@inheritDoc} For a card of a profile, the profile's {@code secretCommands}; none for other card models and
     * while the reader is empty.
     */
    @Override
    public List<CommandPattern> secretCommands() {
        CardSession current = session;
        return current.hasCard() ? CardProfile.secretCommands(current.card) : List.of();
    }

    /**
     * {@inheritDoc} The command goes to the card model unchanged and its answer comes back unchanged (no copies).
     *
     * @throws SCardException {@link HResult#SCARD_E_INVALID_HANDLE}, {@link HResult#SCARD_W_REMOVED_CARD},
     *         {@link HResult#SCARD_W_RESET_CARD}; {@link HResult#SCARD_E_TIMEOUT} when another connection held the
     *         transaction or the card for longer than the call timeout, when a plugged-in card model did not answer
     *         within it, and at once while such a card is mute (until it is reset or removed);
     *         {@link HResult#SCARD_E_SERVICE_STOPPED} when the simulator stopped while the model ran;
     *         {@link HResult#SCARD_E_CANCELLED} when interrupted while waiting;
     *         {@link HResult#SCARD_F_COMM_ERROR} when the card model throws or answers fewer than two bytes;
     *         {@link HResult#E_INVALIDARG} for a null command
     */
    @Override
    public byte[] transmit(byte[] commandApdu) {
        if (commandApdu == null) {
            throw new SCardException(HResult.E_INVALIDARG, "command APDU must not be null");
        }
        return reader.transmit(this, commandApdu);
    }

    /**
     * {@inheritDoc} The reader's card lock is held across the whole exchange (the transmits in it take it again), so
     * neither another connection's command nor vpcd's reaches the card in between, and no other connection's
     * transaction begins; the exchange starts once no other connection holds the transaction, waiting at most the
     * call timeout.
     *
     * @throws SCardException {@link HResult#SCARD_E_TIMEOUT} when the card stayed busy or another connection held
     *         the transaction for longer than the call timeout; as {@link #transmit} for the exchange's commands
     */
    @Override
    public <T> T exchangeAtomically(Supplier<T> exchange) {
        Arguments.require(exchange, "exchange");
        return reader.exchangeAtomically(this, exchange);
    }

    /**
     * {@inheritDoc} Waits while another connection holds the transaction. Works after the card was reset, and after
     * it was removed once a card is in again (the connection then reaches the new card). {@code EXCLUSIVE} follows
     * the rules of connecting, counting the other connections.
     *
     * @throws SCardException {@link HResult#SCARD_E_NO_SMARTCARD} while the reader is empty;
     *         {@link HResult#SCARD_E_SHARING_VIOLATION}; {@link HResult#SCARD_E_PROTO_MISMATCH};
     *         {@link HResult#SCARD_E_TIMEOUT} when another connection held the transaction (or, for a reset, the
     *         card) for longer than the call timeout;
     *         {@link HResult#E_INVALIDARG} for {@link Disposition#EJECT} or null arguments
     */
    @Override
    public void reconnect(ShareMode shareMode, Set<Protocol> preferredProtocols, Disposition initialization) {
        Arguments.require(shareMode, "share mode");
        Arguments.requireProtocols(preferredProtocols);
        Arguments.require(initialization, "initialization");
        if (initialization == Disposition.EJECT) {
            throw new SCardException(HResult.E_INVALIDARG, "reconnect cannot EJECT the card; use LEAVE, RESET or UNPOWER");
        }
        reader.reconnect(this, shareMode, preferredProtocols, initialization);
    }

    /**
     * {@inheritDoc} Succeeds at once when this connection holds the transaction already (see the class comment). With
     * a negative timeout it waits at most the call timeout. A command or exchange of another connection that is
     * running ends first (waiting for that is bounded by the call timeout, whatever the timeout given).
     *
     * @throws SCardException also {@link HResult#SCARD_W_REMOVED_CARD} / {@link HResult#SCARD_W_RESET_CARD} when the
     *         card is removed or reset before or while waiting; {@link HResult#SCARD_E_TIMEOUT} when a negative
     *         timeout's wait reached the call timeout, or the card stayed busy for longer than it
     */
    @Override
    public boolean beginTransaction(long timeoutNanos) {
        return reader.beginTransaction(this, timeoutNanos);
    }

    /**
     * {@inheritDoc} {@link Disposition#EJECT} removes the card from the simulated reader; every connection, this one
     * included, then sees {@link HResult#SCARD_W_REMOVED_CARD}. The transaction ends at once also when a plugged-in
     * card model is busy or mute: a {@code RESET}/{@code UNPOWER} then reaches the model on its card thread after
     * what is queued there.
     */
    @Override
    public void endTransaction(Disposition disposition) {
        Arguments.require(disposition, "disposition");
        reader.endTransaction(this, disposition);
    }

    /**
     * {@inheritDoc} Does not wait for a plugged-in card model that is busy with another thread's command or is mute:
     * a {@code RESET}/{@code UNPOWER} is then carried out for every connection at once and the model's reset runs on
     * its card thread after what is queued there.
     */
    @Override
    public void disconnect(Disposition disposition) {
        if (closed) {
            return;
        }
        Arguments.require(disposition, "disposition");
        reader.disconnect(this, disposition);
    }

    /** The active protocol: the card's, or {@link Protocol#RAW} when only RAW matched. */
    Protocol protocol() {
        return protocol;
    }

    @Override
    public String toString() {
        return "SimulatedConnection[" + reader.name() + ", " + shareMode + ", " + protocol
                + (closed ? ", closed" : "") + "]";
    }
}
