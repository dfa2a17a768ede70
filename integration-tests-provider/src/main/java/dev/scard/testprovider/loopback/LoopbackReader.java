package dev.scard.testprovider.loopback;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.spi.Arguments;
import dev.scard.core.spi.Backend;
import dev.scard.core.spi.EventChannel;
import dev.scard.core.spi.ReaderConnection;

/**
 * One loopback reader with the PC/SC sharing rules for its card. All state is guarded by this object's monitor, which
 * is never held while the card's code runs. A connection remembers the insertion and the power-up it reached: after a
 * removal its calls fail with {@code SCARD_W_REMOVED_CARD}, after someone else's reset with {@code SCARD_W_RESET_CARD},
 * until it reconnects. One thread at a time uses the card (a command, or an exchange with its commands); a transaction
 * owner keeps the other connections' commands and transactions waiting, until it ends the transaction, reconnects or
 * disconnects, or the card is reset or removed. Every wait is bounded (the call timeout or the caller's), fails with
 * {@code SCARD_E_CANCELLED} when interrupted and with {@code SCARD_E_INVALID_HANDLE} when the connection is closed
 * meanwhile. Insert, remove, reset and disconnect never wait: a reset reaches the card before its next command.
 */
final class LoopbackReader {

    private static final long CALL_TIMEOUT_NANOS = Backend.DEFAULT_CALL_TIMEOUT.toNanos();

    private final String name;
    private final EventChannel events;
    private final List<Connection> connections = new ArrayList<>();
    private LoopbackCard card;
    private byte[] atr;
    /** Count the insertions, and the power-ups (insertions and resets). */
    private long insertion;
    private long powerUp;
    private boolean resetPending;
    private Connection exclusive;
    private Connection transactionOwner;
    /** The thread using the card, and how many uses (an exchange and its commands) it has begun. */
    private Thread user;
    private int uses;
    private boolean stopped;

    LoopbackReader(String name, EventChannel events) {
        this.name = name;
        this.events = events;
        publish(SCardEvent.Type.READER_ADDED);
    }

    String name() {
        return name;
    }

    synchronized ReaderInfo info() {
        return new ReaderInfo(name, LoopbackBackend.NAME, card == null ? CardState.ABSENT : CardState.PRESENT, atr,
                exclusive != null);
    }

    synchronized LoopbackCard card() {
        return card;
    }

    /** Puts a card in (its ATR is read first, outside the monitor). */
    void insert(LoopbackCard inserted) {
        byte[] answer = Arguments.require(inserted, "card").atr().clone();
        synchronized (this) {
            if (card != null) {
                throw error(HResult.E_FAIL, "holds a card already");
            }
            card = inserted;
            atr = answer;
            insertion++;
            powerUp++;
            resetPending = true;
            publish(SCardEvent.Type.CARD_INSERTED);
        }
    }

    /** Takes the card out: every connection sees {@code SCARD_W_REMOVED_CARD}; a transaction ends. */
    synchronized void remove() {
        requireCard();
        publish(SCardEvent.Type.CARD_REMOVED);
        card = null;
        atr = null;
        transactionOwner = null;
        notifyAll();
    }

    /** Resets the card as another application would: every connection sees {@code SCARD_W_RESET_CARD}. */
    void reset() {
        resetFor(null);
    }

    /** Resets the card: every connection but {@code initiator} (null: all) sees it; a transaction ends. */
    private synchronized void resetFor(Connection initiator) {
        requireCard();
        powerUp++;
        resetPending = true;
        transactionOwner = null;
        if (initiator != null) {
            initiator.powerUp = powerUp;
        }
        publish(SCardEvent.Type.CARD_RESET);
        notifyAll();
    }

    /** Closes every connection (waiting threads wake and fail) and says the reader is gone. */
    synchronized void stop() {
        stopped = true;
        connections.forEach(connection -> connection.closed = true);
        connections.clear();
        exclusive = null;
        transactionOwner = null;
        publish(SCardEvent.Type.READER_REMOVED);
        notifyAll();
    }

    synchronized ReaderConnection connect(ShareMode shareMode, Set<Protocol> protocols) {
        if (stopped) {
            throw error(HResult.SCARD_E_SERVICE_STOPPED, "the loopback backend stopped");
        }
        requireCard();
        Connection connection = new Connection();
        share(connection, shareMode, protocols);
        connections.add(connection);
        return connection;
    }

