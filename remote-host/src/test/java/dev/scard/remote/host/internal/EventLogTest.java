package dev.scard.remote.host.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.scard.api.SCardEvent;
import dev.scard.remote.api.RemoteEvent;
import dev.scard.remote.api.RemoteEvents;
import dev.scard.testsupport.Worker;

/** The host's numbered events: what a poll gets, when it is incomplete, and that a waiting poll wakes. */
class EventLogTest {

    private static SCardEvent inserted(String reader) {
        return new SCardEvent(SCardEvent.Type.CARD_INSERTED, reader, "simulator", "3B00");
    }

    @Test
    void aPollGetsTheEventsAfterItsNumberInOrder() {
        EventLog log = new EventLog(8);
        assertThat(log.after(0, 0).events()).isEmpty();
        log.append(inserted("A"));
        log.append(new SCardEvent(SCardEvent.Type.CARD_REMOVED, "A", "simulator", null));
        log.append(inserted("B"));

        RemoteEvents all = log.after(0, 0);
        assertThat(all.complete()).isTrue();
        assertThat(all.lastSequence()).isEqualTo(3);
        assertThat(all.incarnation()).isEqualTo(log.incarnation());
        assertThat(all.events()).extracting(RemoteEvent::sequence, RemoteEvent::type, RemoteEvent::readerName)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, SCardEvent.Type.CARD_INSERTED, "A"),
                        org.assertj.core.groups.Tuple.tuple(2L, SCardEvent.Type.CARD_REMOVED, "A"),
                        org.assertj.core.groups.Tuple.tuple(3L, SCardEvent.Type.CARD_INSERTED, "B"));
        assertThat(all.events().get(0).atrHex()).isEqualTo("3B00");

        RemoteEvents later = log.after(2, 0);
        assertThat(later.complete()).isTrue();
        assertThat(later.events()).extracting(RemoteEvent::sequence).containsExactly(3L);
        assertThat(log.after(3, 0).events()).isEmpty();
        assertThat(log.after(3, 0).complete()).isTrue();
    }

    @Test
    void aPollBehindTheKeptEventsOrAheadOfThemIsIncomplete() {
        EventLog log = new EventLog(2);
        for (int i = 0; i < 5; i++) {
            log.append(inserted("R" + i));
        }
        RemoteEvents behind = log.after(1, 0);
        assertThat(behind.complete()).isFalse();
        assertThat(behind.events()).extracting(RemoteEvent::sequence).containsExactly(4L, 5L);
        assertThat(log.after(3, 0).complete()).isTrue();

        RemoteEvents ahead = log.after(9, 0);
        assertThat(ahead.complete()).as("a number of another run of the host").isFalse();
        assertThat(ahead.lastSequence()).isEqualTo(5);
    }

    @Test
    void aWaitingPollWakesAtTheNextEvent() throws InterruptedException {
        EventLog log = new EventLog(4);
        Worker<RemoteEvents> poll = Worker.start("poll", () -> log.after(0, 60_000));
        poll.awaitParked(Duration.ofSeconds(10));
        log.append(inserted("A"));
        RemoteEvents events = poll.get(Duration.ofSeconds(10));
        assertThat(events.events()).extracting(RemoteEvent::readerName).containsExactly("A");
    }

    @Test
    void closingWakesAWaitingPoll() throws InterruptedException {
        EventLog log = new EventLog(4);
        Worker<RemoteEvents> poll = Worker.start("poll", () -> log.after(0, 60_000));
        poll.awaitParked(Duration.ofSeconds(10));
        log.close();
        assertThat(poll.get(Duration.ofSeconds(10)).events()).isEmpty();
        log.append(inserted("A"));
        assertThat(log.sequence()).isZero();
    }
}
