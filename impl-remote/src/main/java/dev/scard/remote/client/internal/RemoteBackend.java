package dev.scard.remote.client.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.spi.Arguments;
import dev.scard.core.spi.Backend;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.RemoteReader;
import dev.scard.remote.api.RemoteReaders;
import dev.scard.remote.api.RemoteSession;

/**
 * The remote backend's readers: those of every host it was given ({@link #addHost}), each named
 * {@code <reader on the host> @ <host name>} ({@link HostLink}). A call on a reader is a call to its host, bounded by
 * the call timeout; a connection is a session on the host ({@link RemoteConnection}).
 *
 * <p><b>Host names.</b> A host is named by its service's {@value RemoteCardHost#HOST_NAME_PROPERTY} property when it
 * has one; otherwise, for a service imported through Remote Services, by the host of its endpoint
 * ({@code endpoint.id}, e.g. {@code tcp://127.0.0.1:8201} gives {@code 127.0.0.1}); otherwise (a host service in this
 * framework) {@value #LOCAL_HOST}. When another host has that name already, the endpoint's port is added
 * ({@code 127.0.0.1:8202}), and failing that the service's id ({@code local#42}).
 *
 * <p><b>Hosts that come and go.</b> A host that goes ({@link #removeHost}) takes its readers with it
 * ({@code READER_REMOVED}); its connections fail at once with {@link HResult#SCARD_E_NO_SERVICE}. When a host of the
 * same name comes back, its readers are there again and a reconnect of an old connection opens a new session.
 * {@link #listReaders()} lists the readers of the hosts that answer within the list timeout (all asked at once); a host
 * that cannot be reached, or does not answer in time, is left out.
 *
 * <p><b>Leases.</b> A thread of its own ({@code scard-remote-leases}) renews, every third of the shortest lease, the
 * sessions not used within the last third of their lease, so that an open connection stays open on its host while
 * this side runs, and ends within the lease when it does not.
 *
 * <p>Thread-safe: the hosts are an immutable list replaced under this object's monitor; the connections a concurrent
 * set. No monitor is held during a remote call.
 *
 * <p>The class is public for {@link #standalone} alone (the benchmarks): its package stays private to the bundle.
 */
public final class RemoteBackend implements Backend {

    /** The name of a host service in this framework that has no {@value RemoteCardHost#HOST_NAME_PROPERTY}. */
    static final String LOCAL_HOST = "local";
    /** How long stopping waits for a host's event thread. */
    private static final long STOP_WAIT_MILLIS = 2_000L;
    private static final long MIN_RENEW_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Duration callTimeout;
    /** How long a listing waits for the hosts, all together: at most the call timeout. */
    private final long listTimeoutNanos;
    private final Function<String, byte[]> secrets;
    private final Consumer<SCardEvent> events;
    private final RemoteCalls calls = new RemoteCalls();
    private final Set<RemoteConnection> connections = ConcurrentHashMap.newKeySet();
    private volatile List<HostLink> links = List.of();
    private final Thread renewer;
    private volatile boolean stopped;

    /**
     * @param callTimeout the longest any call waits for a host (plus the wait asked for, for locks)
     * @param listTimeout the longest a reader listing waits for the hosts, all asked at once (the call timeout when
     *        it is longer)
     * @param secrets the secret to send to the host of a name (never null; an empty array when none is configured)
     * @param events where the readers' events go
     */
    RemoteBackend(Duration callTimeout, Duration listTimeout, Function<String, byte[]> secrets,
            Consumer<SCardEvent> events) {
        this.callTimeout = callTimeout;
        this.listTimeoutNanos = Math.min(callTimeout.toNanos(), listTimeout.toNanos());
        this.secrets = secrets;
        this.events = events;
        renewer = new Thread(this::renewLeases, "scard-remote-leases");
        renewer.setDaemon(true);
        renewer.start();
    }

    /**
     * A remote backend outside OSGi (the benchmarks) over one host service, as the component would use it: the host is
     * named as the class comment says (its {@code properties}: {@code service.imported} and {@code endpoint.id} for an
     * imported one), every call is bounded by {@code callTimeout} (listings too), its events go nowhere. {@link #stop()}
     * ends it.
     *
     * @param callTimeout the longest any call waits for the host
     * @param secret the secret sent to the host (copied)
     * @param host the host service (a Remote Services proxy, or the host itself)
     * @param serviceId the service id the host is known by
     * @param properties the host service's properties
     * @return the backend, following the host's readers
     */
    public static RemoteBackend standalone(Duration callTimeout, byte[] secret, RemoteCardHost host, long serviceId,
            Map<String, ?> properties) {
        byte[] copy = secret.clone();
        RemoteBackend backend = new RemoteBackend(callTimeout, callTimeout, name -> copy, event -> {
        });
        backend.addHost(serviceId, host, properties);
        return backend;
    }

