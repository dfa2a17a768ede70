package dev.scard.pcsc.internal;

import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.log.Log;
import dev.scard.core.spi.Arguments;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.pcsc.internal.PcscApi.StatusResult;
import dev.scard.pcsc.internal.PcscApi.TransmitBuffer;
import dev.scard.pcsc.internal.PcscErrors.Call;

/**
 * One connection to a card in a PC/SC reader (an {@code SCARDHANDLE} in a context of its own, see
 * {@link NativeConnection}), with the semantics the simulator's connections have, so that one conformance suite
 * passes on both. Thread-safe.
 *
 * <p><b>Waiting for this backend's transactions.</b> A transmit, status, reconnect or lock while another connection
 * of this backend holds (or is acquiring) the card's transaction waits in Java: parked, interruptible
 * ({@link HResult#SCARD_E_CANCELLED}), ended by closing the connection ({@link HResult#SCARD_E_INVALID_HANDLE}); it
 * goes on as soon as that transaction ends or the card is removed ({@link CardLock#enterCall}). Status does not
 * wait: it answers from the reader's state then. A connection that begins a transaction first lets the others'
 * native calls on the card finish, so none of them meets the new transaction inside the library.
 *
 * <p><b>Waiting for other applications' transactions.</b> pcsc-lite (since 1.6) does not return
 * {@code SCARD_E_SHARING_VIOLATION} from SCardTransmit, SCardStatus, SCardReconnect or SCardBeginTransaction while
 * another handle holds the card's transaction: its client library polls pcscd every 100 ms until the card is free
 * (unless {@code PCSCLITE_NO_BLOCKING} is set), and pcscd makes SCardConnect wait as well. Such waits cannot be
 * interrupted or bounded, only ended by disconnecting the handle (within one poll). Therefore:
 * <ul>
 * <li>Where {@link PcscPlatform#probesLocks()} (pcsc-lite), {@link #beginTransaction(long)}, {@link #status()} and
 * {@link #reconnect} first ask with SCardGetAttrib, which pcscd answers with {@code SCARD_E_SHARING_VIOLATION} at
 * once while another handle holds the transaction: a lock waits by probing, sleeping between probes (interruptible,
 * bounded by its timeout, the handle kept); status answers from the reader's state; reconnect waits by probing.</li>
 * <li>The native SCardBeginTransaction runs on a helper thread; the caller waits for it at most the remaining timeout
 * (at least {@link PcscSettings#minimumLockWait()}, the time a free card takes). When the wait ends first (timeout,
 * interrupt, close: on pcsc-lite only when another application took the card between the probe and the call), the
 * handle is disconnected, so the helper's call fails at its next poll, and the helper has returned before
 * {@code beginTransaction} does: no thread stays blocked and no transaction is granted behind the caller's back. The
 * connection opens a new handle with the same share mode and protocols when it is next used (not at once: pcscd
 * would make that SCardConnect wait for the other application's transaction); until then {@link #status()} answers
 * from the reader's state.</li>
 * <li>A transmit is not probed (it would cost a second round trip per APDU): it waits inside the library, which a
 * close ends. A library that returns {@code SCARD_E_SHARING_VIOLATION} instead of waiting is retried here after
 * {@link PcscSettings#transactionPoll()} until the call goes through, the connection is closed, or the thread is
 * interrupted.</li>
 * </ul>
 *
 * <p><b>Bounded calls ({@code callTimeoutMillis}).</b> Every native call on the handle that can wait for the card or
 * the reader (SCardTransmit, SCardStatus, SCardGetAttrib, SCardReconnect, SCardBeginTransaction,
 * SCardEndTransaction) runs on the handle's worker thread ({@link NativeConnection#call}) while the caller waits at
 * most {@link PcscBackend#callTimeout()}; SCardConnect runs on a helper thread with the same bound
 * ({@link PcscBackend#openNative}, except the inline open right after the card was seen free, see there), and so do
 * the Java waits for this backend's other connections ({@link CardLock#enterCall}). A call that does not return in
 * time fails with {@link HResult#SCARD_E_TIMEOUT} naming the reader, the call and the timeout, and the connection is
 * <i>broken</i>: every later call except {@link #reconnect} and {@link #disconnect} fails at once with
 * {@code SCARD_E_TIMEOUT} ("broken ... reconnect or disconnect it"); {@link #reconnect} opens a new handle in a new
 * context. The stuck call is abandoned, never waited for: pcsc-lite serializes the calls on a context, so its
 * context (and the transmit buffer the call writes into) is freed by the worker when the library returns, and never
 * goes back to the {@link ContextPool}. {@link #disconnect} never waits for a call in flight: the connection is
 * closed for every later call at once, a caller waiting for the call's result wakes with
 * {@link HResult#SCARD_E_INVALID_HANDLE}, and the handle is disconnected on a thread of its own (which also ends a
 * call that polls for another application's transaction).
 *
 * <p><b>Why a handoff, and what it costs.</b> A caller stuck in a native call cannot be made to return: pcsc-lite's
 * SCardTransmit has no timeout and no way to be cancelled, and every other call on its context waits for it. So a
 * watchdog that only cleans up after a stuck call made on the caller's thread would not give the caller its
 * {@code SCARD_E_TIMEOUT}; the native call must run on another thread than the caller's, every time, since a hang is
 * not known in advance. The handoff is a pair of volatile writes and, at most, one wake-up each way
 * ({@link java.util.concurrent.locks.LockSupport}); a parked caller and a parked worker cost about 9 us per call on a
 * loaded 2-core machine (SELECT MF through pcscd and vpcd: 66.5 us per call on the caller's thread, 75.5 us through
 * a parking handoff: 0.88x). Waiting for the result yielding for up to 200 us, and for the next call up to 100 us,
 * takes both wake-ups out of a fast card's round trip (68.7 us direct, 65 to 70 us through the handoff, best blocks
 * of interleaved measurements in one JVM), while {@link Thread#yield()} leaves the cores to pcscd and the card; a
 * slow card costs at most those 200 us of yielding before the caller parks.
 *
 * <p><b>Atomic exchanges.</b> See {@link #exchangeAtomically}: one exchange lock per reader for this backend's
 * connections; against other applications, a native transaction around a T=0 case 2 or 4 exchange of a connection
 * that holds none. That transaction costs two more round trips to pcscd (no card traffic): about 40 us per exchange
 * on the vpcd test card (a case 4 command and its GET RESPONSE: 174 us with it, 134 us inside a held transaction,
 * best blocks), a few percent of an exchange with a real card. T=1 exchanges, and T=0 commands that cannot draw
 * {@code 61xx}/{@code 6Cxx}, go without it (a connection whose manager holds the transaction is protected by that
 * one). It protects this backend's exchanges; another application's own T=0 exchanges are protected only when that
 * application uses transactions too.
 *
 * <p><b>Removal, failed exchanges, reset, service restarts.</b> Return codes are read with their call
 * ({@link PcscErrors}). A removal, or an exchange the reader or its driver failed (pcsc-lite's
 * {@code SCARD_E_NOT_TRANSACTED} from SCardTransmit, or an answer without a status word), loses the card for this
 * connection (and, for a failed exchange, for every connection of this backend that reached the card before it): every
 * call but {@link #status()} fails with {@code SCARD_W_REMOVED_CARD} and the same message, and {@link #status()}
 * answers from the reader's state, never {@code SPECIFIC_MODE}, until {@link #reconnect} reaches the card in the
 * reader. {@code SCARD_W_RESET_CARD} passes through until {@link #reconnect}; {@link #status()} never throws for
 * either (see there). When pcscd stops, calls fail
 * with {@code SCARD_E_NO_SERVICE}; once it is back they fail with {@code SCARD_W_REMOVED_CARD} (pcscd powered the
 * card up anew and invalidated every handle) until {@link #reconnect} opens a new handle.
 */
