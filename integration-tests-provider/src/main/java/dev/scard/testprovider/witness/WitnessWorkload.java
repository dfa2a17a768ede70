package dev.scard.testprovider.witness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;

/**
 * Many threads on several attached managers of one {@link WitnessCard}, for a bounded time, seeded.
 *
 * <p>{@link Mode#LOCKING}: each thread picks at random: a locked session ({@code lock()} or {@code lock(timeout)},
 * "I took the lock", one to three traffic commands, "I release", {@code unlock()}), plain traffic, or a
 * {@code reconnect()}. Threads that share a manager share its lock, as the contract says (a lock belongs to the
 * manager): the workload counts the manager's holders and sends "I release" and calls {@code unlock()} when the last
 * one leaves, and it only reconnects a manager that nobody holds. A lock taken while another thread of the same
 * manager unlocked or reconnected may have been undone by that, so it is taken again. The card counts violations;
 * the workload counts an {@code unlock()} after a successful lock that fails. A {@code lock()} that fails with
 * {@code SCARD_E_INVALID_HANDLE} because another thread of its manager reconnected meanwhile is taken again.
 *
 * <p>{@link Mode#EXCHANGES}: each thread sends only traffic and checks that every response is its own command's
 * data with {@code 9000} (a T=0 witness answers {@code 61xx} first, so every exchange needs a GET RESPONSE).
 */
public final class WitnessWorkload {

    /** What the threads do. */
    public enum Mode {
        /** Locks, traffic, unlocks, reconnects, timed locks. */
        LOCKING,
        /** Traffic only, every response checked. */
        EXCHANGES
    }

    /**
     * The figures of one run.
     *
     * @param operations calls made (lock, unlock, transmit, reconnect)
     * @param locks successful locked sessions
     * @param lockTimeouts timed locks that gave up ({@code E_FAIL}), as they may
     * @param unlockFailures {@code unlock()} calls after a successful lock that failed
     * @param wrongAnswers traffic answered {@code 9000} with data other than its own
     * @param badStatus traffic answered with a status word other than {@code 9000}
     * @param errors other failures (exceptions)
     * @param violations commands the card saw from a client while another held the lock
     * @param examples the first few problems, described
     * @param millis how long the run took
     */
    public record Result(long operations, long locks, long lockTimeouts, long unlockFailures, long wrongAnswers,
            long badStatus, long errors, long violations, List<String> examples, long millis) {

        /** Problems of any kind. */
        public long problems() {
            return unlockFailures + wrongAnswers + badStatus + errors + violations;
        }

        @Override
        public String toString() {
            return operations + " operations (" + locks + " locked sessions, " + lockTimeouts + " timed locks gave up)"
                    + " in " + millis + " ms: " + violations + " violations, " + unlockFailures
                    + " failed unlocks, " + wrongAnswers + " wrong answers, " + badStatus + " bad status words, "
                    + errors + " errors" + (examples.isEmpty() ? "" : "; first: " + examples);
        }
    }

    private static final int EXAMPLES = 8;
    private static final int EXAMPLES_PER_KIND = 2;
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final List<Slot> slots = new ArrayList<>();
    private final WitnessCard card;
    private final Mode mode;
    private final AtomicInteger sequence = new AtomicInteger();
    private final AtomicLong operations = new AtomicLong();
    private final AtomicLong locks = new AtomicLong();
    private final AtomicLong lockTimeouts = new AtomicLong();
    private final AtomicLong unlockFailures = new AtomicLong();
    private final AtomicLong wrongAnswers = new AtomicLong();
    private final AtomicLong badStatus = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final List<String> examples = new CopyOnWriteArrayList<>();

    /** One manager and its holders. */
    private static final class Slot {
        final ISCardManage manager;
        final int id;
        int holders;
        long epoch;

        Slot(ISCardManage manager, int id) {
            this.manager = manager;
            this.id = id;
        }
    }

    private WitnessWorkload(List<ISCardManage> managers, WitnessCard card, Mode mode) {
        for (int i = 0; i < managers.size(); i++) {
            slots.add(new Slot(managers.get(i), i + 1));
        }
        this.card = card;
        this.mode = mode;
    }

    /**
     * Runs the workload: {@code threads} threads, thread {@code i} on manager {@code i % managers.size()}, for
     * {@code duration}, then waits (at most {@code duration} plus {@code grace}) for the threads to end.
     *
     * @param managers managers attached to the reader that holds {@code card}
     * @param card the witness in that reader (its counters are cleared first)
     * @return the figures; a thread that did not end within the bound counts as an error
     */
    public static Result run(List<ISCardManage> managers, WitnessCard card, Mode mode, int threads,
            Duration duration, Duration grace, long seed) throws InterruptedException {
        if (managers.isEmpty() || threads < 1 || managers.size() > 250) {
            throw new IllegalArgumentException("1 to 250 managers and at least one thread, not " + managers.size()
                    + " and " + threads);
        }
        card.clear();
        return new WitnessWorkload(managers, card, mode).run(threads, duration, grace, seed);
    }

