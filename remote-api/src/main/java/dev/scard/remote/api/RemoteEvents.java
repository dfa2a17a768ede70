package dev.scard.remote.api;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What {@link RemoteCardHost#events} returns: the host's events after the sequence number asked for, in order. When
 * the host no longer has all of them ({@link #complete()} false: it keeps only its latest events, or it is another run
 * of the host than the caller knew), the caller lists the readers again. Immutable.
 */
public final class RemoteEvents implements Serializable {
    private static final long serialVersionUID = 1L;

    /** @serial which run of the host this is: a random number drawn when the host starts */
    private final long incarnation;
    /** @serial the sequence number of the host's last event (0 when none): ask for the events after it next */
    private final long lastSequence;
    /** @serial whether the events are all those after the number asked for */
    private final boolean complete;
    /** @serial the events, in order */
    private final RemoteEvent[] events;

    /**
     * @param incarnation which run of the host this is
     * @param lastSequence the sequence number of the host's last event, 0 when none
     * @param complete whether {@code events} are all the events after the number asked for
     * @param events the events in order (copied)
     * @throws IllegalArgumentException when {@code events} is or holds null, or {@code lastSequence} is negative
     */
    public RemoteEvents(long incarnation, long lastSequence, boolean complete, List<RemoteEvent> events) {
        if (events == null || events.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("an event batch must not be or hold null");
        }
        if (lastSequence < 0) {
            throw new IllegalArgumentException("an event sequence number is never negative, was " + lastSequence);
        }
        this.incarnation = incarnation;
        this.lastSequence = lastSequence;
        this.complete = complete;
        this.events = events.toArray(RemoteEvent[]::new);
    }

    /**
     * Which run of the host answered: a random number the host draws when it starts. When it differs from the one
     * of the caller's last listing or batch, the host restarted: its sessions and sequence numbers are new.
     */
    public long incarnation() {
        return incarnation;
    }

    /** The sequence number of the host's last event (0 when it has had none): ask for the events after it next. */
    public long lastSequence() {
        return lastSequence;
    }

    /**
     * Whether {@link #events()} are all the events after the number asked for. False when the host dropped some
     * (it keeps a bounded number) or when the number asked for is not of this run of the host: list the readers
     * again.
     */
    public boolean complete() {
        return complete;
    }

    /** The events, in order (an unmodifiable list). */
    public List<RemoteEvent> events() {
        return List.of(events);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RemoteEvents that && incarnation == that.incarnation
                && lastSequence == that.lastSequence && complete == that.complete
                && Arrays.equals(events, that.events);
    }

    @Override
    public int hashCode() {
        return Objects.hash(incarnation, lastSequence, complete, Arrays.hashCode(events));
    }

    @Override
    public String toString() {
        return "RemoteEvents[incarnation " + incarnation + ", up to " + lastSequence + (complete ? "" : ", incomplete")
                + ", " + Arrays.toString(events) + "]";
    }

    /** Checks and copies a deserialized value as the constructor does a new one. */
    private Object readResolve() {
        return new RemoteEvents(incarnation, lastSequence, complete, events == null ? null : Arrays.asList(events));
    }
}