final class PcscConnection implements ReaderConnection {

    private static final Log LOG = PcscComponent.LOGS.logger(PcscConnection.class);
    /** How long an aborted native lock call may take to notice that its handle is gone (pcsc-lite polls at 100 ms). */
    private static final long ABORT_WAIT_MILLIS = 2_000;

    /** Why the connection has no native handle while it is open. */
    private enum Lost {
        /** Given up to end a lock wait: opened again when next used. */
        ABORTED,
        /** The PC/SC service stopped or invalidated it: only {@link #reconnect} opens a new one. */
        SERVICE,
        /** A call on it outlived the call timeout and was abandoned: only {@link #reconnect} opens a new one. */
        BROKEN
    }

    private final PcscBackend backend;
    private final PcscPlatform platform;
    private final String readerName;
    private final CardLock cardLock;
    /** This connection as {@link #cardLock} knows it. */
    private final CardLock.Party party;

    private volatile ShareMode shareMode;
    private volatile Set<Protocol> preferred;

    // Written under "this" (replacements also under handleLock); read without a lock.
    private volatile NativeConnection current;
    private volatile Lost lost;
    /** The call that broke the connection ({@link Lost#BROKEN}), for the message of every later call. */
    private volatile String brokenBy;
    private volatile boolean closed;
    /**
     * Why the card this connection reached is gone for it, or null: the handle reaches another card insertion than
     * the one this connection knew, or the reader or its driver failed an exchange with the card
     * ({@link PcscErrors.Meaning#CARD_LOST}). Every call but {@link #status()} then fails with
     * {@link HResult#SCARD_W_REMOVED_CARD} and this detail, and {@link #status()} never reports
     * {@link CardState#SPECIFIC_MODE}, until {@link #reconnect} reaches the card in the reader.
     */
    private volatile String cardLost;
    /** {@link CardLock#exchangeFailures()} when this connection last reached the card (opened or reconnected). */
    private volatile long exchangeFailuresSeen;
    /**
     * Whether {@link #knownCounter} and {@link #knownAtr} are known. On pcsc-lite a connection is opened with
     * SCardConnect alone (SCardStatus would cost two more round trips); the insertion is learned when it matters,
     * see {@link #statusFromReader} and {@link #beginNative}.
     */
    private volatile boolean insertionKnown;
    /** The insertion this connection knows: counter (or -1), ATR, and the active protocol on it. */
    private volatile int knownCounter = -1;
    private volatile byte[] knownAtr = new byte[0];
    private volatile long knownProtocol;

    /** Serializes transmits (they share {@link #buffer}) and every replacement of the native handle. */
    private final ReentrantLock handleLock = new ReentrantLock();
    private TransmitBuffer buffer; // guarded by handleLock
    /**
     * The handle on which the running command exchange began a native transaction against other applications
     * ({@link #exchangeAtomically}), or null. Used only by the thread inside the exchange
     * ({@link CardLock#inExchange}).
     */
    private NativeConnection exchangeTransaction;

    PcscConnection(PcscBackend backend, String readerName, CardLock cardLock, ShareMode shareMode,
            Set<Protocol> preferred) {
        this.backend = backend;
        this.platform = backend.platform();
        this.readerName = readerName;
        this.cardLock = cardLock;
        this.party = cardLock.newParty();
        this.shareMode = shareMode;
        this.preferred = preferred;
    }

    /** Opens the native connection (SCardConnect); waits for this backend's other connections' transactions. */
    void open() {
        enterCall();
        try {
            long failures = cardLock.exchangeFailures();
            install(backend.openNative(cardLock, shareMode, preferred, false, true, Deadline.NONE,
                    this::cancelReason));
            exchangeFailuresSeen = failures;
        } finally {
            exitCall();
        }
    }

    /** This connection as its card's lock knows it. */
    CardLock.Party party() {
        return party;
    }

    /**
     * Registers a native call of this connection on the card, waiting (at most the call timeout) while another
     * connection of this backend holds or acquires the card's transaction; end it with {@link #exitCall()}.
     *
     * @throws SCardException {@link HResult#SCARD_E_TIMEOUT} when that transaction outlasted the call timeout;
     *         {@link HResult#SCARD_E_CANCELLED} when interrupted; {@link #cancelReason()} when closed or stopped
     */
    private void enterCall() {
        if (!cardLock.enterCall(party, Deadline.after(backend.callTimeoutNanos()), this::cancelReason)) {
            throw new SCardException(HResult.SCARD_E_TIMEOUT, "the card in reader '" + readerName + "' stayed locked "
                    + "by another connection longer than the call timeout of " + backend.callTimeout().toMillis()
                    + " ms (callTimeoutMillis)");
        }
    }

    /** Ends a call registered by {@link #enterCall()}. */
    private void exitCall() {
        cardLock.exitCall(party);
    }

    @Override
    public String readerName() {
        return readerName;
    }

    @Override
    public ShareMode shareMode() {
        return shareMode;
    }

    // ---------------------------------------------------------------- status

