package dev.scard.core;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardEvents;
import dev.scard.core.log.Log;
import dev.scard.core.spi.EventChannel;

/**
 * Delivers a backend's card and reader events (docs/decisions.md, "Services and scopes") on one thread of its own, in
 * the order they were published: first to the core's card trace when the dispatcher has one (see
 * {@link #EventDispatcher(String, BiConsumer)}), then to every {@link SCardEventListener} (in the order they were
 * added), then to Event Admin when one is set. A listener that throws is logged and skipped. {@link #publish} only queues, so callers
 * may call it while holding their locks. It is the {@link EventChannel} a backend opens ({@link BackendHost}): the
 * host adds the whiteboard listeners and the Event Admin, the backend publishes and closes it when it stops.
 *
 * <p><b>A listener added later misses nothing.</b> The dispatcher keeps the state its events describe (the readers
 * that were added and not removed, in order, and the ATR of the card in each). A listener, when it is added, first
 * hears that state, on the delivery thread, in the order of the events: {@code READER_ADDED} for every reader, then
 * {@code CARD_INSERTED} with the ATR for each one that holds a card; then every event published after it. So it
 * learns of each reader and card exactly once, whether the backend announced them before the listener came (the
 * simulator at its start, PC/SC when it was first used) or after. Event Admin gets the events as they happen only.
 */
public final class EventDispatcher implements EventChannel {

    private static final Log LOG = BackendHost.LOGS.logger(EventDispatcher.class);
    private static final long CLOSE_WAIT_MILLIS = 1000;

    private final String threadName;
    private final ExecutorService executor;
    private final List<SCardEventListener> listeners = new CopyOnWriteArrayList<>();
    /**
     * Listeners added whose state is not delivered yet; they stay here while they are told it, then join
     * {@link #listeners} (under {@link #membership}), so a removal at any time finds them in one of the two.
     */
    private final Set<SCardEventListener> joining = ConcurrentHashMap.newKeySet();
    /** Guards a listener's move from {@link #joining} to {@link #listeners} against its removal. */
    private final Object membership = new Object();
    /** The readers the events delivered so far describe, in the order added, each with its card's ATR or null. */
    private final Map<String, String> state = new LinkedHashMap<>(); // the delivery thread's alone
    /** The backend the events delivered so far came from (they all name the same one). */
    private String backend; // the delivery thread's alone
    private final AtomicReference<EventAdmin> eventAdmin = new AtomicReference<>();
    /** Hears every event first, with the time it was published; or null. */
    private final BiConsumer<SCardEvent, Instant> trace;

    /**
     * A dispatcher whose (daemon) delivery thread is called {@code threadName}, e.g. {@code scard-simulator-events}
     * or {@code scard-pcsc-events}. The thread starts with the first event.
     */
    public EventDispatcher(String threadName) {
        this(threadName, null);
    }

    /**
     * A dispatcher that hands every event, with the time it was published, to {@code trace} on its delivery thread
     * before the listeners hear it: the core's card trace ({@link CardTap#cardEvent}), so that its listeners, which
     * may write files, are never called by {@link #publish} while the backend holds its locks.
     *
     * @param threadName the name of the (daemon) delivery thread
     * @param trace hears each event first, on the delivery thread; null for none
     */
    public EventDispatcher(String threadName, BiConsumer<SCardEvent, Instant> trace) {
        this.trace = trace;
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
        Instant published = trace == null ? null : TraceClock.now();
        try {
            executor.execute(() -> deliver(event, published));
        } catch (RejectedExecutionException stopped) {
            // Closed: the backend is going away and nobody is left to tell.
        }
    }

    /**
     * Adds a whiteboard listener: on the delivery thread, after the events queued now, it hears the readers and cards
     * that are there ({@code READER_ADDED}, {@code CARD_INSERTED}), then the events published from then on.
     */
    public void addListener(SCardEventListener listener) {
        Objects.requireNonNull(listener, "listener");
        joining.add(listener);
        try {
            executor.execute(() -> join(listener));
        } catch (RejectedExecutionException stopped) {
            joining.remove(listener); // closed: nothing more will be delivered
        }
    }

    /** Removes a listener; events already being delivered may still reach it. */
    public void removeListener(SCardEventListener listener) {
        synchronized (membership) {
            joining.remove(listener);
            listeners.remove(listener);
        }
    }

    /** The delivery thread's part of {@link #addListener}: the state, then the listener hears what comes. */
    private void join(SCardEventListener listener) {
        if (!joining.contains(listener)) {
            return; // removed meanwhile
        }
        for (Map.Entry<String, String> reader : state.entrySet()) {
            tell(listener, new SCardEvent(SCardEvent.Type.READER_ADDED, reader.getKey(), backend, ""));
            if (reader.getValue() != null) {
                tell(listener, new SCardEvent(SCardEvent.Type.CARD_INSERTED, reader.getKey(), backend,
                        reader.getValue()));
            }
        }
        synchronized (membership) {
            if (joining.remove(listener)) { // else removed while it was told the state
                listeners.add(listener);
            }
        }
    }

    /** Keeps the state the events describe (see the class description). */
    private void track(SCardEvent event) {
        backend = event.backend();
        switch (event.type()) {
            case READER_ADDED -> state.putIfAbsent(event.readerName(), null);
            case READER_REMOVED -> state.remove(event.readerName());
            case CARD_INSERTED, CARD_RESET -> state.put(event.readerName(), event.atrHex());
            case CARD_REMOVED -> state.replace(event.readerName(), null);
            default -> {
                // no other kinds
            }
        }
    }

    private void tell(SCardEventListener listener, SCardEvent event) {
        try {
            listener.cardEvent(event);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "SCardEventListener " + listener.getClass().getName() + " failed on " + event, e);
        }
    }

    /** Posts the events delivered from now on to {@code admin} as well (replacing any previous one). */
    public void setEventAdmin(EventAdmin admin) {
        eventAdmin.set(admin);
    }

    /** Forgets {@code admin} unless another Event Admin replaced it meanwhile (a greedy rebind). */
    public void unsetEventAdmin(EventAdmin admin) {
        eventAdmin.compareAndSet(admin, null);
    }

    private void deliver(SCardEvent event, Instant published) {
        track(event);
        if (trace != null) {
            try {
                trace.accept(event, published);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "the card trace failed on " + event, e);
            }
        }
        for (SCardEventListener listener : listeners) {
            tell(listener, event);
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