    @Override
    public String name() {
        return RemoteCardHost.BACKEND;
    }

    @Override
    public Duration callTimeout() {
        return callTimeout;
    }

    RemoteCalls calls() {
        return calls;
    }

    /**
     * Uses a host service: names it (see the class comment) and starts following its readers and events.
     *
     * @param serviceId the service's {@code service.id}
     * @param properties the service's properties
     */
    synchronized void addHost(long serviceId, RemoteCardHost service, Map<String, ?> properties) {
        if (stopped || links.stream().anyMatch(link -> link.serviceId() == serviceId)) {
            return;
        }
        String name = hostName(serviceId, properties);
        HostLink link = new HostLink(serviceId, name, service, secrets.apply(name), calls,
                callTimeout.toNanos(), RemoteCardHost.BACKEND, events);
        List<HostLink> updated = new ArrayList<>(links);
        updated.add(link);
        updated.sort(Comparator.comparing(HostLink::name));
        links = List.copyOf(updated);
        link.start();
    }

    /** Stops using a host service: its readers go, its connections fail with {@code SCARD_E_NO_SERVICE}. */
    void removeHost(long serviceId) {
        HostLink removed = null;
        synchronized (this) {
            List<HostLink> updated = new ArrayList<>();
            for (HostLink link : links) {
                if (link.serviceId() == serviceId) {
                    removed = link;
                } else {
                    updated.add(link);
                }
            }
            links = List.copyOf(updated);
        }
        if (removed != null) {
            removed.stop(STOP_WAIT_MILLIS);
        }
    }

