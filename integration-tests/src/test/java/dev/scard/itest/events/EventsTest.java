package dev.scard.itest.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardEvents;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.itest.support.VpcdRig;
import dev.scard.simulator.control.SimulatorControl;

/**
 * Reader and card events (docs/decisions.md, "Services and scopes") as consumers receive them: on Event Admin topics
 * ({@code dev/scard/...}, with the reader, backend and ATR properties) and through whiteboard
 * {@link SCardEventListener}s, in the order things happened, from the simulator (its state changes) and from the
 * PC/SC backend (pcscd's view of the vpcd card, within a second of the card program connecting or disconnecting).
 */
public class EventsTest extends OsgiTestSupport {

    static final String SIM = SCardServiceProperties.BACKEND_SIMULATOR;
    static final String PCSC = SCardServiceProperties.BACKEND_PCSC;
    static final String READER_0 = "Simulated Reader 0";
    static final String READER_1 = "Simulated Reader 1";
    /** What an event may carry; anything else (a PIN, say) is a failure. */
    static final Set<String> EVENT_PROPERTIES = Set.of(SCardEvents.PROPERTY_READER, SCardEvents.PROPERTY_BACKEND,
            SCardEvents.PROPERTY_ATR, EventConstants.EVENT_TOPIC);
    /** How long no event may arrive before a new {@link Recorder} counts the earlier ones as late. */
    static final Duration QUIET = Duration.ofMillis(500);
    /** The bound for a PC/SC event after the vpcd card connects or disconnects. */
    static final Duration PCSC_EVENT_BOUND = Duration.ofSeconds(1);

    /**
     * One event as a consumer saw it, from either channel, in the same terms.
     *
     * @param channel {@code listener} or {@code eventadmin}
     * @param nanos when it arrived ({@link System#nanoTime()})
     */
    record Seen(String channel, SCardEvent.Type type, String reader, String backend, String atr, long nanos) {
    }

    /** A whiteboard listener and an Event Admin handler that record the events of one backend. */
    final class Recorder {
        final List<Seen> listener = new CopyOnWriteArrayList<>();
        final List<Seen> eventAdmin = new CopyOnWriteArrayList<>();
        final List<Map<String, Object>> eventAdminProperties = new CopyOnWriteArrayList<>();

        Recorder(String backend) throws InterruptedException {
            Dictionary<String, Object> listenerProperties = new Hashtable<>();
            listenerProperties.put(SCardServiceProperties.BACKEND, backend);
            SCardEventListener recording = event -> listener.add(new Seen("listener", event.type(),
                    event.readerName(), event.backend(), event.atrHex(), System.nanoTime()));
            ServiceRegistration<SCardEventListener> l = context.registerService(SCardEventListener.class, recording,
                    listenerProperties);
            onCleanup(l::unregister);

            Dictionary<String, Object> handlerProperties = new Hashtable<>();
            handlerProperties.put(EventConstants.EVENT_TOPIC, SCardEvents.TOPIC_PREFIX + "*");
            handlerProperties.put(EventConstants.EVENT_FILTER,
                    "(" + SCardEvents.PROPERTY_BACKEND + "=" + backend + ")");
            EventHandler handler = this::handle;
            ServiceRegistration<EventHandler> h = context.registerService(EventHandler.class, handler,
                    handlerProperties);
            onCleanup(h::unregister);
            forgetLateEvents();
        }

        /**
         * Waits until neither channel has received anything for {@link #QUIET} (at most {@link #BOUND}), then
         * forgets what came: events of earlier tests that Event Admin or the dispatcher delivered late (both deliver
         * asynchronously; on a busy machine a second or more after the fact) are not this test's.
         */
        private void forgetLateEvents() throws InterruptedException {
            long deadline = System.nanoTime() + BOUND.toNanos();
            int seen = -1;
            while (System.nanoTime() < deadline) {
                int now = listener.size() + eventAdmin.size();
                if (now == seen) {
                    break;
                }
                seen = now;
                Thread.sleep(QUIET.toMillis());
            }
            listener.clear();
            eventAdmin.clear();
            eventAdminProperties.clear();
        }

        private void handle(Event event) {
            long now = System.nanoTime();
            Map<String, Object> properties = new HashMap<>();
            for (String name : event.getPropertyNames()) {
                properties.put(name, event.getProperty(name));
            }
            eventAdminProperties.add(properties);
            SCardEvent.Type type = null;
            for (SCardEvent.Type candidate : SCardEvent.Type.values()) {
                if (candidate.topic().equals(event.getTopic())) {
                    type = candidate;
                }
            }
            Object atr = event.getProperty(SCardEvents.PROPERTY_ATR);
            eventAdmin.add(new Seen("eventadmin", type, (String) event.getProperty(SCardEvents.PROPERTY_READER),
                    (String) event.getProperty(SCardEvents.PROPERTY_BACKEND), atr == null ? "" : (String) atr, now));
        }

