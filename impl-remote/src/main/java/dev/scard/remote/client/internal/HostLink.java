package dev.scard.remote.client.internal;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.scard.api.HResult;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.core.log.Log;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.RemoteEvent;
import dev.scard.remote.api.RemoteEvents;
import dev.scard.remote.api.RemoteReader;
import dev.scard.remote.api.RemoteReaders;

/**
 * One host the remote backend uses: a {@link RemoteCardHost} service under the name its readers carry after
 * {@value #SEPARATOR}, the secret sent to it, and its event thread ({@code scard-remote-events-<host>}).
 *
 * <p><b>Calls.</b> Every call goes through {@link RemoteCalls}, bounded by the backend's call timeout (plus the wait
 * asked for, for lock and event calls). Once the service is gone ({@link #stop()}), calls fail at once with
 * {@link HResult#SCARD_E_NO_SERVICE}.
 *
 * <p><b>Events.</b> The event thread lists the host's readers, then polls the host's events after the listing's
 * sequence number (waiting up to {@value #POLL_WAIT_MILLIS} ms on the host per poll) and publishes them under the
 * readers' local names: {@code READER_ADDED} (and {@code CARD_INSERTED} for a reader holding a card) for each reader
 * when the host comes, the host's card and reader events while it is there, {@code READER_REMOVED} for each reader
 * when it goes or cannot be reached (then it tries again every second and lists the readers once it answers). When
 * the host dropped events or restarted (a new incarnation), it lists the readers again and publishes the difference.
 * The thread alone touches what it knows of the readers.
 */
final class HostLink {

    /** What separates a host's reader name from the host's name in the local reader name. */
    static final String SEPARATOR = " @ ";
    /** How long one event poll waits on the host for an event. */
    static final long POLL_WAIT_MILLIS = 2_000L;
    /** How long the event thread waits before it tries a host that could not be reached again. */
    static final long RETRY_MILLIS = 1_000L;

    private static final Log LOG = RemoteBackendComponent.LOGS.logger(HostLink.class);

    private final long serviceId;
    private final String name;
    private final RemoteCardHost service;
    private final byte[] secret;
    private final RemoteCalls calls;
    private final long callTimeoutNanos;
    private final String backend;
    private final Consumer<SCardEvent> events;
    private volatile boolean gone;
    /**
     * Whether the host answered the event thread's last call (true until it failed once): set by the event thread
     * alone; a listing skips a host that is not reachable.
     */
    private volatile boolean reachable = true;
    /** Whether a listing that the host did not answer in time was logged (once, until it answers one again). */
    private final AtomicBoolean lateLogged = new AtomicBoolean();
    private Thread eventThread;
    /** The host's readers as last published, by host name, with the ATR of their card ("" for none); event thread only. */
    private final Map<String, String> published = new LinkedHashMap<>();

    /**
     * @param serviceId the host service's {@code service.id}
     * @param name the host's name in the local reader names
     * @param secret the secret sent to this host (not copied: the backend owns it)
     * @param events where the events of this host's readers go, under their local names
     */
    HostLink(long serviceId, String name, RemoteCardHost service, byte[] secret, RemoteCalls calls,
            long callTimeoutNanos, String backend, Consumer<SCardEvent> events) {
        this.serviceId = serviceId;
        this.name = name;
        this.service = service;
        this.secret = secret;
        this.calls = calls;
        this.callTimeoutNanos = callTimeoutNanos;
        this.backend = backend;
        this.events = events;
    }

    long serviceId() {
        return serviceId;
    }

    /** The host's name, as its readers carry it after {@value #SEPARATOR}. */
    String name() {
        return name;
    }

    /** Whether the host's service went away. */
    boolean gone() {
        return gone;
    }

    /** Whether the host answered the event thread's last call (see {@link RemoteBackend#listReaders()}). */
    boolean reachable() {
        return reachable;
    }