    /**
     * {@inheritDoc} SCardStatus, with pcsc-lite's state bits mapped (a powered card with an active protocol on this
     * connection is in {@link CardState#SPECIFIC_MODE}). Never throws for a removed or reset card: after a reset,
     * {@code SPECIFIC_MODE} with this connection's protocol and the ATR; after the card was replaced by another one,
     * {@code PRESENT} with the new ATR and {@link Protocol#UNDEFINED}; while the reader is empty, {@code ABSENT} and
     * {@code UNDEFINED}. After the card was lost to this connection ({@link #cardLost}: removed, or an exchange with
     * it failed), never {@code SPECIFIC_MODE}: {@code ABSENT} while the reader is empty, else {@code PRESENT} (the
     * card pcscd still sees, or the next one) until {@link #reconnect}. Those answers come from the reader's state
     * ({@code SCardGetStatusChange}), which is also asked while another connection of this backend holds the card's
     * transaction (SCardStatus would wait for it).
     *
     * @throws SCardException {@link HResult#SCARD_E_INVALID_HANDLE} after {@link #disconnect};
     *         {@link HResult#SCARD_E_NO_SERVICE} while the PC/SC service is away
     */
    @Override
    public CardStatus status() {
        requireOpen();
        requireNotBroken();
        NativeConnection n = current;
        if (n == null || lostDetail() != null || !cardLock.tryEnterCall(party)) {
            return statusFromReader(); // SCardStatus would wait for the other connection's transaction
        }
        StatusResult out = new StatusResult();
        int code;
        try {
            if (!n.enter()) {
                return statusFromReader();
            }
            try {
                if (!awaitNoForeignLock(n, Deadline.PASSED)) {
                    return statusFromReader(); // SCardStatus would wait for another application's transaction
                }
                code = call(n, Call.STATUS, (api, handle) -> api.status(handle, out));
            } finally {
                n.exit();
            }
        } finally {
            exitCall();
        }
        if (code == PcscErrors.SUCCESS) {
            if (!n.insertionKnown) { // SUCCESS: no removal since the handle met the card, so this is its insertion
                n.learn(platform.eventCounter(out.state), out.atr);
                adoptInsertion(n);
            }
            Protocol protocol = platform.protocol(out.protocol);
            return new CardStatus(platform.connectionState(out.state, protocol), protocol, readerName, out.atr);
        }
        if (code == PcscErrors.E_INVALID_HANDLE && closed) {
            throw closedFailure();
        }
        if (code == PcscErrors.E_INVALID_HANDLE && n.disposed()) {
            return statusFromReader(); // replaced meanwhile (an aborted lock wait)
        }
        if (code == PcscErrors.E_INVALID_HANDLE || PcscErrors.serviceGone(code)) {
            loseHandle(n, Lost.SERVICE);
            return statusFromReader();
        }
        if (PcscErrors.meaning(code, Call.STATUS) == PcscErrors.Meaning.CARD_LOST) {
            cardLost(backend.failure(code, Call.STATUS, readerName)); // the other calls report it from now on
            return statusFromReader();
        }
        HResult result = platform.hresult(code);
        if (result == HResult.SCARD_W_REMOVED_CARD || result == HResult.SCARD_W_RESET_CARD
                || result == HResult.SCARD_E_NO_SMARTCARD || result == HResult.SCARD_E_READER_UNAVAILABLE
                || result == HResult.SCARD_E_SHARING_VIOLATION || result == HResult.SCARD_W_UNPOWERED_CARD
                || result == HResult.SCARD_W_UNRESPONSIVE_CARD) {
            return statusFromReader();
        }
        throw backend.failure(code, Call.STATUS, readerName);
    }

    /** The status as the reader's state and this connection's knowledge tell it. */
    private CardStatus statusFromReader() {
        requireOpen();
        ReaderSnapshot snapshot;
        try {
            snapshot = backend.snapshot(readerName);
        } catch (SCardException e) {
            if (e.code() == HResult.SCARD_E_UNKNOWN_READER) { // the reader went away, and its card with it
                return new CardStatus(CardState.ABSENT, Protocol.UNDEFINED, readerName, null);
            }
            throw e;
        }
        if (!snapshot.present()) {
            return new CardStatus(CardState.ABSENT, Protocol.UNDEFINED, readerName, null);
        }
        boolean same;
        if (lostDetail() != null || lost == Lost.SERVICE) {
            same = false;
        } else if (insertionKnown) {
            same = sameInsertion(knownCounter, knownAtr, snapshot.counter(), snapshot.atr());
        } else {
            same = probeInsertion(snapshot) != HResult.SCARD_W_REMOVED_CARD;
        }
        if (same) {
            return new CardStatus(CardState.SPECIFIC_MODE, platform.protocol(knownProtocol), readerName,
                    snapshot.atr());
        }
        return new CardStatus(CardState.PRESENT, Protocol.UNDEFINED, readerName, snapshot.atr());
    }

    /**
     * Tells whether the handle still meets the card insertion it was opened on, learning that insertion from
     * {@code snapshot} when it does. The reader's state was read before the probe (one SCardGetAttrib, which pcscd
     * answers at once, also while another handle holds the card's transaction): a probe that reports no removal
     * proves that the handle's insertion was the reader's at the snapshot.
     *
     * @return {@link HResult#SCARD_W_REMOVED_CARD} when the handle's card was removed; {@link HResult#SCARD_S_SUCCESS}
     *         when the insertion is the snapshot's (now known); null when it cannot be told now (another handle
     *         holds the card's transaction, the handle is gone, or the platform cannot probe): the caller assumes
     *         the same insertion, as no removal was seen
     */
    private HResult probeInsertion(ReaderSnapshot snapshot) {
        NativeConnection n = current;
        if (n == null || !platform.probesLocks() || !snapshot.present() || !n.enter()) {
            return null;
        }
        int probe;
        try {
            probe = probe(n);
        } finally {
            n.exit();
        }
        return learnFromProbe(n, probe, snapshot);
    }

    /** What a probe result (SCardGetAttrib after {@code snapshot} was read) says; see {@link #probeInsertion}. */
    private HResult learnFromProbe(NativeConnection n, int probe, ReaderSnapshot snapshot) {
        if (probe == PcscErrors.W_REMOVED_CARD) {
            return HResult.SCARD_W_REMOVED_CARD;
        }
        if (probe == PcscErrors.E_SHARING_VIOLATION || probe == PcscErrors.E_INVALID_HANDLE
                || PcscErrors.serviceGone(probe) || snapshot == null || !snapshot.present()) {
            return null;
        }
        // success, an unsupported attribute, or a reset (which keeps the insertion): no removal since the open
        if (!n.insertionKnown) {
            n.learn(snapshot.counter(), snapshot.atr());
        }
        adoptInsertion(n);
        return HResult.SCARD_S_SUCCESS;
    }

    /** The reader's state now, or null when it cannot be read. */
    private ReaderSnapshot snapshotOrNull() {
        try {
            return backend.snapshot(readerName);
        } catch (SCardException e) {
            return null;
        }
    }

    /** Takes over the insertion {@code n} knows when {@code n} is still this connection's handle. */
    private void adoptInsertion(NativeConnection n) {
        synchronized (this) {
            if (current == n && n.insertionKnown && !insertionKnown) {
                knownCounter = n.counter;
                knownAtr = n.atr;
                insertionKnown = true;
            }
        }
    }

    /** Whether two observations are of the same card insertion: pcsc-lite's counter, else the ATR. */
    static boolean sameInsertion(int counter, byte[] atr, int otherCounter, byte[] otherAtr) {
        if (counter >= 0 && otherCounter >= 0) {
            return counter == otherCounter;
        }
        return Arrays.equals(atr, otherAtr);
    }

    // ---------------------------------------------------------------- transmit