        /** The events of {@code reader} on one channel, once there are {@code count} of them (bounded wait). */
        List<Seen> await(List<Seen> channel, String reader, int count, Duration bound) throws InterruptedException {
            long deadline = System.nanoTime() + bound.toNanos();
            while (true) {
                List<Seen> of = of(channel, reader);
                if (of.size() >= count) {
                    return of;
                }
                if (System.nanoTime() > deadline) {
                    return fail("%d events of '%s' within %s expected; got %s (all: %s)", count, reader, bound, of,
                            channel);
                }
                Thread.sleep(2);
            }
        }

        /** Waits until both channels have {@code count} events of {@code reader}; asserts they agree. */
        List<Seen> awaitBoth(String reader, int count, Duration bound) throws InterruptedException {
            List<Seen> fromListener = await(listener, reader, count, bound);
            List<Seen> fromEventAdmin = await(eventAdmin, reader, count, bound);
            assertThat(withoutChannel(fromEventAdmin)).as("Event Admin saw what the listener saw")
                    .isEqualTo(withoutChannel(fromListener));
            return fromListener;
        }

        /** The first event of {@code reader} on a channel that matches, arriving after {@code since}. */
        Seen awaitFirst(List<Seen> channel, String reader, Predicate<Seen> which, long since, Duration bound)
                throws InterruptedException {
            long deadline = since + bound.toNanos();
            while (true) {
                for (Seen seen : of(channel, reader)) {
                    if (seen.nanos() >= since && which.test(seen)) {
                        return seen;
                    }
                }
                if (System.nanoTime() > deadline) {
                    return fail("no matching event of '%s' within %s; got %s", reader, bound, of(channel, reader));
                }
                Thread.sleep(1);
            }
        }

        void assertNothingButReaderBackendAtr() {
            for (Map<String, Object> properties : eventAdminProperties) {
                assertThat(EVENT_PROPERTIES).as("properties of %s", properties).containsAll(properties.keySet());
            }
        }
    }

    private static List<Seen> of(List<Seen> channel, String reader) {
        List<Seen> of = new ArrayList<>();
        for (Seen seen : channel) {
            if (reader.equals(seen.reader())) {
                of.add(seen);
            }
        }
        return of;
    }

    private static List<List<Object>> withoutChannel(List<Seen> events) {
        List<List<Object>> plain = new ArrayList<>();
        for (Seen seen : events) {
            plain.add(List.of(seen.type(), seen.reader(), seen.backend(), seen.atr()));
        }
        return plain;
    }

    // ---- simulator ------------------------------------------------------------------------------------------

    @Test
    void simulatorInsertResetRemoveGiveCardEventsInOrderWithReaderBackendAndAtr() throws Exception {
        SimulatorControl control = awaitService(SimulatorControl.class, null);
        onCleanup(() -> restoreSimulator(awaitService(SimulatorControl.class, null)));
        String atr = atr(SIM, READER_0);
        assertThat(control.isCardPresent(READER_1)).isFalse();
        Recorder recorder = new Recorder(SIM);

        control.insert(READER_1);
        control.reset(READER_1);
        control.remove(READER_1);
        control.insert(READER_1);

        List<Seen> seen = recorder.awaitBoth(READER_1, 4, BOUND);
        assertThat(withoutChannel(seen)).containsExactly(
                List.of(SCardEvent.Type.CARD_INSERTED, READER_1, SIM, atr),
                List.of(SCardEvent.Type.CARD_RESET, READER_1, SIM, atr),
                List.of(SCardEvent.Type.CARD_REMOVED, READER_1, SIM, ""),
                List.of(SCardEvent.Type.CARD_INSERTED, READER_1, SIM, atr));
        assertThat(recorder.eventAdminProperties).extracting(p -> p.get(EventConstants.EVENT_TOPIC)).containsExactly(
                SCardEvents.TOPIC_CARD_INSERTED, SCardEvents.TOPIC_CARD_RESET, SCardEvents.TOPIC_CARD_REMOVED,
                SCardEvents.TOPIC_CARD_INSERTED);
        assertThat(recorder.eventAdminProperties.get(2)).doesNotContainKey(SCardEvents.PROPERTY_ATR);
        recorder.assertNothingButReaderBackendAtr();
        assertThat(of(recorder.listener, READER_0)).as("nothing happened in the other reader").isEmpty();
    }

