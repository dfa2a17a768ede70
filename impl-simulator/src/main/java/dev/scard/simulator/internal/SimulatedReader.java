package dev.scard.simulator.internal;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
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
import dev.scard.core.log.Log;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.internal.card.CardProfile;

/**
 * One simulated reader with PC/SC semantics: the card in it, the connections to that card, who holds it
 * exclusively and who holds its transaction.
 *
 * <p><b>Locks.</b> Two per reader, always taken in this order: {@link #cardLock} serializes every call into the
 * card model (process, reset, power-up) and is held only for that; {@link #stateLock} guards the reader's
 * state and is never held while a model runs or a thread waits, so {@code status()} and {@code readerInfo()}
 * answer while a command runs. A transmit takes only the card lock when nothing is in its way: it compares the
 * connection's {@link CardSession} with the reader's (volatile reads) and runs the command. Every change that
 * can unblock a waiter (transaction ended, card removed or reset, connection closed, backend stopped) signals
 * {@link #changed}.
 *
 * <p><b>Atomic exchanges and transactions.</b> {@link #exchangeAtomically} holds the card lock across a whole
 * exchange (its transmits take it again, reentrantly), so no other connection's command, no vpcd command and no
 * transaction of another connection can come in between. A transaction begins only under the card lock
 * ({@link #beginTransaction}; ending it, under the state lock, only frees the card): a command that found no foreign
 * transaction when it took the card lock runs before any other connection's transaction begins.
 *
 * <p><b>Bounded waits.</b> Every wait (for the card lock, for a foreign transaction, for a plugged-in model's
 * answer) is bounded by the backend's call timeout and fails with {@link HResult#SCARD_E_TIMEOUT}. The built-in
 * models ({@link MinimalIsoCard} and the profile cards without a response delay) answer promptly and run on the
 * caller's thread; every other model runs on the card's {@link CardThread}: a model that does not answer within the
 * call timeout makes the command fail with {@code SCARD_E_TIMEOUT}, its thread is abandoned and the card counts as
 * mute ({@link CardSession#mute}): later commands fail at once with {@code SCARD_E_TIMEOUT} until the card is reset
 * or removed. A reset, an end of transaction and {@link #disconnect} do not wait for a plugged-in model that is busy
 * or mute (its reset is queued on its card thread), and {@link #remove} and {@link #stop} never wait for the card.
 *
 * <p><b>Sessions.</b> Every insertion, removal and reset makes a new {@link CardSession}. A connection whose
 * session is not the reader's sees {@link HResult#SCARD_W_REMOVED_CARD} (another insertion) or
 * {@link HResult#SCARD_W_RESET_CARD} (the same insertion, reset) on every card call until it reconnects; the
 * connection that resets the card moves to the new session itself and goes on.
 *
 * <p><b>The vpcd link.</b> A {@link VpcdLink} serving this reader's card to a PC/SC daemon uses the {@code link*}
 * methods. It is not a connection: it does not count for sharing (in-process {@code EXCLUSIVE} connections still
 * succeed while the card is served), but it respects them: a command or reset from vpcd waits while an in-process
 * connection holds the card's transaction or holds the card exclusively, as a PC/SC transaction makes other
 * applications wait. It learns of insertions, removals and the reader's end through {@link #addWatcher watchers}.
 */
final class SimulatedReader {

    private static final Log LOG = SimulatorComponent.LOGS.logger(SimulatedReader.class);
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    /** How often a thread waiting for the card lock looks whether its connection or the reader went away. */
    private static final long LOCK_CHECK_MILLIS = 50;
    private static final long LOCK_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(LOCK_CHECK_MILLIS);

    private final String name;
    private final String backendName;
    private final EventSink events;
    /** The backend's call timeout, in nanoseconds, read when a wait begins. */
    private final LongSupplier callTimeoutNanos;
    /** The card threads of this reader's plugged-in models (abandoned when the reader stops). */
    private final List<CardThread> cardThreads = new CopyOnWriteArrayList<>();

    /** Serializes calls into the card model; taken before {@link #stateLock} when both are needed. */
    private final ReentrantLock cardLock = new ReentrantLock();
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition changed = stateLock.newCondition();

    /** The current power-up of the card, or an empty session; replaced under both locks or the state lock. */
    private volatile CardSession session;
    /** The connection holding the card's transaction, or null; written under the state lock. */
    private volatile SimulatedConnection transactionOwner;
    /** The connection holding the card exclusively, or null; written under the state lock. */
    private volatile SimulatedConnection exclusiveOwner;
    /** Why this reader no longer works (backend stopped, reader removed), or null while it does; set once. */
    private volatile String stoppedReason;
    /** Told of every insertion and removal and of the reader's end, under the state lock. */
    private final List<Runnable> watchers = new CopyOnWriteArrayList<>();

    // Guarded by stateLock.
    private final List<SimulatedConnection> connections = new ArrayList<>();
    private SimulatedCard rememberedCard;
    private long insertions;

    SimulatedReader(String name, String backendName, EventSink events, LongSupplier callTimeoutNanos) {
        this.name = name;
        this.backendName = backendName;
        this.events = events;
        this.callTimeoutNanos = callTimeoutNanos;
        this.session = CardSession.empty(insertions);
    }

    String name() {
        return name;
    }

    // ---------------------------------------------------------------- reader state

    /** The reader as the resource manager lists it. */
    ReaderInfo info() {
        stateLock.lock();
        try {
            requireRunning();
            CardSession current = session;
            return new ReaderInfo(name, backendName, current.hasCard() ? CardState.SPECIFIC_MODE : CardState.ABSENT,
                    current.atr, exclusiveOwner != null);
        } finally {
            stateLock.unlock();
        }
    }

