package dev.scard.simulator.internal;

import static dev.scard.simulator.internal.SimulatorBackendTest.ATR;
import static dev.scard.simulator.internal.SimulatorBackendTest.R0;
import static dev.scard.simulator.internal.SimulatorBackendTest.R1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.ServedReader.State;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.testsupport.Await;

/** The vpcd card side against a fake vpcd (a server socket in the test): protocol, lifecycle, bad input. */
class VpcdLinkTest {

    static final String SELECT_MF = "00A4000C023F00";
    static final String HOST = "127.0.0.1";

    final List<SCardEvent> events = new CopyOnWriteArrayList<>();
    final SimulatorBackend backend = new SimulatorBackend(List.of(R0, R1), events::add);
    final TestCard card = new TestCard();
    FakeVpcd vpcd;

    @BeforeEach
    void setUp() throws IOException {
        backend.insert(R0, card);
        vpcd = new FakeVpcd();
        events.clear();
    }

    @AfterEach
    void tearDown() throws IOException {
        backend.close();
        vpcd.close();
    }

    VpcdLink serve() {
        backend.serve(R0, HOST, vpcd.port());
        return backend.link(R0);
    }

    @Nested
    class Messages {

        @Test
        void answersGetAtrAndCommandsAndReportsServing() throws Exception {
            VpcdLink link = serve();
            vpcd.accept();
            assertThat(link.awaitState(State.CONNECTED, 2000) || link.status().state() == State.SERVING).isTrue();
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(link.awaitState(State.SERVING, 2000)).isTrue();
            vpcd.powerOn();
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(vpcd.transmit(SELECT_MF)).isEqualTo("9000");
            assertThat(vpcd.transmit("00A40000023F00")).isEqualTo(SimulatorComponentsTest.FCP + "9000");
            String challenge = vpcd.transmit("0084000008");
            assertThat(challenge).hasSize(20).endsWith("9000");
            assertThat(vpcd.transmit("00CA0000")).isEqualTo("6D00");
            assertThat(card.commands.get()).isEqualTo(4);
            assertThat(backend.served()).containsExactly(
                    new ServedReader(R0, HOST, vpcd.port(), State.SERVING, ""));
        }

        @Test
        void powerOnAndResetResetTheCardOnlyOnceItWasUsed() throws Exception {
            serve();
            vpcd.accept();
            int resetsAtInsertion = card.resets.get();
            vpcd.powerOn(); // a fresh card: nothing to reset, in-process connections are not disturbed
            SimulatedConnection inProcess = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(card.resets.get()).isEqualTo(resetsAtInsertion);

            assertThat(vpcd.transmit(SELECT_MF)).isEqualTo("9000");
            vpcd.powerOff(); // nothing happens to the card
            vpcd.powerOn(); // a used card: reset, as another application would
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(card.resets.get()).isEqualTo(resetsAtInsertion + 1);
            assertThatThrownBy(() -> inProcess.transmit(SimulatorBackendTest.SELECT_MF))
                    .isInstanceOfSatisfying(SCardException.class,
                            e -> assertThat(e.code()).isEqualTo(HResult.SCARD_W_RESET_CARD));
            Await.until("CARD_RESET", Duration.ofMillis(1000),
                    () -> events.stream().anyMatch(e -> e.type() == SCardEvent.Type.CARD_RESET));

            vpcd.reset(); // nothing used since: skipped
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(card.resets.get()).isEqualTo(resetsAtInsertion + 1);
            inProcess.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            inProcess.transmit(SimulatorBackendTest.SELECT_MF); // in-process use counts too
            vpcd.reset();
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(card.resets.get()).isEqualTo(resetsAtInsertion + 2);
        }

        @Test
        void aFailingCardModelGets6F00AndTheConnectionStays() throws Exception {
            SimulatedCard failing = new TestCard() {
                @Override
                public byte[] process(byte[] commandApdu) {
                    if ((commandApdu[1] & 0xFF) == 0xEE) {
                        throw new IllegalStateException("model bug");
                    }
                    if ((commandApdu[1] & 0xFF) == 0xEF) {
                        return new byte[0x10000];
                    }
                    return super.process(commandApdu);
                }
            };
            backend.remove(R0);
            backend.insert(R0, failing);
            serve();
            vpcd.accept();
            assertThat(vpcd.transmit("00EE0000")).isEqualTo("6F00");
            assertThat(vpcd.transmit("00EF0000")).isEqualTo("6F00");
            assertThat(vpcd.transmit(SELECT_MF)).isEqualTo("9000");
        }

