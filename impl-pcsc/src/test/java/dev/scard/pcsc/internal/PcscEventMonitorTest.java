package dev.scard.pcsc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEvent.Type;
import dev.scard.api.ShareMode;
import dev.scard.pcsc.internal.PcscEventMonitor.Seen;

/**
 * Reader and card events from PC/SC: the difference between two observations ({@link PcscEventMonitor#diff}), and
 * the monitor thread against {@link FakePcscApi} (waiting in SCardGetStatusChange, woken by changes, by the PnP
 * reader, by SCardCancel; surviving a service restart; stopping cleanly).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PcscEventMonitorTest {

    private static final String R0 = "Reader 0";
    private static final String R1 = "Reader 1";
    private static final byte[] ATR = HexFormat.of().parseHex("3B8801534341524453494D99");
    private static final String ATR_HEX = "3B8801534341524453494D99";
    private static final byte[] OTHER_ATR = HexFormat.of().parseHex("3B0214504D");

    private static SCardEvent event(Type type, String reader, String atr) {
        return new SCardEvent(type, reader, "pcsc", atr);
    }

    @Nested
    class Difference {

        private final Map<String, Seen> before = new LinkedHashMap<>();
        private final Map<String, Seen> after = new LinkedHashMap<>();

        private List<SCardEvent> diff(boolean restarted) {
            return PcscEventMonitor.diff(before, after, restarted, "pcsc");
        }

        @Test
        void newReadersAreAddedWithTheirCardsAndGoneOnesLoseTheirCardFirst() {
            after.put(R0, new Seen(true, 3, ATR));
            after.put(R1, new Seen(false, 0, null));
            assertThat(diff(false)).containsExactly(event(Type.READER_ADDED, R0, ""),
                    event(Type.CARD_INSERTED, R0, ATR_HEX), event(Type.READER_ADDED, R1, ""));

            before.putAll(after);
            after.clear();
            after.put(R1, new Seen(false, 0, null));
            assertThat(diff(false)).containsExactly(event(Type.CARD_REMOVED, R0, ""),
                    event(Type.READER_REMOVED, R0, ""));
        }

        @Test
        void insertionsAndRemovalsOfAReaderThatStays() {
            before.put(R0, new Seen(false, 2, null));
            after.put(R0, new Seen(true, 3, ATR));
            assertThat(diff(false)).containsExactly(event(Type.CARD_INSERTED, R0, ATR_HEX));
            assertThat(PcscEventMonitor.diff(after, before, false, "pcsc"))
                    .containsExactly(event(Type.CARD_REMOVED, R0, ""));
        }

        @Test
        void anotherInsertionBetweenTwoLooksIsARemovalAndAnInsertion() {
            before.put(R0, new Seen(true, 3, ATR));
            after.put(R0, new Seen(true, 5, ATR));
            assertThat(diff(false)).as("the counter tells, though the ATR is the same")
                    .containsExactly(event(Type.CARD_REMOVED, R0, ""), event(Type.CARD_INSERTED, R0, ATR_HEX));

            before.put(R0, new Seen(true, -1, ATR));
            after.put(R0, new Seen(true, -1, OTHER_ATR));
            assertThat(diff(false)).as("without counters, the ATR tells").containsExactly(
                    event(Type.CARD_REMOVED, R0, ""), event(Type.CARD_INSERTED, R0, "3B0214504D"));
        }

        @Test
        void nothingChangedIsNoEventAndARestartPowersEveryCardUpAnew() {
            before.put(R0, new Seen(true, 3, ATR));
            before.put(R1, new Seen(false, 0, null));
            after.putAll(before);
            assertThat(diff(false)).isEmpty();
            after.put(R0, new Seen(true, 1, ATR)); // the new pcscd counts from the start
            assertThat(diff(true)).containsExactly(event(Type.CARD_REMOVED, R0, ""),
                    event(Type.CARD_INSERTED, R0, ATR_HEX));
        }
    }

    @Nested
    class Monitor {

        private final FakePcscApi api = new FakePcscApi(PcscPlatform.linux(8), R0, R1);
        private final BlockingQueue<SCardEvent> events = new LinkedBlockingQueue<>();
        private PcscBackend backend;

        private PcscBackend start(PcscSettings settings) {
            backend = new PcscBackend(api.platform(), settings, () -> api, "libfake.so");
            backend.startEvents(events::add);
            return backend;
        }

        private PcscBackend start() {
            return start(PcscSettings.defaults());
        }

        @AfterEach
        void stop() {
            if (backend != null) {
                backend.stop();
            }
        }

        private SCardEvent next() throws InterruptedException {
            SCardEvent event = events.poll(5, TimeUnit.SECONDS);
            assertThat(event).as("an event within 5 s").isNotNull();
            return event;
        }

        private List<SCardEvent> next(int count) throws InterruptedException {
            List<SCardEvent> list = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                list.add(next());
            }
            return list;
        }

        @Test
        void publishesTheReadersAtStartThenInsertionsAndRemovalsInOrder() throws Exception {
            api.insert(R0, ATR);
            start();
            assertThat(next(3)).containsExactly(event(Type.READER_ADDED, R0, ""),
                    event(Type.CARD_INSERTED, R0, ATR_HEX), event(Type.READER_ADDED, R1, ""));
            api.awaitWaiter();

            api.insert(R1, OTHER_ATR);
            assertThat(next()).isEqualTo(event(Type.CARD_INSERTED, R1, "3B0214504D"));
            api.remove(R0);
            assertThat(next()).isEqualTo(event(Type.CARD_REMOVED, R0, ""));
            api.remove(R1);
            assertThat(next()).isEqualTo(event(Type.CARD_REMOVED, R1, ""));
            api.awaitWaiter();
            assertThat(events).as("nothing else").isEmpty();
        }

        @Test
        void readersThatComeAndGoAreSeenThroughThePnpReader() throws Exception {
            start();
            assertThat(next(2)).extracting(SCardEvent::type).containsOnly(Type.READER_ADDED);
            api.awaitWaiter();
            api.addReader("Reader 2");
            assertThat(next()).isEqualTo(event(Type.READER_ADDED, "Reader 2", ""));
            api.awaitWaiter();
            api.insert("Reader 2", ATR);
            assertThat(next()).isEqualTo(event(Type.CARD_INSERTED, "Reader 2", ATR_HEX));
            api.awaitWaiter();
            api.removeReader("Reader 2");
            assertThat(next(2)).containsExactly(event(Type.CARD_REMOVED, "Reader 2", ""),
                    event(Type.READER_REMOVED, "Reader 2", ""));
        }

        @Test
        void connectionsOpeningAndClosingDoNotWakeTheMonitor() throws Exception {
            api.insert(R0, ATR);
            start();
            next(3);
            api.awaitWaiter();
            int wakeups = api.wakeups();
            for (int i = 0; i < 3; i++) {
                PcscConnection connection = backend.connect(R0, ShareMode.EXCLUSIVE, Protocol.T0_OR_T1);
                connection.disconnect(Disposition.LEAVE);
                PcscConnection shared = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
                shared.disconnect(Disposition.LEAVE);
            }
            api.awaitWaiter();
            assertThat(api.wakeups()).as("the monitor slept through it").isEqualTo(wakeups);
            assertThat(events).isEmpty();
        }

        @Test
        void resetsByThisBackendsConnectionsArePublished() throws Exception {
            api.insert(R0, ATR);
            start();
            next(3);
            PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.RESET);
            assertThat(next()).isEqualTo(event(Type.CARD_RESET, R0, ATR_HEX));
            assertThat(connection.beginTransaction(0)).isTrue();
            connection.endTransaction(Disposition.UNPOWER);
            assertThat(next()).isEqualTo(event(Type.CARD_RESET, R0, ATR_HEX));
            connection.disconnect(Disposition.RESET);
            assertThat(next()).isEqualTo(event(Type.CARD_RESET, R0, ATR_HEX));
            PcscConnection leaving = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
            leaving.disconnect(Disposition.LEAVE);
            api.awaitWaiter();
            assertThat(events).as("LEAVE resets nothing").isEmpty();
        }

        @Test
        void aResetNoticeNeverComesAfterTheRemovalOfItsCardOrReader() throws Exception {
            api.insert(R0, ATR);
            api.insert(R1, OTHER_ATR);
            start();
            next(4);
            api.awaitWaiter();
            api.remove(R0);
            backend.cardReset(R0); // a reset that raced with the removal
            assertThat(next()).isEqualTo(event(Type.CARD_REMOVED, R0, ""));
            api.awaitWaiter();
            backend.cardReset(R0); // the card is gone: nothing to reset
            api.removeReader(R1);
            backend.cardReset(R1);
            assertThat(next(2)).containsExactly(event(Type.CARD_REMOVED, R1, ""), event(Type.READER_REMOVED, R1, ""));
            Thread.sleep(100);
            api.awaitWaiter();
            assertThat(events).as("no CARD_RESET after the removals").isEmpty();
            api.insert(R0, ATR);
            assertThat(next()).isEqualTo(event(Type.CARD_INSERTED, R0, ATR_HEX));
            backend.cardReset(R0);
            assertThat(next()).as("a reset of a card that is there goes out").isEqualTo(
                    event(Type.CARD_RESET, R0, ATR_HEX));
        }

        @Test
        void aLibraryWithoutThePnpReaderDoesNotMakeTheMonitorSpin() throws Exception {
            api.knowsPnp = false;
            api.insert(R0, ATR);
            start();
            next(3);
            Thread.sleep(100);
            int calls = api.statusCalls.get();
            Thread.sleep(300);
            assertThat(api.statusCalls.get() - calls).as("waits without the PnP reader, not a hot loop")
                    .isLessThan(5);
            api.remove(R0);
            assertThat(next()).as("card events still come").isEqualTo(event(Type.CARD_REMOVED, R0, ""));
        }

        @Test
        void stopKeepsItsTimeLimitWhenSCardCancelDoesNotReturn() throws Exception {
            api.insert(R0, ATR);
            start();
            next(3);
            api.awaitWaiter();
            java.util.concurrent.CountDownLatch wedged = new java.util.concurrent.CountDownLatch(1);
            api.cancelBlocker = wedged;
            PcscEventMonitor monitor = backend.monitor();
            monitor.stop(); // returns after its time limit (the class's @Timeout bounds the wait)
            assertThat(monitor.running()).as("stop gave up on the wedged thread rather than waiting for it")
                    .isTrue();
            api.cancelBlocker = null;
            wedged.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (monitor.running() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(monitor.running()).as("the thread ends once the library returns").isFalse();
        }

        @Test
        void survivesAServiceRestartAndPublishesWhatChangedMeanwhile() throws Exception {
            api.insert(R0, ATR);
            start();
            next(3);
            api.awaitWaiter();
            api.stopService();
            api.insert(R1, OTHER_ATR); // while the service is away
            Thread.sleep(200);
            assertThat(events).as("nothing is published while the service is away").isEmpty();
            api.startService();
            assertThat(next(3)).containsExactly(event(Type.CARD_REMOVED, R0, ""),
                    event(Type.CARD_INSERTED, R0, ATR_HEX), event(Type.CARD_INSERTED, R1, "3B0214504D"));
            api.awaitWaiter();
            api.remove(R1);
            assertThat(next()).as("and goes on watching").isEqualTo(event(Type.CARD_REMOVED, R1, ""));
        }

        @Test
        void aNarrowerReaderFilterRemovesReadersAndAWiderOneAddsThem() throws Exception {
            api.insert(R0, ATR);
            start();
            next(3);
            api.awaitWaiter();
            PcscSettings defaults = PcscSettings.defaults();
            backend.reconfigure(new PcscSettings(Pattern.compile("Reader 1"), "", defaults.transactionPoll(),
                    defaults.cardCheck(), defaults.minimumLockWait()));
            assertThat(next(2)).containsExactly(event(Type.CARD_REMOVED, R0, ""), event(Type.READER_REMOVED, R0, ""));
            backend.reconfigure(defaults);
            assertThat(next(2)).containsExactly(event(Type.READER_ADDED, R0, ""),
                    event(Type.CARD_INSERTED, R0, ATR_HEX));
        }

        @Test
        void stoppingEndsTheWaitReleasesTheContextAndRemovesTheReaders() throws Exception {
            api.insert(R0, ATR);
            start();
            next(3);
            api.awaitWaiter();
            PcscEventMonitor monitor = backend.monitor();
            assertThat(monitor.running()).isTrue();
            backend.stop();
            assertThat(monitor.running()).as("SCardCancel ended the wait").isFalse();
            assertThat(next(3)).as("the card goes before its reader, as when a reader goes away").containsExactly(
                    event(Type.CARD_REMOVED, R0, ""), event(Type.READER_REMOVED, R0, ""),
                    event(Type.READER_REMOVED, R1, ""));
            assertThat(api.someoneWaits()).isFalse();
            assertThat(api.openContexts()).as("the monitor's and every other context released").isZero();
            assertThat(api.callsRunning()).isZero();
        }

        @Test
        void withoutTheServiceTheMonitorBacksOffAsleepAndStopsWhenAsked() throws Exception {
            api.stopService();
            start();
            Thread monitorThread = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals(PcscEventMonitor.THREAD_NAME) && t.isAlive()).findFirst()
                    .orElseThrow();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (monitorThread.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(monitorThread.getState()).as("asleep between tries, not spinning")
                    .isEqualTo(Thread.State.TIMED_WAITING);
            assertThat(events).isEmpty();
            backend.stop();
            assertThat(backend.monitor().running()).isFalse();
            assertThat(events).as("it never saw a reader").isEmpty();
            api.startService();
            assertThat(api.openContexts()).isZero();
        }
    }
}
