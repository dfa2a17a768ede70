package dev.scard.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard listener for reader and card events: register a service of this type and every backend
 * calls it when readers come and go and cards are inserted, removed or reset. Register with the
 * {@link SCardServiceProperties#BACKEND} property to hear one backend only.
 *
 * <p>Called on a backend's event thread, one event at a time in order; return quickly.
 */
@ConsumerType
public interface SCardEventListener {

    /** Receives one event. Exceptions thrown here are logged and otherwise ignored. */
    void cardEvent(SCardEvent event);
}
