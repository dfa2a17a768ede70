package dev.scard.pcsc.internal;

import static dev.scard.pcsc.internal.PcscdRig.READER_0;
import static dev.scard.pcsc.internal.PcscdRig.READER_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEvent.Type;
import dev.scard.api.ShareMode;

/**
 * Reader and card events from a real pcscd with the vpcd readers: connecting and disconnecting the card program
 * (a {@link VpcdTestCard}) gives {@code CARD_INSERTED} with the ATR and then {@code CARD_REMOVED}, in order (each
 * awaited up to 5 s; the latency is printed, not asserted); resets the backend's connections carry out give {@code CARD_RESET}; the monitor survives a
 * restart of pcscd; stopping the backend ends the monitor thread.
 */
class EventsOverPcscdTest extends PcscdTestBase {

    private static final String ATR_HEX = HexFormat.of().withUpperCase().formatHex(VpcdTestCard.ATR_T1);

    private final BlockingQueue<SCardEvent> events = new LinkedBlockingQueue<>();
    private final List<Long> arrivals = new ArrayList<>();

    private void startEvents() throws InterruptedException {
        backend.startEvents(events::add);
        List<SCardEvent> initial = next(3, Duration.ofSeconds(5));
        assertThat(initial).containsExactly(new SCardEvent(Type.READER_ADDED, READER_0, "pcsc", ""),
                new SCardEvent(Type.CARD_INSERTED, READER_0, "pcsc", ATR_HEX),
                new SCardEvent(Type.READER_ADDED, READER_1, "pcsc", ""));
    }

    private List<SCardEvent> next(int count, Duration each) throws InterruptedException {
        List<SCardEvent> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SCardEvent event = events.poll(each.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(event).as("event %d of %d within %s (got %s)", i + 1, count, each, list).isNotNull();
            arrivals.add(System.nanoTime());
            list.add(event);
        }
        return list;
    }

    /** The next event (awaited up to 5 s), printing how long after {@code since} it came. */
    private SCardEvent nextWithin(long since) throws InterruptedException {
        SCardEvent event = next(1, Duration.ofSeconds(5)).get(0);
        Duration took = Duration.ofNanos(arrivals.get(arrivals.size() - 1) - since);
        System.out.printf("%s on %s after %.0f ms%n", event.type(), event.readerName(), took.toNanos() / 1e6);
        return event;
    }

    @Test
    void connectingAndDisconnectingTheCardProgramGivesInsertedThenRemovedInOrder() throws Exception {
        startEvents();
        for (int round = 0; round < 3; round++) {
            long inserting = System.nanoTime();
            card1 = VpcdTestCard.insert(VpcdTestCard.SLOT1);
            assertThat(nextWithin(inserting)).isEqualTo(new SCardEvent(Type.CARD_INSERTED, READER_1, "pcsc", ATR_HEX));

            long removing = System.nanoTime();
            card1.remove();
            card1 = null;
            assertThat(nextWithin(removing)).isEqualTo(new SCardEvent(Type.CARD_REMOVED, READER_1, "pcsc", ""));
        }
        assertThat(events.poll(STILL_WAITING.toMillis(), TimeUnit.MILLISECONDS)).as("nothing else").isNull();
    }

    @Test
    void resetsOfTheBackendsConnectionsArePublishedAndConnectionsWakeNobody() throws Exception {
        startEvents();
        PcscConnection connection = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection other = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.RESET);
        assertThat(next(1, Duration.ofSeconds(5))).containsExactly(
                new SCardEvent(Type.CARD_RESET, READER_0, "pcsc", ATR_HEX));
        other.disconnect(Disposition.LEAVE);
        connection.disconnect(Disposition.UNPOWER);
        assertThat(next(1, Duration.ofSeconds(5))).containsExactly(
                new SCardEvent(Type.CARD_RESET, READER_0, "pcsc", ATR_HEX));
        for (int i = 0; i < 20; i++) {
            backend.connect(READER_0, ShareMode.EXCLUSIVE, Protocol.T0_OR_T1).disconnect(Disposition.LEAVE);
        }
        assertThat(events.poll(STILL_WAITING.toMillis(), TimeUnit.MILLISECONDS)).as("nothing else").isNull();
    }

    @Test
    void theMonitorSurvivesARestartOfPcscd() throws Exception {
        rig.requireRestartable();
        startEvents();
        rig.stopPcscd();
        card0.remove();
        Thread.sleep(STILL_WAITING.toMillis());
        assertThat(events).as("nothing while pcscd is away").isEmpty();
        rig.startPcscd();
        card0 = VpcdTestCard.insert(VpcdTestCard.SLOT0);
        awaitCard(READER_0, true);
        assertThat(next(2, Duration.ofSeconds(10))).as("the card is another insertion for the new pcscd")
                .containsExactly(new SCardEvent(Type.CARD_REMOVED, READER_0, "pcsc", ""),
                        new SCardEvent(Type.CARD_INSERTED, READER_0, "pcsc", ATR_HEX));

        long inserting = System.nanoTime();
        card1 = VpcdTestCard.insert(VpcdTestCard.SLOT1);
        assertThat(nextWithin(inserting)).as("and it goes on watching")
                .isEqualTo(new SCardEvent(Type.CARD_INSERTED, READER_1, "pcsc", ATR_HEX));
    }

    @Test
    void stoppingTheBackendEndsTheMonitorAndRemovesItsReaders() throws Exception {
        startEvents();
        PcscEventMonitor monitor = backend.monitor();
        assertThat(monitor.running()).isTrue();
        backend.stop();
        assertThat(monitor.running()).isFalse();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(
                t -> t.getName().equals(PcscEventMonitor.THREAD_NAME) && t.isAlive());
        assertThat(next(3, Duration.ofSeconds(1))).containsExactly(
                new SCardEvent(Type.CARD_REMOVED, READER_0, "pcsc", ""),
                new SCardEvent(Type.READER_REMOVED, READER_0, "pcsc", ""),
                new SCardEvent(Type.READER_REMOVED, READER_1, "pcsc", ""));
        // nothing of the backend is left in pcscd: an exclusive connection is possible right away
        long[] context = new long[1];
        assertThat(raw.establishContext(context)).isZero();
        foreignContexts.add(context);
        long[] out = new long[2];
        assertThat(raw.connect(context[0], READER_0, PcscPlatform.SHARE_EXCLUSIVE, 3, out)).isZero();
        assertThat(raw.disconnect(out[0], 0)).isZero();
    }
}
