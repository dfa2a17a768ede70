package dev.scard.simulator.internal;

import static dev.scard.testsupport.Expect.failure;
import static dev.scard.testsupport.Expect.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Worker;
import dev.scard.testsupport.Workers;

class SimulatorBackendTest {

    static final String R0 = "Simulated Reader 0";
    static final String R1 = "Simulated Reader 1";
    static final HexFormat HEX = HexFormat.of().withUpperCase();
    static final byte[] SELECT_MF = HEX.parseHex("00A4000C023F00");
    static final byte[] BLOCKING_COMMAND = HEX.parseHex("00EE0000");
    /** How long a test waits at most for a background call to end. */
    static final Duration WAIT = Duration.ofSeconds(5);
    static final String ATR = "3B880153434152445349 4D99".replace(" ", "");

    final List<SCardEvent> events = new CopyOnWriteArrayList<>();
    final SimulatorBackend backend = new SimulatorBackend(List.of(R0, R1), events::add);
    final TestCard card = new TestCard();
    final Workers background = new Workers();

    @BeforeEach
    void insertCard() {
        assertThat(events).extracting(SCardEvent::type)
                .containsExactly(SCardEvent.Type.READER_ADDED, SCardEvent.Type.READER_ADDED);
        events.clear();
        backend.insert(R0, card);
    }

    @AfterEach
    void stop() throws InterruptedException {
        backend.stop();
        background.assertAllEnded(Duration.ofSeconds(10));
    }

    // ---------------------------------------------------------------- helpers

    SimulatedConnection connect(ShareMode mode) {
        return backend.connect(R0, mode, Protocol.T0_OR_T1);
    }

    static String transmitHex(SimulatedConnection connection, byte[] command) {
        return HEX.formatHex(connection.transmit(command));
    }

    /** Waits until {@code count} threads wait for reader {@code R0}. */
    void awaitWaiters(int count) throws InterruptedException {
        SimulatedReader reader = backend.reader(R0);
        Await.until(count + " waiting thread(s)", WAIT, () -> reader.waitingThreads() >= count);
    }

    // ---------------------------------------------------------------- tests

    @Nested
    class Readers {

        @Test
        void listsReadersInOrderWithTheirState() {
            List<ReaderInfo> readers = backend.listReaders();
            assertThat(readers).extracting(ReaderInfo::name).containsExactly(R0, R1);
            assertThat(readers.get(0).state()).isEqualTo(CardState.SPECIFIC_MODE);
            assertThat(readers.get(0).atrHex()).isEqualTo(ATR);
            assertThat(readers.get(0).backend()).isEqualTo("simulator");
            assertThat(readers.get(0).exclusive()).isFalse();
            assertThat(readers.get(1).state()).isEqualTo(CardState.ABSENT);
            assertThat(readers.get(1).atr()).isEmpty();
            assertThat(backend.name()).isEqualTo("simulator");
        }

        @Test
        void unknownReaderAndEmptyReaderFail() {
            failure(HResult.SCARD_E_UNKNOWN_READER, () -> backend.readerInfo("nope"));
            failure(HResult.SCARD_E_UNKNOWN_READER, () -> backend.connect("nope", ShareMode.SHARED, Protocol.T0_OR_T1));
            failure(HResult.SCARD_E_NO_SMARTCARD, () -> backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1));
            assertThatThrownBy(() -> backend.readerInfo("nope")).hasMessageContaining("'nope'");
        }