    /** Whether a card is in the reader. */
    boolean isCardPresent() {
        stateLock.lock();
        try {
            requireRunning();
            return session.hasCard();
        } finally {
            stateLock.unlock();
        }
    }

    /** Whether {@code card} is the model currently in this reader. */
    boolean holds(SimulatedCard card) {
        return session.card == card;
    }

    /** Forgets {@code card} as the card to re-insert, if it is the remembered one (it went into another reader). */
    void forget(SimulatedCard card) {
        stateLock.lock();
        try {
            if (rememberedCard == card) {
                rememberedCard = null;
            }
        } finally {
            stateLock.unlock();
        }
    }

    /** The open connections (for tests and diagnostics). */
    int connectionCount() {
        stateLock.lock();
        try {
            return connections.size();
        } finally {
            stateLock.unlock();
        }
    }

    /** The connection holding the card's transaction, or null (for tests: read without locking). */
    SimulatedConnection transactionOwner() {
        return transactionOwner;
    }

    /** How many threads wait for this reader's state to change (for tests). */
    int waitingThreads() {
        stateLock.lock();
        try {
            return stateLock.getWaitQueueLength(changed);
        } finally {
            stateLock.unlock();
        }
    }

    // ---------------------------------------------------------------- simulator control

    /**
     * Inserts and powers up a card: {@code card}, else the card last in this reader, else a fresh
     * card of the sample profile ({@link CardProfile#sample()}).
     */
    void insert(SimulatedCard card) {
        lockCard(0);
        try {
            SimulatedCard chosen;
            stateLock.lock();
            try {
                requireRunning();
                if (session.hasCard()) {
                    throw new SCardException(HResult.E_FAIL,
                            "reader '" + name + "' already holds a card; remove it first");
                }
                chosen = card != null ? card : rememberedCard;
            } finally {
                stateLock.unlock();
            }
            if (chosen == null) {
                chosen = CardProfile.sample().newCard();
            }
            // Power-up runs the model's code: under the card lock only. Nobody else can insert meanwhile (the
            // card lock), and nothing else changes an empty reader's session.
            PoweredUp powered = powerUpNew(chosen);
            stateLock.lock();
            try {
                requireRunning();
                insertLocked(chosen, powered);
            } catch (RuntimeException e) {
                powered.retire();
                throw e;
            } finally {
                stateLock.unlock();
            }
        } finally {
            cardLock.unlock();
        }
    }

    /**
     * Replaces the card in one step, under both locks: the card in the reader (if any) is removed
     * ({@code CARD_REMOVED}) and, when {@code insert} is true, {@code card} is inserted and powered up
     * ({@code CARD_INSERTED}); nobody (a {@code sim:insert}, a transmit) can come in between. The new card is powered
     * up before anything changes, so a model that fails to power up leaves the reader as it was. With {@code insert}
     * false the reader is left empty (whether or not it held a card).
     */
    void replace(SimulatedCard card, boolean insert) {
        lockCard(0);
        try {
            stateLock.lock();
            try {
                requireRunning();
            } finally {
                stateLock.unlock();
            }
            // The card lock keeps every transmit and insertion out while the new model powers up.
            PoweredUp powered = insert ? powerUpNew(card) : null;
            stateLock.lock();
            try {
                requireRunning();
                if (session.hasCard()) {
                    removeLocked();
                }
                if (insert) {
                    insertLocked(card, powered);
                }
            } catch (RuntimeException e) {
                if (powered != null) {
                    powered.retire();
                }
                throw e;
            } finally {
                stateLock.unlock();
            }
        } finally {
            cardLock.unlock();
        }
    }

    /** A model powered up for insertion, with its card thread (null for a built-in model). */
    private record PoweredUp(byte[] atr, Protocol protocol, CardThread thread) {

        /** The model did not go in after all: its thread ends. */
        void retire() {
            if (thread != null) {
                thread.retire();
            }
        }
    }

    /**
     * Whether {@code card} is a built-in model, which answers promptly and runs on the caller's thread: every other
     * model runs on a card thread (see {@link SimulatedCard}).
     */
    static boolean runsInline(SimulatedCard card) {
        return card instanceof MinimalIsoCard || card instanceof ReplayCard || CardProfile.answersPromptly(card);
    }

    /**
     * Powers up a model about to be inserted (on a new card thread unless it {@link #runsInline runs inline}) and
     * checks its ATR and protocol; the card lock is held.
     */
    private PoweredUp powerUpNew(SimulatedCard chosen) {
        CardThread thread = runsInline(chosen) ? null : new CardThread(name);
        PoweredUp raw;
        if (thread == null) {
            try {
                raw = readPowerUp(chosen);
            } catch (RuntimeException e) {
                throw powerUpFailed(chosen, e);
            }
        } else {
            try {
                raw = onCardThread(thread, () -> readPowerUp(chosen), null, "power up");
            } catch (ModelFailure e) {
                thread.abandonAll();
                throw powerUpFailed(chosen, e.getCause());
            } catch (RuntimeException e) {
                thread.abandonAll();
                throw e;
            }
        }
        try {
            checkPowerUp(chosen, raw.atr(), raw.protocol());
        } catch (RuntimeException e) {
            if (thread != null) {
                thread.retire();
            }
            throw e;
        }
        if (thread != null) {
            cardThreads.add(thread);
        }
        return new PoweredUp(raw.atr(), raw.protocol(), thread);
    }

    private static PoweredUp readPowerUp(SimulatedCard chosen) {
        chosen.reset();
        return new PoweredUp(chosen.atr(), chosen.protocol(), null);
    }