    /** Gives {@code connection} a share mode and protocol, if the other connections allow it. */
    private void share(Connection connection, ShareMode shareMode, Set<Protocol> protocols) {
        if (exclusive != null && exclusive != connection) {
            throw error(HResult.SCARD_E_SHARING_VIOLATION, "another connection uses the card exclusively");
        }
        long others = connections.stream().filter(other -> other != connection).count();
        if (shareMode == ShareMode.EXCLUSIVE && others > 0) {
            throw error(HResult.SCARD_E_SHARING_VIOLATION, others + " other connection(s) keep it from exclusive use");
        }
        if (!protocols.contains(Protocol.T1) && !protocols.contains(Protocol.RAW)) {
            throw error(HResult.SCARD_E_PROTO_MISMATCH, "the card speaks T1, which is not among " + protocols);
        }
        connection.protocol = protocols.contains(Protocol.T1) ? Protocol.T1 : Protocol.RAW;
        connection.shareMode = shareMode;
        exclusive = shareMode == ShareMode.EXCLUSIVE ? connection : exclusive == connection ? null : exclusive;
        connection.insertion = insertion;
        connection.powerUp = powerUp;
    }

    private SCardException error(HResult code, String detail) {
        return new SCardException(code, "loopback reader '" + name + "': " + detail);
    }

    private void requireCard() {
        if (card == null) {
            throw error(HResult.SCARD_E_NO_SMARTCARD, "no card in the reader");
        }
    }

    private void requireOpen(Connection connection) {
        if (connection.closed) {
            throw error(HResult.SCARD_E_INVALID_HANDLE, "the connection is closed");
        }
    }

    /** Throws unless the connection is open and its card is in, neither removed nor reset since it reached it. */
    private void requireUsable(Connection connection) {
        requireOpen(connection);
        if (card == null || connection.insertion != insertion) {
            throw error(HResult.SCARD_W_REMOVED_CARD, "the card was removed; reconnect once a card is in");
        }
        if (connection.powerUp != powerUp) {
            throw error(HResult.SCARD_W_RESET_CARD, "the card was reset by someone else; reconnect to go on");
        }
    }

