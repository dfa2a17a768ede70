package dev.scard.core;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;

import dev.scard.core.spi.Backend;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.iso7816.CommandPattern;

/** A scripted backend with one reader, "R", to test the core without a real one. */
final class FakeBackend implements Backend {
    static final byte[] ATR = {0x3B, 0x00};

    boolean cardPresent = true;
    /** Answers to transmitted commands; default echoes 9000. */
    UnaryOperator<byte[]> card = command -> new byte[] {(byte) 0x90, 0x00};
    final List<FakeConnection> connections = new ArrayList<>();
    /** Whether another party holds the card's transaction. */
    volatile boolean lockedElsewhere;
    /** Runs after a connection was closed (lets a test wake a waiting card). */
    volatile Runnable onDisconnect = () -> { };

    /** What the card marks secret ({@link ReaderConnection#secretCommands()}); default none. */
    volatile List<CommandPattern> cardSecrets = List.of();

    /** What {@link #callTimeout()} answers. */
    volatile Duration callTimeout = Backend.DEFAULT_CALL_TIMEOUT;

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public Duration callTimeout() {
        return callTimeout;
    }

    @Override
    public List<ReaderInfo> listReaders() {
        return List.of(readerInfo("R"));
    }

    @Override
    public ReaderInfo readerInfo(String readerName) {
        requireKnown(readerName);
        return new ReaderInfo("R", "fake", cardPresent ? CardState.SPECIFIC_MODE : CardState.ABSENT,
                cardPresent ? ATR : null, false);
    }

    @Override
    public ReaderConnection connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
        requireKnown(readerName);
        if (!cardPresent) {
            throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card");
        }
        FakeConnection connection = new FakeConnection(shareMode);
        connections.add(connection);
        return connection;
    }

    private static void requireKnown(String readerName) {
        if (!"R".equals(readerName)) {
            throw new SCardException(HResult.SCARD_E_UNKNOWN_READER, "unknown " + readerName);
        }
    }

    final class FakeConnection implements ReaderConnection {
        final ShareMode shareMode;
        final Deque<byte[]> sent = new ArrayDeque<>();
        final List<String> calls = new ArrayList<>();
        volatile boolean closed;
        /** Runs at the start of beginTransaction (lets a test hold a lock() in its wait). */
        volatile Runnable beforeBegin = () -> { };
        boolean removed;
        volatile boolean inTransaction;
        /** How many {@link #exchangeAtomically} calls run now, and how many transmits ran inside one. */
        volatile int atomicDepth;
        volatile int atomicTransmits;

        FakeConnection(ShareMode shareMode) {
            this.shareMode = shareMode;
        }

        private void check() {
            if (closed) {
                throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "closed");
            }
            if (removed) {
                throw new SCardException(HResult.SCARD_W_REMOVED_CARD, "removed");
            }
        }

        @Override
        public String readerName() {
            return "R";
        }

        @Override
        public ShareMode shareMode() {
            return shareMode;
        }

        @Override
        public CardStatus status() {
            if (closed) {
                throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "closed");
            }
            return removed ? new CardStatus(CardState.ABSENT, Protocol.UNDEFINED, "R", null)
                    : new CardStatus(CardState.SPECIFIC_MODE, Protocol.T1, "R", ATR);
        }

        @Override
        public List<CommandPattern> secretCommands() {
            return cardSecrets;
        }

        @Override
        public byte[] transmit(byte[] commandApdu) {
            check();
            if (atomicDepth > 0) {
                atomicTransmits++;
            }
            sent.add(commandApdu.clone());
            return card.apply(commandApdu);
        }

        @Override
        public <T> T exchangeAtomically(java.util.function.Supplier<T> exchange) {
            atomicDepth++;
            try {
                return exchange.get();
            } finally {
                atomicDepth--;
            }
        }

        @Override
        public void reconnect(ShareMode mode, Set<Protocol> preferredProtocols, Disposition initialization) {
            check();
            calls.add("reconnect " + initialization + (preferredProtocols.equals(Protocol.T0_OR_T1) ? ""
                    : " " + preferredProtocols));
            inTransaction = false;
        }

        @Override
        public boolean beginTransaction(long timeoutNanos) {
            beforeBegin.run();
            check();
            if (lockedElsewhere) {
                return false;
            }
            calls.add("begin");
            inTransaction = true;
            return true;
        }

        @Override
        public void endTransaction(Disposition disposition) {
            check();
            if (!inTransaction) {
                throw new SCardException(HResult.SCARD_E_NOT_TRANSACTED, "none");
            }
            calls.add("end " + disposition);
            inTransaction = false;
        }

        @Override
        public void disconnect(Disposition disposition) {
            calls.add("disconnect " + disposition);
            closed = true;
            onDisconnect.run();
        }
    }
}
