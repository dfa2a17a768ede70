package dev.scard.remote.host.internal;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.CardState;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.RemoteReader;
import dev.scard.remote.api.RemoteSession;
import dev.scard.remote.api.SessionToken;
import dev.scard.simulator.internal.SimulatorBackend;
import dev.scard.testsupport.Worker;

/**
 * The host over real managers (the core's {@link CardManager}) and standalone simulated readers, with a clock the
 * test moves: secrets, tokens, leases (expiry releases the lock and the connection, renewal and calls keep a
 * session), the session calls, and a close with a disposition that comes too late for a newer session.
 */
class CardHostTest {

    private static final String READER = "Host Reader 0";
    private static final String EMPTY = "Host Reader 1";
    private static final String SECRET_TEXT = "correct horse battery";
    private static final byte[] SECRET = SECRET_TEXT.getBytes(StandardCharsets.UTF_8);
    private static final byte[] SELECT_MF = HexFormat.of().parseHex("00A40000023F00");
    private static final Protocol[] T0_OR_T1 = {Protocol.T0, Protocol.T1};
    private static final long LEASE_MILLIS = 1_000L;
    private static final Duration BOUND = Duration.ofSeconds(20);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger released = new AtomicInteger();
    private SimulatorBackend backend;
    private HandleTable handles;
    private SessionTable sessions;
    private CardHost host;
    /** Hosts a test made besides {@link #host}, closed after it. */
    private final List<CardHost> hosts = new ArrayList<>();
    /** A local manager standing for the host machine's other users of the card. */
    private ISCardManage local;

    @BeforeEach
    void setUp() {
        backend = SimulatorBackend.standalone(List.of(READER, EMPTY));
        backend.insert(READER);
        handles = new HandleTable();
        LocalCards cards = TestHosts.cards(backend, handles, released::incrementAndGet);
        sessions = new SessionTable(LEASE_MILLIS, 3, now::get);
        host = new CardHost(HostSecret.of(SECRET_TEXT), cards, sessions, new EventLog(16), 1_000L);
        local = new CardManager(backend, handles);
    }

    @AfterEach
    void tearDown() {
        local.detach();
        hosts.forEach(CardHost::closeAll);
        host.closeAll();
        backend.close();
    }

    private void advance(long millis) {
        now.addAndGet(Duration.ofMillis(millis).toNanos());
    }

    private SessionToken open(ShareMode shareMode) {
        RemoteSession session = host.open(SECRET, READER, shareMode, T0_OR_T1);
        assertThat(session.leaseMillis()).isEqualTo(LEASE_MILLIS);
        return session.token();
    }

    @Test
    void listsTheReadersWithTheRightSecretOnly() {
        List<RemoteReader> readers = host.listReaders(SECRET.clone()).readers();
        assertThat(readers).extracting(RemoteReader::name).containsExactly(READER, EMPTY);
        assertThat(readers.get(0).state()).isNotEqualTo(CardState.ABSENT);
        assertThat(readers.get(0).atr()).isEqualTo(backend.readerInfo(READER).atr()).isNotEmpty();
        assertThat(readers.get(1).state()).isEqualTo(CardState.ABSENT);
        byte[] wrong = "correct horse battery!".getBytes(StandardCharsets.UTF_8);
        SCardException refused = failure(RemoteCardHost.ACCESS_DENIED, "refused", () -> host.listReaders(wrong));
        assertThat(refused.getMessage()).doesNotContain(SECRET_TEXT).doesNotContain("correct");
        failure(HResult.E_ACCESSDENIED, "no secret", () -> host.listReaders(null));
        failure(HResult.E_ACCESSDENIED, "no secret", () -> host.listReaders(new byte[0]));
        failure(HResult.E_ACCESSDENIED, () -> host.events(wrong, 0, 0));
    }

    @Test
    void opensNoSessionWithoutTheSecret() {
        byte[] wrong = "not the secret".getBytes(StandardCharsets.UTF_8);
        failure(HResult.E_ACCESSDENIED, () -> host.open(wrong, READER, ShareMode.SHARED, T0_OR_T1));
        failure(HResult.E_ACCESSDENIED, () -> host.open(null, READER, ShareMode.SHARED, T0_OR_T1));
        assertThat(sessions.size()).isZero();
        assertThat(released).hasValue(0);
    }