    @Test
    void simulatorReadersGoAndComeWithTheBackendBundle() throws Exception {
        SimulatorControl control = awaitService(SimulatorControl.class, null);
        onCleanup(() -> restoreSimulator(awaitService(SimulatorControl.class, null)));
        String atr = atr(SIM, READER_0);
        assertThat(control.isCardPresent(READER_0)).isTrue();
        Recorder recorder = new Recorder(SIM);
        Bundle simulator = bundle("dev.scard.impl-simulator");

        simulator.stop();
        simulator.start();

        // each reader goes (on stop), comes back (on start), and the configured card is put back in reader 0
        assertThat(withoutChannel(recorder.awaitBoth(READER_0, 3, BOUND))).containsExactly(
                List.of(SCardEvent.Type.READER_REMOVED, READER_0, SIM, ""),
                List.of(SCardEvent.Type.READER_ADDED, READER_0, SIM, ""),
                List.of(SCardEvent.Type.CARD_INSERTED, READER_0, SIM, atr));
        assertThat(withoutChannel(recorder.awaitBoth(READER_1, 2, BOUND))).containsExactly(
                List.of(SCardEvent.Type.READER_REMOVED, READER_1, SIM, ""),
                List.of(SCardEvent.Type.READER_ADDED, READER_1, SIM, ""));
        List<SCardEvent.Type> order = recorder.listener.stream().map(Seen::type).toList();
        assertThat(order.subList(0, 2)).as("both readers go before any comes back")
                .containsOnly(SCardEvent.Type.READER_REMOVED);
        recorder.assertNothingButReaderBackendAtr();
    }

    // ---- PC/SC ----------------------------------------------------------------------------------------------

    /**
     * The vpcd card program (the simulator serving "Simulated Reader 1" to vpcd's second slot) connects when a card
     * is inserted there and disconnects when it is removed; the PC/SC backend reports each within a second, on both
     * channels, three times in a row.
     */
    @Test
    void pcscReportsTheVpcdCardConnectingAndDisconnectingWithinOneSecond() throws Exception {
        VpcdRig.require("the PC/SC event test");
        SimulatorControl control = awaitService(SimulatorControl.class, null);
        SCardResourceManager pcsc = awaitService(SCardResourceManager.class, "(scard.backend=pcsc)");
        onCleanup(() -> restoreSimulator(awaitService(SimulatorControl.class, null)));
        VpcdRig.requireServing("the PC/SC event test", control, pcsc);
        String atr = atr(SIM, READER_0);
        Recorder recorder = new Recorder(PCSC);
        String reader = VpcdRig.EMPTY_READER;

        for (int round = 0; round < 3; round++) {
            long inserted = System.nanoTime();
            control.insert(READER_1);
            for (List<Seen> channel : List.of(recorder.listener, recorder.eventAdmin)) {
                Seen seen = recorder.awaitFirst(channel, reader, s -> s.type() == SCardEvent.Type.CARD_INSERTED,
                        inserted, PCSC_EVENT_BOUND);
                assertThat(seen.backend()).isEqualTo(PCSC);
                assertThat(seen.atr()).isEqualTo(atr);
            }
            VpcdRig.awaitPcscd(pcsc, reader, true);

            long removed = System.nanoTime();
            control.remove(READER_1);
            for (List<Seen> channel : List.of(recorder.listener, recorder.eventAdmin)) {
                Seen seen = recorder.awaitFirst(channel, reader, s -> s.type() == SCardEvent.Type.CARD_REMOVED,
                        removed, PCSC_EVENT_BOUND);
                assertThat(seen.backend()).isEqualTo(PCSC);
                assertThat(seen.atr()).isEmpty();
            }
            VpcdRig.awaitPcscd(pcsc, reader, false);
        }
        List<SCardEvent.Type> types = of(recorder.listener, reader).stream().map(Seen::type)
                .filter(t -> t == SCardEvent.Type.CARD_INSERTED || t == SCardEvent.Type.CARD_REMOVED).toList();
        assertThat(types).as("insertions and removals alternate, in order").containsExactly(
                SCardEvent.Type.CARD_INSERTED, SCardEvent.Type.CARD_REMOVED, SCardEvent.Type.CARD_INSERTED,
                SCardEvent.Type.CARD_REMOVED, SCardEvent.Type.CARD_INSERTED, SCardEvent.Type.CARD_REMOVED);
        assertThat(withoutChannel(of(recorder.eventAdmin, reader))).isEqualTo(
                withoutChannel(of(recorder.listener, reader)));
        assertThat(of(recorder.listener, VpcdRig.CARD_READER)).as("nothing happened in the other vpcd reader")
                .isEmpty();
        recorder.assertNothingButReaderBackendAtr();
    }