    /**
     * Closes every connection (its session on the host too, all at once, waiting at most a few seconds for the
     * hosts), stops following the hosts and the threads.
     */
    public void stop() {
        List<HostLink> stopping;
        synchronized (this) {
            stopped = true;
            stopping = links;
        }
        List<RemoteConnection> open = new ArrayList<>(connections);
        CountDownLatch closed = new CountDownLatch(open.size());
        for (RemoteConnection connection : open) {
            Runnable close = () -> {
                try {
                    connection.disconnect(Disposition.LEAVE);
                } finally {
                    closed.countDown();
                }
            };
            if (!calls.submit(close)) {
                close.run();
            }
        }
        try {
            closed.await(RemoteConnection.CLOSE_WAIT_MILLIS + 1_000L, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        renewer.interrupt();
        stopping.forEach(link -> removeHost(link.serviceId()));
        calls.close();
    }

    /** The host of that name now, or null. */
    HostLink link(String hostName) {
        for (HostLink link : links) {
            if (link.name().equals(hostName)) {
                return link;
            }
        }
        return null;
    }

    /** The names of the hosts used now, in order. */
    List<String> hostNames() {
        return links.stream().map(HostLink::name).toList();
    }

    /**
     * The readers of the hosts that answer: the hosts the event thread last reached are asked at once, in parallel,
     * all within one deadline (the list timeout); a host that the event thread could not reach is not asked. A host
     * that does not answer by the deadline has its readers left out of this listing (logged once, until it answers a
     * listing again); so does one that refuses or fails (its event thread says why).
     */
    @Override
    public List<ReaderInfo> listReaders() {
        long deadline = System.nanoTime() + listTimeoutNanos;
        List<HostLink> asked = new ArrayList<>();
        List<Future<RemoteReaders>> answers = new ArrayList<>();
        for (HostLink link : links) {
            if (link.reachable()) {
                try {
                    answers.add(link.start(host -> host.listReaders(link.secret())));
                    asked.add(link);
                } catch (SCardException e) {
                    // Gone, or every call thread busy: no readers of it in this listing.
                }
            }
        }
        List<ReaderInfo> readers = new ArrayList<>();
        for (int i = 0; i < asked.size(); i++) {
            HostLink link = asked.get(i);
            try {
                RemoteReaders answer = calls.await(link.name(), answers.get(i), deadline, listBound(), null);
                link.listingAnswered(true, listTimeoutMillis());
                for (RemoteReader reader : answer.readers()) {
                    readers.add(reader.toReaderInfo(link.localName(reader.name()), name()));
                }
            } catch (SCardException e) {
                if (e.code() == HResult.SCARD_E_TIMEOUT) {
                    link.listingAnswered(false, listTimeoutMillis());
                }
                // A host that does not answer (or refuses) has no readers here; its event thread says why.
            }
        }
        return readers;
    }

    /**
     * One reader, from its host's listing, waiting for the host at most the list timeout.
     *
     * @throws SCardException {@link HResult#SCARD_E_NO_SERVICE} when the reader's host is not reachable now,
     *         {@link HResult#SCARD_E_TIMEOUT} when it does not answer in time
     */
    @Override
    public ReaderInfo readerInfo(String readerName) {
        Arguments.requireReaderName(readerName);
        for (HostLink link : links) {
            String hostReader = link.hostReader(readerName);
            if (hostReader != null) {
                if (!link.reachable()) {
                    throw new SCardException(HResult.SCARD_E_NO_SERVICE, "host '" + link.name()
                            + "' cannot be reached now; its readers come back when it answers");
                }
                for (RemoteReader reader : link.callWithin(listTimeoutNanos,
                        host -> host.listReaders(link.secret())).readers()) {
                    if (reader.name().equals(hostReader)) {
                        return reader.toReaderInfo(readerName, name());
                    }
                }
            }
        }
        throw unknownReader(readerName);
    }

    private long listTimeoutMillis() {
        return TimeUnit.NANOSECONDS.toMillis(listTimeoutNanos);
    }

    private String listBound() {
        return listTimeoutMillis() + " ms (the remote backend's list timeout)";
    }

    @Override
    public ReaderConnection connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
        Arguments.requireReaderName(readerName);
        Arguments.require(shareMode, "share mode");
        Set<Protocol> protocols = Arguments.requireProtocols(preferredProtocols);
        for (HostLink link : links) {
            String hostReader = link.hostReader(readerName);
            if (hostReader != null) {
                RemoteSession opened;
                try {
                    opened = RemoteConnection.open(link, hostReader, shareMode, protocols);
                } catch (SCardException e) {
                    if (e.code() == HResult.SCARD_E_UNKNOWN_READER) {
                        throw unknownReader(readerName);
                    }
                    throw e;
                }
                RemoteConnection connection = new RemoteConnection(this, link, hostReader, shareMode, protocols,
                        opened);
                connections.add(connection);
                if (stopped) {
                    connection.disconnect(Disposition.LEAVE);
                    throw new SCardException(HResult.SCARD_E_SERVICE_STOPPED, "the remote backend stopped");
                }
                return connection;
            }
        }
        throw unknownReader(readerName);
    }

    /** Forgets a connection that was closed. */
    void forget(RemoteConnection connection) {
        connections.remove(connection);
    }

    private SCardException unknownReader(String readerName) {
        return new SCardException(HResult.SCARD_E_UNKNOWN_READER, "no remote reader '" + readerName
                + "' (remote readers are named '<reader> @ <host>'; hosts now: " + hostNames() + ")");
    }

    /** Names a host service (see the class comment); called under the monitor. */
    private String hostName(long serviceId, Map<String, ?> properties) {
        Object configured = properties.get(RemoteCardHost.HOST_NAME_PROPERTY);
        URI endpoint = endpoint(properties);
        String base;
        if (configured instanceof String text && !text.isBlank()) {
            base = text.trim();
        } else if (endpoint != null && endpoint.getHost() != null) {
            base = endpoint.getHost();
        } else {
            base = LOCAL_HOST;
        }
        if (link(base) == null) {
            return base;
        }
        if (endpoint != null && endpoint.getPort() >= 0 && link(base + ":" + endpoint.getPort()) == null) {
            return base + ":" + endpoint.getPort();
        }
        return base + "#" + serviceId;
    }

    /** The endpoint of an imported service ({@code endpoint.id} when {@code service.imported} is set), or null. */
    private static URI endpoint(Map<String, ?> properties) {
        Object id = properties.get("endpoint.id");
        if (properties.get("service.imported") == null || !(id instanceof String text)) {
            return null;
        }
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private void renewLeases() {
        while (!stopped) {
            long period = TimeUnit.MILLISECONDS.toNanos(RemoteCardHost.DEFAULT_LEASE_MILLIS) / 3;
            for (RemoteConnection connection : connections) {
                period = Math.min(period, connection.leaseNanos() / 3);
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.max(MIN_RENEW_PERIOD_NANOS, period));
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (RemoteConnection connection : connections) {
                connection.renewIfDue(now);
            }
        }
    }
}
