package dev.scard.simulator.internal;

import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardEvents;

/**
 * Delivers the simulator's card events on one thread of its own, in the order they were published: first to every
 * {@link SCardEventListener} (in the order they were added), then to Event Admin when one is set. A listener that
 * throws is logged and skipped. {@link #publish} only queues, so readers may call it while holding their locks.
 */
final class EventDispatcher implements EventSink, AutoCloseable {

    /** Name of the delivering thread. */
    static final String THREAD_NAME = "scard-simulator-events";

    private static final System.Logger LOG = System.getLogger(EventDispatcher.class.getName());
    private static final long CLOSE_WAIT_MILLIS = 1000;

    private final ExecutorService executor = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, THREAD_NAME);
        thread.setDaemon(true);
        return thread;
    });
    private final List<SCardEventListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<EventAdmin> eventAdmin = new AtomicReference<>();

    /** Queues an event; after {@link #close()} it is dropped. */
    @Override
    public void publish(SCardEvent event) {
        try {
            executor.execute(() -> deliver(event));
        } catch (RejectedExecutionException stopped) {
            // Closed: the backend is going away and nobody is left to tell.
        }
    }

    void addListener(SCardEventListener listener) {
        listeners.add(listener);
    }

    void removeListener(SCardEventListener listener) {
        listeners.remove(listener);
    }

    void setEventAdmin(EventAdmin admin) {
        eventAdmin.set(admin);
    }

    /** Forgets {@code admin} unless another Event Admin replaced it meanwhile. */
    void unsetEventAdmin(EventAdmin admin) {
        eventAdmin.compareAndSet(admin, null);
    }

    private void deliver(SCardEvent event) {
        for (SCardEventListener listener : listeners) {
            try {
                listener.cardEvent(event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "SCardEventListener " + listener.getClass().getName() + " failed on " + event, e);
            }
        }
        EventAdmin admin = eventAdmin.get();
        if (admin != null) {
            try {
                admin.postEvent(toEvent(event));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Event Admin failed to post " + event, e);
            }
        }
    }

    /** The Event Admin form of an event: its topic, reader and backend, and the ATR when there is one. */
    static Event toEvent(SCardEvent event) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(SCardEvents.PROPERTY_READER, event.readerName());
        properties.put(SCardEvents.PROPERTY_BACKEND, event.backend());
        if (!event.atrHex().isEmpty()) {
            properties.put(SCardEvents.PROPERTY_ATR, event.atrHex());
        }
        return new Event(event.topic(), properties);
    }

    /** Delivers what is queued (waiting up to a second), then stops the thread; later events are dropped. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
