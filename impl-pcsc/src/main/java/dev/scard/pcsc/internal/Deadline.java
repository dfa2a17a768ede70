package dev.scard.pcsc.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A point in time a wait gives up at, on the {@link System#nanoTime()} clock, or {@link #NONE} for a wait without a
 * deadline. Immutable; compare deadlines with {@link #isLaterThan}, never their nanosecond values (the clock may
 * wrap).
 */
final class Deadline {

    /**
     * The longest bounded wait, 100 years: a wait of this length or more is {@link #NONE}. Differences of
     * {@link System#nanoTime()} values are safe up to about 292 years.
     */
    static final long MAX_NANOS = TimeUnit.DAYS.toNanos(365L * 100);

    /** No deadline: never expires, {@link #remainingNanos()} is {@link Long#MAX_VALUE}. */
    static final Deadline NONE = new Deadline(Kind.NONE, 0);

    /** A deadline that has passed already: a wait with it tries once and gives up. */
    static final Deadline PASSED = new Deadline(Kind.PASSED, 0);

    private enum Kind {
        AT, NONE, PASSED
    }

    private final Kind kind;
    /** The {@link System#nanoTime()} value it expires at ({@link Kind#AT} only). */
    private final long at;

    private Deadline(Kind kind, long at) {
        this.kind = kind;
        this.at = at;
    }

    /**
     * The deadline {@code nanos} from now: {@link #PASSED} for zero or less, {@link #NONE} for {@link #MAX_NANOS}
     * or more.
     */
    static Deadline after(long nanos) {
        if (nanos <= 0) {
            return PASSED;
        }
        if (nanos >= MAX_NANOS) {
            return NONE;
        }
        return new Deadline(Kind.AT, System.nanoTime() + nanos);
    }

    /**
     * The deadline {@code wait} from now; see {@link #after(long)}.
     *
     * @throws NullPointerException when {@code wait} is null
     */
    static Deadline after(Duration wait) {
        Objects.requireNonNull(wait, "wait must not be null");
        if (wait.compareTo(Duration.ofNanos(MAX_NANOS)) >= 0) {
            return NONE;
        }
        return after(wait.toNanos());
    }

    /** Whether this deadline bounds a wait at all (false only for {@link #NONE}). */
    boolean isBounded() {
        return kind != Kind.NONE;
    }

    /** Whether the deadline has passed; never for {@link #NONE}. */
    boolean isExpired() {
        return switch (kind) {
            case NONE -> false;
            case PASSED -> true;
            case AT -> at - System.nanoTime() <= 0;
        };
    }

    /**
     * The nanoseconds left until the deadline: 0 once it has passed, {@link Long#MAX_VALUE} for {@link #NONE} (so
     * {@code Math.min(other, remainingNanos())} bounds a wait by it).
     */
    long remainingNanos() {
        return switch (kind) {
            case NONE -> Long.MAX_VALUE;
            case PASSED -> 0;
            case AT -> Math.max(0, at - System.nanoTime());
        };
    }

    /**
     * Whether this deadline comes strictly after {@code other}: {@link #NONE} comes after every other one,
     * {@link #PASSED} before every other one.
     */
    boolean isLaterThan(Deadline other) {
        if (kind == Kind.NONE || other.kind == Kind.NONE) {
            return kind == Kind.NONE && other.kind != Kind.NONE;
        }
        if (kind == Kind.PASSED || other.kind == Kind.PASSED) {
            return kind != Kind.PASSED && other.kind == Kind.PASSED;
        }
        return at - other.at > 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Deadline d && d.kind == kind && d.at == at;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Long.hashCode(at);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "Deadline[none]";
            case PASSED -> "Deadline[passed]";
            case AT -> "Deadline[in " + TimeUnit.NANOSECONDS.toMillis(remainingNanos()) + " ms]";
        };
    }
}