    /**
     * Notes that the host answered a listing in time (true) or not (false): the first listing it does not answer in
     * time is logged, once until it answers one again.
     */
    void listingAnswered(boolean inTime, long boundMillis) {
        if (inTime) {
            lateLogged.set(false);
        } else if (lateLogged.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "remote backend: host '" + name + "' did not answer a reader listing within "
                    + boundMillis + " ms; its readers are left out of listings it does not answer in time");
        }
    }

    /** The local name of one of this host's readers. */
    String localName(String hostReader) {
        return hostReader + SEPARATOR + name;
    }

    /** The host's reader name in a local reader name of this host, or null when the name is not of this host. */
    String hostReader(String localName) {
        String suffix = SEPARATOR + name;
        if (localName.endsWith(suffix) && localName.length() > suffix.length()) {
            return localName.substring(0, localName.length() - suffix.length());
        }
        return null;
    }

    /** The secret this host gets (the backend's array: never change it). */
    byte[] secret() {
        return secret;
    }

    /** Calls the host, bounded by the call timeout. */
    <T> T call(Function<RemoteCardHost, T> call) {
        return call(call, 0L, null);
    }

    /**
     * Calls the host, bounded by the call timeout plus {@code waitNanos}; {@code onAbandoned} gets the result of a
     * call the caller gave up on.
     *
     * @throws SCardException {@link HResult#SCARD_E_NO_SERVICE} at once when the host is gone
     */
    <T> T call(Function<RemoteCardHost, T> call, long waitNanos, Consumer<T> onAbandoned) {
        if (gone) {
            throw goneFailure();
        }
        long bound = callTimeoutNanos > Long.MAX_VALUE - waitNanos ? Long.MAX_VALUE : callTimeoutNanos + waitNanos;
        return calls.call(name, bound, () -> call.apply(service), onAbandoned);
    }

    /**
     * Starts a call to the host on a call thread without waiting for it ({@link RemoteCalls#await} gets its result).
     *
     * @throws SCardException {@link HResult#SCARD_E_NO_SERVICE} at once when the host is gone
     */
    <T> Future<T> start(Function<RemoteCardHost, T> call) {
        if (gone) {
            throw goneFailure();
        }
        return calls.start(() -> call.apply(service));
    }

    /** Calls the host, waiting at most {@code boundNanos} (and never longer than the call timeout). */
    <T> T callWithin(long boundNanos, Function<RemoteCardHost, T> call) {
        if (gone) {
            throw goneFailure();
        }
        return calls.call(name, Math.min(boundNanos, callTimeoutNanos), () -> call.apply(service));
    }

    /** The failure of a call to a host that is gone. */
    SCardException goneFailure() {
        return new SCardException(HResult.SCARD_E_NO_SERVICE, "host '" + name
                + "' is gone; its readers come back when it does");
    }

    /** Starts the event thread. */
    void start() {
        eventThread = new Thread(this::pollEvents, "scard-remote-events-" + name);
        eventThread.setDaemon(true);
        eventThread.start();
    }

    /**
     * Marks the host gone (its calls fail at once from now on) and stops the event thread, waiting for it at most
     * {@code boundMillis}: it publishes {@code READER_REMOVED} for the host's readers as it ends.
     */
    void stop(long boundMillis) {
        gone = true;
        Thread thread = eventThread;
        if (thread == null) {
            return;
        }
        thread.interrupt();
        if (thread != Thread.currentThread()) {
            try {
                thread.join(boundMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void pollEvents() {
        long incarnation = 0;
        long sequence = 0;
        boolean listed = false;
        HResult reported = null;
        try {
            while (!gone && !Thread.currentThread().isInterrupted()) {
                try {
                    if (!listed) {
                        RemoteReaders readers = call(host -> host.listReaders(secret));
                        publishDifference(readers.readers());
                        incarnation = readers.incarnation();
                        sequence = readers.eventSequence();
                        listed = true;
                        reachable = true;
                        if (reported != null) {
                            LOG.log(Level.INFO, "remote backend: host '" + name + "' answers again");
                            reported = null;
                        }
                        continue;
                    }
                    long after = sequence;
                    RemoteEvents batch = call(host -> host.events(secret, after, POLL_WAIT_MILLIS),
                            TimeUnit.MILLISECONDS.toNanos(POLL_WAIT_MILLIS), null);
                    if (batch.incarnation() != incarnation || !batch.complete()) {
                        listed = false;
                        continue;
                    }
                    batch.events().forEach(this::publish);
                    sequence = batch.lastSequence();
                    reachable = true;
                } catch (SCardException e) {
                    if (gone || Thread.currentThread().isInterrupted()) {
                        return;
                    }
                    reachable = false;
                    if (reported != e.code()) {
                        LOG.log(Level.WARNING, "remote backend: host '" + name + "': " + e.getMessage()
                                + "; its readers are not available until it answers");
                        reported = e.code();
                    }
                    publishDifference(List.of());
                    listed = false;
                    Thread.sleep(RETRY_MILLIS);
                }
            }
        } catch (InterruptedException e) {
            // stopped
        } finally {
            publishDifference(List.of());
        }
    }

    /** Publishes the events that take the published readers to {@code readers}. */
    private void publishDifference(List<RemoteReader> readers) {
        Map<String, String> now = new LinkedHashMap<>();
        readers.forEach(reader -> now.put(reader.name(), atrHex(reader)));
        for (String reader : new ArrayList<>(published.keySet())) {
            if (!now.containsKey(reader)) {
                emit(SCardEvent.Type.READER_REMOVED, reader, "");
            }
        }
        now.forEach((reader, atr) -> {
            String before = published.get(reader);
            if (before == null) {
                emit(SCardEvent.Type.READER_ADDED, reader, "");
                before = "";
            }
            if (!before.equals(atr)) {
                if (!before.isEmpty()) {
                    emit(SCardEvent.Type.CARD_REMOVED, reader, "");
                }
                if (!atr.isEmpty()) {
                    emit(SCardEvent.Type.CARD_INSERTED, reader, atr);
                }
            }
        });
        published.clear();
        published.putAll(now);
    }

    /**
     * Publishes one of the host's events and follows it in what is published. An event that the listing before it
     * shows already (a listing may include changes numbered after it) is not published again.
     */
    private void publish(RemoteEvent event) {
        String reader = event.readerName();
        String before = published.get(reader);
        boolean changes = switch (event.type()) {
            case READER_ADDED -> before == null;
            case READER_REMOVED -> before != null;
            case CARD_INSERTED -> !event.atrHex().equals(before);
            case CARD_REMOVED -> before == null || !before.isEmpty();
            case CARD_RESET -> true;
        };
        if (!changes) {
            return;
        }
        switch (event.type()) {
            case READER_REMOVED -> published.remove(reader);
            case CARD_REMOVED, READER_ADDED -> published.put(reader, "");
            case CARD_INSERTED, CARD_RESET -> published.put(reader, event.atrHex());
        }
        events.accept(event.toSCardEvent(localName(reader), backend));
    }

    private void emit(SCardEvent.Type type, String hostReader, String atrHex) {
        events.accept(new SCardEvent(type, localName(hostReader), backend, atrHex));
    }

    private static String atrHex(RemoteReader reader) {
        return java.util.HexFormat.of().withUpperCase().formatHex(reader.atr());
    }
}