        @Test
        void aMuteCardModelGets6F00AndTheConnectionStaysUntilAReset() throws Exception {
            backend.setCallTimeout(java.time.Duration.ofMillis(200));
            TestCard mute = new TestCard();
            mute.blockOn = new java.util.concurrent.CountDownLatch(1); // INS EE never answers
            backend.remove(R0);
            backend.insert(R0, mute);
            serve();
            vpcd.accept();
            assertThat(vpcd.transmit("00EE0000")).as("timed out").isEqualTo("6F00");
            assertThat(vpcd.transmit(SELECT_MF)).as("mute").isEqualTo("6F00");
            vpcd.reset();
            assertThat(vpcd.transmit(SELECT_MF)).as("answers again after the reset").isEqualTo("9000");
        }

        @Test
        void answersTheLongestResponseAVpcdMessageHolds() throws Exception {
            backend.remove(R0);
            backend.insert(R0, new TestCard() {
                @Override
                public byte[] process(byte[] commandApdu) {
                    byte[] response = new byte[0xFFFF];
                    response[0xFFFD] = (byte) 0x90;
                    return response;
                }
            });
            serve();
            vpcd.accept();
            // an extended-length command with 65,000 data bytes
            byte[] command = new byte[7 + 65000];
            command[5] = (byte) (65000 >> 8);
            command[6] = (byte) 65000;
            vpcd.send(command);
            byte[] response = vpcd.receive();
            assertThat(response).hasSize(0xFFFF);
            assertThat(response[0xFFFD]).isEqualTo((byte) 0x90);
        }
    }

    @Nested
    class InProcessSharing {

        @Test
        void commandsWaitForAnInProcessTransactionGetAtrDoesNot() throws Exception {
            serve();
            vpcd.accept();
            assertThat(vpcd.atr()).isEqualTo(ATR);
            SimulatedConnection locker = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            assertThat(locker.beginTransaction(-1)).isTrue();
            assertThat(vpcd.atr()).isEqualTo(ATR); // presence polling goes on
            vpcd.send(FakeVpcd.HEX.parseHex(SELECT_MF));
            assertThat(vpcd.silentFor(300)).isTrue();
            assertThat(card.commands.get()).isZero();
            locker.transmit(SimulatorBackendTest.SELECT_MF); // the holder goes on meanwhile
            locker.endTransaction(Disposition.LEAVE);
            assertThat(FakeVpcd.HEX.formatHex(vpcd.receive())).isEqualTo("9000");
            assertThat(card.concurrentCallSeen).isFalse();
        }

        @Test
        void anExclusiveInProcessConnectionSucceedsAndMakesCommandsWait() throws Exception {
            serve();
            vpcd.accept();
            assertThat(vpcd.atr()).isEqualTo(ATR);
            SimulatedConnection exclusive = backend.connect(R0, ShareMode.EXCLUSIVE, Protocol.T0_OR_T1);
            vpcd.send(FakeVpcd.HEX.parseHex(SELECT_MF));
            assertThat(vpcd.silentFor(300)).isTrue();
            exclusive.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE); // no longer exclusive
            assertThat(FakeVpcd.HEX.formatHex(vpcd.receive())).isEqualTo("9000");
            exclusive.disconnect(Disposition.LEAVE);
        }

        @Test
        void aWaitingCommandEndsWithTheCardsRemovalAndTheConnectionCloses() throws Exception {
            VpcdLink link = serve();
            vpcd.accept();
            SimulatedConnection locker = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            locker.beginTransaction(-1);
            vpcd.send(FakeVpcd.HEX.parseHex(SELECT_MF));
            assertThat(vpcd.silentFor(200)).isTrue();
            backend.remove(R0);
            assertThat(vpcd.closedByCard(1000)).isTrue();
            assertThat(link.awaitState(State.NO_CARD, 1000)).isTrue();
            assertThat(card.commands.get()).isZero();
        }