        @Test
        void nullArgumentsAreInvalid() {
            failure(HResult.E_INVALIDARG, () -> backend.readerInfo(null));
            failure(HResult.E_INVALIDARG, () -> backend.connect(R0, null, Protocol.T0_OR_T1));
            failure(HResult.E_INVALIDARG, () -> backend.connect(R0, ShareMode.SHARED, null));
            failure(HResult.E_INVALIDARG, () -> backend.connect(R0, ShareMode.SHARED, Set.of()));
            failure(HResult.E_INVALIDARG, () -> backend.connect(R0, ShareMode.SHARED, EnumSet.of(Protocol.UNDEFINED)));
            SimulatedConnection connection = connect(ShareMode.SHARED);
            failure(HResult.E_INVALIDARG, () -> connection.transmit(null));
            failure(HResult.E_INVALIDARG, () -> connection.endTransaction(null));
            failure(HResult.E_INVALIDARG, () -> connection.disconnect(null));
            failure(HResult.E_INVALIDARG, () -> connection.reconnect(null, Protocol.T0_OR_T1, Disposition.LEAVE));
            failure(HResult.E_INVALIDARG, () -> connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, null));
        }

        @Test
        void rejectsBadReaderNames() {
            assertThatThrownBy(() -> new SimulatorBackend(List.of("A", "A"), EventSink.NONE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'A'");
            assertThatThrownBy(() -> new SimulatorBackend(List.of(" "), EventSink.NONE))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Sharing {

        @Test
        void exclusiveFailsWhileAnotherConnectionIsOpen() {
            SimulatedConnection shared = connect(ShareMode.SHARED);
            failure(HResult.SCARD_E_SHARING_VIOLATION, () -> connect(ShareMode.EXCLUSIVE));
            connect(ShareMode.SHARED).disconnect(Disposition.LEAVE);
            shared.disconnect(Disposition.LEAVE);
            SimulatedConnection exclusive = connect(ShareMode.EXCLUSIVE);
            assertThat(exclusive.shareMode()).isEqualTo(ShareMode.EXCLUSIVE);
            assertThat(backend.readerInfo(R0).exclusive()).isTrue();
        }

        @Test
        void nothingConnectsWhileAnExclusiveConnectionIsOpen() {
            SimulatedConnection exclusive = connect(ShareMode.EXCLUSIVE);
            failure(HResult.SCARD_E_SHARING_VIOLATION, () -> connect(ShareMode.SHARED));
            failure(HResult.SCARD_E_SHARING_VIOLATION, () -> connect(ShareMode.EXCLUSIVE));
            assertThatThrownBy(() -> connect(ShareMode.SHARED)).hasMessageContaining("exclusive");
            exclusive.disconnect(Disposition.LEAVE);
            assertThat(backend.readerInfo(R0).exclusive()).isFalse();
            connect(ShareMode.SHARED);
        }

        @Test
        void reconnectChangesTheShareModeByTheSameRules() {
            SimulatedConnection first = connect(ShareMode.SHARED);
            SimulatedConnection second = connect(ShareMode.SHARED);
            failure(HResult.SCARD_E_SHARING_VIOLATION,
                    () -> first.reconnect(ShareMode.EXCLUSIVE, Protocol.T0_OR_T1, Disposition.LEAVE));
            assertThat(first.shareMode()).isEqualTo(ShareMode.SHARED);
            second.disconnect(Disposition.LEAVE);
            first.reconnect(ShareMode.EXCLUSIVE, Protocol.T0_OR_T1, Disposition.LEAVE);
            assertThat(first.shareMode()).isEqualTo(ShareMode.EXCLUSIVE);
            assertThat(backend.readerInfo(R0).exclusive()).isTrue();
            failure(HResult.SCARD_E_SHARING_VIOLATION, () -> connect(ShareMode.SHARED));
            first.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            assertThat(backend.readerInfo(R0).exclusive()).isFalse();
            connect(ShareMode.SHARED);
        }

        @Test
        void anExclusiveConnectionKeepsOthersOutUntilClosedEvenAfterItsCardWasRemoved() {
            SimulatedConnection exclusive = connect(ShareMode.EXCLUSIVE);
            backend.remove(R0);
            backend.insert(R0);
            failure(HResult.SCARD_E_SHARING_VIOLATION, () -> connect(ShareMode.SHARED));
            exclusive.disconnect(Disposition.LEAVE);
            connect(ShareMode.SHARED);
        }
    }

    @Nested
    class Transactions {

        @Test
        void beginWaitsForAnotherConnectionsTransactionAndTimesOut() throws Exception {
            SimulatedConnection holder = connect(ShareMode.SHARED);
            SimulatedConnection other = connect(ShareMode.SHARED);
            assertThat(holder.beginTransaction(0)).isTrue();
            assertThat(holder.beginTransaction(0)).as("the holder may begin again").isTrue();
            assertThat(other.beginTransaction(0)).isFalse();
            Future<Boolean> timed = background.inBackground("other.beginTransaction",
                    () -> other.beginTransaction(TimeUnit.MILLISECONDS.toNanos(1000)));
            awaitWaiters(1); // it waits for the holder rather than failing at once
            assertThat(timed.get(5, TimeUnit.SECONDS)).as("and gives up after its timeout").isFalse();
            assertThat(backend.reader(R0).waitingThreads()).as("no longer waiting").isZero();

            Future<Boolean> waiting = background.inBackground("other.beginTransaction",
                    () -> other.beginTransaction(-1));
            awaitWaiters(1);
            assertThat(waiting).isNotDone();
            holder.endTransaction(Disposition.LEAVE);
            assertThat(waiting.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(holder.beginTransaction(0)).isFalse();
            other.endTransaction(Disposition.LEAVE);
        }

        @Test
        void endWithoutATransactionIsNotTransacted() {
            SimulatedConnection holder = connect(ShareMode.SHARED);
            SimulatedConnection other = connect(ShareMode.SHARED);
            failure(HResult.SCARD_E_NOT_TRANSACTED, () -> other.endTransaction(Disposition.LEAVE));
            holder.beginTransaction(0);
            failure(HResult.SCARD_E_NOT_TRANSACTED, () -> other.endTransaction(Disposition.LEAVE));
            holder.endTransaction(Disposition.LEAVE);
            failure(HResult.SCARD_E_NOT_TRANSACTED, () -> holder.endTransaction(Disposition.LEAVE));
        }

        @Test
        void transmitOfAnotherConnectionWaitsForTheTransaction() throws Exception {
            SimulatedConnection holder = connect(ShareMode.SHARED);
            SimulatedConnection other = connect(ShareMode.SHARED);
            holder.beginTransaction(-1);
            Future<String> waiting = background.inBackground("background-task", () -> transmitHex(other, SELECT_MF));
            awaitWaiters(1);
            assertThat(transmitHex(holder, SELECT_MF)).as("the holder goes on").isEqualTo("9000");
            assertThat(waiting).isNotDone();
            holder.endTransaction(Disposition.LEAVE);
            assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo("9000");
        }

        @Test
        void interruptedWaitIsCancelledAndKeepsTheInterrupt() throws Exception {
            SimulatedConnection holder = connect(ShareMode.SHARED);
            SimulatedConnection other = connect(ShareMode.SHARED);
            holder.beginTransaction(-1);
            AtomicBoolean interruptKept = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(1);
            Worker<Void> waiter = background.start("interrupted-waiter", () -> {
                started.countDown();
                try {
                    other.beginTransaction(-1);
                } catch (SCardException e) {
                    interruptKept.set(e.code() == HResult.SCARD_E_CANCELLED && Thread.currentThread().isInterrupted());
                }
                return null;
            });
            started.await();
            awaitWaiters(1);
            waiter.thread().interrupt();
            assertThat(waiter.join(WAIT)).isTrue();
            assertThat(interruptKept).isTrue();
            assertThat(holder.beginTransaction(0)).as("the holder still holds it").isTrue();
        }

        @Test
        void removalWakesWaitersWhoFailWithRemovedCard() throws Exception {
            SimulatedConnection holder = connect(ShareMode.SHARED);
            SimulatedConnection other = connect(ShareMode.SHARED);
            holder.beginTransaction(-1);
            Future<Boolean> begin = background.inBackground("other.beginTransaction", () -> other.beginTransaction(-1));
            Future<byte[]> transmit = background.inBackground("other.transmit", () -> other.transmit(SELECT_MF));
            awaitWaiters(2);
            backend.remove(R0);
            failureOf(HResult.SCARD_W_REMOVED_CARD, begin, WAIT);
            failureOf(HResult.SCARD_W_REMOVED_CARD, transmit, WAIT);
            failure(HResult.SCARD_W_REMOVED_CARD, () -> holder.endTransaction(Disposition.LEAVE));
        }

        @Test
        void disconnectWakesTheConnectionsOwnWaiter() throws Exception {
            SimulatedConnection holder = connect(ShareMode.SHARED);
            SimulatedConnection other = connect(ShareMode.SHARED);
            holder.beginTransaction(-1);
            Future<Boolean> begin = background.inBackground("other.beginTransaction", () -> other.beginTransaction(-1));
            awaitWaiters(1);
            other.disconnect(Disposition.LEAVE);
            failureOf(HResult.SCARD_E_INVALID_HANDLE, begin, WAIT);
        }

        @Test
        void disconnectOfTheHolderEndsTheTransaction() throws Exception {
            SimulatedConnection holder = connect(ShareMode.SHARED);
            SimulatedConnection other = connect(ShareMode.SHARED);
            holder.beginTransaction(-1);
            Future<Boolean> begin = background.inBackground("other.beginTransaction", () -> other.beginTransaction(-1));
            awaitWaiters(1);
            holder.disconnect(Disposition.LEAVE);
            assertThat(begin.get(5, TimeUnit.SECONDS)).isTrue();
        }

        @Test
        void reconnectEndsTheConnectionsTransactionAndWaitsForAnothers() throws Exception {
            SimulatedConnection holder = connect(ShareMode.SHARED);
            SimulatedConnection other = connect(ShareMode.SHARED);
            holder.beginTransaction(-1);
            holder.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            failure(HResult.SCARD_E_NOT_TRANSACTED, () -> holder.endTransaction(Disposition.LEAVE));

            other.beginTransaction(-1);
            Future<?> reconnect = background.inBackground("holder.reconnect", () -> {
                holder.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.RESET);
                return null;
            });
            awaitWaiters(1);
            assertThat(card.resets).hasValue(1); // the insertion only
            other.endTransaction(Disposition.LEAVE);
            reconnect.get(5, TimeUnit.SECONDS);
            assertThat(card.resets).hasValue(2);
        }

        @Test
        void transactionsSerializeTheirCommandsAcrossConnections() throws Exception {
            int threads = 4;
            int rounds = 200;
            List<Future<?>> workers = new CopyOnWriteArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t + 1;
                SimulatedConnection connection = connect(ShareMode.SHARED);
                workers.add(background.inBackground("HEX.parseHex", () -> {
                    byte[] command = HEX.parseHex("00B00000");
                    command[2] = (byte) id;
                    for (int i = 0; i < rounds; i++) {
                        connection.beginTransaction(-1);
                        connection.transmit(command);
                        connection.transmit(command);
                        connection.endTransaction(Disposition.LEAVE);
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(30, TimeUnit.SECONDS);
            }
            List<Integer> p1s = List.copyOf(card.p1s);
            assertThat(p1s).hasSize(threads * rounds * 2);
            for (int i = 0; i < p1s.size(); i += 2) {
                assertThat(p1s.get(i + 1)).as("command %d came from the same transaction", i).isEqualTo(p1s.get(i));
            }
            assertThat(card.concurrentCallSeen).isFalse();
        }
    }

    @Nested
    class ResetAndRemoval {

        @Test
        void controlResetIsStickyForEveryConnectionUntilItReconnects() {
            SimulatedConnection first = connect(ShareMode.SHARED);
            SimulatedConnection second = connect(ShareMode.SHARED);
            backend.reset(R0);
            assertThat(card.resets).hasValue(2);
            for (int i = 0; i < 3; i++) {
                failure(HResult.SCARD_W_RESET_CARD, () -> first.transmit(SELECT_MF));
            }
            failure(HResult.SCARD_W_RESET_CARD, () -> first.beginTransaction(0));
            failure(HResult.SCARD_W_RESET_CARD, () -> first.endTransaction(Disposition.LEAVE));
            CardStatus status = first.status();
            assertThat(status.state()).isEqualTo(CardState.SPECIFIC_MODE);
            assertThat(status.protocol()).isEqualTo(Protocol.T1);
            first.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            assertThat(transmitHex(first, SELECT_MF)).isEqualTo("9000");
            failure(HResult.SCARD_W_RESET_CARD, () -> second.transmit(SELECT_MF));
            assertThat(card.resets).as("a LEAVE reconnect does not reset").hasValue(2);
        }

        @Test
        void resetDispositionsResetTheCardForOthersButNotForTheirConnection() {
            for (Disposition disposition : List.of(Disposition.RESET, Disposition.UNPOWER)) {
                SimulatedConnection resetter = connect(ShareMode.SHARED);
                SimulatedConnection other = connect(ShareMode.SHARED);
                int resets = card.resets.get();
                resetter.beginTransaction(-1);
                resetter.endTransaction(disposition);
                assertThat(card.resets).hasValue(resets + 1);
                assertThat(transmitHex(resetter, SELECT_MF)).isEqualTo("9000");
                failure(HResult.SCARD_W_RESET_CARD, () -> other.transmit(SELECT_MF));

                resetter.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, disposition);
                assertThat(card.resets).hasValue(resets + 2);
                assertThat(transmitHex(resetter, SELECT_MF)).isEqualTo("9000");
                other.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);

                resetter.disconnect(disposition);
                assertThat(card.resets).hasValue(resets + 3);
                failure(HResult.SCARD_W_RESET_CARD, () -> other.transmit(SELECT_MF));
                other.disconnect(Disposition.LEAVE);
            }
        }

        @Test
        void disconnectLeavesTheCardWhileAnotherConnectionHoldsTheTransaction() {
            SimulatedConnection holder = connect(ShareMode.SHARED);
            SimulatedConnection other = connect(ShareMode.SHARED);
            holder.beginTransaction(-1);
            other.disconnect(Disposition.RESET);
            other.disconnect(Disposition.EJECT); // already closed: nothing happens
            assertThat(card.resets).hasValue(1);
            assertThat(transmitHex(holder, SELECT_MF)).isEqualTo("9000");
            assertThat(backend.isCardPresent(R0)).isTrue();
        }

        @Test
        void ejectRemovesTheCardAndInsertPutsTheSameCardBack() {
            SimulatedConnection ejecter = connect(ShareMode.SHARED);
            SimulatedConnection other = connect(ShareMode.SHARED);
            ejecter.beginTransaction(-1);
            ejecter.endTransaction(Disposition.EJECT);
            assertThat(backend.isCardPresent(R0)).isFalse();
            assertThat(backend.readerInfo(R0).state()).isEqualTo(CardState.ABSENT);
            failure(HResult.SCARD_W_REMOVED_CARD, () -> ejecter.transmit(SELECT_MF));
            failure(HResult.SCARD_W_REMOVED_CARD, () -> other.transmit(SELECT_MF));
            backend.insert(R0);
            assertThat(backend.reader(R0).holds(card)).isTrue();
            ejecter.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            assertThat(transmitHex(ejecter, SELECT_MF)).isEqualTo("9000");

            ejecter.disconnect(Disposition.EJECT);
            assertThat(backend.isCardPresent(R0)).isFalse();
            failure(HResult.E_INVALIDARG,
                    () -> ejecter.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.EJECT));
        }

        @Test
        void removalIsStickyUntilReconnectAfterReinsertion() {
            SimulatedConnection connection = connect(ShareMode.SHARED);
            backend.remove(R0);
            failure(HResult.SCARD_W_REMOVED_CARD, () -> connection.transmit(SELECT_MF));
            failure(HResult.SCARD_W_REMOVED_CARD, () -> connection.beginTransaction(0));
            failure(HResult.SCARD_E_NO_SMARTCARD,
                    () -> connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE));
            backend.insert(R0);
            failure(HResult.SCARD_W_REMOVED_CARD, () -> connection.transmit(SELECT_MF));
            connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
            assertThat(transmitHex(connection, SELECT_MF)).isEqualTo("9000");
        }

        @Test
        void statusReportsTheStateInsteadOfFailing() {
            SimulatedConnection connection = connect(ShareMode.SHARED);
            CardStatus status = connection.status();
            assertThat(status.state()).isEqualTo(CardState.SPECIFIC_MODE);
            assertThat(status.protocol()).isEqualTo(Protocol.T1);
            assertThat(status.readerName()).isEqualTo(R0);
            assertThat(status.atrHex()).isEqualTo(ATR);

            backend.remove(R0);
            status = connection.status();
            assertThat(status.state()).isEqualTo(CardState.ABSENT);
            assertThat(status.protocol()).isEqualTo(Protocol.UNDEFINED);
            assertThat(status.atr()).isEmpty();

            backend.insert(R0);
            status = connection.status();
            assertThat(status.state()).as("another insertion: reachable by reconnecting").isEqualTo(CardState.PRESENT);
            assertThat(status.protocol()).isEqualTo(Protocol.UNDEFINED);
            assertThat(status.atrHex()).isEqualTo(ATR);

            connection.disconnect(Disposition.LEAVE);
            failure(HResult.SCARD_E_INVALID_HANDLE, connection::status);
            failure(HResult.SCARD_E_INVALID_HANDLE, () -> connection.transmit(SELECT_MF));
            failure(HResult.SCARD_E_INVALID_HANDLE, () -> connection.beginTransaction(0));
            failure(HResult.SCARD_E_INVALID_HANDLE, () -> connection.endTransaction(Disposition.LEAVE));
            failure(HResult.SCARD_E_INVALID_HANDLE,
                    () -> connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE));
            connection.disconnect(Disposition.LEAVE);
        }
    }

    @Nested
    class Protocols {

        @Test
        void theCardsProtocolMustBePreferredUnlessRawIs() {
            assertThat(backend.connect(R0, ShareMode.SHARED, EnumSet.of(Protocol.T1)).protocol())
                    .isEqualTo(Protocol.T1);
            assertThat(backend.connect(R0, ShareMode.SHARED, EnumSet.of(Protocol.T0, Protocol.T1, Protocol.RAW))
                    .protocol()).isEqualTo(Protocol.T1);
            failure(HResult.SCARD_E_PROTO_MISMATCH,
                    () -> backend.connect(R0, ShareMode.SHARED, EnumSet.of(Protocol.T0)));
            assertThatThrownBy(() -> backend.connect(R0, ShareMode.SHARED, EnumSet.of(Protocol.T0)))
                    .hasMessageContaining("T1").hasMessageContaining("[T0]");
            // a fresh card (inserted, reset or unpowered): RAW is chosen where the card's protocol is not preferred
            backend.insert(R1, new TestCard(Protocol.T1));
            SimulatedConnection raw = backend.connect(R1, ShareMode.SHARED, EnumSet.of(Protocol.T0, Protocol.RAW));
            assertThat(raw.protocol()).isEqualTo(Protocol.RAW);
            assertThat(raw.status().protocol()).isEqualTo(Protocol.RAW);
        }

        /**
         * As pcsc-lite does: the first connection since the card was powered up sets the protocol (RAW too), and the
         * card keeps it until it is reset or unpowered; a connection that does not prefer it gets a mismatch, also
         * after the first one is closed. So the simulator and the PC/SC backend agree after a RAW attachment.
         */
        @Test
        void theProtocolTheFirstConnectionChoseStaysUntilTheCardIsReset() {
            SimulatedConnection raw = backend.connect(R0, ShareMode.SHARED, EnumSet.of(Protocol.RAW));
            assertThat(raw.protocol()).isEqualTo(Protocol.RAW);
            assertThat(transmitHex(raw, SELECT_MF)).isEqualTo("9000");
            raw.disconnect(Disposition.LEAVE);
            failure(HResult.SCARD_E_PROTO_MISMATCH, () -> backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1));
            assertThatThrownBy(() -> backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1))
                    .hasMessageContaining("was connected with RAW");
            SimulatedConnection again = backend.connect(R0, ShareMode.SHARED,
                    EnumSet.of(Protocol.T1, Protocol.RAW));
            assertThat(again.protocol()).isEqualTo(Protocol.RAW);
            again.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.RESET);
            assertThat(again.protocol()).isEqualTo(Protocol.T1);
            assertThat(backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1).protocol()).isEqualTo(Protocol.T1);
            failure(HResult.SCARD_E_PROTO_MISMATCH,
                    () -> backend.connect(R0, ShareMode.SHARED, EnumSet.of(Protocol.RAW)));
        }

        @Test
        void reconnectNegotiatesAgainAndKeepsTheConnectionOnMismatch() {
            SimulatedConnection connection = connect(ShareMode.SHARED);
            failure(HResult.SCARD_E_PROTO_MISMATCH,
                    () -> connection.reconnect(ShareMode.SHARED, EnumSet.of(Protocol.T0), Disposition.LEAVE));
            assertThat(connection.protocol()).isEqualTo(Protocol.T1);
            failure(HResult.SCARD_E_PROTO_MISMATCH,
                    () -> connection.reconnect(ShareMode.SHARED, EnumSet.of(Protocol.RAW), Disposition.LEAVE));
            connection.reconnect(ShareMode.SHARED, EnumSet.of(Protocol.RAW), Disposition.RESET);
            assertThat(connection.protocol()).isEqualTo(Protocol.RAW);
        }

        @Test
        void aT0CardRejectsT1Only() {
            backend.insert(R1, new TestCard(Protocol.T0));
            failure(HResult.SCARD_E_PROTO_MISMATCH,
                    () -> backend.connect(R1, ShareMode.SHARED, EnumSet.of(Protocol.T1)));
            assertThat(backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1).protocol()).isEqualTo(Protocol.T0);
        }
    }

    @Nested
    class Control {

        @Test
        void unknownReadersAreInvalidArguments() {
            failure(HResult.E_INVALIDARG, () -> backend.insert("X"));
            failure(HResult.E_INVALIDARG, () -> backend.insert("X", new TestCard()));
            failure(HResult.E_INVALIDARG, () -> backend.remove("X"));
            failure(HResult.E_INVALIDARG, () -> backend.reset("X"));
            failure(HResult.E_INVALIDARG, () -> backend.isCardPresent("X"));
            failure(HResult.E_INVALIDARG, () -> backend.isCardPresent(null));
            assertThatThrownBy(() -> backend.remove("X")).hasMessageContaining("unknown simulated reader 'X'");
            failure(HResult.E_INVALIDARG, () -> backend.insert(R1, null));
        }

        @Test
        void insertIntoAFullReaderFailsAndEmptyReadersCannotBeRemovedOrReset() {
            failure(HResult.E_FAIL, () -> backend.insert(R0));
            failure(HResult.E_FAIL, () -> backend.insert(R0, new TestCard()));
            failure(HResult.SCARD_E_NO_SMARTCARD, () -> backend.remove(R1));
            failure(HResult.SCARD_E_NO_SMARTCARD, () -> backend.reset(R1));
            assertThat(backend.reader(R0).holds(card)).isTrue();
        }

        @Test
        void insertRemembersTheCardWithItsStateOrMakesADefaultOne() {
            backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1).transmit(SELECT_MF);
            backend.remove(R0);
            assertThat(backend.isCardPresent(R0)).isFalse();
            backend.insert(R0);
            assertThat(backend.isCardPresent(R0)).isTrue();
            assertThat(backend.reader(R0).holds(card)).isTrue();
            assertThat(card.commands).hasValue(1);
            assertThat(card.resets).as("every insertion powers the card up").hasValue(2);

            backend.insert(R1);
            SimulatedConnection connection = backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1);
            assertThat(transmitHex(connection, HEX.parseHex("00A40000023F00"))).startsWith("62").endsWith("9000");
            assertThat(backend.readers()).containsExactly(R0, R1);
        }

        @Test
        void aCardModelIsInOneReaderAtATime() {
            failure(HResult.E_INVALIDARG, () -> backend.insert(R1, card));
            assertThat(backend.isCardPresent(R1)).isFalse();
        }

        @Test
        void aRemovedCardInsertedElsewhereIsNotReinsertedInItsOldReader() {
            backend.remove(R0);
            backend.insert(R1, card); // the card R0 remembers moves to R1
            backend.insert(R0);       // so R0 gets a fresh card, not the one in R1
            assertThat(backend.reader(R1).holds(card)).isTrue();
            assertThat(backend.reader(R0).holds(card)).isFalse();
            assertThat(backend.isCardPresent(R0)).isTrue();
        }

        @Test
        void brokenCardModelsAreRejectedAndLeaveTheReaderEmpty() {
            SimulatedCard throwing = new TestCard() {
                @Override
                public byte[] atr() {
                    throw new IllegalStateException("broken");
                }
            };
            SimulatedCard shortAtr = new TestCard() {
                @Override
                public byte[] atr() {
                    return new byte[] {0x3B};
                }
            };
            SimulatedCard raw = new TestCard(Protocol.RAW);
            for (SimulatedCard broken : List.of(throwing, shortAtr, raw)) {
                failure(HResult.E_INVALIDARG, () -> backend.insert(R1, broken));
                assertThat(backend.isCardPresent(R1)).isFalse();
            }
            backend.insert(R1);
            assertThat(backend.reader(R1).holds(throwing)).isFalse();
        }

        @Test
        void cardModelFailuresDuringCommandsAreCommunicationErrors() {
            SimulatedCard mute = new TestCard() {
                @Override
                public byte[] process(byte[] commandApdu) {
                    return commandApdu[1] == 0 ? new byte[] {0x6F} : null;
                }
            };
            SimulatedCard throwing = new TestCard() {
                @Override
                public byte[] process(byte[] commandApdu) {
                    throw new IllegalStateException("secret 1234");
                }
            };
            backend.insert(R1, mute);
            SimulatedConnection connection = backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1);
            failure(HResult.SCARD_F_COMM_ERROR, () -> connection.transmit(HEX.parseHex("00000000")));
            failure(HResult.SCARD_F_COMM_ERROR, () -> connection.transmit(SELECT_MF));
            connection.disconnect(Disposition.EJECT);
            backend.insert(R1, throwing);
            SimulatedConnection second = backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1);
            assertThatThrownBy(() -> second.transmit(SELECT_MF))
                    .isInstanceOfSatisfying(SCardException.class,
                            e -> assertThat(e.code()).isEqualTo(HResult.SCARD_F_COMM_ERROR))
                    .hasMessageContaining("IllegalStateException").hasMessageNotContaining("1234").hasNoCause();
            assertThat(transmitHex(connect(ShareMode.SHARED), SELECT_MF)).as("other readers go on").isEqualTo("9000");
        }
    }

    @Nested
    class Events {

        @Test
        void insertResetAndRemovalArePublishedInOrder() {
            SimulatedConnection connection = connect(ShareMode.SHARED);
            backend.reset(R0);
            connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.RESET);
            connection.beginTransaction(-1);
            connection.endTransaction(Disposition.EJECT);
            backend.insert(R0);
            backend.remove(R0);
            assertThat(events).extracting(SCardEvent::type).containsExactly(
                    SCardEvent.Type.CARD_INSERTED, // the setup's insertion
                    SCardEvent.Type.CARD_RESET,
                    SCardEvent.Type.CARD_RESET,
                    SCardEvent.Type.CARD_REMOVED,
                    SCardEvent.Type.CARD_INSERTED,
                    SCardEvent.Type.CARD_REMOVED);
            assertThat(events).allSatisfy(event -> {
                assertThat(event.readerName()).isEqualTo(R0);
                assertThat(event.backend()).isEqualTo("simulator");
                assertThat(event.atrHex()).isEqualTo(event.type() == SCardEvent.Type.CARD_REMOVED ? "" : ATR);
            });
        }

        @Test
        void failedOperationsPublishNothing() {
            events.clear();
            failure(HResult.E_FAIL, () -> backend.insert(R0));
            failure(HResult.SCARD_E_NO_SMARTCARD, () -> backend.remove(R1));
            assertThat(events).isEmpty();
        }
    }

    @Nested
    class Reconfiguration {

        @Test
        void readersAreAddedAndRemovedInPlace() {
            SimulatedConnection connection = connect(ShareMode.SHARED);
            connection.beginTransaction(-1);
            events.clear();
            assertThat(backend.configureReaders(List.of("New", R0))).containsExactly("New");
            assertThat(backend.readers()).containsExactly("New", R0);
            assertThat(backend.listReaders()).extracting(ReaderInfo::name).containsExactly("New", R0);
            assertThat(events).extracting(event -> event.type() + " " + event.readerName())
                    .containsExactly("READER_ADDED New", "READER_REMOVED " + R1);
            assertThat(transmitHex(connection, SELECT_MF)).as("the reader that stays is untouched").isEqualTo("9000");
            connection.endTransaction(Disposition.LEAVE);
            failure(HResult.SCARD_E_UNKNOWN_READER, () -> backend.readerInfo(R1));
            failure(HResult.E_INVALIDARG, () -> backend.insert(R1));
            assertThat(backend.isCardPresent("New")).isFalse();
            assertThatThrownBy(() -> backend.configureReaders(List.of("A", "A")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(backend.readers()).as("a bad configuration changes nothing").containsExactly("New", R0);
        }

        @Test
        void removingAReaderClosesItsConnectionsAndWakesTheirWaiters() throws Exception {
            backend.insert(R1);
            SimulatedConnection holder = backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1);
            SimulatedConnection waiter = backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1);
            holder.beginTransaction(-1);
            SimulatedReader removed = backend.reader(R1);
            Future<Boolean> begin = background.inBackground("waiter.beginTransaction",
                    () -> waiter.beginTransaction(-1));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (removed.waitingThreads() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            backend.configureReaders(List.of(R0));
            failureOf(HResult.SCARD_E_INVALID_HANDLE, begin, WAIT);
            assertThatThrownBy(() -> holder.transmit(SELECT_MF)).hasMessageContaining("was removed");
            assertThat(removed.waitingThreads()).isZero();
            assertThat(transmitHex(connect(ShareMode.SHARED), SELECT_MF)).isEqualTo("9000");
        }

        @Test
        void stopRemovesEveryReaderOnceAndRefusesReconfiguration() {
            events.clear();
            backend.stop();
            backend.stop();
            assertThat(events).extracting(event -> event.type() + " " + event.readerName())
                    .containsExactly("READER_REMOVED " + R0, "READER_REMOVED " + R1);
            failure(HResult.SCARD_E_SERVICE_STOPPED, () -> backend.configureReaders(List.of(R0)));
        }
    }

    @Nested
    class Concurrency {

        @Test
        void aRunningCommandBlocksNeitherStatusNorOtherReaders() throws Exception {
            TestCard slow = new TestCard();
            slow.blockOn = new CountDownLatch(1);
            backend.insert(R1, slow);
            SimulatedConnection slowConnection = backend.connect(R1, ShareMode.SHARED, Protocol.T0_OR_T1);
            SimulatedConnection fastConnection = connect(ShareMode.SHARED);
            Future<byte[]> running = background.inBackground("slowConnection.transmit",
                    () -> slowConnection.transmit(BLOCKING_COMMAND));
            assertThat(slow.entered.await(5, TimeUnit.SECONDS)).isTrue();

            Future<?> others = background.inBackground("slowConnection.status", () -> {
                assertThat(slowConnection.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
                assertThat(backend.readerInfo(R1).state()).isEqualTo(CardState.SPECIFIC_MODE);
                assertThat(backend.listReaders()).hasSize(2);
                assertThat(transmitHex(fastConnection, SELECT_MF)).isEqualTo("9000");
                backend.remove(R1); // a user can pull the card out meanwhile
                return null;
            });
            others.get(5, TimeUnit.SECONDS);
            slow.blockOn.countDown();
            assertThat(HEX.formatHex(running.get(5, TimeUnit.SECONDS))).isEqualTo("9000");
            failure(HResult.SCARD_W_REMOVED_CARD, () -> slowConnection.transmit(SELECT_MF));
        }

        @Test
        void commandsToOneCardNeverRunConcurrently() throws Exception {
            List<Future<?>> workers = new CopyOnWriteArrayList<>();
            for (int t = 0; t < 4; t++) {
                SimulatedConnection connection = connect(ShareMode.SHARED);
                workers.add(background.inBackground("connection.transmit", () -> {
                    for (int i = 0; i < 2000; i++) {
                        connection.transmit(SELECT_MF);
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(30, TimeUnit.SECONDS);
            }
            assertThat(card.commands).hasValue(8000);
            assertThat(card.concurrentCallSeen).isFalse();
        }
    }

    @Nested
    class Stopping {

        @Test
        void stopClosesConnectionsWakesWaitersAndRefusesNewWork() throws Exception {
            SimulatedConnection holder = connect(ShareMode.SHARED);
            SimulatedConnection other = connect(ShareMode.SHARED);
            holder.beginTransaction(-1);
            Future<Boolean> begin = background.inBackground("other.beginTransaction", () -> other.beginTransaction(-1));
            Future<byte[]> transmit = background.inBackground("other.transmit", () -> other.transmit(SELECT_MF));
            awaitWaiters(2);
            backend.stop();
            failureOf(HResult.SCARD_E_INVALID_HANDLE, begin, WAIT);
            failureOf(HResult.SCARD_E_INVALID_HANDLE, transmit, WAIT);
            failure(HResult.SCARD_E_INVALID_HANDLE, () -> holder.transmit(SELECT_MF));
            holder.disconnect(Disposition.RESET);
            assertThat(card.resets).as("cards stay as they are").hasValue(1);
            failure(HResult.SCARD_E_SERVICE_STOPPED, () -> connect(ShareMode.SHARED));
            failure(HResult.SCARD_E_SERVICE_STOPPED, backend::listReaders);
            failure(HResult.SCARD_E_SERVICE_STOPPED, () -> backend.insert(R1));
            failure(HResult.SCARD_E_SERVICE_STOPPED, () -> backend.remove(R0));
            assertThat(backend.reader(R0).connectionCount()).isZero();
            assertThat(backend.reader(R0).waitingThreads()).isZero();
        }
    }
}