    /**
     * {@inheritDoc}
     *
     * @throws SCardException {@link HResult#SCARD_E_INVALID_HANDLE}, {@link HResult#SCARD_W_REMOVED_CARD},
     *         {@link HResult#SCARD_W_RESET_CARD}, {@link HResult#SCARD_E_NO_SERVICE} and the other codes of
     *         SCardTransmit; {@link HResult#SCARD_E_CANCELLED} when interrupted while waiting;
     *         {@link HResult#E_INVALIDARG} for a null command
     */
    @Override
    public byte[] transmit(byte[] command) {
        if (command == null) {
            throw new SCardException(HResult.E_INVALIDARG, "command APDU must not be null");
        }
        for (;;) {
            enterCall();
            NativeConnection n;
            int code;
            try {
                lockHandle(Deadline.NONE);
                try {
                    n = usableNative(Deadline.NONE);
                    try {
                        if (lostDetail() != null) {
                            throw removedFailure();
                        }
                        if (buffer == null) {
                            buffer = n.api().newTransmitBuffer();
                        }
                        beginExchangeTransaction(n, command);
                        TransmitBuffer out = buffer;
                        int protocol = (int) n.protocol;
                        code = n.call((api, handle) -> api.transmit(handle, protocol, command, out),
                                backend.callTimeoutNanos(), out);
                        if (code == NativeConnection.TIMED_OUT || code == NativeConnection.CLOSED) {
                            buffer = null; // the abandoned call may still write into it: freed when it returns
                        }
                        code = checked(n, code, Call.TRANSMIT);
                        if (code == PcscErrors.SUCCESS) {
                            byte[] response = out.response();
                            if (response.length == 0 && platform.protocol(protocol) != Protocol.RAW) {
                                // a card always answers with a status word: the driver lost the card mid-exchange
                                SCardException failure = PcscErrors.noStatusWord(readerName);
                                cardLock.exchangeFailed(PcscErrors.detail(failure));
                                throw cardLost(failure);
                            }
                            return response;
                        }
                    } finally {
                        n.exit();
                    }
                } finally {
                    handleLock.unlock();
                    // disconnect() only tries the lock: if it ran while this transmit held it, free the buffer here
                    if (closed && handleLock.tryLock()) {
                        try {
                            freeBuffer();
                        } finally {
                            handleLock.unlock();
                        }
                    }
                }
            } finally {
                exitCall();
            }
            if (code == PcscErrors.E_SHARING_VIOLATION) {
                pause(); // the library did not wait for the other application's transaction: try again
                continue;
            }
            if (code == PcscErrors.E_INVALID_HANDLE && !closed && n.disposed()) {
                continue; // the handle was given up meanwhile (an aborted lock wait): go on with a new one
            }
            throw callFailure(n, code, Call.TRANSMIT);
        }
    }

    // ---------------------------------------------------------------- atomic exchanges

    /**
     * {@inheritDoc}
     *
     * <p>In this process, the exchange holds the reader's exchange lock ({@link CardLock#beginExchange}), which every
     * connection of this backend to the reader takes for its exchanges; the exchange is registered as a call on the
     * card first ({@link CardLock#enterCall}), so it waits while another connection holds the card's transaction,
     * and a connection beginning one waits for the exchange to end. Against other applications, an exchange on a
     * T=0 connection that holds no transaction wraps its command in SCardBeginTransaction/SCardEndTransaction when
     * the command can draw {@code 61xx}/{@code 6Cxx} (case 2 and case 4 APDUs, see {@link #expectsResponseData});
     * T=1 and other commands go without (no other application's command can get between the TPDUs of T=1).
     *
     * @throws SCardException {@link HResult#SCARD_E_TIMEOUT} when another connection's exchange or transaction held
     *         the card longer than the call timeout; {@link HResult#SCARD_E_CANCELLED} when interrupted while
     *         waiting; what {@code exchange} throws
     */
    @Override
    public <T> T exchangeAtomically(Supplier<T> exchange) {
        Arguments.require(exchange, "exchange");
        requireOpen();
        if (cardLock.inExchange()) {
            return exchange.get(); // nested in an exchange of this thread
        }
        enterCall();
        try {
            lockExchange();
            try {
                return exchange.get();
            } finally {
                try {
                    endExchangeTransaction();
                } finally {
                    cardLock.endExchange();
                }
            }
        } finally {
            exitCall();
        }
    }

    private void lockExchange() {
        if (!cardLock.beginExchange(Deadline.after(backend.callTimeoutNanos()))) {
            throw new SCardException(HResult.SCARD_E_TIMEOUT, "another connection's command exchange with the card "
                    + "in reader '" + readerName + "' did not end within the call timeout of "
                    + backend.callTimeout().toMillis() + " ms (callTimeoutMillis)");
        }
    }

    /**
     * Within {@link #exchangeAtomically}, before the exchange's first command: begins a native transaction that keeps
     * other applications off the card until the exchange ends, when the connection speaks T=0, holds no transaction
     * and {@code command} can draw {@code 61xx}/{@code 6Cxx}. A transaction that cannot be begun (the card was
     * reset or removed) is not an error here: the transmit reports it.
     */
    private void beginExchangeTransaction(NativeConnection n, byte[] command) {
        if (exchangeTransaction != null || !cardLock.inExchange()
                || platform.protocol(n.protocol) != Protocol.T0 || !expectsResponseData(command)
                || cardLock.holds(party)) {
            return;
        }
        if (call(n, Call.BEGIN_TRANSACTION, (api, handle) -> api.beginTransaction(handle)) == PcscErrors.SUCCESS) {
            exchangeTransaction = n;
        }
    }

    /** Ends the native transaction {@link #beginExchangeTransaction} began, if any; never throws. */
    private void endExchangeTransaction() {
        NativeConnection n = exchangeTransaction;
        if (n == null) {
            return;
        }
        exchangeTransaction = null;
        if (!n.enter()) {
            return; // disposed: the transaction ended with the handle
        }
        try {
            call(n, Call.END_TRANSACTION, (api, handle) -> api.endTransaction(handle, 0));
        } catch (SCardException e) {
            LOG.log(Level.DEBUG, "reader '" + readerName + "': ending an exchange's transaction failed: "
                    + e.getMessage());
        } finally {
            n.exit();
        }
    }

    /**
     * Whether a (well-formed) command APDU is case 2 or case 4, short or extended: it expects response data, so a T=0
     * card can answer it with {@code 61xx} or {@code 6Cxx}. Case 1 and 3 commands cannot draw either.
     */
    static boolean expectsResponseData(byte[] command) {
        int length = command.length;
        if (length <= 4) {
            return false;
        }
        if (length == 5) {
            return true; // 2S
        }
        int b4 = command[4] & 0xFF;
        if (b4 != 0) {
            return length == 6 + b4; // 4S (else 3S)
        }
        if (length == 7) {
            return true; // 2E
        }
        int lc = ((command[5] & 0xFF) << 8) | (command[6] & 0xFF);
        return length == 9 + lc; // 4E (else 3E)
    }

    // ---------------------------------------------------------------- transactions