    private Result run(int threads, Duration duration, Duration grace, long seed) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<Thread> running = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Slot slot = slots.get(i % slots.size());
            Random random = new Random(seed * 31 + i);
            Thread thread = new Thread(() -> loop(slot, random, end), "witness-" + mode + "-" + i);
            thread.setDaemon(true);
            running.add(thread);
            thread.start();
        }
        long joinDeadline = end + grace.toNanos();
        for (Thread thread : running) {
            long left = Math.max(1, (joinDeadline - System.nanoTime()) / 1_000_000);
            thread.join(left);
            if (thread.isAlive()) {
                problem(errors, thread.getName() + " did not end within " + grace + " after the run ("
                        + thread.getState() + ")");
                thread.interrupt();
            }
        }
        return new Result(operations.get(), locks.get(), lockTimeouts.get(), unlockFailures.get(),
                wrongAnswers.get(), badStatus.get(), errors.get(), card.violations(),
                card.firstViolation() == null ? List.copyOf(examples)
                        : concat(List.of("card: " + card.firstViolation()), examples),
                (System.nanoTime() - start) / 1_000_000);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private void loop(Slot slot, Random random, long end) {
        while (System.nanoTime() < end && !Thread.currentThread().isInterrupted()) {
            try {
                if (mode == Mode.EXCHANGES) {
                    traffic(slot);
                    continue;
                }
                int pick = random.nextInt(10);
                if (pick < 5) {
                    Duration timeout = pick < 2 ? Duration.ofMillis(random.nextInt(20)) : null;
                    if (enter(slot, timeout)) {
                        try {
                            for (int n = 1 + random.nextInt(3); n > 0; n--) {
                                traffic(slot);
                            }
                        } finally {
                            leave(slot);
                        }
                    }
                } else if (pick < 9) {
                    traffic(slot);
                } else {
                    reconnect(slot);
                }
            } catch (SCardException e) {
                problem(errors, "client " + slot.id + ": " + e.getMessage());
            } catch (RuntimeException e) {
                problem(errors, "client " + slot.id + ": " + e);
            }
        }
    }

    /** Takes the manager's lock for this thread; false when a timed lock gave up. */
    private boolean enter(Slot slot, Duration timeout) {
        while (true) {
            long epoch;
            synchronized (slot) {
                epoch = slot.epoch;
            }
            operations.incrementAndGet();
            try {
                if (timeout == null) {
                    slot.manager.lock();
                } else {
                    slot.manager.lock(timeout);
                }
            } catch (SCardException e) {
                if (timeout != null && e.code() == HResult.E_FAIL) {
                    lockTimeouts.incrementAndGet();
                    return false;
                }
                synchronized (slot) {
                    if (e.code() == HResult.SCARD_E_INVALID_HANDLE && slot.epoch != epoch) {
                        continue; // another thread of this manager reconnected while this one waited: lock again
                    }
                }
                throw e;
            }
            synchronized (slot) {
                if (slot.epoch != epoch) {
                    continue; // another thread of this manager unlocked or reconnected meanwhile: take it again
                }
                if (slot.holders++ == 0) {
                    expectOk(slot, WitnessCard.take(slot.id));
                }
                locks.incrementAndGet();
                return true;
            }
        }
    }

    private void leave(Slot slot) {
        synchronized (slot) {
            if (--slot.holders > 0) {
                return;
            }
            slot.epoch++;
            try {
                expectOk(slot, WitnessCard.release(slot.id));
            } finally {
                operations.incrementAndGet();
                try {
                    slot.manager.unlock();
                } catch (SCardException e) {
                    problem(unlockFailures, "client " + slot.id + " unlock after a successful lock: "
                            + e.getMessage());
                }
            }
        }
    }

    private void reconnect(Slot slot) {
        synchronized (slot) {
            if (slot.holders == 0) {
                slot.epoch++;
                operations.incrementAndGet();
                slot.manager.reconnect();
            }
        }
    }

    private void traffic(Slot slot) {
        byte[] command = WitnessCard.traffic(slot.id, sequence.incrementAndGet());
        operations.incrementAndGet();
        byte[] response = slot.manager.transmit(command);
        byte[] expected = WitnessCard.expectedResponse(command);
        if (Arrays.equals(response, expected)) {
            return;
        }
        if (response.length >= 2 && response[response.length - 2] == (byte) 0x90
                && response[response.length - 1] == 0) {
            problem(wrongAnswers, "client " + slot.id + " sent " + HEX.formatHex(command) + " and got "
                    + HEX.formatHex(response));
        } else {
            problem(badStatus, "client " + slot.id + " sent " + HEX.formatHex(command) + " and got "
                    + HEX.formatHex(response));
        }
    }

    private void expectOk(Slot slot, byte[] command) {
        operations.incrementAndGet();
        byte[] response = slot.manager.transmit(command);
        if (response.length != 2 || response[0] != (byte) 0x90 || response[1] != 0) {
            problem(badStatus, "client " + slot.id + " sent " + HEX.formatHex(command) + " and got "
                    + HEX.formatHex(response));
        }
    }

    private void problem(AtomicLong counter, String example) {
        if (counter.getAndIncrement() < EXAMPLES_PER_KIND && examples.size() < EXAMPLES) {
            examples.add(example);
        }
    }
}
