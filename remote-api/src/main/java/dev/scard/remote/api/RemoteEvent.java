package dev.scard.remote.api;

import java.io.Serializable;
import java.util.Objects;

import dev.scard.api.SCardEvent;

/**
 * One reader or card event of a {@link RemoteCardHost}: {@link SCardEvent} without the backend, with the host's
 * sequence number. Immutable.
 */
public final class RemoteEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    /** @serial the host's number for this event: 1 for its first, one up for each next */
    private final long sequence;
    /** @serial what happened */
    private final SCardEvent.Type type;
    /** @serial the reader's name on the host */
    private final String readerName;
    /** @serial the card's ATR as upper-case hex, empty for reader events and card removal */
    private final String atrHex;

    /**
     * @param sequence the host's number for the event, positive
     * @param type what happened
     * @param readerName the reader's name on the host
     * @param atrHex the card's ATR as upper-case hex; null is taken as empty
     * @throws IllegalArgumentException when {@code sequence} is not positive or {@code type} or {@code readerName} is
     *         null
     */
    public RemoteEvent(long sequence, SCardEvent.Type type, String readerName, String atrHex) {
        if (sequence <= 0) {
            throw new IllegalArgumentException("an event's sequence number is positive, was " + sequence);
        }
        if (type == null || readerName == null) {
            throw new IllegalArgumentException("a remote event needs a type and a reader name");
        }
        this.sequence = sequence;
        this.type = type;
        this.readerName = readerName;
        this.atrHex = atrHex == null ? "" : atrHex;
    }

    /** The host's number for this event. */
    public long sequence() {
        return sequence;
    }

    /** What happened. */
    public SCardEvent.Type type() {
        return type;
    }

    /** The reader's name on the host. */
    public String readerName() {
        return readerName;
    }

    /** The card's ATR as upper-case hex; empty for reader events and card removal. */
    public String atrHex() {
        return atrHex;
    }

    /** This event as an {@link SCardEvent} of the reader {@code localName} of {@code backend}. */
    public SCardEvent toSCardEvent(String localName, String backend) {
        return new SCardEvent(type, localName, backend, atrHex);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RemoteEvent that && sequence == that.sequence && type == that.type
                && readerName.equals(that.readerName) && atrHex.equals(that.atrHex);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sequence, type, readerName, atrHex);
    }

    @Override
    public String toString() {
        return "RemoteEvent[" + sequence + ", " + type + ", " + readerName + (atrHex.isEmpty() ? "" : ", " + atrHex)
                + "]";
    }

    /** Checks a deserialized value as the constructor checks a new one. */
    private Object readResolve() {
        return new RemoteEvent(sequence, type, readerName, atrHex);
    }
}