    /**
     * {@inheritDoc} Beginning a transaction this connection holds already succeeds at once (no nesting: one
     * {@link #endTransaction} ends it), although pcsc-lite would count it. A wait without a timeout (negative) is
     * bounded by the call timeout; a native SCardBeginTransaction never gets longer than the call timeout either.
     *
     * @throws SCardException also {@link HResult#SCARD_W_REMOVED_CARD} / {@link HResult#SCARD_W_RESET_CARD};
     *         {@link HResult#SCARD_E_TIMEOUT} when a wait without a timeout of its own outlasted the call timeout
     */
    @Override
    public boolean beginTransaction(long timeoutNanos) {
        Deadline requested = timeoutNanos < 0 ? Deadline.NONE : Deadline.after(timeoutNanos);
        boolean unbounded = !requested.isBounded();
        Deadline deadline = unbounded ? Deadline.after(backend.callTimeoutNanos()) : requested;
        requireOpen();
        requireNotBroken();
        boolean granted = false;
        try {
            // claimed for this connection once no other one holds or acquires it and their calls on the card ended
            granted = cardLock.claim(party, deadline, () -> closed ? closedFailure() : null)
                    && beginNative(deadline);
        } finally {
            if (granted) {
                cardLock.grant(party, knownCounter, insertionKnown ? knownAtr : null);
            } else {
                cardLock.abandon(party);
            }
        }
        if (granted && (closed || backend.stopped())) {
            // Closed, or the backend began stopping, while the lock was granted: the holder's release on the way
            // down must not hand the card to a waiter. stop() disconnects this connection too, ending the lock.
            throw closedFailure();
        }
        if (!granted && unbounded) {
            throw new SCardException(HResult.SCARD_E_TIMEOUT, "the card in reader '" + readerName + "' stayed locked "
                    + "by another connection or application longer than the call timeout of "
                    + backend.callTimeout().toMillis() + " ms (callTimeoutMillis)");
        }
        return granted;
    }

    /** Returns true when the transaction was already held (claim saw it) or SCardBeginTransaction granted it. */
    private boolean beginNative(Deadline deadline) {
        if (cardLock.holds(party)) {
            return true; // held already: no nesting
        }
        for (;;) {
            NativeConnection n;
            if (!lockHandle(deadline)) {
                return false;
            }
            try {
                n = usableNative(deadline);
            } finally {
                handleLock.unlock();
            }
            if (n == null) {
                return false;
            }
            if (lostDetail() != null) {
                n.exit();
                throw removedFailure();
            }
            boolean free;
            try {
                // the reader's state before the probes: the last probe then tells whether it is the handle's insertion
                ReaderSnapshot before = !insertionKnown && platform.probesLocks() ? snapshotOrNull() : null;
                int probe = probeForeignLock(n, deadline);
                free = probe != PcscErrors.E_SHARING_VIOLATION;
                if (free && before != null) {
                    learnFromProbe(n, probe, before);
                }
            } catch (RuntimeException e) {
                n.exit();
                throw e;
            }
            if (!free) {
                n.exit();
                return false;
            }
            // the lock's own timeout, at least the time a free card takes, at most the call timeout
            long wait = Math.min(backend.callTimeoutNanos(),
                    Math.max(deadline.remainingNanos(), backend.minimumLockWaitNanos()));
            int code;
            try {
                code = n.call((api, handle) -> api.beginTransaction(handle), wait, null, true);
            } finally {
                n.exit();
            }
            if (code == NativeConnection.TIMED_OUT) {
                abandon(n);
                return false;
            }
            if (code == NativeConnection.INTERRUPTED) {
                abandon(n);
                throw cancelled();
            }
            if (code == NativeConnection.CLOSED) {
                code = PcscErrors.E_INVALID_HANDLE;
            }
            if (code == PcscErrors.SUCCESS) {
                return true;
            }
            if (code == PcscErrors.E_SHARING_VIOLATION) { // a library that does not wait: poll here
                if (deadline.isExpired()) {
                    return false;
                }
                pause();
                continue;
            }
            if (code == PcscErrors.E_INVALID_HANDLE && !closed && n.disposed()) {
                continue;
            }
            throw callFailure(n, code, Call.BEGIN_TRANSACTION);
        }
    }

    /**
     * Ends a native lock wait that the caller gave up: disconnects the handle (on a thread of its own, see
     * {@link NativeConnection#dispose}), so that the call fails at its next poll, and waits a little (at most
     * {@value #ABORT_WAIT_MILLIS} ms) for it to return; a transaction granted at the last moment ends with the
     * handle. The connection opens a new handle when it is next used.
     */
    private void abandon(NativeConnection n) {
        cardLock.sawForeignLock(); // another application took the card: open the next handle on a helper
        loseHandle(n, Lost.ABORTED);
        if (!n.awaitReleased(TimeUnit.MILLISECONDS.toNanos(ABORT_WAIT_MILLIS))) {
            LOG.log(Level.WARNING, "SCardBeginTransaction on reader '" + readerName + "' did not return "
                    + ABORT_WAIT_MILLIS + " ms after its handle was disconnected; it is abandoned");
        }
    }

    /**
     * {@inheritDoc} An {@link Disposition#EJECT} the reader cannot carry out (pcsc-lite reports
     * {@code SCARD_E_UNSUPPORTED_FEATURE}) fails with {@link HResult#SCARD_E_CANT_DISPOSE}; the transaction ends and
     * the card stays in. After {@link Disposition#RESET} or {@link Disposition#UNPOWER} this connection acknowledges
     * its own reset (pcsc-lite would report {@code SCARD_W_RESET_CARD} to it too), so it stays usable; every other
     * connection sees the reset.
     */
    @Override
    public void endTransaction(Disposition disposition) {
        Arguments.require(disposition, "disposition");
        requireOpen();
        if (!cardLock.holds(party)) {
            throw notTransacted();
        }
        try {
            NativeConnection n = current;
            if (n == null || !n.enter()) {
                requireOpen();
                throw removedFailure(); // the handle, and its transaction, went with the PC/SC service
            }
            try {
                if (lostDetail() != null) { // the card is gone for this connection, and the lock with it
                    call(n, Call.END_TRANSACTION, (api, handle) -> api.endTransaction(handle, 0));
                    throw removedFailure();
                }
                endNative(n, disposition);
            } finally {
                n.exit();
            }
        } finally {
            releaseOwnership();
        }
    }

    /**
     * The failure of ending a transaction this connection does not hold: a removal or reset of its card comes first
     * (as the simulator reports them), which SCardEndTransaction with LEAVE tells without touching the card.
     */
    private SCardException notTransacted() {
        if (lostDetail() != null) {
            return removedFailure();
        }
        NativeConnection n = current;
        if (n != null && n.enter()) {
            try {
                int code = call(n, Call.END_TRANSACTION, (api, handle) -> api.endTransaction(handle, 0));
                if (code == PcscErrors.W_REMOVED_CARD || code == PcscErrors.W_RESET_CARD) {
                    return callFailure(n, code, Call.END_TRANSACTION);
                }
            } finally {
                n.exit();
            }
        }
        return new SCardException(HResult.SCARD_E_NOT_TRANSACTED,
                "this connection holds no transaction on reader '" + readerName + "'");
    }

