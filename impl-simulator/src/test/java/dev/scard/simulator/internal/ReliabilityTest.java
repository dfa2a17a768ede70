package dev.scard.simulator.internal;

import static dev.scard.simulator.internal.SimulatorBackendTest.HEX;
import static dev.scard.simulator.internal.SimulatorBackendTest.R0;
import static dev.scard.simulator.internal.SimulatorBackendTest.R1;
import static dev.scard.simulator.internal.SimulatorBackendTest.SELECT_MF;
import static dev.scard.simulator.internal.SimulatorBackendTest.WAIT;
import static dev.scard.simulator.internal.SimulatorBackendTest.transmitHex;
import static dev.scard.testsupport.Expect.failure;
import static dev.scard.testsupport.Expect.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.ApduExchange;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.internal.card.CardProfile;
import dev.scard.testsupport.Workers;

/**
 * The simulator under the reliability rules: exchanges are atomic, a transaction is one consistent owner, every wait
 * is bounded by the call timeout, and a plugged-in model that blocks harms neither its callers nor other readers.
 */
class ReliabilityTest {

    /** Far more than any operation here needs; only a broken simulator makes a future wait this long. */
    static final long BOUND_SECONDS = 20;

    final SimulatorBackend backend = new SimulatorBackend(List.of(R0, R1), EventSink.NONE);
    final Workers background = new Workers();

    @AfterEach
    void stop() throws InterruptedException {
        backend.stop();
        background.assertAllEnded(Duration.ofSeconds(10));
    }

    SimulatedConnection connect(String reader) {
        return backend.connect(reader, ShareMode.SHARED, Protocol.T0_OR_T1);
    }

    /**
     * A T=0 card whose command {@code 80 10 00 00 01 <tag>} answers {@code 61 10}; GET RESPONSE then hands out
     * 16 bytes of the tag. Any other command drops what was pending, as real T=0 cards do.
     */
    static final class GetResponseCard implements SimulatedCard {
        private byte[] pending;

        @Override
        public byte[] atr() {
            return HEX.parseHex("3B0200");
        }

        @Override
        public Protocol protocol() {
            return Protocol.T0;
        }

        @Override
        public synchronized byte[] process(byte[] command) {
            byte[] data = pending;
            pending = null;
            int ins = command[1] & 0xFF;
            if (ins == 0x10 && command.length == 6) {
                pending = new byte[16];
                Arrays.fill(pending, command[5]);
                return new byte[] {0x61, 0x10};
            }
            if (ins == 0xC0) {
                if (data == null) {
                    return new byte[] {0x69, (byte) 0x85};
                }
                byte[] answer = Arrays.copyOf(data, data.length + 2);
                answer[data.length] = (byte) 0x90;
                return answer;
            }
            return new byte[] {0x6D, 0x00};
        }

        @Override
        public void reset() {
            synchronized (this) {
                pending = null;
            }
        }
    }

    /** A card that never answers a command (until interrupted, when it answers 6F00). */
    static final class MuteCard implements SimulatedCard {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);

        @Override
        public byte[] atr() {
            return HEX.parseHex("3B0200");
        }

        @Override
        public Protocol protocol() {
            return Protocol.T1;
        }

        @Override
        public byte[] process(byte[] command) {
            entered.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return new byte[] {0x6F, 0x00};
        }