    private SCardException powerUpFailed(SimulatedCard chosen, Throwable failure) {
        return new SCardException(HResult.E_INVALIDARG, "the card model " + chosen.getClass().getName()
                + " failed to power up in reader '" + name + "': " + describe(failure));
    }

    private void checkPowerUp(SimulatedCard chosen, byte[] atr, Protocol protocol) {
        if (atr == null || atr.length < 2 || atr.length > 33) {
            throw new SCardException(HResult.E_INVALIDARG, "the card model " + chosen.getClass().getName()
                    + " returned an ATR of " + (atr == null ? "null" : atr.length + " bytes")
                    + "; an ATR has 2 to 33 bytes");
        }
        if (protocol != Protocol.T0 && protocol != Protocol.T1) {
            throw new SCardException(HResult.E_INVALIDARG, "the card model " + chosen.getClass().getName()
                    + " speaks " + protocol + "; a simulated card speaks T0 or T1");
        }
    }

    /** Makes a powered-up model the reader's card; both locks are held, the reader is running and empty. */
    private void insertLocked(SimulatedCard chosen, PoweredUp powered) {
        session = CardSession.inserted(++insertions, chosen, powered.atr().clone(), powered.protocol(),
                powered.thread());
        rememberedCard = chosen;
        changed.signalAll();
        events.publish(new SCardEvent(SCardEvent.Type.CARD_INSERTED, name, backendName,
                HEX.formatHex(powered.atr())));
        tellWatchers();
    }

    /** Removes the card, as a user pulling it out would; it stays remembered for {@link #insert}. */
    void remove() {
        stateLock.lock();
        try {
            requireRunning();
            requireCardForControl();
            removeLocked();
        } finally {
            stateLock.unlock();
        }
    }

    /** Resets the card, as another application would: every connection sees it. */
    void reset() {
        changeState(true, () -> {
            requireRunning();
            requireCardForControl();
            return resetLocked(null);
        });
    }

    /**
     * Closes every connection and wakes every waiting thread; later calls fail, saying {@code reason}.
     *
     * @return false when the reader was stopped already
     */
    boolean stop(String reason) {
        stateLock.lock();
        try {
            if (stoppedReason != null) {
                return false;
            }
            stoppedReason = reason;
            for (SimulatedConnection connection : connections) {
                connection.closed = true;
            }
            connections.clear();
            exclusiveOwner = null;
            transactionOwner = null;
            for (CardThread thread : cardThreads) {
                thread.abandonAll(); // wakes a command waiting for a model, which then frees the card lock
            }
            cardThreads.clear();
            changed.signalAll();
            tellWatchers();
            return true;
        } finally {
            stateLock.unlock();
        }
    }

    // ---------------------------------------------------------------- connections