    private void endNative(NativeConnection n, Disposition disposition) {
        int how = platform.disposition(disposition);
        int code = call(n, Call.END_TRANSACTION, (api, handle) -> api.endTransaction(handle, how));
        if (code == PcscErrors.SUCCESS) {
            if (disposition == Disposition.RESET || disposition == Disposition.UNPOWER) {
                acknowledgeOwnReset(n);
                backend.cardReset(readerName);
            }
            return;
        }
        HResult result = platform.hresult(code);
        if (disposition == Disposition.EJECT && (result == HResult.SCARD_E_UNSUPPORTED_FEATURE
                || result == HResult.SCARD_E_CANT_DISPOSE)) {
            call(n, Call.END_TRANSACTION, (api, handle) -> api.endTransaction(handle, 0)); // make sure it ended
            throw new SCardException(HResult.SCARD_E_CANT_DISPOSE, "reader '" + readerName + "' cannot eject the "
                    + "card (SCardEndTransaction: " + (result == null ? PcscErrors.hex(code) : result.name())
                    + "); the lock ended and the card stays in");
        }
        if (result != HResult.SCARD_W_REMOVED_CARD && result != HResult.SCARD_W_RESET_CARD
                && result != HResult.SCARD_E_NOT_TRANSACTED && code != PcscErrors.E_INVALID_HANDLE
                && !PcscErrors.serviceGone(code)) {
            // the disposition failed: end the transaction all the same
            call(n, Call.END_TRANSACTION, (api, handle) -> api.endTransaction(handle, 0));
        }
        throw callFailure(n, code, Call.END_TRANSACTION);
    }

    /** After this connection reset the card, SCardReconnect(LEAVE) clears pcsc-lite's reset notice for it. */
    private void acknowledgeOwnReset(NativeConnection n) {
        long[] active = new long[1];
        int mask = n.protocol != 0 ? (int) n.protocol : backend.protocolAttempts(preferred)[0];
        int share = platform.shareMode(shareMode);
        int code = call(n, Call.RECONNECT, (api, handle) -> api.reconnect(handle, share, mask, 0, active));
        if (code == PcscErrors.SUCCESS) {
            n.protocol = active[0];
            knownProtocol = active[0];
        } else {
            LOG.log(Level.DEBUG, "reader '" + readerName + "': SCardReconnect after our own reset returned "
                    + PcscErrors.hex(code) + "; the next call reports the reset");
        }
    }

    private void releaseOwnership() {
        cardLock.release(party);
    }

    // ---------------------------------------------------------------- reconnect

    /**
     * {@inheritDoc} SCardReconnect; a transaction this connection holds ends first (pcsc-lite would keep it). Works
     * after a reset, and after a removal once a card is in again (the connection then reaches the new card). When the
     * handle was lost (pcscd restarted, or a lock wait was aborted), a new handle is opened with the new share mode
     * and protocols. Waits while another connection of this backend holds the card's transaction.
     *
     * @throws SCardException {@link HResult#SCARD_E_NO_SMARTCARD} while the reader is empty;
     *         {@link HResult#SCARD_E_SHARING_VIOLATION}; {@link HResult#SCARD_E_PROTO_MISMATCH};
     *         {@link HResult#SCARD_E_NO_SERVICE}; {@link HResult#E_INVALIDARG} for {@link Disposition#EJECT} or null
     *         arguments
     */
    @Override
    public void reconnect(ShareMode newShareMode, Set<Protocol> preferredProtocols, Disposition initialization) {
        Arguments.require(newShareMode, "share mode");
        Set<Protocol> protocols = Arguments.requireProtocols(preferredProtocols);
        Arguments.require(initialization, "initialization");
        if (initialization == Disposition.EJECT) {
            throw new SCardException(HResult.E_INVALIDARG,
                    "reconnect cannot EJECT the card; use LEAVE, RESET or UNPOWER");
        }
        requireOpen();
        enterCall();
        try {
            reconnectNative(newShareMode, protocols, initialization);
        } finally {
            exitCall();
        }
    }

