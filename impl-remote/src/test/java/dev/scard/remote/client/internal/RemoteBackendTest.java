package dev.scard.remote.client.internal;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.CardState;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.ShareMode;
import dev.scard.core.BackendResourceManager;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.host.internal.TestHosts;
import dev.scard.simulator.internal.SimulatorBackend;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Worker;

/**
 * The import side against the export side (both in this JVM, no Remote Services) over standalone simulated readers:
 * reader names, the contract through the core's manager, secrets, hosts that go, come back or do not answer, lease
 * renewal, a lock given back after its caller gave up, and forwarded events.
 */
class RemoteBackendTest {

    private static final String SIM_0 = "Sim Reader 0";
    private static final String SIM_1 = "Sim Reader 1";
    private static final String SECRET = "remote test secret";
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final byte[] SELECT_MF = HexFormat.of().parseHex("00A40000023F00");
    private static final long LEASE_MILLIS = 900L;

    private final AtomicLong hostClock = new AtomicLong(1_000_000_000L);
    private final BlockingQueue<SCardEvent> events = new LinkedBlockingQueue<>();
    private final List<RemoteBackend> backends = new ArrayList<>();
    private SimulatorBackend simulator;
    private TestHosts host;
    /** What the host proxy does before each call: nothing, throw (unreachable), or block. */
    private final AtomicReference<Runnable> beforeCall = new AtomicReference<>(() -> {
    });
    /** What the host proxy does before a call, given the method's name. */
    private final AtomicReference<java.util.function.Consumer<String>> beforeMethod = new AtomicReference<>(name -> {
    });
    private final AtomicInteger renewals = new AtomicInteger();
    private final AtomicInteger serviceIds = new AtomicInteger(100);

    @BeforeEach
    void setUp() {
        simulator = SimulatorBackend.standalone(List.of(SIM_0, SIM_1));
        simulator.insert(SIM_0);
        host = TestHosts.over(simulator, SECRET, LEASE_MILLIS, hostClock::get);
    }

    @AfterEach
    void tearDown() {
        backends.forEach(RemoteBackend::stop);
        host.stop();
        simulator.close();
    }

