package dev.scard.pcsc.internal;

import static dev.scard.testsupport.Expect.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Workers;

/**
 * {@link CardLock} on its own: one owner of the card's transaction at a time among many threads, calls in flight
 * against claims, abandoned claims, cancelled waits, deadlines, interrupts and removed cards. Waits are long
 * (seconds) where the test expects them to end by an event, so that only a bug makes them time out.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CardLockTest {

    private static final String READER = "Reader 0";
    private static final byte[] ATR = HexFormat.of().parseHex("3B8801534341524453494D99");

    /** The removal check's answer, and what it was asked last. */
    private final AtomicBoolean cardGone = new AtomicBoolean();
    private final AtomicInteger askedCounter = new AtomicInteger(Integer.MIN_VALUE);
    private final AtomicReference<byte[]> askedAtr = new AtomicReference<>();
    private final Workers background = new Workers();
    private final CardLock lock = new CardLock(READER, () -> TimeUnit.MILLISECONDS.toNanos(5), (counter, atr) -> {
        askedCounter.set(counter);
        askedAtr.set(atr);
        return cardGone.get();
    });

    @AfterEach
    void threadsEnded() throws InterruptedException {
        background.assertAllEnded(Duration.ofSeconds(10));
    }

    /** A cancellation for one waiter: counts how often it was asked, fails with {@link #reason} once set. */
    private static final class Cancel implements Supplier<SCardException> {
        final AtomicInteger asked = new AtomicInteger();
        volatile SCardException reason;

        @Override
        public SCardException get() {
            asked.incrementAndGet();
            return reason;
        }

        /** Once asked, the waiter has failed a step with the lock held: it sees every change made after this. */
        void awaitWaiting() throws Exception {
            Await.until("the waiter waits", Duration.ofSeconds(10), () -> asked.get() > 0);
        }
    }

    private static Supplier<SCardException> never() {
        return () -> null;
    }

    /** A wait that only a bug lets expire. */
    private static Deadline longWait() {
        return Deadline.after(TimeUnit.SECONDS.toNanos(30));
    }

    private static Deadline millis(long millis) {
        return Deadline.after(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    /** Claims and grants on the calling thread; the claim must not wait. */
    private void take(CardLock.Party party) {
        assertThat(lock.claim(party, Deadline.PASSED, never())).as("claimed at once").isTrue();
        lock.grant(party, 7, ATR);
    }

    @Test
    void manyThreadsLockingAndCallingNeverOverlapAnOwnerWithAnotherOwnerOrAnotherPartysCall() throws Exception {
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger callers = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger grants = new AtomicInteger();
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            CardLock.Party party = lock.newParty();
            workers.add(background.inBackground("locker-" + t, () -> {
                start.await();
                for (int i = 0; i < 200; i++) {
                    boolean claimed = false;
                    try {
                        claimed = lock.claim(party, longWait(), never());
                        if (claimed) {
                            lock.grant(party, i, ATR);
                        }
                    } finally {
                        if (!claimed) {
                            lock.abandon(party);
                        }
                    }
                    assertThat(claimed).as("claimed within 30 s").isTrue();
                    if (holders.incrementAndGet() != 1 || callers.get() != 0 || !lock.holds(party)) {
                        violations.incrementAndGet();
                    }
                    grants.incrementAndGet();
                    Thread.yield();
                    holders.decrementAndGet();
                    lock.release(party);
                }
                return null;
            }));
        }
        for (int t = 0; t < 3; t++) {
            CardLock.Party party = lock.newParty();
            workers.add(background.inBackground("caller-" + t, () -> {
                start.await();
                for (int i = 0; i < 300; i++) {
                    assertThat(lock.enterCall(party, longWait(), never())).as("entered within 30 s").isTrue();
                    callers.incrementAndGet();
                    if (holders.get() != 0) {
                        violations.incrementAndGet();
                    }
                    Thread.yield();
                    callers.decrementAndGet();
                    lock.exitCall(party);
                }
                return null;
            }));
        }
        start.countDown();
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);

        assertThat(violations.get()).as("an owner overlapped another owner or another connection's call").isZero();
        assertThat(grants.get()).isEqualTo(6 * 200);
        assertThat(lock.holder()).as("nobody holds the card at the end").isNull();
        CardLock.Party last = lock.newParty();
        assertThat(lock.claim(last, Deadline.PASSED, never())).as("no call is left in flight").isTrue();
    }

    @Test
    void anAbandonedClaimWakesTheWaitingClaimantWhichThenGetsTheCard() throws Exception {
        CardLock.Party first = lock.newParty();
        CardLock.Party second = lock.newParty();
        assertThat(lock.claim(first, Deadline.PASSED, never())).isTrue(); // acquiring, not granted
        assertThat(lock.holds(first)).as("a claim is not a grant").isFalse();
        assertThat(lock.heldByOther(second)).isTrue();

        Cancel cancel = new Cancel();
        CompletableFuture<Boolean> waiter = background.inBackground("second", () -> {
            boolean claimed = lock.claim(second, longWait(), cancel);
            lock.grant(second, 1, ATR);
            return claimed;
        });
        cancel.awaitWaiting();
        assertThat(waiter).isNotDone();

        lock.abandon(first);
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.holds(second)).isTrue();
        assertThat(lock.holder()).isSameAs(second);
        assertThat(lock.heldByOther(first)).isTrue();
    }

    @Test
    void aReleaseWakesTheWaitingCallWhichThenEnters() throws Exception {
        CardLock.Party owner = lock.newParty();
        CardLock.Party caller = lock.newParty();
        take(owner);
        assertThat(lock.tryEnterCall(caller)).as("no call while another connection holds the card").isFalse();

        Cancel cancel = new Cancel();
        CompletableFuture<Boolean> call = background.inBackground("caller",
                () -> lock.enterCall(caller, longWait(), cancel));
        cancel.awaitWaiting();
        assertThat(call).isNotDone();

        lock.release(owner);
        assertThat(call.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.claim(owner, Deadline.PASSED, never())).as("the caller's call is in flight").isFalse();
        lock.abandon(owner);
        lock.exitCall(caller);
        assertThat(lock.holder()).isNull();
    }

    @Test
    void wakingCancelledWaitersFailsEachWithItsOwnReasonWhileOthersWaitOn() throws Exception {
        CardLock.Party owner = lock.newParty();
        take(owner);
        Cancel closed = new Cancel();
        Cancel stopped = new Cancel();
        Cancel patient = new Cancel();
        CompletableFuture<Boolean> claimant = background.inBackground("claimant",
                () -> lock.claim(lock.newParty(), longWait(), closed));
        CompletableFuture<Boolean> caller = background.inBackground("caller",
                () -> lock.enterCall(lock.newParty(), longWait(), stopped));
        CompletableFuture<Boolean> other = background.inBackground("other",
                () -> lock.enterCall(lock.newParty(), longWait(), patient));
        closed.awaitWaiting();
        stopped.awaitWaiting();
        patient.awaitWaiting();

        SCardException closedFailure = new SCardException(HResult.SCARD_E_INVALID_HANDLE, "the connection is closed");
        SCardException stoppedFailure = new SCardException(HResult.SCARD_E_SERVICE_STOPPED, "the backend stopped");
        closed.reason = closedFailure;
        stopped.reason = stoppedFailure;
        lock.wakeAll();

        assertThat(failureOf(claimant, Duration.ofSeconds(10))).isSameAs(closedFailure);
        assertThat(failureOf(caller, Duration.ofSeconds(10))).isSameAs(stoppedFailure);
        int asked = patient.asked.get();
        Await.until("the patient waiter looked again", Duration.ofSeconds(10), () -> patient.asked.get() > asked);
        assertThat(other).as("a waiter whose wait may go on waits on").isNotDone();
        assertThat(lock.holds(owner)).as("waking changes no owner").isTrue();

        lock.release(owner);
        assertThat(other.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aReleaseOfTheWaitersOwnConnectionWakesItToSeeItClosed() throws Exception {
        CardLock.Party owner = lock.newParty();
        CardLock.Party closing = lock.newParty();
        take(owner);
        Cancel cancel = new Cancel();
        CompletableFuture<Boolean> call = background.inBackground("closing",
                () -> lock.enterCall(closing, longWait(), cancel));
        cancel.awaitWaiting();

        SCardException closedFailure = new SCardException(HResult.SCARD_E_INVALID_HANDLE, "the connection is closed");
        cancel.reason = closedFailure;
        lock.release(closing); // a disconnect: it owns nothing, but its waiters wake
        assertThat(failureOf(call, Duration.ofSeconds(10))).isSameAs(closedFailure);
        assertThat(lock.holds(owner)).isTrue();
    }

    @Test
    void waitsGiveUpAtTheirDeadlineAndLeaveNothingRegistered() throws Exception {
        CardLock.Party owner = lock.newParty();
        CardLock.Party late = lock.newParty();
        take(owner);

        assertThat(lock.enterCall(late, Deadline.PASSED, never())).isFalse();
        assertThat(lock.enterCall(late, millis(30), never())).isFalse();
        assertThat(lock.claim(late, millis(30), never())).isFalse();
        lock.abandon(late); // nothing of late's to give up
        assertThat(lock.holds(owner)).as("a timed-out claimant takes nothing away").isTrue();
        assertThat(lock.heldByOther(late)).isTrue();

        lock.release(owner);
        assertThat(lock.claim(owner, Deadline.PASSED, never()))
                .as("no call of the timed-out waiter was left registered").isTrue();
        lock.grant(owner, 7, ATR);
        assertThat(lock.holds(owner)).isTrue();
    }

    @Test
    void anInterruptEndsTheWaitWithCancelledAndKeepsTheInterruptStatus() throws Exception {
        CardLock.Party owner = lock.newParty();
        take(owner);
        Cancel cancel = new Cancel();
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        CompletableFuture<Boolean> waiter = background.inBackground("interrupted", () -> {
            waiterThread.set(Thread.currentThread());
            try {
                return lock.claim(lock.newParty(), longWait(), cancel);
            } finally {
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        cancel.awaitWaiting();
        waiterThread.get().interrupt();

        SCardException failure = failureOf(waiter, Duration.ofSeconds(10));
        assertThat(failure.code()).isEqualTo(HResult.SCARD_E_CANCELLED);
        assertThat(failure.getMessage()).contains("interrupted").contains(READER);
        assertThat(stillInterrupted).isTrue();
        assertThat(lock.holds(owner)).isTrue();

        CompletableFuture<Boolean> before = background.inBackground("interrupted-before", () -> {
            Thread.currentThread().interrupt();
            return lock.enterCall(lock.newParty(), longWait(), never());
        });
        assertThat(failureOf(before, Duration.ofSeconds(10)).code()).isEqualTo(HResult.SCARD_E_CANCELLED);
    }

    @Test
    void aWaiterEndsTheTransactionOfAnOwnerWhoseCardWasRemoved() throws Exception {
        CardLock.Party owner = lock.newParty();
        CardLock.Party caller = lock.newParty();
        take(owner); // insertion 7, ATR
        CompletableFuture<Boolean> call = background.inBackground("caller",
                () -> lock.enterCall(caller, longWait(), never()));
        Await.until("the removal check was asked", Duration.ofSeconds(10), () -> askedCounter.get() == 7);
        assertThat(askedAtr.get()).isEqualTo(ATR);
        assertThat(call).as("the card is still in").isNotDone();

        cardGone.set(true);
        assertThat(call.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.holds(owner)).as("the removed card's transaction ended").isFalse();
        assertThat(lock.holder()).isNull();
        lock.exitCall(caller);
    }

    @Test
    void anUnknownInsertionIsCheckedWithoutAtrAndAnAcquiringOwnerIsNeverChecked() throws Exception {
        CardLock.Party owner = lock.newParty();
        CardLock.Party waiter = lock.newParty();
        assertThat(lock.claim(owner, Deadline.PASSED, never())).isTrue(); // acquiring
        cardGone.set(true);
        assertThat(lock.enterCall(waiter, millis(100), never())).isFalse();
        assertThat(askedCounter.get()).as("no check while the owner acquires").isEqualTo(Integer.MIN_VALUE);
        assertThat(lock.heldByOther(waiter)).isTrue();

        lock.grant(owner, -1, null);
        assertThat(lock.enterCall(waiter, longWait(), never())).isTrue();
        assertThat(askedCounter.get()).as("asked about the owner's insertion").isEqualTo(-1);
        assertThat(askedAtr.get()).as("an unknown insertion is asked about without an ATR").isNull();
        lock.exitCall(waiter);
    }

    @Test
    void aClaimWaitsForOtherConnectionsCallsWhileTheirNestedCallsGoOnAndNewOnesWait() throws Exception {
        CardLock.Party claimant = lock.newParty();
        CardLock.Party busy = lock.newParty();
        CardLock.Party idle = lock.newParty();
        assertThat(lock.enterCall(busy, Deadline.PASSED, never())).isTrue();

        Cancel cancel = new Cancel();
        CompletableFuture<Boolean> claim = background.inBackground("claimant",
                () -> lock.claim(claimant, longWait(), cancel));
        cancel.awaitWaiting();
        assertThat(lock.heldByOther(busy)).as("claimed, waiting for the call").isTrue();
        assertThat(lock.tryEnterCall(idle)).as("no new call of another connection").isFalse();
        assertThat(lock.tryEnterCall(busy)).as("a nested call of the connection inside its exchange").isTrue();
        lock.exitCall(busy);
        assertThat(claim).isNotDone();

        lock.exitCall(busy);
        assertThat(claim.get(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> lock.exitCall(busy)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(READER);
    }

    @Test
    void onlyTheThreadThatClaimedCompletesOrAbandonsTheClaimAndAReleaseOutrunsTheGrant() throws Exception {
        CardLock.Party connection = lock.newParty();
        CardLock.Party other = lock.newParty();
        assertThat(lock.claim(connection, Deadline.PASSED, never())).isTrue();

        CompletableFuture<Boolean> secondThread = background.inBackground("second-thread", () -> {
            boolean claimed = lock.claim(connection, millis(50), never());
            lock.abandon(connection); // not this thread's claim: nothing happens
            lock.grant(connection, 1, ATR); // neither
            return claimed;
        });
        assertThat(secondThread.get(10, TimeUnit.SECONDS)).as("the other thread's claim decides").isFalse();
        assertThat(lock.heldByOther(other)).as("the first thread's claim stands").isTrue();
        assertThat(lock.holds(connection)).isFalse();

        lock.release(connection); // a disconnect while the first thread acquires
        lock.grant(connection, 1, ATR);
        assertThat(lock.holds(connection)).as("a grant after the release does nothing").isFalse();
        assertThat(lock.holder()).isNull();
        assertThat(lock.claim(other, Deadline.PASSED, never())).isTrue();
    }

    @Test
    void oneCommandExchangeAtATime() throws Exception {
        assertThat(lock.inExchange()).isFalse();
        assertThat(lock.beginExchange(Deadline.PASSED)).isTrue();
        assertThat(lock.inExchange()).isTrue();
        CountDownLatch triedOnce = new CountDownLatch(1);
        CompletableFuture<Boolean> other = background.inBackground("other-exchange", () -> {
            boolean first = lock.beginExchange(millis(30));
            boolean inside = lock.inExchange();
            triedOnce.countDown();
            boolean second = lock.beginExchange(longWait());
            lock.endExchange();
            return !first && !inside && second;
        });
        assertThat(triedOnce.await(10, TimeUnit.SECONDS)).isTrue();
        lock.endExchange();
        assertThat(other.get(10, TimeUnit.SECONDS)).as("timed out first, then got it once ended").isTrue();
        assertThat(lock.inExchange()).isFalse();
    }

    @Test
    void sightingsOfTheCardDecideWhetherAnOpenMayRunInline() throws Exception {
        assertThat(lock.freeRecently()).as("never seen").isFalse();
        assertThat(lock.foreignLockSeen()).isFalse();
        lock.sawFree();
        assertThat(lock.freeRecently()).isTrue();
        assertThat(lock.foreignLockSeen()).isFalse();
        lock.sawForeignLock();
        assertThat(lock.freeRecently()).isFalse();
        assertThat(lock.foreignLockSeen()).isTrue();
        lock.sawFree();
        assertThat(lock.foreignLockSeen()).isFalse();
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(CardLock.INLINE_OPEN_WINDOW_NANOS) + 50);
        assertThat(lock.freeRecently()).as("the observation is too old").isFalse();
        assertThat(lock.foreignLockSeen()).isFalse();
    }

    @Test
    void failedExchangesAreCountedSoThatEachConnectionSeesThoseAfterItReachedTheCard() {
        long before = lock.exchangeFailures();
        assertThat(before).isZero();
        assertThat(lock.exchangeFailedSince(before)).isNull();
        lock.exchangeFailed("first");
        long afterFirst = lock.exchangeFailures();
        assertThat(afterFirst).isEqualTo(1);
        assertThat(lock.exchangeFailedSince(before)).isEqualTo("first");
        assertThat(lock.exchangeFailedSince(afterFirst)).as("reached the card after it").isNull();
        lock.exchangeFailed("second");
        assertThat(lock.exchangeFailedSince(before)).isEqualTo("second");
        assertThat(lock.exchangeFailedSince(afterFirst)).isEqualTo("second");
    }
}
