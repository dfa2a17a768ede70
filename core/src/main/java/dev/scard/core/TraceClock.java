package dev.scard.core;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The time of the card trace's events: {@link System#nanoTime()} (a cheap intrinsic) counted from a wall-clock
 * anchor ({@link Instant#now()}, a call into the VM that costs several times as much and was a large part of what a
 * traced APDU cost the card's thread). The anchor is taken again once a second, so the times follow the wall clock
 * to within what it drifts in a second.
 *
 * <p><b>Times never go back.</b> A new anchor is never earlier than the time the old one gives at that moment: when
 * the wall clock is set back, the trace's times stand still rather than jump back, and catch up with it when it has
 * caught up (a recording then shows a pause, never entries out of order). Between two anchors the times are as
 * monotonic as {@code nanoTime}.
 *
 * <p>Thread-safe without a lock: the anchor is an immutable value in a volatile field; two threads re-anchoring at
 * once each compute a valid anchor and the last one stays.
 */
final class TraceClock {

    /** How long one anchor is used (a second: {@link Anchor#plusLessThanASecond} counts on it). */
    static final long ANCHOR_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private static volatile Anchor anchor = new Anchor(Instant.now(), System.nanoTime());

    /** A wall-clock instant and the {@code nanoTime} it was taken at. */
    record Anchor(Instant wall, long nanoTime, long wallSecond, int wallNano) {

        /** The anchor {@code wall} at {@code nanoTime}. */
        Anchor(Instant wall, long nanoTime) {
            this(wall, nanoTime, wall.getEpochSecond(), wall.getNano());
        }

        /** As {@link #at}, {@code since} nanoseconds after this anchor's, 0 to a second (exclusive). */
        Instant plusLessThanASecond(long since) {
            long nano = wallNano + since; // less than two seconds
            return nano < NANOS_PER_SECOND ? Instant.ofEpochSecond(wallSecond, nano)
                    : Instant.ofEpochSecond(wallSecond + 1, nano - NANOS_PER_SECOND);
        }

        /** The time at {@code nanoTime} (at or after this anchor's). */
        Instant at(long nanos) {
            return wall.plusNanos(nanos - nanoTime);
        }

        /**
         * The anchor that follows this one at {@code nanos}, when the wall clock says {@code wallNow}: the wall
         * clock, unless that is earlier than this anchor's time then.
         */
        Anchor next(long nanos, Instant wallNow) {
            Instant fromThis = nanos - nanoTime > 0 ? at(nanos) : wall;
            return new Anchor(wallNow.isBefore(fromThis) ? fromThis : wallNow, nanos);
        }
    }

    private TraceClock() {
    }

    /**
     * Now, for an event of the card trace. Between anchors the time is the anchor's second and nanosecond plus the
     * nanoseconds since it (less than a second), made with one comparison rather than {@link Instant#plusNanos}'s
     * divisions: this runs on the card's thread for every traced APDU.
     */
    static Instant now() {
        Anchor a = anchor;
        long now = System.nanoTime();
        long since = now - a.nanoTime;
        if (since >= 0 && since < ANCHOR_NANOS) {
            return a.plusLessThanASecond(since);
        }
        Anchor next = a.next(now, Instant.now());
        anchor = next;
        return next.wall;
    }
}