    /** The host service as a proxy that runs {@link #beforeCall} first (Remote Services' proxies are proxies too). */
    private RemoteCardHost proxy() {
        InvocationHandler handler = (proxy, method, args) -> {
            beforeCall.get().run();
            beforeMethod.get().accept(method.getName());
            if (method.getName().equals("renew")) {
                renewals.incrementAndGet();
            }
            try {
                return method.invoke(host.service(), args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (RemoteCardHost) Proxy.newProxyInstance(RemoteCardHost.class.getClassLoader(),
                new Class<?>[] {RemoteCardHost.class}, handler);
    }

    private RemoteBackend backend(String secret, Duration callTimeout) {
        return backend(secret, callTimeout, callTimeout);
    }

    private RemoteBackend backend(String secret, Duration callTimeout, Duration listTimeout) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        RemoteBackend backend = new RemoteBackend(callTimeout, listTimeout, name -> bytes, events::add);
        backends.add(backend);
        return backend;
    }

    private long addLab(RemoteBackend backend) {
        long id = serviceIds.incrementAndGet();
        backend.addHost(id, proxy(), Map.of(RemoteCardHost.HOST_NAME_PROPERTY, "lab", "service.id", id));
        return id;
    }

    private SCardEvent nextEvent() throws InterruptedException {
        SCardEvent event = events.poll(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(event).as("an event within %s", BOUND).isNotNull();
        return event;
    }

    private static void assertSuccess(byte[] answer) {
        assertThat(HexFormat.of().withUpperCase().formatHex(answer)).endsWith("9000");
    }

    @Test
    void readersAreNamedAfterTheirHostAndAnnouncedWhenItComes() throws Exception {
        RemoteBackend backend = backend(SECRET, BOUND);
        addLab(backend);
        List<ReaderInfo> readers = backend.listReaders();
        assertThat(readers).extracting(ReaderInfo::name).containsExactly(SIM_0 + " @ lab", SIM_1 + " @ lab");
        assertThat(readers).extracting(ReaderInfo::backend).containsOnly("remote");
        assertThat(readers.get(0).atr()).isEqualTo(simulator.readerInfo(SIM_0).atr());
        assertThat(readers.get(1).state()).isEqualTo(CardState.ABSENT);
        assertThat(backend.readerInfo(SIM_1 + " @ lab").cardPresent()).isFalse();
        failure(HResult.SCARD_E_UNKNOWN_READER, "@ <host>", () -> backend.readerInfo(SIM_0));
        failure(HResult.SCARD_E_UNKNOWN_READER, () -> backend.readerInfo(SIM_0 + " @ elsewhere"));

        assertThat(List.of(nextEvent(), nextEvent(), nextEvent()))
                .extracting(SCardEvent::type, SCardEvent::readerName, SCardEvent::backend)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(SCardEvent.Type.READER_ADDED, SIM_0 + " @ lab", "remote"),
                        org.assertj.core.groups.Tuple.tuple(SCardEvent.Type.CARD_INSERTED, SIM_0 + " @ lab", "remote"),
                        org.assertj.core.groups.Tuple.tuple(SCardEvent.Type.READER_ADDED, SIM_1 + " @ lab", "remote"));
    }

    @Test
    void hostNamesFollowTheRule() {
        RemoteBackend backend = backend(SECRET, BOUND);
        backend.addHost(1, proxy(), Map.of("service.id", 1L));
        backend.addHost(2, proxy(), Map.of("service.id", 2L, "service.imported", "true",
                "endpoint.id", "tcp://10.0.0.5:8201"));
        backend.addHost(3, proxy(), Map.of("service.id", 3L, "service.imported", "true",
                "endpoint.id", "tcp://10.0.0.5:8202"));
        backend.addHost(4, proxy(), Map.of("service.id", 4L));
        backend.addHost(5, proxy(), Map.of("service.id", 5L, RemoteCardHost.HOST_NAME_PROPERTY, " bench-2 ",
                "service.imported", "true", "endpoint.id", "tcp://10.0.0.6:8201"));
        assertThat(backend.hostNames()).containsExactly("10.0.0.5", "10.0.0.5:8202", "bench-2", "local", "local#4");
        assertThat(backend.listReaders()).extracting(ReaderInfo::name).contains(SIM_0 + " @ 10.0.0.5:8202",
                SIM_1 + " @ local#4");
    }

    @Test
    void theContractRunsThroughTheCoreOnARemoteReader() {
        RemoteBackend backend = backend(SECRET, BOUND);
        addLab(backend);
        ISCardManage manager = new CardManager(backend, new HandleTable());
        manager.attachByIfd(SIM_0 + " @ lab", ShareMode.SHARED);
        assertSuccess(manager.transmit(SELECT_MF));
        assertThat(manager.status().readerName()).isEqualTo(SIM_0 + " @ lab");
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        manager.lock(Duration.ZERO);
        ISCardManage other = new CardManager(backend, new HandleTable());
        other.attachByIfd(SIM_0 + " @ lab", ShareMode.SHARED);
        failure(HResult.E_FAIL, () -> other.lock(Duration.ZERO));
        manager.unlock(Disposition.RESET);
        failure(HResult.SCARD_W_RESET_CARD, () -> other.transmit(SELECT_MF));
        other.reconnect();
        assertSuccess(other.transmit(SELECT_MF));
        manager.detach();
        other.detach();
        assertThat(host.sessions()).isZero();

        ISCardManage empty = new CardManager(backend, new HandleTable());
        empty.attachByIfd(SIM_1 + " @ lab");
        assertThat(empty.status().state()).isEqualTo(CardState.ABSENT);
        empty.detach();
        failure(HResult.E_INVALIDARG, "No Such", () -> empty.attachByIfd("No Such @ lab"));
    }

    @Test
    void aClientWithoutTheSecretGetsNoReaderAndNoSession() {
        RemoteBackend backend = backend("not the secret", BOUND);
        addLab(backend);
        assertThat(backend.listReaders()).isEmpty();
        failure(HResult.E_ACCESSDENIED, "refused",
                () -> backend.connect(SIM_0 + " @ lab", ShareMode.SHARED, Protocol.T0_OR_T1));
        RemoteBackend none = backend("", BOUND);
        addLab(none);
        failure(HResult.E_ACCESSDENIED, "no secret",
                () -> none.connect(SIM_0 + " @ lab", ShareMode.SHARED, Protocol.T0_OR_T1));
        assertThat(host.sessions()).isZero();
    }

    @Test
    void aHostThatGoesFailsAtOnceAndItsReadersWorkAgainWhenItIsBack() throws Exception {
        RemoteBackend backend = backend(SECRET, BOUND);
        long id = addLab(backend);
        ReaderConnection connection = backend.connect(SIM_0 + " @ lab", ShareMode.SHARED, Protocol.T0_OR_T1);
        assertSuccess(connection.transmit(SELECT_MF));
        nextEvent();
        nextEvent();
        nextEvent();

        backend.removeHost(id);
        failure(HResult.SCARD_E_NO_SERVICE, "gone", () -> connection.transmit(SELECT_MF));
        failure(HResult.SCARD_E_NO_SERVICE, () -> connection.beginTransaction(0));
        failure(HResult.SCARD_E_NO_SERVICE, () -> connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1,
                Disposition.LEAVE));
        assertThat(backend.listReaders()).isEmpty();
        assertThat(List.of(nextEvent(), nextEvent())).extracting(SCardEvent::type, SCardEvent::readerName)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(SCardEvent.Type.READER_REMOVED, SIM_0 + " @ lab"),
                        org.assertj.core.groups.Tuple.tuple(SCardEvent.Type.READER_REMOVED, SIM_1 + " @ lab"));

        addLab(backend);
        assertThat(backend.listReaders()).hasSize(2);
        failure(HResult.SCARD_W_RESET_CARD, "reconnect", () -> connection.transmit(SELECT_MF));
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertSuccess(connection.transmit(SELECT_MF));
        assertThat(host.sessions()).as("the old session was closed when the new one opened").isEqualTo(1);
        connection.disconnect(Disposition.LEAVE);
        assertThat(host.sessions()).isZero();
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> connection.transmit(SELECT_MF));
    }

    @Test
    void aHostThatCannotBeReachedIsNoServiceUntilItAnswersAgain() throws Exception {
        RemoteBackend backend = backend(SECRET, BOUND);
        addLab(backend);
        ReaderConnection connection = backend.connect(SIM_0 + " @ lab", ShareMode.SHARED, Protocol.T0_OR_T1);
        beforeCall.set(() -> {
            throw new IllegalStateException("connection refused");
        });
        failure(HResult.SCARD_E_NO_SERVICE, "IllegalStateException", () -> connection.transmit(SELECT_MF));
        failure(HResult.SCARD_E_NO_SERVICE, connection::status);
        assertThat(backend.listReaders()).isEmpty();
        Await.until("the event thread found the host out of reach", BOUND, () -> !backend.link("lab").reachable());
        failure(HResult.SCARD_E_NO_SERVICE, "cannot be reached now", () -> backend.readerInfo(SIM_0 + " @ lab"));
        beforeCall.set(() -> {
        });
        assertSuccess(connection.transmit(SELECT_MF));
        Await.until("the host's readers are listed again once its event thread reached it", BOUND,
                () -> backend.listReaders().size() == 2);
    }

    @Test
    void hostsThatDoNotAnswerAreLeftOutOfAListingWithinTheListTimeout() throws Exception {
        // A call timeout far beyond the test's bound: a listing that waited for the silent hosts one after another
        // (or for the call timeout) would not end within BOUND.
        RemoteBackend backend = backend(SECRET, Duration.ofMinutes(10), Duration.ofMillis(300));
        addLab(backend);
        CountDownLatch release = new CountDownLatch(1);
        InvocationHandler silent = (proxy, method, args) -> {
            release.await();
            throw new IllegalStateException("released at the end of the test");
        };
        try {
            for (String name : List.of("silent-1", "silent-2")) {
                long id = serviceIds.incrementAndGet();
                backend.addHost(id, (RemoteCardHost) Proxy.newProxyInstance(RemoteCardHost.class.getClassLoader(),
                        new Class<?>[] {RemoteCardHost.class}, silent),
                        Map.of(RemoteCardHost.HOST_NAME_PROPERTY, name, "service.id", id));
            }
            assertThat(backend.hostNames()).containsExactly("lab", "silent-1", "silent-2");
            Worker<List<ReaderInfo>> listing = Worker.start("listing", backend::listReaders);
            assertThat(listing.get(BOUND)).extracting(ReaderInfo::name)
                    .containsExactly(SIM_0 + " @ lab", SIM_1 + " @ lab");
            failure(HResult.SCARD_E_TIMEOUT, "did not answer", () -> backend.readerInfo("Any @ silent-1"));
        } finally {
            release.countDown();
        }
    }

    @Test
    void aHostThatDoesNotAnswerTimesOutAndALockItGrantsLaterIsGivenBack() throws Exception {
        RemoteBackend backend = backend(SECRET, Duration.ofMillis(200));
        addLab(backend);
        ReaderConnection connection = backend.connect(SIM_0 + " @ lab", ShareMode.SHARED, Protocol.T0_OR_T1);
        CountDownLatch answer = new CountDownLatch(1);
        beforeCall.set(() -> {
            try {
                answer.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                // the caller gave up; answer all the same, as a remote host would
            }
        });
        failure(HResult.SCARD_E_TIMEOUT, "did not answer", () -> connection.transmit(SELECT_MF));
        failure(HResult.SCARD_E_TIMEOUT, () -> connection.beginTransaction(0));
        beforeCall.set(() -> {
        });
        answer.countDown();

        ISCardManage local = new CardManager(simulator, new HandleTable());
        local.attachByIfd(SIM_0, ShareMode.SHARED);
        Await.until("the lock granted after its caller gave up is given back", BOUND, () -> {
            try {
                local.lock(Duration.ZERO);
                return true;
            } catch (dev.scard.api.SCardException e) {
                return false;
            }
        });
        local.detach();
        assertSuccess(connection.transmit(SELECT_MF));
    }

    @Test
    void aResetDisconnectTheHostDoesNotConfirmInTimeFailsAndTheHandleIsClosedAllTheSame() throws Exception {
        RemoteBackend backend = backend(SECRET, Duration.ofMillis(300));
        addLab(backend);
        SCardResourceManager resources = new BackendResourceManager(backend, new HandleTable());
        long handle = resources.connect(SIM_0 + " @ lab").value();
        long leaving = resources.connect(SIM_0 + " @ lab").value();
        CountDownLatch answer = new CountDownLatch(1);
        beforeMethod.set(name -> {
            if (name.equals("close")) {
                try {
                    answer.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    // the caller gave up; answer all the same, as a remote host would
                }
            }
        });
        SCardException unconfirmed = failure(HResult.SCARD_E_TIMEOUT, "did not confirm closing it with RESET",
                () -> resources.disconnect(handle, Disposition.RESET));
        assertThat(unconfirmed.getMessage()).contains("'" + SIM_0 + " @ lab' is closed", "within 300 ms");
        failure(HResult.E_INVALIDARG, "not an open handle", () -> resources.disconnect(handle, Disposition.LEAVE));
        // LEAVE needs no confirmation: the host's lease ends a session it does not hear about, leaving the card.
        resources.disconnect(leaving, Disposition.LEAVE);
        answer.countDown();
        beforeMethod.set(name -> {
        });
        Await.until("the host closed both sessions", BOUND, () -> host.sessions() == 0);

        long gone = resources.connect(SIM_0 + " @ lab").value();
        beforeCall.set(() -> {
            throw new IllegalStateException("unreachable");
        });
        failure(HResult.SCARD_E_NO_SERVICE, "cannot be reached", () -> resources.disconnect(gone, Disposition.UNPOWER));
        beforeCall.set(() -> {
        });
    }

    @Test
    void openConnectionsAreRenewedWithinTheirLease() throws Exception {
        RemoteBackend backend = backend(SECRET, BOUND);
        addLab(backend);
        ReaderConnection connection = backend.connect(SIM_0 + " @ lab", ShareMode.EXCLUSIVE, Protocol.T0_OR_T1);
        for (int round = 0; round < 3; round++) {
            int before = renewals.get();
            hostClock.addAndGet(TimeUnit.MILLISECONDS.toNanos(LEASE_MILLIS - 100));
            Await.until("a renewal", BOUND, () -> renewals.get() > before);
            assertThat(host.closeExpired()).isZero();
        }
        assertSuccess(connection.transmit(SELECT_MF));

        connection.disconnect(Disposition.LEAVE);
        int after = renewals.get();
        hostClock.addAndGet(TimeUnit.MILLISECONDS.toNanos(10 * LEASE_MILLIS));
        assertThat(host.sessions()).isZero();
        assertThat(renewals.get()).as("a closed connection is not renewed").isEqualTo(after);
    }

    @Test
    void aSessionTheHostExpiredIsReportedAsAResetUntilReconnect() {
        RemoteBackend backend = backend(SECRET, BOUND);
        addLab(backend);
        ReaderConnection connection = backend.connect(SIM_0 + " @ lab", ShareMode.SHARED, Protocol.T0_OR_T1);
        hostClock.addAndGet(TimeUnit.MILLISECONDS.toNanos(LEASE_MILLIS + 1));
        assertThat(host.closeExpired()).isEqualTo(1);
        failure(HResult.SCARD_W_RESET_CARD, "session", () -> connection.transmit(SELECT_MF));
        assertThat(connection.status().state()).as("status never fails for it").isEqualTo(CardState.PRESENT);
        assertThat(connection.status().protocol()).isEqualTo(Protocol.UNDEFINED);
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertSuccess(connection.transmit(SELECT_MF));
        failure(HResult.E_INVALIDARG, "keeps its share mode",
                () -> connection.reconnect(ShareMode.EXCLUSIVE, Protocol.T0_OR_T1, Disposition.LEAVE));
    }

    @Test
    void theHostsCardEventsArriveUnderTheLocalNames() throws Exception {
        RemoteBackend backend = backend(SECRET, BOUND);
        addLab(backend);
        nextEvent();
        nextEvent();
        nextEvent();
        host.event(new SCardEvent(SCardEvent.Type.CARD_REMOVED, SIM_0, "simulator", null));
        host.event(new SCardEvent(SCardEvent.Type.CARD_INSERTED, SIM_1, "simulator", "3B00"));
        host.event(new SCardEvent(SCardEvent.Type.CARD_RESET, SIM_1, "simulator", "3B00"));
        assertThat(List.of(nextEvent(), nextEvent(), nextEvent()))
                .extracting(SCardEvent::type, SCardEvent::readerName, SCardEvent::atrHex)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(SCardEvent.Type.CARD_REMOVED, SIM_0 + " @ lab", ""),
                        org.assertj.core.groups.Tuple.tuple(SCardEvent.Type.CARD_INSERTED, SIM_1 + " @ lab", "3B00"),
                        org.assertj.core.groups.Tuple.tuple(SCardEvent.Type.CARD_RESET, SIM_1 + " @ lab", "3B00"));
    }

    @Test
    void concurrentReconnectsOfAnEndedSessionLeaveOneSessionOnTheHost() throws Exception {
        RemoteBackend backend = backend(SECRET, BOUND);
        addLab(backend);
        ReaderConnection connection = backend.connect(SIM_0 + " @ lab", ShareMode.SHARED, Protocol.T0_OR_T1);
        hostClock.addAndGet(TimeUnit.MILLISECONDS.toNanos(LEASE_MILLIS + 1));
        assertThat(host.closeExpired()).isEqualTo(1);
        failure(HResult.SCARD_W_RESET_CARD, "session", () -> connection.transmit(SELECT_MF));

        // Both reconnects are in their open call on the host at once before either goes on.
        CountDownLatch bothOpening = new CountDownLatch(2);
        beforeMethod.set(name -> {
            if (name.equals("open")) {
                bothOpening.countDown();
                try {
                    bothOpening.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Worker<Void> first = Worker.start("reconnect-1", () -> {
            connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            return null;
        });
        Worker<Void> second = Worker.start("reconnect-2", () -> {
            connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            return null;
        });
        first.get(BOUND);
        second.get(BOUND);
        assertThat(bothOpening.getCount()).as("both reconnects opened a session").isZero();

        assertThat(host.sessions()).as("the losing reconnect closed its own session").isEqualTo(1);
        assertSuccess(connection.transmit(SELECT_MF));
        connection.disconnect(Disposition.LEAVE);
        assertThat(host.sessions()).isZero();
    }
}
