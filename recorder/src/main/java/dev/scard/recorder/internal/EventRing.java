package dev.scard.recorder.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded queue of many producers and one consumer that never takes a lock: {@link #offer} is one compare-and-set
 * and one ordered store, so the card's thread never parks on it (a lock held by a descheduled writer thread would make
 * it wait, and a waiting consumer would make every offer a wake-up). The one consumer {@link #drainTo drains} it.
 *
 * @param <E> the elements
 */
final class EventRing<E> {

    private final AtomicReferenceArray<E> slots;
    private final int mask;
    /** The next slot a producer claims. */
    private final AtomicLong tail = new AtomicLong();
    /** The next slot the consumer takes; written by the consumer only. */
    private volatile long head;

    /** A ring of at least {@code capacity} elements (rounded up to a power of two), at least 2. */
    EventRing(int capacity) {
        int size = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        slots = new AtomicReferenceArray<>(size);
        mask = size - 1;
    }

    /** How many elements it holds at most. */
    int capacity() {
        return mask + 1;
    }

    /** Adds {@code element} unless the ring is full; never waits. */
    boolean offer(E element) {
        long claimed;
        do {
            claimed = tail.get();
            if (claimed - head > mask) {
                return false;
            }
        } while (!tail.compareAndSet(claimed, claimed + 1));
        slots.setRelease((int) (claimed & mask), element);
        return true;
    }

    /** Moves up to {@code max} elements, in order, into {@code into} (the one consumer only); how many. */
    int drainTo(List<E> into, int max) {
        long next = head;
        int taken = 0;
        while (taken < max) {
            int slot = (int) (next & mask);
            E element = slots.getAcquire(slot);
            if (element == null) {
                break; // empty, or its producer has not stored it yet
            }
            slots.setRelease(slot, null);
            into.add(element);
            next++;
            taken++;
        }
        head = next;
        return taken;
    }

    /** How many elements are in the ring or being put into it (a moment's view when others change it). */
    int size() {
        long taken = head;
        return (int) Math.max(0, tail.get() - taken);
    }

    /** Whether nothing is in the ring or being put into it. */
    boolean isEmpty() {
        return tail.get() == head;
    }
}
