package dev.scard.api;

/**
 * Event Admin topics and property names of reader and card events (docs/decisions.md, "Services and scopes"). Both backends post them;
 * {@link SCardEventListener} receives the same events on the whiteboard. Events never carry PINs.
 */
public final class SCardEvents {

    /** Prefix of every topic; subscribe to {@code dev/scard/*} for all of them. */
    public static final String TOPIC_PREFIX = "dev/scard/";
    /** A reader appeared. */
    public static final String TOPIC_READER_ADDED = "dev/scard/reader/ADDED";
    /** A reader went away. */
    public static final String TOPIC_READER_REMOVED = "dev/scard/reader/REMOVED";
    /** A card was inserted. */
    public static final String TOPIC_CARD_INSERTED = "dev/scard/card/INSERTED";
    /** A card was removed. */
    public static final String TOPIC_CARD_REMOVED = "dev/scard/card/REMOVED";
    /** A card was reset. */
    public static final String TOPIC_CARD_RESET = "dev/scard/card/RESET";

    /** Event property: the reader's name (String). */
    public static final String PROPERTY_READER = "reader";
    /** Event property: the backend ({@link SCardServiceProperties#BACKEND} value, String). */
    public static final String PROPERTY_BACKEND = "backend";
    /** Event property: the card's ATR as upper-case hex (String); absent for reader events and removal. */
    public static final String PROPERTY_ATR = "atr";

    private SCardEvents() {
    }
}