    @Test
    void refusesASecretThatIsMissingOrShortWithoutShowingIt() {
        assertThatThrownBy(() -> HostSecret.of("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no secret");
        assertThatThrownBy(() -> HostSecret.of("abc1234")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shorter than 8").hasMessageNotContaining("abc1234");
    }

    @Test
    void aSessionTransmitsReportsStatusAndCloses() {
        SessionToken token = open(ShareMode.SHARED);
        byte[] answer = host.transmit(token, SELECT_MF);
        assertThat(HexFormat.of().withUpperCase().formatHex(answer)).endsWith("9000");
        assertThat(host.status(token).state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(host.status(token).atr()).isEqualTo(backend.readerInfo(READER).atr());

        assertThat(host.close(token, Disposition.LEAVE)).isTrue();
        assertThat(released).hasValue(1);
        assertThat(host.close(token, Disposition.LEAVE)).isFalse();
        failure(RemoteCardHost.UNKNOWN_SESSION, "no session", () -> host.transmit(token, SELECT_MF));
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> host.renew(token));
    }

    @Test
    void aTokenWithAnotherNonceIsUnknownAndLeavesTheSessionAlone() {
        SessionToken token = open(ShareMode.SHARED);
        byte[] nonce = token.nonce();
        nonce[0] ^= 1;
        SessionToken forged = new SessionToken(token.id(), nonce);
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> host.transmit(forged, SELECT_MF));
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> host.lock(forged, 0));
        assertThat(host.close(forged, Disposition.RESET)).isFalse();
        SessionToken unknown = new SessionToken(token.id() + 1000, token.nonce());
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> host.status(unknown));