        @Test
        void unservingEndsAWaitingLinkPromptly() throws Exception {
            VpcdLink link = serve();
            vpcd.accept();
            SimulatedConnection locker = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            locker.beginTransaction(-1);
            vpcd.send(FakeVpcd.HEX.parseHex(SELECT_MF));
            assertThat(vpcd.silentFor(200)).isTrue();
            assertThat(backend.unserve(R0)).isTrue();
            assertThat(link.isAlive()).isFalse();
            assertThat(vpcd.closedByCard(1000)).isTrue();
            assertThat(backend.reader(R0).waitingThreads()).isZero();
            locker.transmit(SimulatorBackendTest.SELECT_MF); // the simulator is undisturbed
        }
    }

    @Nested
    class Lifecycle {

        @Test
        void removalClosesTheConnectionAndInsertionConnectsAgain() throws Exception {
            VpcdLink link = serve();
            vpcd.accept();
            assertThat(vpcd.transmit(SELECT_MF)).isEqualTo("9000");
            backend.remove(R0);
            assertThat(vpcd.closedByCard(1000)).isTrue();
            assertThat(link.awaitState(State.NO_CARD, 1000)).isTrue();
            assertThat(vpcd.accepts(300)).as("no connection while the reader is empty").isFalse();

            backend.insert(R0);
            vpcd.accept(10_000);
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(vpcd.transmit(SELECT_MF)).isEqualTo("9000");
        }

        @Test
        void ejectClosesTheConnectionToo() throws Exception {
            serve();
            vpcd.accept();
            SimulatedConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            connection.beginTransaction(-1);
            connection.endTransaction(Disposition.EJECT);
            assertThat(vpcd.closedByCard(1000)).isTrue();
        }

        @Test
        void anEmptyReaderIsServedOnceACardIsIn() throws Exception {
            backend.serve(R1, HOST, vpcd.port());
            assertThat(backend.link(R1).awaitState(State.NO_CARD, 1000)).isTrue();
            assertThat(vpcd.accepts(300)).isFalse();
            backend.insert(R1);
            vpcd.accept(1000);
            assertThat(vpcd.atr()).isEqualTo(ATR);
        }

        @Test
        void retriesWithAGrowingPauseWhileVpcdIsAwayAndReconnectsWhenItIsBack() throws Exception {
            int port = vpcd.port();
            vpcd.close(); // pcscd not running: connection refused
            VpcdLink link = serve();
            assertThat(link.awaitState(State.CONNECTING, 1000)).isTrue();
            Await.until("a refused connection", Duration.ofMillis(1000),
                    () -> link.status().detail().contains("refused"));

            // vpcd back, but accepting and hanging up at once: the pause grows (no busy loop)
            List<Long> accepted = new ArrayList<>();
            try (FakeVpcd flaky = new FakeVpcd(port)) {
                for (int i = 0; i < 5; i++) {
                    flaky.accept(4000);
                    accepted.add(System.nanoTime());
                    flaky.dropClient();
                }
            }
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < accepted.size(); i++) {
                gaps.add((accepted.get(i) - accepted.get(i - 1)) / 1_000_000L);
            }
            assertThat(gaps).allSatisfy(gap -> assertThat(gap).isGreaterThanOrEqualTo(80));
            assertThat(gaps.get(gaps.size() - 1)).isGreaterThan(gaps.get(0));
            assertThat(gaps).allSatisfy(gap -> assertThat(gap).isLessThanOrEqualTo(VpcdLink.MAX_PAUSE_MILLIS + 500));

            // vpcd restarted for good (pcscd restart): the link reconnects and serves
            vpcd = new FakeVpcd(port);
            vpcd.accept(3000);
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(link.awaitState(State.SERVING, 1000)).isTrue();

            // a connection vpcd talked on that breaks: connects again
            vpcd.dropClient();
            vpcd.accept(10_000);
            assertThat(vpcd.transmit(SELECT_MF)).isEqualTo("9000");
        }

        @Test
        void waitsConnectedWhileVpcdHasNotTalked() throws Exception {
            VpcdLink link = serve();
            vpcd.accept();
            assertThat(link.awaitState(State.CONNECTED, 1000)).isTrue();
            assertThat(backend.served().get(0).connected()).isTrue();
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(link.awaitState(State.SERVING, 1000)).isTrue();
        }

        @Test
        void unserveClosesTheConnectionAndEndsTheThread() throws Exception {
            VpcdLink link = serve();
            vpcd.accept();
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(backend.unserve(R0)).isTrue();
            assertThat(link.isAlive()).isFalse();
            assertThat(vpcd.closedByCard(1000)).isTrue();
            assertThat(backend.served()).isEmpty();
            assertThat(backend.unserve(R0)).isFalse();
            assertThat(backend.isCardPresent(R0)).isTrue();
        }

        @Test
        void unserveEndsALinkThatIsRetrying() throws Exception {
            int port = vpcd.port();
            vpcd.close();
            VpcdLink link = serve();
            assertThat(link.awaitState(State.CONNECTING, 1000)).isTrue();
            assertThat(backend.unserve(R0)).isTrue();
            assertThat(link.isAlive()).isFalse();
            try (FakeVpcd back = new FakeVpcd(port)) {
                assertThat(back.accepts(500)).as("no attempt after unserve").isFalse();
            }
        }

        @Test
        void stoppingTheSimulatorOrRemovingTheReaderEndsTheLink() throws Exception {
            try (FakeVpcd other = new FakeVpcd()) {
                backend.insert(R1);
                backend.serve(R1, HOST, other.port());
                VpcdLink link1 = backend.link(R1);
                other.accept();
                VpcdLink link0 = serve();
                vpcd.accept();

                backend.configureReaders(List.of(R0)); // R1 removed
                assertThat(other.closedByCard(1000)).isTrue();
                assertThat(link1.awaitEnd(1000)).isTrue();
                assertThat(backend.served()).extracting(ServedReader::readerName).containsExactly(R0);

                backend.close();
                assertThat(vpcd.closedByCard(1000)).isTrue();
                assertThat(link0.isAlive()).isFalse();
                assertThat(backend.served()).isEmpty();
                assertThatThrownBy(() -> backend.serve(R0, HOST, vpcd.port()))
                        .isInstanceOfSatisfying(SCardException.class,
                                e -> assertThat(e.code()).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED));
            }
        }

        @Test
        void servingAgainAtTheSameAddressKeepsTheConnectionElsewhereMovesIt() throws Exception {
            VpcdLink link = serve();
            vpcd.accept();
            assertThat(vpcd.atr()).isEqualTo(ATR);
            backend.serve(R0, HOST, vpcd.port());
            assertThat(backend.link(R0)).isSameAs(link);
            assertThat(vpcd.atr()).isEqualTo(ATR);

            try (FakeVpcd other = new FakeVpcd()) {
                backend.serve(R0, HOST, other.port());
                assertThat(vpcd.closedByCard(1000)).isTrue();
                assertThat(link.isAlive()).isFalse();
                other.accept();
                assertThat(other.atr()).isEqualTo(ATR);
                assertThat(backend.served()).singleElement()
                        .satisfies(s -> assertThat(s.address()).isEqualTo(HOST + ":" + other.port()));
            }
        }
    }

    @Nested
    class BadInput {

        /** After bad input the card's connection is dropped and made again; the card is untouched. */
        void dropsAndReconnects(byte[] garbage, boolean closeAfter) throws Exception {
            serve();
            vpcd.accept();
            assertThat(vpcd.transmit(SELECT_MF)).isEqualTo("9000");
            int commands = card.commands.get();
            int resets = card.resets.get();
            vpcd.sendRaw(garbage);
            if (closeAfter) {
                vpcd.dropClient();
            } else {
                assertThat(vpcd.closedByCard(1000)).isTrue();
            }
            vpcd.accept(3000);
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(vpcd.transmit(SELECT_MF)).isEqualTo("9000");
            assertThat(card.commands.get()).isEqualTo(commands + 1);
            assertThat(card.resets.get()).isEqualTo(resets);
        }

        @Test
        void aMessageOfLengthZero() throws Exception {
            dropsAndReconnects(new byte[] {0, 0}, false);
        }

        @Test
        void anUnknownControlCode() throws Exception {
            dropsAndReconnects(new byte[] {0, 1, 0x07}, false);
        }

        @Test
        void aMessageCutShort() throws Exception {
            dropsAndReconnects(new byte[] {0, 10, 0x00, (byte) 0xA4, 0x00}, true);
        }

        @Test
        void aLengthCutShort() throws Exception {
            dropsAndReconnects(new byte[] {0x01}, true);
        }

        @Test
        void aHugeLengthWithLittleBehindIt() throws Exception {
            dropsAndReconnects(new byte[] {(byte) 0xFF, (byte) 0xFF, 1, 2, 3}, true);
        }

        @Test
        void randomBytesNeverCrashTheLinkOrTouchTheCardState() throws Exception {
            VpcdLink link = serve();
            java.util.Random random = new java.util.Random(42);
            for (int round = 0; round < 6; round++) { // the pause grows: 0.1 + 0.2 + ... + 2 s
                vpcd.accept(3000);
                byte[] garbage = new byte[1 + random.nextInt(40)];
                random.nextBytes(garbage);
                vpcd.sendRaw(garbage);
                vpcd.dropClient();
            }
            vpcd.accept(3000);
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(vpcd.transmit(SELECT_MF)).isEqualTo("9000");
            assertThat(link.isAlive()).isTrue();
            assertThat(backend.isCardPresent(R0)).isTrue();
        }

        @Test
        void badArgumentsAreRejectedClearly() {
            assertInvalid(() -> backend.serve("Nope", HOST, 35963), "unknown simulated reader 'Nope'");
            assertInvalid(() -> backend.serve(R0, " ", 35963), "no vpcd host given");
            assertInvalid(() -> backend.serve(R0, "a b", 35963), "'a b' is not a host name or IP address");
            assertInvalid(() -> backend.serve(R0, HOST, 0), "vpcd port 0 is out of range");
            assertInvalid(() -> backend.serve(R0, HOST, 65536), "vpcd port 65536 is out of range");
            assertInvalid(() -> backend.unserve("Nope"), "unknown simulated reader 'Nope'");
            backend.serve(R0, HOST, vpcd.port());
            assertInvalid(() -> backend.serve(R1, HOST, vpcd.port()),
                    "reader '" + R0 + "' is already served to vpcd at " + HOST + ":" + vpcd.port());
        }

        void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
            assertThatThrownBy(call).isInstanceOfSatisfying(SCardException.class, e -> {
                assertThat(e.code()).isEqualTo(HResult.E_INVALIDARG);
                assertThat(e.getMessage()).contains(message);
            });
        }
    }

    @Nested
    class Speed {

        @Test
        void answersEveryOneOfThousandsOfCommands() throws Exception {
            serve();
            vpcd.accept();
            byte[] select = FakeVpcd.HEX.parseHex(SELECT_MF);
            for (int i = 0; i < 10_000; i++) {
                vpcd.send(select);
                assertThat(FakeVpcd.HEX.formatHex(vpcd.receive())).as("answer %d", i).isEqualTo("9000");
            }
        }
    }

    @Test
    void theStandaloneServerServesACardAndStops() throws Exception {
        try (VpcdCardServer server = VpcdCardServer.start(new MinimalIsoCard(), HOST, vpcd.port())) {
            vpcd.accept();
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(server.awaitState(State.SERVING, java.time.Duration.ofSeconds(1))).isTrue();
            assertThat(server.status().address()).isEqualTo(HOST + ":" + vpcd.port());
            server.remove();
            assertThat(vpcd.closedByCard(1000)).isTrue();
            server.insert();
            vpcd.accept(1000);
            assertThat(vpcd.transmit(SELECT_MF)).isEqualTo("9000");
        }
        assertThat(vpcd.closedByCard(1000)).isTrue();
        assertThatThrownBy(() -> VpcdCardServer.start(new MinimalIsoCard(), HOST, -1))
                .isInstanceOfSatisfying(SCardException.class,
                        e -> assertThat(e.code()).isEqualTo(HResult.E_INVALIDARG));
    }

    /** The link finds TCP_QUICKACK by name; on Linux this runtime must offer it, or round trips slow down. */
    @Test
    void quickAckIsThereOnLinux() throws Exception {
        try (Socket probe = new Socket()) {
            boolean available = probe.supportedOptions().stream().anyMatch(o -> o.name().equals("TCP_QUICKACK"));
            if (System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                assertThat(available).as("TCP_QUICKACK among the socket options").isTrue();
            }
        }
    }
}