    /**
     * Waits (monitor held) until no other connection holds the transaction and no other thread uses the card,
     * checking the connection first and after every change; false once {@code deadline} has passed.
     */
    private boolean awaitTurn(Connection connection, long deadline, boolean usable) {
        while (true) {
            if (usable) {
                requireUsable(connection);
            } else {
                requireOpen(connection);
            }
            if ((transactionOwner == null || transactionOwner == connection)
                    && (user == null || user == Thread.currentThread())) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw error(HResult.SCARD_E_CANCELLED, "interrupted while waiting for the card");
            }
        }
    }

    private SCardException timedOut() {
        return error(HResult.SCARD_E_TIMEOUT, "the card stayed locked or busy for longer than the call timeout of "
                + Backend.DEFAULT_CALL_TIMEOUT);
    }

    /**
     * Runs {@code work} with the card for {@code connection}, once no other connection holds the transaction and no
     * other thread uses the card; a pending reset reaches the card first. A card that throws fails the call with
     * {@code SCARD_F_COMM_ERROR}.
     */
    private <T> T useCard(Connection connection, Function<LoopbackCard, T> work) {
        boolean reset;
        LoopbackCard used;
        synchronized (this) {
            if (!awaitTurn(connection, System.nanoTime() + CALL_TIMEOUT_NANOS, true)) {
                throw timedOut();
            }
            user = Thread.currentThread();
            uses++;
            reset = resetPending;
            resetPending = false;
            used = card;
        }
        try {
            if (reset) {
                used.reset();
            }
            return work.apply(used);
        } catch (SCardException e) {
            throw e;
        } catch (RuntimeException e) {
            // The class only: a message might echo command data such as a PIN.
            throw error(HResult.SCARD_F_COMM_ERROR, "the card failed with " + e.getClass().getName());
        } finally {
            synchronized (this) {
                if (--uses == 0) {
                    user = null;
                    notifyAll();
                }
            }
        }
    }

    private void publish(SCardEvent.Type type) {
        String atrHex = type == SCardEvent.Type.CARD_INSERTED || type == SCardEvent.Type.CARD_RESET
                ? HexFormat.of().withUpperCase().formatHex(atr) : null;
        events.publish(new SCardEvent(type, name, LoopbackBackend.NAME, atrHex));
    }

    /** One connection (a PC/SC SCARDHANDLE); its state is guarded by the reader's monitor. */
    private final class Connection implements ReaderConnection {
        volatile ShareMode shareMode;
        Protocol protocol;
        long insertion;
        long powerUp;
        boolean closed;

        @Override
        public String readerName() {
            return name;
        }

        @Override
        public ShareMode shareMode() {
            return shareMode;
        }

        /** Never throws for a removed or reset card: {@code SPECIFIC_MODE} while the card it reached is in. */
        @Override
        public CardStatus status() {
            synchronized (LoopbackReader.this) {
                requireOpen(this);
                boolean reached = card != null && insertion == LoopbackReader.this.insertion;
                return new CardStatus(reached ? CardState.SPECIFIC_MODE : card != null ? CardState.PRESENT
                        : CardState.ABSENT, reached ? protocol : Protocol.UNDEFINED, name, atr);
            }
        }

        /** @throws SCardException {@code SCARD_F_COMM_ERROR} when the card throws or answers no status word */
        @Override
        public byte[] transmit(byte[] commandApdu) {
            byte[] command = Arguments.require(commandApdu, "command APDU").clone();
            byte[] answer = useCard(this, used -> used.process(command));
            if (answer == null || answer.length < 2) {
                throw error(HResult.SCARD_F_COMM_ERROR, "the card answered no status word");
            }
            return answer;
        }

        @Override
        public <T> T exchangeAtomically(Supplier<T> exchange) {
            Arguments.require(exchange, "exchange");
            return useCard(this, used -> exchange.get());
        }

        /** Waits (bounded) while another connection holds the transaction or uses the card; ends this one's. */
        @Override
        public void reconnect(ShareMode mode, Set<Protocol> preferredProtocols, Disposition initialization) {
            Arguments.require(mode, "share mode");
            Set<Protocol> protocols = Arguments.requireProtocols(preferredProtocols);
            if (Arguments.require(initialization, "initialization") == Disposition.EJECT) {
                throw Arguments.invalidArgument("reconnect cannot EJECT the card; use LEAVE, RESET or UNPOWER");
            }
            synchronized (LoopbackReader.this) {
                if (!awaitTurn(this, System.nanoTime() + CALL_TIMEOUT_NANOS, false)) {
                    throw timedOut();
                }
                requireCard();
                share(this, mode, protocols);
                transactionOwner = transactionOwner == this ? null : transactionOwner;
                LoopbackReader.this.notifyAll();
                if (initialization != Disposition.LEAVE) {
                    resetFor(this);
                }
            }
        }

        /** Also waits for another thread's command; a negative timeout is the call timeout, then SCARD_E_TIMEOUT. */
        @Override
        public boolean beginTransaction(long timeoutNanos) {
            long deadline = System.nanoTime() + (timeoutNanos < 0 ? CALL_TIMEOUT_NANOS
                    : Math.min(timeoutNanos, Long.MAX_VALUE / 4));
            synchronized (LoopbackReader.this) {
                if (awaitTurn(this, deadline, true)) {
                    transactionOwner = this;
                    return true;
                }
                if (timeoutNanos < 0) {
                    throw timedOut();
                }
                return false;
            }
        }

        /** {@code RESET} and {@code UNPOWER} reset the card for the other connections; {@code EJECT} removes it. */
        @Override
        public void endTransaction(Disposition disposition) {
            Arguments.require(disposition, "disposition");
            synchronized (LoopbackReader.this) {
                requireUsable(this);
                if (transactionOwner != this) {
                    throw error(HResult.SCARD_E_NOT_TRANSACTED, "this connection holds no transaction");
                }
                transactionOwner = null;
                LoopbackReader.this.notifyAll();
                dispose(disposition);
            }
        }

        /** Never waits; leaves the card as it is when it changed or another connection holds the transaction. */
        @Override
        public void disconnect(Disposition disposition) {
            synchronized (LoopbackReader.this) {
                if (closed) {
                    return;
                }
                closed = true;
                connections.remove(this);
                exclusive = exclusive == this ? null : exclusive;
                transactionOwner = transactionOwner == this ? null : transactionOwner;
                LoopbackReader.this.notifyAll();
                if (card != null && insertion == LoopbackReader.this.insertion && transactionOwner == null) {
                    dispose(disposition == null ? Disposition.LEAVE : disposition);
                }
            }
        }

        private void dispose(Disposition disposition) {
            switch (disposition) {
                case RESET, UNPOWER -> resetFor(this);
                case EJECT -> remove();
                case LEAVE -> {
                }
            }
        }
    }
}