    /** Opens a connection to the card (SCardConnect); the arguments are checked by the caller. */
    SimulatedConnection connect(ShareMode shareMode, Set<Protocol> preferredProtocols) {
        stateLock.lock();
        try {
            requireRunning();
            CardSession current = session;
            if (!current.hasCard()) {
                throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + name + "'");
            }
            checkSharing(null, shareMode);
            Protocol protocol = negotiate(current, preferredProtocols, false);
            SimulatedConnection connection = new SimulatedConnection(this, shareMode, protocol, current);
            connections.add(connection);
            if (shareMode == ShareMode.EXCLUSIVE) {
                exclusiveOwner = connection;
            }
            return connection;
        } finally {
            stateLock.unlock();
        }
    }

    /**
     * Sends a command to the card; the fast path takes only the card lock (reentrantly inside
     * {@link #exchangeAtomically}). Waits for the card lock and for a foreign transaction, together at most the call
     * timeout.
     */
    byte[] transmit(SimulatedConnection connection, byte[] commandApdu) {
        return whenFree(connection, () -> connection.session == session && !connection.closed, () -> {
            CardSession current = session;
            current.used = true;
            return exchange(current, commandApdu);
        });
    }

    /**
     * Runs one exchange of {@code connection} with the card lock held throughout, once no other connection holds
     * the transaction: no other connection's command (nor vpcd's) reaches the card meanwhile, and no other
     * connection's transaction begins. Waits at most the call timeout before the exchange starts.
     */
    <T> T exchangeAtomically(SimulatedConnection connection, Supplier<T> exchange) {
        return whenFree(connection, () -> true, exchange);
    }

    /**
     * Runs {@code work} holding the card lock, once no other connection holds the transaction and {@code ready}
     * (checked under the card lock) lets {@code connection} go on; otherwise waits for a change
     * ({@link #awaitTurn}, which fails for a closed, reset or removed connection), together at most the call
     * timeout.
     */
    private <T> T whenFree(SimulatedConnection connection, BooleanSupplier ready, Supplier<T> work) {
        long deadline = 0;
        for (;;) {
            if (!cardLock.tryLock()) {
                deadline = lockCard(deadline, connection);
            }
            try {
                SimulatedConnection owner = transactionOwner;
                if ((owner == null || owner == connection) && ready.getAsBoolean()) {
                    return work.get();
                }
            } finally {
                cardLock.unlock();
            }
            deadline = awaitTurn(connection, deadline);
        }
    }

    /** Runs a command on the card of {@code current}; the card lock is held. */
    private byte[] exchange(CardSession current, byte[] commandApdu) {
        byte[] response;
        if (current.thread == null) {
            try {
                response = current.card.process(commandApdu);
            } catch (RuntimeException | StackOverflowError e) { // a model's bug, never the caller's or the link's end
                throw modelFailed(e);
            }
        } else {
            response = processOnCardThread(current, commandApdu);
        }
        if (response == null || response.length < 2) {
            throw new SCardException(HResult.SCARD_F_COMM_ERROR, "the simulated card in reader '" + name
                    + "' answered " + (response == null ? "null" : response.length + " byte(s)")
                    + ", not a response APDU");
        }
        if (current.card instanceof ReplayCard replay) {
            reproduce(current, replay);
        }
        return response;
    }

    /**
     * Reproduces what a replayed trace recorded after the command just answered (the card lock is held): a reset as
     * {@link #reset()} makes it, a removal as {@link #remove()} does, and a re-insertion after the recorded pause (on a
     * timer thread; skipped when the reader holds a card or stopped by then). The command's caller still gets its
     * response; its next call sees the reset or removal.
     */
    private void reproduce(CardSession current, ReplayCard replay) {
        switch (replay.takeAction()) {
            case RESET -> changeState(true, () -> session == current && stoppedReason == null
                    ? resetLocked(null) : null);
            case REMOVE -> {
                stateLock.lock();
                try {
                    if (session != current || stoppedReason != null) {
                        return;
                    }
                    removeLocked();
                } finally {
                    stateLock.unlock();
                }
                long pause = replay.reinsertAfterMillis();
                if (pause >= 0) {
                    CompletableFuture.delayedExecutor(pause, TimeUnit.MILLISECONDS).execute(() -> reinsert(replay));
                }
            }
            case NONE -> {
            }
        }
    }

    /** Inserts a replayed card again after its recorded removal, unless the reader got a card or stopped meanwhile. */
    private void reinsert(ReplayCard replay) {
        try {
            if (stoppedReason == null && !isCardPresent()) {
                insert(replay);
            }
        } catch (SCardException e) {
            LOG.log(Level.DEBUG, "reader '" + name + "': the replayed card was not inserted again: " + e.getMessage());
        }
    }

    /** The card in the reader, else the card it would insert again, else null. */
    SimulatedCard card() {
        stateLock.lock();
        try {
            return session.hasCard() ? session.card : rememberedCard;
        } finally {
            stateLock.unlock();
        }
    }

    private SCardException modelFailed(Throwable failure) {
        return new SCardException(HResult.SCARD_F_COMM_ERROR,
                "the simulated card in reader '" + name + "' failed: " + describe(failure));
    }

    /**
     * Runs a command of a plugged-in model on its card thread; fails at once while the card is mute. The model gets
     * a copy of the command, zeroed when the call returns: the command may hold a PIN, and a plugged-in model might
     * keep what it is given (the built-in models, on the caller's thread, keep nothing and get the caller's array,
     * which its owner clears).
     */
    private byte[] processOnCardThread(CardSession current, byte[] commandApdu) {
        if (current.mute) {
            throw new SCardException(HResult.SCARD_E_TIMEOUT, "the card in reader '" + name + "' did not answer "
                    + "an earlier command within the call timeout; it counts as mute until it is reset or removed");
        }
        byte[] command = commandApdu.clone();
        try {
            return onCardThread(current.thread, () -> current.card.process(command), current, "answer");
        } catch (ModelFailure e) {
            throw modelFailed(e.getCause());
        } finally {
            Arrays.fill(command, (byte) 0);
        }
    }

    /** What a model threw on its card thread (unwrapped by the caller, who knows what it means). */
    private static final class ModelFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ModelFailure(Throwable cause) {
            super(null, cause, false, false);
        }
    }

    /**
     * Runs a call of a plugged-in model on its card thread and waits for it at most the call timeout. When it does
     * not come in time, {@code session} (null: none yet) counts as mute and the thread is abandoned.
     *
     * @throws ModelFailure with what the model threw (an {@link Error} other than a stack overflow is rethrown)
     * @throws SCardException {@link HResult#SCARD_E_TIMEOUT}; {@link HResult#SCARD_E_SERVICE_STOPPED} when the
     *         reader stopped meanwhile; {@link HResult#SCARD_E_CANCELLED} when interrupted;
     *         {@link HResult#SCARD_W_REMOVED_CARD} when the card was removed before the call was queued
     */
    private <T> T onCardThread(CardThread thread, Callable<T> task, CardSession session, String what) {
        CardThread.Call<T> call = thread.submit(task);
        long timeout = callTimeoutNanos.getAsLong();
        try {
            return call.await(timeout);
        } catch (TimeoutException e) {
            if (session != null) {
                session.mute = true;
            }
            thread.abandon(call);
            throw new SCardException(HResult.SCARD_E_TIMEOUT, "the card in reader '" + name + "' did not " + what
                    + " within the call timeout of " + TimeUnit.NANOSECONDS.toMillis(timeout) + " ms"
                    + (session != null ? "; it counts as mute until it is reset or removed" : ""));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error error && !(cause instanceof StackOverflowError)) {
                throw error;
            }
            throw new ModelFailure(cause);
        } catch (CancellationException e) {
            if (stoppedReason != null) {
                throw new SCardException(HResult.SCARD_E_SERVICE_STOPPED, stoppedReason);
            }
            throw new SCardException(HResult.SCARD_E_TIMEOUT, "the card in reader '" + name + "' did not " + what
                    + ": an earlier call to it overran the call timeout and was given up");
        } catch (InterruptedException e) {
            throw cancelled();
        }
    }

    /** {@link #lockCard(long, SimulatedConnection)} for a wait on no connection's behalf. */
    private long lockCard(long deadline) {
        return lockCard(deadline, null);
    }

    /**
     * Takes the card lock, waiting at most until {@code deadline} ({@link System#nanoTime()}; 0: the call timeout
     * from now). While it waits, it notices within {@value #LOCK_CHECK_MILLIS} ms when {@code waiter} (may be null)
     * was closed or the reader stopped, and fails then.
     *
     * @return the deadline
     * @throws SCardException {@link HResult#SCARD_E_TIMEOUT} when the lock stayed taken;
     *         {@link HResult#SCARD_E_CANCELLED} when interrupted; {@link HResult#SCARD_E_INVALID_HANDLE},
     *         {@link HResult#SCARD_E_SERVICE_STOPPED}
     */
    private long lockCard(long deadline, SimulatedConnection waiter) {
        long end = deadline != 0 ? deadline : System.nanoTime() + callTimeoutNanos.getAsLong();
        try {
            for (;;) {
                long remaining = end - System.nanoTime();
                if (remaining <= 0) {
                    break;
                }
                if (cardLock.tryLock(Math.min(remaining, LOCK_CHECK_NANOS), TimeUnit.NANOSECONDS)) {
                    return end;
                }
                if (waiter != null) {
                    requireOpen(waiter);
                } else {
                    requireRunning();
                }
            }
        } catch (InterruptedException e) {
            throw cancelled();
        }
        throw new SCardException(HResult.SCARD_E_TIMEOUT, "the card in reader '" + name + "' was busy for longer "
                + "than the call timeout of " + TimeUnit.NANOSECONDS.toMillis(callTimeoutNanos.getAsLong())
                + " ms (another connection's command or exchange, or a card that does not answer)");
    }

    /**
     * Waits until {@code connection} may transmit, at most until {@code deadline} (0: the call timeout from now):
     * throws when it never will or the time is up.
     *
     * @return the deadline
     */
    private long awaitTurn(SimulatedConnection connection, long deadline) {
        long end = deadline != 0 ? deadline : System.nanoTime() + callTimeoutNanos.getAsLong();
        stateLock.lock();
        try {
            for (;;) {
                requireUsable(connection);
                SimulatedConnection owner = transactionOwner;
                if (owner == null || owner == connection) {
                    return end;
                }
                awaitChangeUntil(end);
            }
        } finally {
            stateLock.unlock();
        }
    }

    /**
     * Waits for a change until {@code deadline}; the state lock is held.
     *
     * @throws SCardException {@link HResult#SCARD_E_TIMEOUT} when the deadline passed
     */
    private void awaitChangeUntil(long deadline) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw new SCardException(HResult.SCARD_E_TIMEOUT, "another connection held the transaction of the card "
                    + "in reader '" + name + "' for longer than the call timeout of "
                    + TimeUnit.NANOSECONDS.toMillis(callTimeoutNanos.getAsLong()) + " ms");
        }
        awaitChange(remaining);
    }

    /** The connection's view of the card; never throws for a removed or reset card. */
    CardStatus status(SimulatedConnection connection) {
        stateLock.lock();
        try {
            requireOpen(connection);
            CardSession current = session;
            if (connection.session.sameInsertion(current)) {
                return new CardStatus(CardState.SPECIFIC_MODE, connection.protocol, name, current.atr);
            }
            if (current.hasCard()) { // another card is in: reachable after a reconnect
                return new CardStatus(CardState.PRESENT, Protocol.UNDEFINED, name, current.atr);
            }
            return new CardStatus(CardState.ABSENT, Protocol.UNDEFINED, name, null);
        } finally {
            stateLock.unlock();
        }
    }

    /** SCardReconnect; the arguments are checked by the caller ({@code initialization} is not EJECT). */
    void reconnect(SimulatedConnection connection, ShareMode shareMode, Set<Protocol> preferredProtocols,
            Disposition initialization) {
        boolean resets = resets(initialization);
        long deadline = 0;
        for (;;) {
            deadline = awaitNoForeignTransaction(connection, deadline);
            if (resets) {
                deadline = lockCard(deadline, connection);
            }
            try {
                CardSession reset = null;
                stateLock.lock();
                try {
                    requireOpen(connection);
                    SimulatedConnection owner = transactionOwner;
                    if (owner != null && owner != connection) {
                        continue; // someone took the transaction between the wait and here: wait again
                    }
                    CardSession current = session;
                    if (!current.hasCard()) {
                        throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + name + "'");
                    }
                    checkSharing(connection, shareMode);
                    Protocol protocol = negotiate(current, preferredProtocols, resets);
                    if (owner == connection) {
                        transactionOwner = null;
                        changed.signalAll();
                    }
                    if (shareMode == ShareMode.EXCLUSIVE) {
                        exclusiveOwner = connection;
                    } else if (exclusiveOwner == connection) {
                        exclusiveOwner = null;
                        changed.signalAll(); // a waiting vpcd link may go on
                    }
                    connection.shareMode = shareMode;
                    connection.protocol = protocol;
                    connection.session = current;
                    if (resets) {
                        reset = resetLocked(connection);
                        reset.negotiated = protocol;
                    }
                } finally {
                    stateLock.unlock();
                }
                if (reset != null) {
                    powerUp(reset);
                }
                return;
            } finally {
                if (resets) {
                    cardLock.unlock();
                }
            }
        }
    }

    private long awaitNoForeignTransaction(SimulatedConnection connection, long deadline) {
        long end = deadline != 0 ? deadline : System.nanoTime() + callTimeoutNanos.getAsLong();
        stateLock.lock();
        try {
            for (;;) {
                requireOpen(connection);
                SimulatedConnection owner = transactionOwner;
                if (owner == null || owner == connection) {
                    return end;
                }
                awaitChangeUntil(end);
            }
        } finally {
            stateLock.unlock();
        }
    }

    /**
     * SCardBeginTransaction: waits while another connection holds the transaction, at most {@code timeoutNanos}
     * (then false), or when it is negative at most the call timeout (then {@link HResult#SCARD_E_TIMEOUT}). The
     * transaction is taken under the card lock, so a command or exchange of another connection that is running
     * ends first (waiting for that is bounded by the call timeout, whatever {@code timeoutNanos} says).
     */
    boolean beginTransaction(SimulatedConnection connection, long timeoutNanos) {
        long start = System.nanoTime();
        long lockDeadline = start + callTimeoutNanos.getAsLong();
        long deadline = timeoutNanos < 0 ? lockDeadline : start + Math.min(timeoutNanos, Long.MAX_VALUE / 2);
        for (;;) {
            if (!cardLock.tryLock()) {
                lockCard(lockDeadline, connection);
            }
            try {
                stateLock.lock();
                try {
                    requireUsable(connection);
                    SimulatedConnection owner = transactionOwner;
                    if (owner == null || owner == connection) {
                        transactionOwner = connection;
                        return true;
                    }
                } finally {
                    stateLock.unlock();
                }
            } finally {
                cardLock.unlock();
            }
            stateLock.lock();
            try {
                for (;;) {
                    requireUsable(connection);
                    SimulatedConnection owner = transactionOwner;
                    if (owner == null || owner == connection) {
                        break; // take it under the card lock
                    }
                    if (timeoutNanos >= 0) {
                        long remaining = deadline - System.nanoTime();
                        if (remaining <= 0) {
                            return false;
                        }
                        awaitChange(remaining);
                    } else {
                        awaitChangeUntil(deadline);
                    }
                }
            } finally {
                stateLock.unlock();
            }
        }
    }

    /** SCardEndTransaction: ends this connection's transaction, treating the card as {@code disposition} says. */
    void endTransaction(SimulatedConnection connection, Disposition disposition) {
        changeState(resets(disposition), () -> {
            requireUsable(connection);
            if (transactionOwner != connection) {
                throw new SCardException(HResult.SCARD_E_NOT_TRANSACTED,
                        "this connection holds no transaction on reader '" + name + "'");
            }
            transactionOwner = null;
            switch (disposition) {
                case RESET, UNPOWER -> {
                    return resetLocked(connection);
                }
                case EJECT -> removeLocked();
                case LEAVE -> changed.signalAll();
            }
            return null;
        });
    }

    /**
     * SCardDisconnect: closes the connection, ends its transaction and treats the card as {@code disposition}
     * says, unless the card is no longer the one this connection knew or another connection holds the transaction
     * (then the card is left as it is). Never throws, and never waits for a plugged-in model that is busy (another
     * thread's command runs) or mute: its reset then runs on its card thread after what is queued there.
     */
    void disconnect(SimulatedConnection connection, Disposition disposition) {
        changeState(resets(disposition), () -> {
            if (connection.closed) {
                return null;
            }
            connection.closed = true;
            connections.remove(connection);
            if (exclusiveOwner == connection) {
                exclusiveOwner = null;
            }
            if (transactionOwner == connection) {
                transactionOwner = null;
            }
            changed.signalAll();
            CardSession current = session;
            boolean sameCard = current.hasCard() && connection.session.sameInsertion(current);
            if (sameCard && transactionOwner == null) {
                switch (disposition) {
                    case RESET, UNPOWER -> {
                        return resetLocked(null);
                    }
                    case EJECT -> removeLocked();
                    case LEAVE -> {
                    }
                }
            }
            return null;
        });
    }

    private static boolean resets(Disposition disposition) {
        return disposition == Disposition.RESET || disposition == Disposition.UNPOWER;
    }

    /**
     * Runs a change of the reader's state that may reset the card: with the card lock held when it may (no command
     * runs on the card meanwhile), {@code change} runs under the state lock, and the session it returns (null: no
     * reset) is powered up afterwards, outside the state lock, as the model's code must be. A plugged-in model that
     * is busy (another thread's command runs) or mute is not waited for: the change is made without the card lock
     * and the model's reset is queued on its card thread, after what runs there. So the change itself (a transaction
     * ended, a connection closed, the new session every connection sees) never waits for such a model.
     */
    private void changeState(boolean mayReset, Supplier<CardSession> change) {
        boolean locked = false;
        if (mayReset) {
            CardSession before = session;
            if (cardLock.tryLock()) {
                locked = true;
            } else if (before.thread == null) {
                try {
                    lockCard(0); // a built-in model answers promptly
                    locked = true;
                } catch (SCardException e) { // the change goes on: the reset is tried again afterwards
                    LOG.log(Level.DEBUG, e.getMessage());
                }
            }
            if (locked && before.mute) {
                cardLock.unlock();
                locked = false;
            }
        }
        try {
            CardSession reset;
            stateLock.lock();
            try {
                reset = change.get();
            } finally {
                stateLock.unlock();
            }
            if (reset != null) {
                if (locked) {
                    powerUp(reset);
                } else {
                    powerUpLater(reset);
                }
            }
        } finally {
            if (locked) {
                cardLock.unlock();
            }
        }
    }

    // ---------------------------------------------------------------- the vpcd link

    /**
     * Adds a watcher, run on every insertion and removal and when the reader stops, by the thread that made the
     * change and under the reader's state lock: it must only take note and wake someone (never block, never call
     * back into the reader but for {@link #session()} and {@link #stoppedReason()}).
     */
    void addWatcher(Runnable watcher) {
        watchers.add(watcher);
    }

    void removeWatcher(Runnable watcher) {
        watchers.remove(watcher);
    }

    /** The current session (the card in the reader and its power-up), without locking. */
    CardSession session() {
        return session;
    }

    /** Why the reader stopped, or null while it works. */
    String stoppedReason() {
        return stoppedReason;
    }

    /**
     * The ATR of the card of insertion {@code insertion}, for vpcd's GET ATR: answered at once, also while an
     * in-process connection holds the transaction (it does not touch the card model).
     *
     * @throws SCardException {@link HResult#SCARD_W_REMOVED_CARD} when that card is no longer in;
     *         {@link HResult#SCARD_E_SERVICE_STOPPED} when the reader stopped
     */
    byte[] linkAtr(long insertion) {
        requireRunning();
        return requireInserted(session, insertion).atr.clone();
    }

    /**
     * Sends a command from vpcd to the card of insertion {@code insertion}, once no in-process connection holds the
     * card's transaction or the card exclusively. A reset by someone else in between does not matter (the command
     * reaches the reset card, as on a real card shared by two hosts).
     *
     * @throws SCardException {@link HResult#SCARD_W_REMOVED_CARD} when that card is no longer in (also while
     *         waiting); {@link HResult#SCARD_E_SERVICE_STOPPED}; {@link HResult#SCARD_E_CANCELLED} when interrupted
     *         while waiting; {@link HResult#SCARD_F_COMM_ERROR} when the card model throws or answers fewer than
     *         two bytes
     */
    byte[] linkTransmit(long insertion, byte[] commandApdu) {
        for (;;) {
            lockCard(0);
            try {
                CardSession current = session;
                if (linkMayUse(current, insertion)) {
                    current.used = true;
                    return exchange(current, commandApdu);
                }
            } finally {
                cardLock.unlock();
            }
            awaitLinkTurn(insertion);
        }
    }

    /**
     * Resets the card of insertion {@code insertion} for vpcd's power-on and reset, once no in-process connection
     * holds its transaction or holds it exclusively: a new session (in-process connections see
     * {@link HResult#SCARD_W_RESET_CARD}, {@code CARD_RESET} goes out) and the model's {@link SimulatedCard#reset()}.
     * Nothing happens while the card has processed no command since its last power-up: such a reset would change
     * nothing, and pcscd powers an idle card off and on again whenever an application connects.
     *
     * @return whether the card was reset
     * @throws SCardException as {@link #linkTransmit}
     */
    boolean linkReset(long insertion) {
        for (;;) {
            awaitLinkTurn(insertion);
            lockCard(0);
            try {
                CardSession reset;
                stateLock.lock();
                try {
                    CardSession current = session;
                    if (!linkMayUse(current, insertion)) {
                        continue; // someone took the card between the wait and here: wait again
                    }
                    if (!current.used) {
                        return false;
                    }
                    reset = resetLocked(null);
                } finally {
                    stateLock.unlock();
                }
                powerUp(reset);
                return true;
            } finally {
                cardLock.unlock();
            }
        }
    }

    /** Whether the link may use the card now: that card is in and no in-process connection has it to itself. */
    private boolean linkMayUse(CardSession current, long insertion) {
        return stoppedReason == null && current.hasCard() && current.insertion == insertion
                && transactionOwner == null && exclusiveOwner == null;
    }

    /** Waits until {@link #linkMayUse}; throws when that card is gone or the reader stopped. */
    private void awaitLinkTurn(long insertion) {
        stateLock.lock();
        try {
            for (;;) {
                requireRunning();
                CardSession current = requireInserted(session, insertion);
                if (linkMayUse(current, insertion)) {
                    return;
                }
                awaitChange();
            }
        } finally {
            stateLock.unlock();
        }
    }

    private CardSession requireInserted(CardSession current, long insertion) {
        if (!current.hasCard() || current.insertion != insertion) {
            throw new SCardException(HResult.SCARD_W_REMOVED_CARD, "the card in reader '" + name + "' was removed");
        }
        return current;
    }

    /** Runs the watchers; the state lock is held. A watcher that throws is logged and skipped. */
    private void tellWatchers() {
        for (Runnable watcher : watchers) {
            try {
                watcher.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a watcher of reader '" + name + "' failed", e);
            }
        }
    }

    // ---------------------------------------------------------------- helpers (state lock held)

    /** Starts a new session of the same card; {@code initiator} (may be null) moves to it and sees no reset. */
    private CardSession resetLocked(SimulatedConnection initiator) {
        // A replayed trace may have recorded another ATR for this reset (a reconnect's); other cards keep theirs.
        CardSession reset = session.afterReset(session.card instanceof ReplayCard replay ? replay.atrAfterReset()
                : session.atr);
        session = reset;
        if (initiator != null) {
            initiator.session = reset;
        }
        transactionOwner = null;
        changed.signalAll();
        events.publish(new SCardEvent(SCardEvent.Type.CARD_RESET, name, backendName, HEX.formatHex(reset.atr)));
        return reset;
    }

    private void removeLocked() {
        CardThread thread = session.thread;
        if (thread != null) {
            thread.retire(); // a command running on it still gets its answer; stop() still abandons it
        }
        cardThreads.removeIf(CardThread::retiredAndIdle);
        rememberedCard = session.card;
        session = CardSession.empty(++insertions);
        transactionOwner = null;
        changed.signalAll();
        events.publish(new SCardEvent(SCardEvent.Type.CARD_REMOVED, name, backendName, ""));
        tellWatchers();
    }

    /**
     * A model's failure without its message or cause, which might echo command data such as a PIN: the exception's
     * type and where it was thrown.
     */
    static String describe(Throwable failure) {
        StackTraceElement[] trace = failure.getStackTrace();
        return failure.getClass().getName() + (trace.length == 0 ? "" : " at " + trace[0]);
    }

    /**
     * Runs the model's reset for a new session; the card lock is held, the state lock is not. A plugged-in model that
     * does not reset within the call timeout leaves the new session mute (logged).
     */
    private void powerUp(CardSession reset) {
        if (reset.thread == null) {
            try {
                reset.card.reset();
            } catch (RuntimeException e) {
                logResetFailure(e);
            }
            return;
        }
        try {
            onCardThread(reset.thread, () -> {
                reset.card.reset();
                return null;
            }, reset, "reset");
        } catch (ModelFailure e) {
            logResetFailure(e.getCause());
        } catch (SCardException e) {
            LOG.log(Level.WARNING, e.getMessage());
        }
    }

    /**
     * Queues the reset of a plugged-in model for a new session on its card thread, without waiting (a disconnect
     * while the card is busy or mute); a built-in model is reset at once under the card lock.
     */
    private void powerUpLater(CardSession reset) {
        if (reset.thread == null) {
            try {
                lockCard(0); // a built-in model answers promptly
            } catch (SCardException e) {
                LOG.log(Level.WARNING, "the simulated card in reader '" + name + "' was not reset: " + e.getMessage());
                return;
            }
            try {
                powerUp(reset);
            } finally {
                cardLock.unlock();
            }
            return;
        }
        try {
            reset.thread.submit(() -> {
                try {
                    reset.card.reset();
                } catch (RuntimeException e) {
                    logResetFailure(e);
                }
                return null;
            });
        } catch (SCardException e) { // removed meanwhile: nothing to reset
            LOG.log(Level.DEBUG, e.getMessage());
        }
    }

    private void logResetFailure(Throwable failure) {
        LOG.log(Level.WARNING, "the simulated card in reader '" + name + "' failed to reset: " + describe(failure));
    }

    private void checkSharing(SimulatedConnection self, ShareMode shareMode) {
        if (exclusiveOwner != null && exclusiveOwner != self) {
            throw new SCardException(HResult.SCARD_E_SHARING_VIOLATION,
                    "the card in reader '" + name + "' is in exclusive use by another connection");
        }
        int others = connections.size() - (self == null ? 0 : 1);
        if (shareMode == ShareMode.EXCLUSIVE && others > 0) {
            throw new SCardException(HResult.SCARD_E_SHARING_VIOLATION, "cannot use the card in reader '" + name
                    + "' exclusively: " + others + " other connection(s) are open");
        }
    }

    /**
     * The protocol of a new connection, as pcsc-lite negotiates it: the first connection since the card was powered
     * up chooses (the card's protocol when preferred, else RAW when preferred) and the card keeps that protocol until
     * it is reset or unpowered, so a later connection must prefer it (RAW included), else a mismatch.
     *
     * @param fresh whether the card is reset or unpowered before the connection uses it (a reconnect that resets):
     *        then the connection chooses again
     */
    private Protocol negotiate(CardSession current, Set<Protocol> preferredProtocols, boolean fresh) {
        Protocol kept = fresh ? null : current.negotiated;
        if (kept != null) {
            if (preferredProtocols.contains(kept)) {
                return kept;
            }
            throw new SCardException(HResult.SCARD_E_PROTO_MISMATCH, "the card in reader '" + name + "' was connected"
                    + " with " + kept + " since it was last reset, which is not among the preferred protocols "
                    + preferredProtocols + " (PC/SC keeps the protocol until the card is reset or unpowered)");
        }
        Protocol chosen;
        if (preferredProtocols.contains(current.protocol)) {
            chosen = current.protocol;
        } else if (preferredProtocols.contains(Protocol.RAW)) {
            chosen = Protocol.RAW;
        } else {
            throw new SCardException(HResult.SCARD_E_PROTO_MISMATCH, "the card in reader '" + name + "' speaks "
                    + current.protocol + ", which is not among the preferred protocols " + preferredProtocols);
        }
        if (!fresh) {
            current.negotiated = chosen;
        }
        return chosen;
    }

    private void requireRunning() {
        if (stoppedReason != null) {
            throw new SCardException(HResult.SCARD_E_SERVICE_STOPPED, stoppedReason);
        }
    }

    private void requireCardForControl() {
        if (!session.hasCard()) {
            throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + name + "'");
        }
    }

    private void requireOpen(SimulatedConnection connection) {
        if (connection.closed) {
            throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "the connection to reader '" + name + "' is "
                    + (stoppedReason != null ? "closed: " + stoppedReason : "closed"));
        }
    }

    /** Throws unless the connection is open and its card is the reader's card, neither removed nor reset. */
    private void requireUsable(SimulatedConnection connection) {
        requireOpen(connection);
        CardSession current = session;
        CardSession own = connection.session;
        if (own != current) {
            if (!own.sameInsertion(current)) {
                throw new SCardException(HResult.SCARD_W_REMOVED_CARD,
                        "the card in reader '" + name + "' was removed; reconnect once a card is in");
            }
            throw new SCardException(HResult.SCARD_W_RESET_CARD,
                    "the card in reader '" + name + "' was reset by someone else; reconnect to go on");
        }
    }

    private void awaitChange() {
        try {
            changed.await();
        } catch (InterruptedException e) {
            throw cancelled();
        }
    }

    private long awaitChange(long nanos) {
        try {
            return changed.awaitNanos(nanos);
        } catch (InterruptedException e) {
            throw cancelled();
        }
    }

    private SCardException cancelled() {
        Thread.currentThread().interrupt(); // keep the interrupt for the caller's own checks
        return new SCardException(HResult.SCARD_E_CANCELLED,
                "interrupted while waiting for the card in reader '" + name + "'");
    }

    @Override
    public String toString() {
        return "SimulatedReader[" + name + "]";
    }
}
