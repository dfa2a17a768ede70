package dev.scard.pcsc.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * The card of one reader as this backend's connections share it: which connection holds (or is acquiring) the
 * card's transaction, which of their native calls on the card are in flight, the exchange lock that keeps a command
 * and its GET RESPONSE together, and what was last seen of other applications' transactions.
 *
 * <p><b>Owner.</b> {@link PcscBackend} creates one per reader name ({@link PcscBackend#cardLock}) and keeps it for
 * its life; each {@link PcscConnection} to that reader takes part as one {@link Party} ({@link #newParty()}). This
 * class alone changes its state, all of it private, under its own lock; the other classes only call the methods
 * below. Waiting for the card (calls and claims alike) is one loop, {@link #await}.
 *
 * <p><b>Invariants</b> (with the internal lock held):
 * <ul>
 * <li>At most one party owns the card's transaction; while it owns it no other party enters a call
 * ({@link #enterCall}) unless that party has one in flight already (it is inside its own command exchange).</li>
 * <li>An owner is either <i>acquiring</i> (claimed by one thread, the <i>acquirer</i>, whose
 * SCardBeginTransaction has not returned) or <i>granted</i>. Only the acquirer completes ({@link #grant}) or gives
 * up ({@link #abandon}) its claim, so two threads beginning a transaction on one connection cannot undo each
 * other's.</li>
 * <li>A claim is ready to begin natively only when no other party has a call in flight (a call that reached pcscd
 * after the transaction began would wait inside the library, unparked and uninterruptible).</li>
 * <li>The calls in flight on the card are the sum of the parties' own; none is negative.</li>
 * <li>A granted owner's card insertion is known as far as the owner knew it ({@link #grant}); a waiter that finds
 * that insertion gone (checked every {@code checkIntervalNanos}, without the lock) ends the transaction for the
 * owner, since pcscd drops the transaction of a removed card. A count of grants tells that the transaction is still
 * the same one after the unlocked check.</li>
 * </ul>
 * Every change of the owner and every end of a call wakes all waiters; {@link #wakeAll()} wakes them for them to
 * look at their cancellation (a connection closed, the backend stopped).
 */
final class CardLock {

    /**
     * How recent a "card free" observation must be for a connection to open on the caller's thread (250 ms): a loop
     * of attaches and detaches keeps it fresh (every SCardConnect that went through is one), while a transaction
     * another application began after it can hold up an uninterruptible SCardConnect only within this window.
     */
    static final long INLINE_OPEN_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /** Tells whether a card insertion has left the reader; asked without the lock held. */
    @FunctionalInterface
    interface RemovalCheck {
        /**
         * @param counter the insertion's event counter, negative where the platform has none
         * @param atr the insertion's ATR, or null when it is not known (then only an empty reader tells)
         * @return whether that insertion is gone: the reader is empty, holds another card, or went away
         */
        boolean gone(int counter, byte[] atr);
    }

    /**
     * One of this backend's connections to the reader, as the lock knows it. Created by {@link #newParty()} and used
     * only with the lock that created it; its state is the lock's.
     */
    static final class Party {
        /** This party's native calls on the card now. Guarded by the lock's internal lock. */
        private int callsInFlight;

        private Party() {
        }
    }

    /** What was seen last of the card's transactions: when an open may run inline until, or another application's. */
    private record Sighting(boolean foreign, Deadline inlineOpenUntil) {
        static final Sighting NOTHING = new Sighting(false, Deadline.PASSED);
        static final Sighting FOREIGN = new Sighting(true, Deadline.PASSED);
    }

    private final String readerName;
    /** The exchanges with the card that the reader or its driver failed so far, and the last one's detail. */
    private final AtomicReference<ExchangeFailure> exchangeFailure = new AtomicReference<>(ExchangeFailure.NONE);

    private record ExchangeFailure(long count, String detail) {
        static final ExchangeFailure NONE = new ExchangeFailure(0, null);
    }
    private final LongSupplier checkIntervalNanos;
    private final RemovalCheck removal;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Held by one party's thread for a whole command exchange; see {@link #beginExchange}. */
    private final ReentrantLock exchange = new ReentrantLock();

    /** The party holding or acquiring the transaction, or null. Guarded by {@link #lock}. */
    private Party owner;
    /** True while the owner's claim is not granted yet. Guarded by {@link #lock}. */
    private boolean acquiring;
    /** The thread that claimed it for {@link #owner} while {@link #acquiring}. Guarded by {@link #lock}. */
    private Thread acquirer;
    /** Counts grants: tells a check made with the lock released whether the transaction is still the same one. */
    private long grants;
    /** The card insertion the granted owner's transaction is on (see {@link #grant}). Guarded by {@link #lock}. */
    private int ownerCounter;
    private byte[] ownerAtr;
    /** All parties' native calls on the card now. Guarded by {@link #lock}. */
    private int inFlight;
    /**
     * Whether the card was seen free of any transaction recently (a probe answered without
     * {@code SCARD_E_SHARING_VIOLATION}, an SCardConnect went through: pcscd holds it while a transaction is on), or
     * another application's transaction was seen since (or a native lock wait had to be given up). Only within
     * {@link #INLINE_OPEN_WINDOW_NANOS} of a free card does a connection open on the caller's thread, since pcscd
     * makes SCardConnect wait for another application's transaction and that wait cannot be interrupted.
     */
    private volatile Sighting sighting = Sighting.NOTHING;

    /**
     * @param readerName the reader whose card this is (for messages)
     * @param checkIntervalNanos how often a waiter checks whether the owner's card was removed; read at each wait
     * @param removal tells whether the owner's card insertion is gone
     */
    CardLock(String readerName, LongSupplier checkIntervalNanos, RemovalCheck removal) {
        this.readerName = readerName;
        this.checkIntervalNanos = checkIntervalNanos;
        this.removal = removal;
    }

    /** The reader whose card this is. */
    String readerName() {
        return readerName;
    }

    /** A new party: one connection to the reader. Any thread. */
    Party newParty() {
        return new Party();
    }

    // ---------------------------------------------------------------- native calls on the card

    /**
     * Waits until no other party holds or acquires the card's transaction, then registers a native call of
     * {@code self} on the card; the caller ends it with {@link #exitCall}. A party with a call in flight already (it
     * is inside its own command exchange) does not wait: a claimant waits for that call to end before it may begin.
     * Any thread of {@code self}'s connection; never with the exchange lock held (an owner's release would then wait
     * for it).
     *
     * @param deadline when to give up
     * @param cancelled the failure to end the wait with (the connection closed, the backend stopped), or null while
     *        it may go on; asked only while the call must wait, after every wake-up
     * @return false when the deadline passed first (nothing registered)
     * @throws SCardException {@link HResult#SCARD_E_CANCELLED} when the thread is interrupted (the interrupt status
     *         is kept); what {@code cancelled} supplies
     */
    boolean enterCall(Party self, Deadline deadline, Supplier<SCardException> cancelled) {
        return await(deadline, cancelled, () -> enterNow(self));
    }

    /** {@link #enterCall} without waiting: false (nothing registered) when another party holds or acquires it. */
    boolean tryEnterCall(Party self) {
        lock.lock();
        try {
            return enterNow(self);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends a call {@code self} registered with {@link #enterCall} or {@link #tryEnterCall}; wakes the waiters (a
     * claimant may be waiting for the calls to end).
     *
     * @throws IllegalStateException when {@code self} has no call registered
     */
    void exitCall(Party self) {
        lock.lock();
        try {
            if (self.callsInFlight <= 0) {
                throw new IllegalStateException("no call of this connection is registered on reader '" + readerName
                        + "'");
            }
            inFlight--;
            self.callsInFlight--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private boolean enterNow(Party self) {
        if (owner != null && owner != self && self.callsInFlight == 0) {
            return false;
        }
        inFlight++;
        self.callsInFlight++;
        return true;
    }

    // ---------------------------------------------------------------- the card's transaction

    /**
     * Waits until no other party holds or acquires the card's transaction and claims it for {@code self} on the
     * calling thread (the acquirer), then until the other parties' calls on the card are over. True at once when
     * {@code self} holds it granted already ({@link #holds}). After a true return that was not "held already" the
     * caller begins the native transaction and then must call {@link #grant} or {@link #abandon}; after a false
     * return or an exception it must call {@link #abandon} too (a claim may be left), which does nothing when no
     * claim of this thread is left. Any thread of {@code self}'s connection.
     *
     * @param deadline when to give up
     * @param cancelled see {@link #enterCall}
     * @return false when the deadline passed first
     * @throws SCardException {@link HResult#SCARD_E_CANCELLED} when the thread is interrupted; what
     *         {@code cancelled} supplies
     */
    boolean claim(Party self, Deadline deadline, Supplier<SCardException> cancelled) {
        return await(deadline, cancelled, () -> claimNow(self));
    }

    /** One step of claiming for {@code self} on the calling thread; true when held or ready to begin. */
    private boolean claimNow(Party self) {
        if (owner == null) {
            owner = self;
            acquiring = true;
            acquirer = Thread.currentThread();
        }
        if (owner != self) {
            return false;
        }
        if (!acquiring) {
            return true; // held already
        }
        if (acquirer != Thread.currentThread()) {
            return false; // another thread of self is beginning it: its outcome decides
        }
        return inFlight - self.callsInFlight == 0;
    }

    /**
     * Completes the claim the calling thread made for {@code self}: {@code self} holds the transaction from now on.
     * Does nothing when the claim is not this thread's (it was released meanwhile, e.g. by a disconnect, or another
     * thread made it). Wakes the waiters, who go on waiting for the release.
     *
     * @param counter the event counter of the card insertion the transaction is on (negative where none)
     * @param atr that insertion's ATR, or null when the owner does not know it (only an empty reader then ends the
     *        transaction for it)
     */
    void grant(Party self, int counter, byte[] atr) {
        finishClaim(self, true, counter, atr);
    }

    /**
     * Gives up the claim the calling thread made for {@code self} (the native transaction was not begun, or the
     * wait for it failed); does nothing when there is no such claim. Wakes the waiters: one of them claims next.
     */
    void abandon(Party self) {
        finishClaim(self, false, 0, null);
    }

    private void finishClaim(Party self, boolean granted, int counter, byte[] atr) {
        lock.lock();
        try {
            if (owner == self && acquiring && acquirer == Thread.currentThread()) {
                acquiring = false;
                acquirer = null;
                if (granted) {
                    grants++;
                    ownerCounter = counter;
                    ownerAtr = atr;
                } else {
                    owner = null;
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the transaction {@code self} holds or acquires (its acquirer's {@link #grant} then does nothing); does
     * nothing else when {@code self} does not own it. Any thread: the connection's own calls that end the
     * transaction, and its disconnect. Wakes every waiter (also those of {@code self}'s connection, which then see it
     * closed).
     */
    void release(Party self) {
        lock.lock();
        try {
            if (owner == self) {
                owner = null;
                acquiring = false;
                acquirer = null;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code self} holds the transaction (granted, not acquiring). Any thread. */
    boolean holds(Party self) {
        lock.lock();
        try {
            return owner == self && !acquiring;
        } finally {
            lock.unlock();
        }
    }

    /** Whether another party than {@code self} holds or acquires the transaction. Any thread. */
    boolean heldByOther(Party self) {
        lock.lock();
        try {
            return owner != null && owner != self;
        } finally {
            lock.unlock();
        }
    }

    /** The party holding the transaction (granted), or null: one consistent look. Any thread. */
    Party holder() {
        lock.lock();
        try {
            return acquiring ? null : owner;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Wakes every waiter for it to ask its {@code cancelled} again; waiters whose wait may go on wait further. Called
     * by the backend when it stops, after closing the connections.
     */
    void wakeAll() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- command exchanges

    /** Whether the calling thread is inside a command exchange on this card ({@link #beginExchange}). */
    boolean inExchange() {
        return exchange.isHeldByCurrentThread();
    }

    /**
     * Begins a command exchange on the calling thread: no other party's exchange gets between its commands until
     * {@link #endExchange}. Call only with a call registered ({@link #enterCall}), so that the exchange waits for
     * another party's transaction first and a claimant waits for the exchange; never while already
     * {@link #inExchange}.
     *
     * @return false when another exchange outlasted {@code deadline}
     * @throws SCardException {@link HResult#SCARD_E_CANCELLED} when the thread is interrupted (the interrupt status
     *         is kept)
     */
    boolean beginExchange(Deadline deadline) {
        try {
            return exchange.tryLock(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    /** Ends the exchange the calling thread began with {@link #beginExchange}. */
    void endExchange() {
        exchange.unlock();
    }

    // ---------------------------------------------------------------- other applications' transactions

    /** Records that the card was seen free of transactions now. Any thread. */
    void sawFree() {
        sighting = new Sighting(false, Deadline.after(INLINE_OPEN_WINDOW_NANOS));
    }

    /** Records that another application's transaction was seen on the card (or a native wait was given up). */
    void sawForeignLock() {
        sighting = Sighting.FOREIGN;
    }

    /** Whether the card was seen free of transactions within the last {@link #INLINE_OPEN_WINDOW_NANOS}. */
    boolean freeRecently() {
        Sighting seen = sighting;
        return !seen.foreign() && !seen.inlineOpenUntil().isExpired();
    }

    /** Whether another application's transaction was the last thing seen (no free observation since). */
    boolean foreignLockSeen() {
        return sighting.foreign();
    }

    // ---------------------------------------------------------------- the one wait

    /**
     * The wait of {@link #enterCall} and {@link #claim}: with the lock held, tries {@code step} (which may change
     * the state and returns whether the caller may go on), and while it may not, parks until the state changes, the
     * deadline passes or the next removal check is due. {@code cancelled} is asked after every failed step.
     */
    private boolean await(Deadline deadline, Supplier<SCardException> cancelled, BooleanSupplier step) {
        long checkNanos = checkIntervalNanos.getAsLong();
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            throw interrupted();
        }
        try {
            Deadline nextCheck = null;
            for (;;) {
                if (step.getAsBoolean()) {
                    return true;
                }
                SCardException reason = cancelled.get();
                if (reason != null) {
                    throw reason;
                }
                if (deadline.isExpired()) {
                    return false;
                }
                if (nextCheck == null) {
                    nextCheck = Deadline.after(checkNanos);
                } else if (nextCheck.isExpired()) {
                    releaseIfCardGone();
                    nextCheck = Deadline.after(checkNanos);
                    continue;
                }
                try {
                    changed.awaitNanos(Math.min(nextCheck.remainingNanos(), deadline.remainingNanos()));
                } catch (InterruptedException e) {
                    throw interrupted();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * With the lock held: when a granted owner's card insertion is gone, ends its transaction (pcscd dropped it) and
     * wakes the waiters. The reader is asked with the lock released; only the same transaction is ended (the owner
     * may have ended it and begun another one meanwhile).
     */
    private void releaseIfCardGone() {
        Party held = owner;
        if (held == null || acquiring) {
            return;
        }
        long grant = grants;
        int counter = ownerCounter;
        byte[] atr = ownerAtr;
        lock.unlock();
        boolean gone;
        try {
            gone = removal.gone(counter, atr);
        } finally {
            lock.lock();
        }
        if (gone && owner == held && !acquiring && grants == grant) {
            owner = null;
            changed.signalAll();
        }
    }

    private SCardException interrupted() {
        Thread.currentThread().interrupt(); // kept for the caller's own checks
        return new SCardException(HResult.SCARD_E_CANCELLED,
                "interrupted while waiting for the card in reader '" + readerName + "'");
    }

    @Override
    public String toString() {
        return "CardLock[" + readerName + "]";
    }

    // ---------------------------------------------------------------- failed exchanges

    /**
     * Records that the reader or its driver failed an exchange with the card
     * ({@link PcscErrors.Meaning#EXCHANGE_FAILED}):
     * the card is lost to every connection that reached it before, not only to the one whose exchange failed (the
     * card, or the program behind a virtual card, stopped answering; pcscd sees that only at its next poll, if at all).
     *
     * @param detail what happened, reported by those connections until they reconnect
     */
    void exchangeFailed(String detail) {
        exchangeFailure.updateAndGet(f -> new ExchangeFailure(f.count() + 1, detail));
    }

    /** How many exchanges failed so far: a connection keeps the count of when it reached the card. */
    long exchangeFailures() {
        return exchangeFailure.get().count();
    }

    /** The detail of the last failed exchange when one failed after the count {@code seen}, else null. */
    String exchangeFailedSince(long seen) {
        ExchangeFailure f = exchangeFailure.get();
        return f.count() != seen ? f.detail() : null;
    }
}
