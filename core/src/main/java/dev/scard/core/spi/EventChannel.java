package dev.scard.core.spi;

import dev.scard.api.SCardEvent;

/**
 * One backend's way out for its events ({@link EventChannels#open}). The backend that opened it owns it: it
 * publishes from any thread and closes it when it stops, after publishing its last events
 * ({@code READER_REMOVED} for its readers).
 */
@org.osgi.annotation.versioning.ProviderType
public interface EventChannel extends AutoCloseable {

    /**
     * Queues an event for delivery and returns at once, so a backend may publish while it holds its own locks.
     * After {@link #close()} the event is dropped.
     */
    void publish(SCardEvent event);

    /** Delivers what is queued (waiting at most a second), then stops; later events are dropped. Idempotent. */
    @Override
    void close();
}