    private void reconnectNative(ShareMode newShareMode, Set<Protocol> protocols, Disposition initialization) {
        long failures = cardLock.exchangeFailures(); // those before the reconnect: it reaches the card after them
        lockHandle(Deadline.NONE);
        try {
            endOwnTransaction();
            NativeConnection n = current;
            if (n == null || !n.enter()) {
                reopen(newShareMode, protocols, initialization);
                return;
            }
            int code = PcscErrors.E_PROTO_MISMATCH;
            long[] active = new long[1];
            try {
                awaitNoForeignLock(n, Deadline.NONE);
                int share = platform.shareMode(newShareMode);
                int how = platform.disposition(initialization);
                for (int mask : backend.protocolAttempts(protocols)) {
                    code = call(n, Call.RECONNECT, (api, handle) -> api.reconnect(handle, share, mask, how, active));
                    if (code != PcscErrors.E_PROTO_MISMATCH) {
                        break;
                    }
                }
                if (code == PcscErrors.SUCCESS) {
                    n.protocol = active[0];
                    learnInsertion(n);
                    shareMode = newShareMode;
                    preferred = protocols;
                    reachedCard(failures);
                    if (initialization == Disposition.RESET || initialization == Disposition.UNPOWER) {
                        backend.cardReset(readerName);
                    }
                    return;
                }
            } finally {
                n.exit();
            }
            if (code == PcscErrors.E_NO_SMARTCARD) {
                throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + readerName + "'");
            }
            if (code == PcscErrors.E_INVALID_HANDLE && closed) {
                throw closedFailure();
            }
            if (code == PcscErrors.W_REMOVED_CARD || code == PcscErrors.E_INVALID_HANDLE
                    || PcscErrors.serviceGone(code)) {
                loseHandle(n, code == PcscErrors.W_REMOVED_CARD ? Lost.ABORTED : Lost.SERVICE);
                reopen(newShareMode, protocols, initialization);
                return;
            }
            throw backend.failure(code, Call.RECONNECT, readerName);
        } finally {
            handleLock.unlock();
        }
    }

    /** Ends this connection's transaction, if it holds one, leaving the card as it is. */
    private void endOwnTransaction() {
        if (!cardLock.holds(party)) {
            return;
        }
        NativeConnection n = current;
        if (n != null && n.enter()) {
            try {
                call(n, Call.END_TRANSACTION, (api, handle) -> api.endTransaction(handle, 0));
            } finally {
                n.exit();
                releaseOwnership(); // also when the call failed or timed out: the handle is gone then
            }
            return;
        }
        releaseOwnership();
    }

    /** Opens a new handle (the old one is gone), treating the card as {@code initialization} says. */
    private void reopen(ShareMode newShareMode, Set<Protocol> protocols, Disposition initialization) {
        long failures = cardLock.exchangeFailures();
        NativeConnection fresh = backend.openNative(cardLock, newShareMode, protocols, false, false, Deadline.NONE,
                this::cancelReason);
        if (initialization == Disposition.RESET || initialization == Disposition.UNPOWER) {
            long[] active = new long[1];
            int share = platform.shareMode(newShareMode);
            int mask = (int) fresh.protocol;
            int how = platform.disposition(initialization);
            int code = fresh.call((api, handle) -> api.reconnect(handle, share, mask, how, active),
                    backend.callTimeoutNanos(), null);
            if (code != PcscErrors.SUCCESS) {
                fresh.dispose(0);
                if (code == NativeConnection.TIMED_OUT) {
                    throw backend.timeoutFailure(Call.RECONNECT, readerName);
                }
                throw backend.failure(code == NativeConnection.CLOSED ? PcscErrors.E_INVALID_HANDLE : code,
                        Call.RECONNECT, readerName);
            }
            fresh.protocol = active[0];
            backend.cardReset(readerName);
        }
        shareMode = newShareMode;
        preferred = protocols;
        install(fresh);
        reachedCard(failures);
    }

    /** Reads the insertion counter and ATR the handle now sees (after a reconnect). */
    private void learnInsertion(NativeConnection n) {
        StatusResult out = new StatusResult();
        if (call(n, Call.STATUS, (api, handle) -> api.status(handle, out)) == PcscErrors.SUCCESS) {
            n.learn(platform.eventCounter(out.state), out.atr);
        } else {
            n.insertionKnown = false; // learned when it matters
        }
        synchronized (this) {
            knownCounter = n.counter;
            knownAtr = n.atr;
            insertionKnown = n.insertionKnown;
            knownProtocol = n.protocol;
        }
    }

    // ---------------------------------------------------------------- disconnect

    /**
     * {@inheritDoc} Wakes every thread waiting on this connection. A {@link Disposition#RESET},
     * {@link Disposition#UNPOWER} or {@link Disposition#EJECT} is not carried out while another connection of this
     * backend holds the card's transaction (pcscd would make the disconnect wait for it); the card is left as it is
     * then. When the disposition fails, the handle is disconnected leaving the card.
     */
    @Override
    public void disconnect(Disposition disposition) {
        NativeConnection n;
        synchronized (this) {
            if (closed) {
                return;
            }
            Arguments.require(disposition, "disposition");
            closed = true;
            n = current;
            current = null;
        }
        backend.forget(this);
        try {
            if (n != null) {
                int code = platform.disposition(disposition);
                if (code != 0 && cardLock.heldByOther(party)) {
                    code = 0;
                }
                if (n.dispose(code) == PcscErrors.SUCCESS && code != 0
                        && (disposition == Disposition.RESET || disposition == Disposition.UNPOWER)) {
                    backend.cardReset(readerName);
                }
            }
        } finally {
            releaseOwnership();
            if (handleLock.tryLock()) {
                try {
                    freeBuffer();
                } finally {
                    handleLock.unlock();
                }
            }
        }
    }

    // ---------------------------------------------------------------- the native handle

    /** Installs a newly opened handle (disposing the one it replaces); closed connections dispose it instead. */
    private void install(NativeConnection fresh) {
        NativeConnection old;
        synchronized (this) {
            if (closed) {
                fresh.dispose(0);
                throw closedFailure();
            }
            old = current;
            current = fresh;
            lost = null;
            brokenBy = null;
            knownCounter = fresh.counter;
            knownAtr = fresh.atr;
            insertionKnown = fresh.insertionKnown;
            knownProtocol = fresh.protocol;
        }
        if (old != null && old != fresh) {
            old.dispose(0);
        }
    }

    /** Gives up a handle: the connection has none until it opens a new one. */
    private void loseHandle(NativeConnection n, Lost why) {
        synchronized (this) {
            if (current == n) {
                current = null;
                lost = why;
            }
        }
        n.dispose(0);
    }

    /**
     * The native handle, entered (the caller must {@link NativeConnection#exit()} it); opens a new one when a lock
     * wait gave the old one up. Call with {@link #handleLock} held.
     *
     * @return null when the deadline passed while opening
     */
    private NativeConnection usableNative(Deadline deadline) {
        for (;;) {
            requireOpen();
            NativeConnection n = current;
            if (n != null) {
                if (n.enter()) {
                    return n;
                }
                Thread.onSpinWait(); // disposed under us: the connection is being closed or the handle replaced
                continue;
            }
            requireNotBroken();
            if (lost == Lost.SERVICE) {
                backend.requireService();
                throw new SCardException(HResult.SCARD_W_REMOVED_CARD, "the PC/SC service restarted and dropped the "
                        + "connection to reader '" + readerName + "'; reconnect to go on");
            }
            boolean known = insertionKnown;
            int counter = knownCounter;
            byte[] atr = knownAtr;
            NativeConnection fresh = backend.openNative(cardLock, shareMode, preferred, true, false, deadline,
                    this::cancelReason);
            if (fresh == null) {
                return null;
            }
            // (an insertion never learned was not seen to change: the new handle's is taken as it)
            if (known && fresh.insertionKnown && !sameInsertion(counter, atr, fresh.counter, fresh.atr)) {
                cardLost = removedDetail(); // removed meanwhile: REMOVED until reconnect, as with the old handle
            }
            install(fresh);
        }
    }

    private boolean lockHandle(Deadline deadline) {
        try {
            if (!deadline.isBounded()) {
                handleLock.lockInterruptibly();
                return true;
            }
            return handleLock.tryLock(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            throw cancelled();
        }
    }

    private void freeBuffer() {
        if (buffer != null) {
            try {
                buffer.close();
            } finally {
                buffer = null;
            }
        }
    }

    // ---------------------------------------------------------------- bounded native calls

    /**
     * Runs a native call on the handle through its worker ({@link NativeConnection#call}), bounded by the call
     * timeout. The caller has entered {@code n}.
     *
     * @return the call's return code ({@code SCARD_E_INVALID_HANDLE} when the handle was disposed meanwhile)
     * @throws SCardException {@link HResult#SCARD_E_TIMEOUT} when it did not return in time: the connection is
     *         broken from now on ({@link #markBroken})
     */
    private int call(NativeConnection n, Call operation, NativeConnection.Call call) {
        return checked(n, n.call(call, backend.callTimeoutNanos(), null), operation);
    }

    /** {@link #call}'s handling of {@link NativeConnection#TIMED_OUT} and {@link NativeConnection#CLOSED}. */
    private int checked(NativeConnection n, int code, Call operation) {
        if (code == NativeConnection.TIMED_OUT) {
            markBroken(n, operation);
            throw backend.timeoutFailure(operation, readerName);
        }
        return code == NativeConnection.CLOSED ? PcscErrors.E_INVALID_HANDLE : code;
    }

    /**
     * Gives up a handle whose call did not return within the call timeout: it is disposed once the call returns (its
     * context is released, not pooled), and every later call on this connection fails at once with
     * {@link HResult#SCARD_E_TIMEOUT} until {@link #reconnect} opens a new handle or {@link #disconnect}.
     */
    private void markBroken(NativeConnection n, Call operation) {
        synchronized (this) {
            if (current == n) {
                current = null;
                lost = Lost.BROKEN;
                brokenBy = operation.function();
            }
        }
        LOG.log(Level.WARNING, operation.function() + " on reader '" + readerName + "' did not return within the "
                + "call timeout of " + backend.callTimeout().toMillis() + " ms; the connection is broken until it is "
                + "reconnected");
        n.dispose(0); // does not wait for the stuck call
    }

    private void requireNotBroken() {
        String operation = brokenBy;
        if (operation != null && lost == Lost.BROKEN && current == null) {
            throw new SCardException(HResult.SCARD_E_TIMEOUT, "the connection to reader '" + readerName + "' is "
                    + "broken: an earlier " + operation + " did not return within the call timeout of "
                    + backend.callTimeout().toMillis() + " ms; reconnect or disconnect it");
        }
    }

    /** SCardGetAttrib of the ATR: pcscd answers it at once, with a sharing violation while another handle locks. */
    private int probe(NativeConnection n) {
        return call(n, Call.GET_ATTRIB, (api, handle) -> api.getAttrib(handle, PcscPlatform.ATTR_ATR_STRING,
                new byte[1][]));
    }

    // ---------------------------------------------------------------- failures

    /**
     * The failure for a code of a call on the handle ({@link PcscErrors#meaning}): a handle the service dropped is
     * given up; a card lost to this connection is reported by every later call as well ({@link #cardLost}).
     */
    private SCardException callFailure(NativeConnection n, int code, Call operation) {
        if (code == PcscErrors.E_INVALID_HANDLE && closed) {
            return closedFailure();
        }
        PcscErrors.Meaning meaning = PcscErrors.meaning(code, operation);
        if (meaning == PcscErrors.Meaning.SERVICE_LOST || meaning == PcscErrors.Meaning.HANDLE_INVALID) {
            loseHandle(n, Lost.SERVICE);
            try {
                backend.requireService();
            } catch (SCardException down) {
                return down;
            }
            return new SCardException(HResult.SCARD_W_REMOVED_CARD, operation.function() + " on reader '"
                    + readerName + "' failed: the PC/SC service restarted and dropped the connection; reconnect to "
                    + "go on");
        }
        if (meaning == PcscErrors.Meaning.EXCHANGE_FAILED) {
            SCardException failure = backend.failure(code, operation, readerName);
            cardLock.exchangeFailed(PcscErrors.detail(failure));
            return cardLost(failure);
        }
        if (meaning == PcscErrors.Meaning.CARD_LOST) {
            return cardLost(backend.failure(code, operation, readerName));
        }
        return backend.failure(code, operation, readerName);
    }

    /**
     * Records that the card is gone for this connection, for the reason {@code failure} gives (the first reason
     * stays), and returns the failure every call reports from now on until a reconnect.
     */
    private SCardException cardLost(SCardException failure) {
        synchronized (this) {
            if (cardLost == null && !closed) {
                cardLost = PcscErrors.detail(failure);
            }
        }
        return removedFailure();
    }

    /**
     * Why the card is gone for this connection ({@link #cardLost}), or null; adopts an exchange with the card that
     * another connection of this backend saw fail since this one reached the card ({@link CardLock#exchangeFailed}).
     */
    private String lostDetail() {
        String why = cardLost;
        if (why != null) {
            return why;
        }
        String shared = cardLock.exchangeFailedSince(exchangeFailuresSeen);
        if (shared == null) {
            return null;
        }
        synchronized (this) {
            if (cardLost == null && !closed && cardLock.exchangeFailedSince(exchangeFailuresSeen) != null) {
                cardLost = shared;
            }
            return cardLost == null ? shared : cardLost;
        }
    }

    /** The card was reached again (a reconnect): nothing is lost, failed exchanges up to {@code failures} are past. */
    private void reachedCard(long failures) {
        synchronized (this) {
            cardLost = null;
            exchangeFailuresSeen = failures;
        }
    }

    /** The failure of every call (but status) while the card is gone for this connection ({@link #cardLost}). */
    private SCardException removedFailure() {
        String why = lostDetail();
        return new SCardException(HResult.SCARD_W_REMOVED_CARD, why == null ? removedDetail() : why);
    }

    private String removedDetail() {
        return "the card in reader '" + readerName + "' was removed; reconnect once a card is in";
    }

    private SCardException closedFailure() {
        return new SCardException(HResult.SCARD_E_INVALID_HANDLE, "the connection to reader '" + readerName
                + "' is closed" + (backend.stopped() ? ": the PC/SC backend has stopped" : ""));
    }

    private SCardException cancelled() {
        Thread.currentThread().interrupt(); // keep the interrupt for the caller's own checks
        return new SCardException(HResult.SCARD_E_CANCELLED,
                "interrupted while waiting for the card in reader '" + readerName + "'");
    }

    /** Why a wait on this connection must end now, or null. */
    private SCardException cancelReason() {
        if (backend.stopped()) {
            return backend.stoppedFailure();
        }
        return closed ? closedFailure() : null;
    }

    private void requireOpen() {
        if (closed) {
            throw closedFailure();
        }
    }

    private void pause() {
        pause(1);
    }

    /**
     * Where the platform can tell ({@link PcscPlatform#probesLocks()}), waits, sleeping and interruptibly, while
     * another application holds the card's transaction: pcsc-lite's own waits inside SCardBeginTransaction,
     * SCardStatus and SCardReconnect cannot be interrupted or bounded. The probe is one SCardGetAttrib; another call
     * may still meet a transaction begun right after it.
     *
     * @param n the handle, entered by the caller
     * @param deadline when to give up ({@link Deadline#PASSED}: probe once), or {@link Deadline#NONE}
     * @return false when the deadline passed with the card still locked
     */
    private boolean awaitNoForeignLock(NativeConnection n, Deadline deadline) {
        return probeForeignLock(n, deadline) != PcscErrors.E_SHARING_VIOLATION;
    }

    /**
     * {@link #awaitNoForeignLock} returning the last probe's code: {@code SCARD_E_SHARING_VIOLATION} when the deadline
     * passed with the card still locked, else what SCardGetAttrib returned once the card was free (or
     * {@code SCARD_S_SUCCESS} where the platform cannot probe). Records on the card's lock whether another
     * application's transaction was seen ({@link CardLock#sawForeignLock()}, {@link CardLock#sawFree()}).
     */
    private int probeForeignLock(NativeConnection n, Deadline deadline) {
        if (!platform.probesLocks()) {
            return PcscErrors.SUCCESS;
        }
        for (int round = 1;; round++) {
            requireOpen();
            int probe = probe(n);
            if (probe != PcscErrors.E_SHARING_VIOLATION) {
                cardLock.sawFree();
                return probe; // free, or an error the next call reports properly
            }
            if (!cardLock.heldByOther(party)) {
                cardLock.sawForeignLock(); // not one of this backend's connections: another application
            }
            if (deadline.isExpired()) {
                return probe;
            }
            pause(round);
        }
    }

    /**
     * Sleeps before the {@code round}-th retry of a call another application's transaction holds up: the configured
     * poll interval, doubling from the fifth round on up to ten times it (at least 20 ms), so a long wait costs
     * pcscd little while a short one is noticed at once.
     */
    private void pause(int round) {
        long poll = backend.transactionPollNanos();
        long cap = Math.max(10 * poll, TimeUnit.MILLISECONDS.toNanos(20));
        long sleep = round <= 4 ? poll : Math.min(cap, poll << Math.min(20, round - 4));
        try {
            TimeUnit.NANOSECONDS.sleep(sleep);
        } catch (InterruptedException e) {
            throw cancelled();
        }
    }

    @Override
    public String toString() {
        return "PcscConnection[" + readerName + ", " + shareMode + ", " + platform.protocol(knownProtocol)
                + (closed ? ", closed" : current == null ? ", no handle (" + lost + ")" : "") + "]";
    }
}
