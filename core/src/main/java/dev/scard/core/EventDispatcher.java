package dev.scard.core;

import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
import dev.scard.core.log.Log;
import dev.scard.core.spi.EventChannel;

/**
 * Delivers a backend's card and reader events (docs/decisions.md, "Services and scopes") on one thread of its own, in the order they were
 * published: first to every {@link SCardEventListener} (in the order they were added), then to Event Admin when one
 * is set. A listener that throws is logged and skipped. {@link #publish} only queues, so callers may call it while
 * holding their locks. It is the {@link EventChannel} a backend opens ({@link BackendHost}): the host adds the
 * whiteboard listeners and the Event Admin, the backend publishes and closes it when it stops.
 */
public final class EventDispatcher implements EventChannel {

    private static final Log LOG = BackendHost.LOGS.logger(EventDispatcher.class);
    private static final long CLOSE_WAIT_MILLIS = 1000;

    private final String threadName;
    private final ExecutorService executor;
    private final List<SCardEventListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<EventAdmin> eventAdmin = new AtomicReference<>();

    /**
     * A dispatcher whose (daemon) delivery thread is called {@code threadName}, e.g. {@code scard-simulator-events}
     * or {@code scard-pcsc-events}. The thread starts with the first event.
     */
    public EventDispatcher(String threadName) {
        this.threadName = Objects.requireNonNull(threadName, "threadName");
        this.executor = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The name of the delivering thread. */
    public String threadName() {
        return threadName;
    }

    /** Queues an event for delivery; never blocks. After {@link #close()} it is dropped. */
    @Override
    public void publish(SCardEvent event) {
        Objects.requireNonNull(event, "event");
        try {
            executor.execute(() -> deliver(event));
        } catch (RejectedExecutionException stopped) {
            // Closed: the backend is going away and nobody is left to tell.
        }
    }

    /** Adds a whiteboard listener; it hears the events published from now on. */
    public void addListener(SCardEventListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener; events already being delivered may still reach it. */
    public void removeListener(SCardEventListener listener) {
        listeners.remove(listener);
    }

    /** Posts the events delivered from now on to {@code admin} as well (replacing any previous one). */
    public void setEventAdmin(EventAdmin admin) {
        eventAdmin.set(admin);
    }

    /** Forgets {@code admin} unless another Event Admin replaced it meanwhile (a greedy rebind). */
    public void unsetEventAdmin(EventAdmin admin) {
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

    /**
     * The Event Admin form of an event: its topic ({@link SCardEvents}), reader and backend, and the ATR (upper-case
     * hex) when there is one.
     */
    public static Event toEvent(SCardEvent event) {
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
