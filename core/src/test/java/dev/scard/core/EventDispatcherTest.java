package dev.scard.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardEvents;

class EventDispatcherTest {

    static final String THREAD = "scard-test-events";

    final EventDispatcher dispatcher = new EventDispatcher(THREAD);

    @AfterEach
    void close() {
        dispatcher.close();
    }

    static SCardEvent event(SCardEvent.Type type, String atr) {
        return new SCardEvent(type, "R", "simulator", atr);
    }

    /** An Event Admin that records posted events. */
    static final class RecordingEventAdmin implements EventAdmin {
        final List<Event> posted = new CopyOnWriteArrayList<>();

        @Override
        public void postEvent(Event event) {
            posted.add(event);
        }

        @Override
        public void sendEvent(Event event) {
            throw new AssertionError("events are posted, not sent");
        }
    }

    @Test
    void deliversInOrderOnItsOwnThreadAndSurvivesFailingListeners() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(3);
        dispatcher.addListener(e -> {
            throw new IllegalStateException("a broken listener");
        });
        dispatcher.addListener(e -> {
            seen.add(e.type() + "@" + Thread.currentThread().getName());
            done.countDown();
        });
        dispatcher.publish(event(SCardEvent.Type.CARD_INSERTED, "3B00"));
        dispatcher.publish(event(SCardEvent.Type.CARD_RESET, "3B00"));
        dispatcher.publish(event(SCardEvent.Type.CARD_REMOVED, ""));
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        String thread = "@" + THREAD;
        assertThat(seen).containsExactly("CARD_INSERTED" + thread, "CARD_RESET" + thread, "CARD_REMOVED" + thread);
    }

    @Test
    void postsToEventAdminWithTopicReaderBackendAndAtr() throws Exception {
        RecordingEventAdmin admin = new RecordingEventAdmin();
        dispatcher.setEventAdmin(admin);
        dispatcher.publish(event(SCardEvent.Type.CARD_INSERTED, "3B00"));
        dispatcher.publish(event(SCardEvent.Type.CARD_REMOVED, ""));
        dispatcher.close();
        assertThat(admin.posted).hasSize(2);
        Event inserted = admin.posted.get(0);
        assertThat(inserted.getTopic()).isEqualTo(SCardEvents.TOPIC_CARD_INSERTED);
        assertThat(inserted.getProperty(SCardEvents.PROPERTY_READER)).isEqualTo("R");
        assertThat(inserted.getProperty(SCardEvents.PROPERTY_BACKEND)).isEqualTo("simulator");
        assertThat(inserted.getProperty(SCardEvents.PROPERTY_ATR)).isEqualTo("3B00");
        Event removed = admin.posted.get(1);
        assertThat(removed.getTopic()).isEqualTo(SCardEvents.TOPIC_CARD_REMOVED);
        assertThat(removed.containsProperty(SCardEvents.PROPERTY_ATR)).isFalse();
    }

    @Test
    void unsetForgetsOnlyTheCurrentEventAdminAndRemovedListenersHearNothing() {
        RecordingEventAdmin first = new RecordingEventAdmin();
        RecordingEventAdmin second = new RecordingEventAdmin();
        List<SCardEvent> heard = new CopyOnWriteArrayList<>();
        List<SCardEvent> gone = new CopyOnWriteArrayList<>();
        SCardEventListener staying = heard::add;
        SCardEventListener leaving = gone::add;
        dispatcher.setEventAdmin(first);
        dispatcher.setEventAdmin(second); // a greedy rebind: the new one is bound before the old one is unbound
        dispatcher.unsetEventAdmin(first);
        dispatcher.addListener(staying);
        dispatcher.addListener(leaving);
        dispatcher.removeListener(leaving);
        dispatcher.publish(event(SCardEvent.Type.CARD_RESET, "3B00"));
        dispatcher.close();
        assertThat(first.posted).isEmpty();
        assertThat(second.posted).hasSize(1);
        assertThat(heard).hasSize(1);
        assertThat(gone).isEmpty();
    }

    static SCardEvent event(SCardEvent.Type type, String reader, String atr) {
        return new SCardEvent(type, reader, "pcsc", atr);
    }

    /** The events a listener heard, waiting until it heard {@code count}. */
    private static List<SCardEvent> await(List<SCardEvent> heard, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (heard.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return heard;
    }

    @Test
    void aListenerAddedLaterFirstHearsTheReadersAndCardsThatAreThereThenTheChanges() throws Exception {
        List<SCardEvent> early = new CopyOnWriteArrayList<>();
        dispatcher.addListener(early::add); // there from the start: it hears the events themselves
        // what a backend announced before the late listener came: PC/SC loaded at its first use, the simulator at start
        dispatcher.publish(event(SCardEvent.Type.READER_ADDED, "A", ""));
        dispatcher.publish(event(SCardEvent.Type.CARD_INSERTED, "A", "3B01"));
        dispatcher.publish(event(SCardEvent.Type.READER_ADDED, "B", ""));
        dispatcher.publish(event(SCardEvent.Type.READER_ADDED, "C", ""));
        dispatcher.publish(event(SCardEvent.Type.CARD_INSERTED, "C", "3B03"));
        dispatcher.publish(event(SCardEvent.Type.CARD_RESET, "C", "3B33"));
        dispatcher.publish(event(SCardEvent.Type.CARD_INSERTED, "B", "3B02"));
        dispatcher.publish(event(SCardEvent.Type.CARD_REMOVED, "B", ""));
        dispatcher.publish(event(SCardEvent.Type.READER_REMOVED, "A", ""));
        await(early, 9);
        List<SCardEvent> late = new CopyOnWriteArrayList<>();
        dispatcher.addListener(late::add);
        dispatcher.publish(event(SCardEvent.Type.CARD_INSERTED, "B", "3B22"));

        assertThat(await(late, 4)).containsExactly(event(SCardEvent.Type.READER_ADDED, "B", ""),
                event(SCardEvent.Type.READER_ADDED, "C", ""), event(SCardEvent.Type.CARD_INSERTED, "C", "3B33"),
                event(SCardEvent.Type.CARD_INSERTED, "B", "3B22"));
        assertThat(await(early, 10)).hasSize(10).endsWith(event(SCardEvent.Type.CARD_INSERTED, "B", "3B22"));
        dispatcher.close();
        assertThat(late).as("each reader and card once").hasSize(4);
    }

    @Test
    void aListenerRemovedBeforeItJoinedHearsNothing() throws Exception {
        CountDownLatch delivering = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        dispatcher.addListener(e -> { // holds the delivery thread, so that the next listener cannot join yet
            delivering.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        });
        dispatcher.publish(event(SCardEvent.Type.READER_ADDED, "A", ""));
        assertThat(delivering.await(5, TimeUnit.SECONDS)).isTrue();
        List<SCardEvent> gone = new CopyOnWriteArrayList<>();
        SCardEventListener leaving = gone::add;
        dispatcher.addListener(leaving);
        dispatcher.removeListener(leaving);
        release.countDown();
        dispatcher.publish(event(SCardEvent.Type.CARD_INSERTED, "A", "3B01"));
        dispatcher.close();
        assertThat(gone).isEmpty();
    }

    @Test
    void eventsAfterCloseAreDropped() {
        List<SCardEvent> heard = new CopyOnWriteArrayList<>();
        dispatcher.addListener(heard::add);
        dispatcher.close();
        dispatcher.publish(event(SCardEvent.Type.CARD_RESET, "3B00"));
        assertThat(heard).isEmpty();
    }

    @Test
    void aListenerRemovedWhileItIsToldTheStateHearsNothingMore() throws Exception {
        dispatcher.publish(event(SCardEvent.Type.READER_ADDED, ""));
        List<SCardEvent.Type> heard = new CopyOnWriteArrayList<>();
        CountDownLatch told = new CountDownLatch(1);
        CountDownLatch removed = new CountDownLatch(1);
        SCardEventListener listener = e -> {
            heard.add(e.type());
            told.countDown();
            try {
                removed.await(10, TimeUnit.SECONDS); // bounded: the test removes it at once
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        };
        dispatcher.addListener(listener);
        assertThat(told.await(10, TimeUnit.SECONDS)).isTrue(); // the delivery thread is telling it the state
        dispatcher.removeListener(listener);
        removed.countDown();
        dispatcher.publish(event(SCardEvent.Type.CARD_INSERTED, "3B00"));
        dispatcher.close(); // delivers what is queued
        assertThat(heard).containsExactly(SCardEvent.Type.READER_ADDED);
    }
}
