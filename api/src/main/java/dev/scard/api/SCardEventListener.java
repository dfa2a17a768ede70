package dev.scard.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard listener for reader and card events: register a service of this type and every backend
 * calls it when readers come and go and cards are inserted, removed or reset. Register with the
 * {@link SCardServiceProperties#BACKEND} property to hear one backend only.
 *
 * <p>A listener registered while a backend has readers first hears them as they are: {@code READER_ADDED} for each
 * reader, then {@code CARD_INSERTED} (with the ATR) for each one that holds a card; then the changes as they happen.
 * So it learns of every reader and card exactly once, whether the backend announced them before the listener was
 * registered or after (a backend may find its readers only when it is first used), and every backend behaves alike.
 *
 * <p>Called on a backend's event thread, one event at a time in order; return quickly.
 */
@ConsumerType
public interface SCardEventListener {

    /** Receives one event. Exceptions thrown here are logged and otherwise ignored. */
    void cardEvent(SCardEvent event);
}