    // ---- a listener registered later ------------------------------------------------------------------------

    /**
     * A listener registered after the simulator announced its readers (at its start) first hears them as they are,
     * exactly once: {@code READER_ADDED} for each reader, {@code CARD_INSERTED} with the ATR for each card.
     */
    @Test
    void aListenerRegisteredLaterHearsTheSimulatorsReadersAndCards() throws Exception {
        awaitService(SimulatorControl.class, null);
        SCardResourceManager simulator = awaitService(SCardResourceManager.class, "(scard.backend=" + SIM + ")");
        assertThat(lateListener(SIM, simulator)).contains(READER_0, READER_1);
    }

    /**
     * The same for PC/SC, which announces its readers when it is first used (here by the rig's listing): a listener
     * registered after that hears them as the simulator's late listener does; the backends agree.
     */
    @Test
    void aListenerRegisteredAfterPcscWasLoadedHearsItsReadersAndCards() throws Exception {
        VpcdRig.require("the late PC/SC listener test");
        SimulatorControl control = awaitService(SimulatorControl.class, null);
        SCardResourceManager pcsc = awaitService(SCardResourceManager.class, "(scard.backend=" + PCSC + ")");
        onCleanup(() -> restoreSimulator(awaitService(SimulatorControl.class, null)));
        VpcdRig.requireServing("the late PC/SC listener test", control, pcsc); // PC/SC is loaded and has its readers
        VpcdRig.awaitPcscd(pcsc, VpcdRig.CARD_READER, true);
        assertThat(lateListener(PCSC, pcsc)).contains(VpcdRig.CARD_READER, VpcdRig.EMPTY_READER);
    }

    /**
     * Registers a listener for {@code backend} now and checks that it hears, in order and once each, a
     * {@code READER_ADDED} for every reader the resource manager lists and a {@code CARD_INSERTED} with the ATR for
     * every card in them (nothing happens meanwhile); returns the readers.
     */
    private List<String> lateListener(String backend, SCardResourceManager rm) throws Exception {
        List<SCardEvent> heard = new CopyOnWriteArrayList<>();
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(SCardServiceProperties.BACKEND, backend);
        ServiceRegistration<SCardEventListener> registration = context.registerService(SCardEventListener.class,
                heard::add, properties);
        onCleanup(registration::unregister);
        List<SCardEvent> expected = new ArrayList<>();
        List<String> readers = new ArrayList<>();
        for (ReaderInfo info : rm.listReaders()) {
            readers.add(info.name());
            expected.add(new SCardEvent(SCardEvent.Type.READER_ADDED, info.name(), backend, ""));
        }
        for (ReaderInfo info : rm.listReaders()) {
            if (info.atr() != null && info.atr().length > 0) {
                expected.add(new SCardEvent(SCardEvent.Type.CARD_INSERTED, info.name(), backend,
                        java.util.HexFormat.of().withUpperCase().formatHex(info.atr())));
            }
        }
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (heard.size() < expected.size() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(QUIET.toMillis()); // and nothing more comes
        assertThat(heard).as("what a listener registered now hears first")
                .containsExactlyInAnyOrderElementsOf(expected);
        for (String reader : readers) {
            List<SCardEvent.Type> types = heard.stream().filter(e -> e.readerName().equals(reader))
                    .map(SCardEvent::type).toList();
            assertThat(types.get(0)).as("the reader before its card").isEqualTo(SCardEvent.Type.READER_ADDED);
        }
        return readers;
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** The ATR of the card in a reader of a backend, as hex. */
    private String atr(String backend, String reader) throws InterruptedException {
        SCardResourceManager rm = awaitService(SCardResourceManager.class, "(scard.backend=" + backend + ")");
        for (ReaderInfo info : rm.listReaders()) {
            if (info.name().equals(reader)) {
                return java.util.HexFormat.of().withUpperCase().formatHex(info.atr());
            }
        }
        return fail("no reader '%s' in %s", reader, rm.listReaders());
    }

    /** A card in reader 0, none in reader 1, both served to vpcd again when pcscd is there. */
    private void restoreSimulator(SimulatorControl control) throws InterruptedException {
        if (!control.isCardPresent(READER_0)) {
            control.insert(READER_0);
        }
        if (control.isCardPresent(READER_1)) {
            control.remove(READER_1);
        }
        if (VpcdRig.missing() == null) {
            VpcdRig.serve(control, awaitService(SCardResourceManager.class, "(scard.backend=pcsc)"));
        }
    }
}