        assertThat(sessions.size()).isEqualTo(1);
        assertThat(host.transmit(token, SELECT_MF)).endsWith((byte) 0x90, (byte) 0x00);
    }

    @Test
    void anExpiredLeaseReleasesTheLockAndTheConnection() {
        SessionToken token = open(ShareMode.EXCLUSIVE);
        assertThat(host.lock(token, 0)).isTrue();
        failure(HResult.SCARD_E_SHARING_VIOLATION, () -> local.attachByIfd(READER, ShareMode.SHARED));

        advance(LEASE_MILLIS);
        assertThat(host.closeExpired()).as("not expired at exactly one lease").isZero();
        advance(1);
        assertThat(host.closeExpired()).isEqualTo(1);

        assertThat(released).hasValue(1);
        local.attachByIfd(READER, ShareMode.EXCLUSIVE);
        local.lock(Duration.ZERO);
        assertThat(local.isLocked()).isTrue();
        failure(HResult.SCARD_E_INVALID_HANDLE, "lease expired", () -> host.transmit(token, SELECT_MF));
        assertThat(host.close(token, Disposition.LEAVE)).isFalse();
    }

    @Test
    void anExpiredLeaseEndsTheTransactionOfASharedSession() {
        SessionToken token = open(ShareMode.SHARED);
        assertThat(host.lock(token, 0)).isTrue();
        local.attachByIfd(READER, ShareMode.SHARED);
        failure(HResult.E_FAIL, () -> local.lock(Duration.ZERO));

        advance(LEASE_MILLIS + 1);
        assertThat(host.closeExpired()).isEqualTo(1);
        local.lock(Duration.ZERO);
        assertThat(local.isLocked()).isTrue();
        assertThat(local.transmit(SELECT_MF)).endsWith((byte) 0x90, (byte) 0x00);
    }

    @Test
    void renewalAndCallsKeepASessionAlive() {
        SessionToken token = open(ShareMode.SHARED);
        advance(LEASE_MILLIS - 1);
        assertThat(host.renew(token)).isEqualTo(LEASE_MILLIS);
        advance(LEASE_MILLIS - 1);
        host.transmit(token, SELECT_MF);
        advance(LEASE_MILLIS - 1);
        host.status(token);
        advance(LEASE_MILLIS - 1);
        assertThat(host.closeExpired()).isZero();
        assertThat(host.transmit(token, SELECT_MF)).endsWith((byte) 0x90, (byte) 0x00);

        advance(LEASE_MILLIS + 1);
        assertThat(host.closeExpired()).isEqualTo(1);
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> host.renew(token));
    }

    @Test
    void aSessionDoesNotExpireDuringACall() {
        SessionToken token = open(ShareMode.SHARED);
        HostSession session = sessions.begin(token);
        advance(10 * LEASE_MILLIS);
        assertThat(host.closeExpired()).isZero();
        sessions.end(session);
        advance(LEASE_MILLIS);
        assertThat(host.closeExpired()).isZero();
        advance(1);
        assertThat(host.closeExpired()).isEqualTo(1);
    }

    @Test
    void aLockThatCannotBeTakenInTimeIsFalse() {
        SessionToken first = open(ShareMode.SHARED);
        SessionToken second = open(ShareMode.SHARED);
        assertThat(host.lock(first, 0)).isTrue();
        assertThat(host.lock(first, 0)).as("locks do not nest").isTrue();
        assertThat(host.lock(second, 0)).isFalse();
        failure(HResult.E_INVALIDARG, () -> host.lock(second, -1));
        host.unlock(first, Disposition.LEAVE);
        failure(HResult.SCARD_E_NOT_TRANSACTED, () -> host.unlock(first, Disposition.LEAVE));
        assertThat(host.lock(second, 0)).isTrue();
    }

    @Test
    void closingWithResetResetsTheCardForTheOthers() {
        SessionToken token = open(ShareMode.SHARED);
        local.attachByIfd(READER, ShareMode.SHARED);
        assertThat(host.close(token, Disposition.RESET)).isTrue();
        failure(HResult.SCARD_W_RESET_CARD, () -> local.transmit(SELECT_MF));
    }

    @Test
    void closingWithResetLeavesTheCardWhileAnotherHoldsItsTransaction() {
        SessionToken token = open(ShareMode.SHARED);
        local.attachByIfd(READER, ShareMode.SHARED);
        local.lock(Duration.ZERO);
        assertThat(host.close(token, Disposition.RESET)).isTrue();
        assertThat(local.transmit(SELECT_MF)).endsWith((byte) 0x90, (byte) 0x00);
        assertThat(released).hasValue(1);
    }

    @Test
    void aCloseThatWaitedLeavesTheCardOfASessionOpenedOnTheReaderMeanwhile() throws Exception {
        CountDownLatch closing = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        CardHost slowHost = hostClosingSlowly(closing, goOn);
        SessionToken first = slowHost.open(SECRET, READER, ShareMode.SHARED, T0_OR_T1).token();
        Worker<Boolean> close = Worker.start("close with RESET", () -> slowHost.close(first, Disposition.RESET));
        assertThat(closing.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)).as("the close began").isTrue();
        // The client gave up on the close and went on with a new session on the same reader.
        SessionToken second = slowHost.open(SECRET, READER, ShareMode.SHARED, T0_OR_T1).token();
        goOn.countDown();
        assertThat(close.get(BOUND)).as("the first session was open").isTrue();
        assertThat(slowHost.transmit(second, SELECT_MF)).as("the newer session's card was not reset")
                .endsWith((byte) 0x90, (byte) 0x00);
        failure(RemoteCardHost.UNKNOWN_SESSION, () -> slowHost.transmit(first, SELECT_MF));
        assertThat(slowHost.close(second, Disposition.LEAVE)).isTrue();
    }

    @Test
    void aCloseThatWaitedStillResetsTheCardWhenNoSessionWasOpenedMeanwhile() throws Exception {
        CountDownLatch closing = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        CardHost slowHost = hostClosingSlowly(closing, goOn);
        SessionToken other = slowHost.open(SECRET, READER, ShareMode.SHARED, T0_OR_T1).token();
        SessionToken first = slowHost.open(SECRET, READER, ShareMode.SHARED, T0_OR_T1).token();
        Worker<Boolean> close = Worker.start("close with RESET", () -> slowHost.close(first, Disposition.RESET));
        assertThat(closing.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)).as("the close began").isTrue();
        goOn.countDown();
        assertThat(close.get(BOUND)).isTrue();
        // A session opened before the close arrived sees the reset, as with a close in time.
        failure(HResult.SCARD_W_RESET_CARD, "reset", () -> slowHost.transmit(other, SELECT_MF));
        assertThat(slowHost.close(other, Disposition.LEAVE)).isTrue();
    }

    /**
     * A host over the same readers whose sessions' closes wait, once they began ({@code closing}), until
     * {@code goOn}: as a close does while the session's manager is busy with another call.
     */
    private CardHost hostClosingSlowly(CountDownLatch closing, CountDownLatch goOn) {
        LocalCards plain = TestHosts.cards(backend, handles, released::incrementAndGet);
        LocalCards slow = new LocalCards() {
            @Override
            public List<ReaderInfo> listReaders() {
                return plain.listReaders();
            }

            @Override
            public Manager newManager() {
                Manager manager = plain.newManager();
                InvocationHandler handler = (proxy, method, args) -> {
                    if (method.getName().equals("isLocked")) {
                        closing.countDown();
                        assertThat(goOn.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                    }
                    try {
                        return method.invoke(manager.manage(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                };
                ISCardManage manage = (ISCardManage) Proxy.newProxyInstance(ISCardManage.class.getClassLoader(),
                        new Class<?>[] {ISCardManage.class}, handler);
                return new Manager(manage, manager.release());
            }
        };
        CardHost slowHost = new CardHost(HostSecret.of(SECRET_TEXT), slow, new SessionTable(LEASE_MILLIS, 3, now::get),
                new EventLog(16), 1_000L);
        hosts.add(slowHost);
        return slowHost;
    }

    @Test
    void reconnectAfterAResetByAnotherWorksAgain() {
        SessionToken token = open(ShareMode.SHARED);
        backend.reset(READER);
        failure(HResult.SCARD_W_RESET_CARD, () -> host.transmit(token, SELECT_MF));
        host.reconnect(token, Disposition.LEAVE);
        assertThat(host.transmit(token, SELECT_MF)).endsWith((byte) 0x90, (byte) 0x00);
        failure(HResult.E_INVALIDARG, () -> host.reconnect(token, Disposition.EJECT));
    }

    @Test
    void opensNoSessionOnAnEmptyOrUnknownReaderAndGivesTheManagerBack() {
        failure(HResult.SCARD_E_NO_SMARTCARD, () -> host.open(SECRET, EMPTY, ShareMode.SHARED, T0_OR_T1));
        assertThat(released).hasValue(1);
        failure(HResult.SCARD_E_UNKNOWN_READER, "No Such Reader",
                () -> host.open(SECRET, "No Such Reader", ShareMode.SHARED, T0_OR_T1));
        failure(HResult.E_INVALIDARG, () -> host.open(SECRET, READER, ShareMode.SHARED, new Protocol[0]));
        failure(HResult.E_INVALIDARG,
                () -> host.open(SECRET, READER, ShareMode.SHARED, new Protocol[] {Protocol.UNDEFINED}));
        failure(HResult.E_INVALIDARG, () -> host.open(SECRET, " ", ShareMode.SHARED, T0_OR_T1));
        assertThat(sessions.size()).isZero();
    }

    @Test
    void refusesMoreSessionsThanAllowed() {
        open(ShareMode.SHARED);
        open(ShareMode.SHARED);
        open(ShareMode.SHARED);
        failure(HResult.SCARD_E_SERVER_TOO_BUSY, "maxSessions", () -> open(ShareMode.SHARED));
        assertThat(released).as("the refused session's manager").hasValue(1);
    }

    @Test
    void failuresLeaveWithoutTheirCause() {
        SCardException withCause = new SCardException(HResult.SCARD_W_WRONG_CHV, "wrong PIN", 2,
                new IllegalStateException("inner"));
        SCardException plain = CardHost.withoutCause(withCause);
        assertThat(plain.getCause()).isNull();
        assertThat(plain.code()).isEqualTo(HResult.SCARD_W_WRONG_CHV);
        assertThat(plain.getMessage()).isEqualTo(withCause.getMessage());
        assertThat(plain.remainingTries()).hasValue(2);
    }
}
