package dev.scard.remote.host.internal;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.scard.api.HResult;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.RemoteEvent;
import dev.scard.remote.api.RemoteEvents;

/**
 * The host's latest reader and card events, numbered 1, 2, ... in the order they happened, for
 * {@link RemoteCardHost#events}: it keeps the last {@link #capacity} and wakes the callers waiting for the next.
 * Guarded by its own monitor, which is held only briefly: a caller waiting for events releases it while it waits.
 */
final class EventLog {

    private final long incarnation = new SecureRandom().nextLong();
    private final int capacity;
    private final Deque<RemoteEvent> events = new ArrayDeque<>();
    private long sequence;
    private boolean closed;

    /** A log that keeps the last {@code capacity} events. */
    EventLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("an event log keeps at least one event, not " + capacity);
        }
        this.capacity = capacity;
    }

    /** Which run of the host this is: a random number drawn when the log was made. */
    long incarnation() {
        return incarnation;
    }

    /** The sequence number of the last event, 0 before the first. */
    synchronized long sequence() {
        return sequence;
    }

    /** Numbers and keeps an event (dropping the oldest beyond the capacity) and wakes the waiting callers. */
    synchronized void append(SCardEvent event) {
        if (closed) {
            return;
        }
        events.addLast(new RemoteEvent(++sequence, event.type(), event.readerName(), event.atrHex()));
        if (events.size() > capacity) {
            events.removeFirst();
        }
        notifyAll();
    }

    /**
     * The events after {@code afterSequence}, waiting up to {@code waitMillis} for one when there is none yet.
     * Incomplete when {@code afterSequence} is ahead of this log (another run of the host numbered it) or older
     * than the oldest event kept.
     *
     * @throws SCardException {@link HResult#SCARD_E_CANCELLED} when the waiting thread is interrupted
     */
    synchronized RemoteEvents after(long afterSequence, long waitMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (sequence == afterSequence && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SCardException(HResult.SCARD_E_CANCELLED, "the host stopped waiting for events");
            }
        }
        if (afterSequence > sequence) {
            return new RemoteEvents(incarnation, sequence, false, List.copyOf(events));
        }
        long oldestKept = events.isEmpty() ? sequence + 1 : events.peekFirst().sequence();
        List<RemoteEvent> newer = new ArrayList<>();
        for (RemoteEvent event : events) {
            if (event.sequence() > afterSequence) {
                newer.add(event);
            }
        }
        return new RemoteEvents(incarnation, sequence, afterSequence + 1 >= oldestKept, newer);
    }

    /** Wakes the waiting callers (they get what there is) and drops later events. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
