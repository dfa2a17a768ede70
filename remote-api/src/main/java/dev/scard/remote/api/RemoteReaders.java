package dev.scard.remote.api;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What {@link RemoteCardHost#listReaders} returns: the host's readers at one moment, and where the host's event
 * sequence stood just before, so that a caller that lists the readers and then polls {@link RemoteCardHost#events}
 * from {@link #eventSequence()} misses no change (the first events it gets may be changes the listing shows
 * already). Immutable.
 */
public final class RemoteReaders implements Serializable {
    private static final long serialVersionUID = 1L;

    /** @serial which run of the host this is (see {@link RemoteEvents#incarnation()}) */
    private final long incarnation;
    /** @serial the sequence number of the last event before this listing, 0 when none */
    private final long eventSequence;
    /** @serial the readers, in the host's order */
    private final RemoteReader[] readers;

    /**
     * @param incarnation which run of the host this is
     * @param eventSequence the sequence number of the host's last event before this listing, 0 when none
     * @param readers the readers in the host's order (copied)
     * @throws IllegalArgumentException when {@code readers} is or holds null, or {@code eventSequence} is negative
     */
    public RemoteReaders(long incarnation, long eventSequence, List<RemoteReader> readers) {
        if (readers == null || readers.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("a reader listing must not be or hold null");
        }
        if (eventSequence < 0) {
            throw new IllegalArgumentException("an event sequence number is never negative, was " + eventSequence);
        }
        this.incarnation = incarnation;
        this.eventSequence = eventSequence;
        this.readers = readers.toArray(RemoteReader[]::new);
    }

    /** Which run of the host made this listing ({@link RemoteEvents#incarnation()}). */
    public long incarnation() {
        return incarnation;
    }

    /** The sequence number of the host's last event before this listing: poll events after it. */
    public long eventSequence() {
        return eventSequence;
    }

    /** The readers, in the host's order (an unmodifiable list). */
    public List<RemoteReader> readers() {
        return List.of(readers);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RemoteReaders that && incarnation == that.incarnation
                && eventSequence == that.eventSequence && Arrays.equals(readers, that.readers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(incarnation, eventSequence, Arrays.hashCode(readers));
    }

    @Override
    public String toString() {
        return "RemoteReaders[incarnation " + incarnation + ", after event " + eventSequence + ", "
                + Arrays.toString(readers) + "]";
    }

    /** Checks and copies a deserialized value as the constructor does a new one. */
    private Object readResolve() {
        return new RemoteReaders(incarnation, eventSequence, readers == null ? null : Arrays.asList(readers));
    }
}