        @Override
        public void reset() {
        }
    }

    @Nested
    class AtomicExchanges {

        @Test
        void concurrentExchangesOnAT0CardGetTheirOwnGetResponseData() throws Exception {
            backend.insert(R0, new GetResponseCard());
            int connections = 8;
            int rounds = 300;
            AtomicInteger wrong = new AtomicInteger();
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                byte tag = (byte) (c + 1);
                SimulatedConnection connection = connect(R0);
                workers.add(background.inBackground("Arrays.fill", () -> {
                    byte[] command = {(byte) 0x80, 0x10, 0x00, 0x00, 0x01, tag};
                    byte[] expected = new byte[18];
                    Arrays.fill(expected, 0, 16, tag);
                    expected[16] = (byte) 0x90;
                    for (int i = 0; i < rounds; i++) {
                        if (!Arrays.equals(ApduExchange.exchange(connection, command), expected)) {
                            wrong.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(BOUND_SECONDS * 3, TimeUnit.SECONDS);
            }
            assertThat(wrong).as("exchanges that got another's data or 6985").hasValue(0);
        }

        @Test
        void anExchangeWaitsForAForeignTransactionAtMostTheCallTimeout() throws Exception {
            backend.setCallTimeout(Duration.ofMillis(200));
            backend.insert(R0, new GetResponseCard());
            SimulatedConnection holder = connect(R0);
            SimulatedConnection other = connect(R0);
            assertThat(holder.beginTransaction(0)).isTrue();
            Future<byte[]> exchange = background.inBackground("ApduExchange.exchange", 
                    () -> ApduExchange.exchange(other, HEX.parseHex("801000000107")));
            failureOf(HResult.SCARD_E_TIMEOUT, exchange, WAIT);
            failure(HResult.SCARD_E_TIMEOUT, () -> other.transmit(SELECT_MF));
            failure(HResult.SCARD_E_TIMEOUT, () -> other.beginTransaction(-1));
            assertThat(other.beginTransaction(TimeUnit.MILLISECONDS.toNanos(20))).isFalse();
            holder.endTransaction(Disposition.LEAVE);
            assertThat(HEX.formatHex(ApduExchange.exchange(other, HEX.parseHex("801000000107"))))
                    .isEqualTo("07".repeat(16) + "9000");
        }
    }

    @Nested
    class Transactions {

        /**
         * A card that checks, for every command, that no other connection than its sender (connection number in P1)
         * holds the transaction.
         */
        final class WitnessCard implements SimulatedCard {
            final List<SimulatedConnection> byNumber = new ArrayList<>();
            final Queue<String> violations = new ConcurrentLinkedQueue<>();
            final AtomicInteger commands = new AtomicInteger();

            @Override
            public byte[] atr() {
                return HEX.parseHex("3B0200");
            }

            @Override
            public Protocol protocol() {
                return Protocol.T1;
            }

            @Override
            public byte[] process(byte[] command) {
                commands.incrementAndGet();
                SimulatedConnection sender = byNumber.get(command[2]);
                SimulatedConnection owner = backend.reader(R0).transactionOwner();
                if (owner != null && owner != sender) {
                    violations.add("command of connection " + command[2] + " arrived during the transaction of "
                            + byNumber.indexOf(owner));
                }
                return new byte[] {(byte) 0x90, 0x00};
            }

            @Override
            public void reset() {
            }
        }

        @Test
        void beginOnAConnectionThatHoldsTheTransactionSucceedsAtOnceAndOneEndEndsIt() throws Exception {
            backend.insert(R0, new GetResponseCard());
            SimulatedConnection shared = connect(R0);
            SimulatedConnection other = connect(R0);
            assertThat(background.inBackground("shared.beginTransaction",
                    () -> shared.beginTransaction(0)).get(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(background.inBackground("shared.beginTransaction",
                    () -> shared.beginTransaction(0)).get(BOUND_SECONDS, TimeUnit.SECONDS))
                    .as("another thread of the same connection").isTrue();
            assertThat(other.beginTransaction(0)).isFalse();
            shared.endTransaction(Disposition.LEAVE);
            failure(HResult.SCARD_E_NOT_TRANSACTED, () -> shared.endTransaction(Disposition.LEAVE));
            assertThat(other.beginTransaction(0)).as("no nesting: one end ended it").isTrue();
        }

        @Test
        void noCommandOfAnotherConnectionArrivesDuringATransaction() throws Exception {
            WitnessCard witness = new WitnessCard();
            backend.insert(R0, witness);
            int connections = 4;
            int threadsPerConnection = 3;
            int rounds = 150;
            for (int c = 0; c < connections; c++) {
                witness.byNumber.add(connect(R0));
            }
            AtomicInteger ended = new AtomicInteger();
            AtomicInteger notTransacted = new AtomicInteger();
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                SimulatedConnection connection = witness.byNumber.get(c);
                byte[] command = {0x00, (byte) 0xCA, (byte) c, 0x00};
                for (int t = 0; t < threadsPerConnection; t++) {
                    boolean transacted = t > 0; // one thread per connection sends without a transaction
                    workers.add(background.inBackground("connection.beginTransaction", () -> {
                        for (int i = 0; i < rounds; i++) {
                            if (transacted) {
                                assertThat(connection.beginTransaction(-1)).isTrue();
                            }
                            connection.transmit(command);
                            connection.transmit(command);
                            if (transacted) {
                                try {
                                    connection.endTransaction(Disposition.LEAVE);
                                    ended.incrementAndGet();
                                } catch (SCardException e) {
                                    // another thread of this connection ended it first
                                    assertThat(e.code()).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
                                    notTransacted.incrementAndGet();
                                }
                            }
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> worker : workers) {
                worker.get(BOUND_SECONDS * 3, TimeUnit.SECONDS);
            }
            assertThat(witness.violations).isEmpty();
            assertThat(witness.commands).hasValue(connections * threadsPerConnection * rounds * 2);
            assertThat(ended.get() + notTransacted.get()).isEqualTo(connections * (threadsPerConnection - 1) * rounds);
            assertThat(backend.reader(R0).transactionOwner()).as("every transaction ended").isNull();
            assertThat(connect(R0).beginTransaction(0)).isTrue();
        }

        @Test
        void resetRemovalAndDisconnectEndTheTransaction() {
            backend.insert(R0, new GetResponseCard());
            SimulatedConnection holder = connect(R0);
            SimulatedConnection other = connect(R0);
            holder.beginTransaction(0);
            backend.reset(R0);
            assertThat(backend.reader(R0).transactionOwner()).isNull();
            holder.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            other.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            holder.beginTransaction(0);
            holder.disconnect(Disposition.LEAVE);
            assertThat(other.beginTransaction(0)).isTrue();
            backend.remove(R0);
            assertThat(backend.reader(R0).transactionOwner()).isNull();
            failure(HResult.SCARD_W_REMOVED_CARD, () -> other.endTransaction(Disposition.LEAVE));
        }
    }

    @Nested
    class BlockingModels {

        @Test
        void aCardThatNeverAnswersTimesOutThenCountsAsMuteUntilReset() throws Exception {
            backend.setCallTimeout(Duration.ofMillis(300));
            TestCard card = new TestCard();
            card.blockOn = new CountDownLatch(1); // never released: INS EE never answers
            backend.insert(R0, card);
            SimulatedConnection connection = connect(R0);
            Future<byte[]> stuck = background.inBackground("connection.transmit",
                    () -> connection.transmit(SimulatorBackendTest.BLOCKING_COMMAND));
            assertThat(failureOf(HResult.SCARD_E_TIMEOUT, stuck, WAIT).getMessage()).contains(R0).contains("300 ms");
            failure(HResult.SCARD_E_TIMEOUT, () -> connection.transmit(SELECT_MF)); // mute, fails at once
            assertThat(card.commands).as("the mute card got no further command").hasValue(1);

            connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.RESET);
            assertThat(transmitHex(connection, SELECT_MF)).isEqualTo("9000");
            assertThat(card.concurrentCallSeen).isFalse();
        }

        @Test
        void aStuckCardBlocksNeitherDisconnectNorOtherReaders() throws Exception {
            backend.setCallTimeout(Duration.ofMinutes(1));
            MuteCard mute = new MuteCard();
            backend.insert(R0, mute);
            backend.insert(R1, new MinimalIsoCard());
            SimulatedConnection stuckConnection = connect(R0);
            SimulatedConnection other = connect(R0);
            Future<byte[]> stuck = background.inBackground("stuckConnection.transmit",
                    () -> stuckConnection.transmit(SELECT_MF));
            assertThat(mute.entered.await(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();

            SimulatedConnection elsewhere = connect(R1);
            assertThat(background.inBackground("background-task",
                    () -> transmitHex(elsewhere, SELECT_MF)).get(BOUND_SECONDS, TimeUnit.SECONDS))
                    .isEqualTo("9000");
            background.inBackground("backend.reset", () -> {
                backend.reset(R0);
                other.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
                other.disconnect(Disposition.RESET);
                stuckConnection.disconnect(Disposition.LEAVE);
                return null;
            }).get(BOUND_SECONDS, TimeUnit.SECONDS);
            failure(HResult.SCARD_E_INVALID_HANDLE, () -> stuckConnection.transmit(SELECT_MF));
            assertThat(stuck.isDone()).as("the stuck command still waits for its answer").isFalse();
            background.inBackground("backend.remove", () -> {
                backend.remove(R0);
                return null;
            }).get(BOUND_SECONDS, TimeUnit.SECONDS);
            assertThat(backend.isCardPresent(R0)).isFalse();
        }

        @Test
        void stopReturnsAndWakesEveryWaiterWhileACardIsStuck() throws Exception {
            backend.setCallTimeout(Duration.ofMinutes(1));
            MuteCard mute = new MuteCard();
            backend.insert(R0, mute);
            SimulatedConnection stuckConnection = connect(R0);
            SimulatedConnection queued = connect(R0);
            Future<byte[]> stuck = background.inBackground("stuckConnection.transmit",
                    () -> stuckConnection.transmit(SELECT_MF));
            assertThat(mute.entered.await(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
            Future<byte[]> behind = background.inBackground("queued.transmit", () -> queued.transmit(SELECT_MF));
            Future<Boolean> begin = background.inBackground("queued.beginTransaction",
                    () -> queued.beginTransaction(-1));

            background.inBackground("backend.stop", () -> {
                backend.stop();
                return null;
            }).get(BOUND_SECONDS, TimeUnit.SECONDS);
            failureOf(HResult.SCARD_E_SERVICE_STOPPED, stuck, WAIT);
            failureOf(HResult.SCARD_E_INVALID_HANDLE, behind, WAIT);
            failureOf(HResult.SCARD_E_INVALID_HANDLE, begin, WAIT);
            assertThat(mute.interrupted.await(BOUND_SECONDS, TimeUnit.SECONDS)).as("the model's thread is interrupted")
                    .isTrue();
        }

        @Test
        void componentDeactivationReturnsWhileACardIsStuck() throws Exception {
            SimulatorComponent component = new SimulatorComponent();
            component.activateWith(SimulatorComponentsTest.config(new String[] {R0}, new String[0], new String[0],
                    60_000L));
            MuteCard mute = new MuteCard();
            component.insert(R0, mute);
            SimulatedConnection connection = component.backend().connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            Future<byte[]> stuck = background.inBackground("connection.transmit", () -> connection.transmit(SELECT_MF));
            assertThat(mute.entered.await(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
            background.inBackground("component.deactivate", () -> {
                component.deactivate();
                return null;
            }).get(BOUND_SECONDS, TimeUnit.SECONDS);
            failureOf(HResult.SCARD_E_SERVICE_STOPPED, stuck, WAIT);
        }

        @Test
        void aSlowCardAnswersWithinALargerTimeoutAndTimesOutWithinASmallerOne() throws Exception {
            CardProfile slowProfile = CardProfile.parse("{\"responseDelayMillis\": 1000}");
            assertThat(slowProfile.responseDelayMillis()).isEqualTo(1000);
            SimulatedCard slow = slowProfile.newCard();
            assertThat(SimulatedReader.runsInline(slow)).as("a slow profile card runs on the card thread").isFalse();
            assertThat(SimulatedReader.runsInline(CardProfile.sample().newCard())).isTrue();
            assertThat(SimulatedReader.runsInline(new MinimalIsoCard())).isTrue();

            backend.setCallTimeout(Duration.ofSeconds(30));
            backend.insert(R0, slow);
            SimulatedConnection connection = connect(R0);
            assertThat(background.inBackground("background-task",
                    () -> transmitHex(connection, SELECT_MF)).get(BOUND_SECONDS, TimeUnit.SECONDS))
                    .isEqualTo("9000");

            backend.setCallTimeout(Duration.ofMillis(100));
            failureOf(HResult.SCARD_E_TIMEOUT, background.inBackground("connection.transmit",
                    () -> connection.transmit(SELECT_MF)), WAIT);
        }
    }

    @Nested
    class Configuration {

        @Test
        void callTimeoutComesFromTheConfigurationAndBadValuesAreRefused() {
            assertThat(backend.callTimeout()).isEqualTo(Duration.ofMinutes(2));
            SimulatorComponent component = new SimulatorComponent();
            try {
                component.activateWith(SimulatorComponentsTest.config(new String[] {R0}, new String[0],
                        new String[0], 1500L));
                assertThat(component.backend().callTimeout()).isEqualTo(Duration.ofMillis(1500));
                component.modified(SimulatorComponentsTest.config(new String[] {R0}, new String[0], new String[0],
                        0L));
                assertThat(component.backend().callTimeout()).as("0 is refused (logged)")
                        .isEqualTo(Duration.ofMillis(1500));
                component.modified(SimulatorComponentsTest.config(new String[] {R0}, new String[0], new String[0],
                        Long.MAX_VALUE));
                assertThat(component.backend().callTimeout()).as("too long is refused (logged)")
                        .isEqualTo(Duration.ofMillis(1500));
            } finally {
                component.deactivate();
            }
            assertThatThrownBy(() -> backend.setCallTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the call timeout must be 1 to 2147483647 ms, not 0 ms");
            assertThatThrownBy(() -> backend.setCallTimeout(Duration.ofDays(30)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not 2592000000 ms");
            assertThat(backend.callTimeout()).isEqualTo(Duration.ofMinutes(2));
        }
    }
}
