package dev.scard.api;

import java.util.Objects;

/**
 * A reader or card event as {@link SCardEventListener}s receive it; the same event goes to Event Admin
 * on {@link #topic()}.
 *
 * @param type what happened
 * @param readerName the reader
 * @param backend the backend that owns the reader
 * @param atrHex the card's ATR as upper-case hex; empty for reader events and card removal
 */
public record SCardEvent(Type type, String readerName, String backend, String atrHex) {

    /** The kinds of event, each with its Event Admin topic. */
    public enum Type {
        /** {@link SCardEvents#TOPIC_READER_ADDED}. */
        READER_ADDED(SCardEvents.TOPIC_READER_ADDED),
        /** {@link SCardEvents#TOPIC_READER_REMOVED}. */
        READER_REMOVED(SCardEvents.TOPIC_READER_REMOVED),
        /** {@link SCardEvents#TOPIC_CARD_INSERTED}. */
        CARD_INSERTED(SCardEvents.TOPIC_CARD_INSERTED),
        /** {@link SCardEvents#TOPIC_CARD_REMOVED}. */
        CARD_REMOVED(SCardEvents.TOPIC_CARD_REMOVED),
        /** {@link SCardEvents#TOPIC_CARD_RESET}. */
        CARD_RESET(SCardEvents.TOPIC_CARD_RESET);

        private final String topic;

        Type(String topic) {
            this.topic = topic;
        }

        /** The Event Admin topic of this kind of event. */
        public String topic() {
            return topic;
        }
    }

    /** Checks the arguments. */
    public SCardEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(readerName, "readerName");
        Objects.requireNonNull(backend, "backend");
        atrHex = atrHex == null ? "" : atrHex;
    }

    /** The Event Admin topic of this event. */
    public String topic() {
        return type.topic();
    }
}
