package dev.scard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardServiceProperties;
import dev.scard.api.ShareMode;
import dev.scard.api.trace.CardTraceEvent;
import dev.scard.api.trace.CardTraceEvent.Type;
import dev.scard.api.trace.CardTraceListener;
import dev.scard.api.trace.CardTraceProperties;
import dev.scard.core.spi.EventChannel;
import dev.scard.iso7816.CommandPattern;
import dev.scard.testsupport.Configs;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Worker;

class CardTapTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final FakeBackend backend = new FakeBackend();
    private final CardTap tap = new CardTap();
    private final CardManager manager = new CardManager(backend, new HandleTable(), new InterfaceProviders(), tap);
    private final List<CardTraceEvent> heard = Collections.synchronizedList(new ArrayList<>());
    private final CardTraceListener listener = heard::add;

    private static String hex(byte[] bytes) {
        return bytes == null ? null : HEX.formatHex(bytes);
    }

    @Test
    void nobodyListeningMeansNoProbe() {
        assertThat(tap.isOn()).isFalse();
        assertThat(tap.probe("fake", "R", "fake/1")).isNull();
        tap.add(listener, Map.of());
        assertThat(tap.probe("fake", "R", "fake/1")).isNotNull();
        tap.remove(listener);
        assertThat(tap.isOn()).isFalse();
        assertThat(tap.probe("fake", "R", "fake/1")).isNull();
        manager.attachByIfd("R");
        manager.transmit(HEX.parseHex("00A4000C023F00"));
        assertThat(heard).isEmpty();
    }

    @Test
    void reportsEveryCommandThatReachesTheCardInOrderMarkingTheCoresOwn() {
        backend.card = command -> switch (HEX.formatHex(command)) {
            case "00B0000000" -> HEX.parseHex("6C04");
            case "00B0000004" -> HEX.parseHex("6102");
            case "00C0000002" -> HEX.parseHex("AABB9000");
            default -> HEX.parseHex("6D00");
        };
        tap.add(listener, Map.of());
        manager.attachByIfd("R");
        byte[] answer = manager.transmit(HEX.parseHex("00B0000000"));
        manager.detach();

        assertThat(hex(answer)).isEqualTo("AABB9000");
        assertThat(heard).extracting(CardTraceEvent::type, e -> hex(e.command()), e -> hex(e.response()),
                CardTraceEvent::byCore).containsExactly(
                        tuple(Type.ATTACHED, null, null, false),
                        tuple(Type.APDU, "00B0000000", "6C04", false),
                        tuple(Type.APDU, "00B0000004", "6102", true),
                        tuple(Type.APDU, "00C0000002", "AABB9000", true),
                        tuple(Type.DETACHED, null, null, false));
        CardTraceEvent attached = heard.get(0);
        assertThat(attached.reader()).isEqualTo("R");
        assertThat(attached.backend()).isEqualTo("fake");
        assertThat(attached.attachment()).isEqualTo(manager.traceId()).startsWith("fake/");
        assertThat(attached.atrHex()).isEqualTo("3B00");
        assertThat(attached.protocol()).isEqualTo(Protocol.T1);
        assertThat(attached.shareMode()).isEqualTo(ShareMode.SHARED);
        assertThat(heard).allSatisfy(e -> assertThat(e.attachment()).isEqualTo(manager.traceId()));
        for (int i = 1; i < heard.size(); i++) {
            assertThat(heard.get(i).time()).isAfterOrEqualTo(heard.get(i - 1).time());
        }
        assertThat(heard.get(3).statusWord()).isEqualTo(0x9000);
    }

    @Test
    void withholdsThePinOfAVerifyBeforeAnyListenerSeesIt() {
        backend.card = command -> HEX.parseHex("63C2");
        tap.add(listener, Map.of());
        manager.attachByIfd("R");
        byte[] verify = HEX.parseHex("00200081083132333435363738");
        assertThat(hex(manager.transmit(verify))).isEqualTo("63C2");

        CardTraceEvent apdu = heard.get(1);
        assertThat(hex(apdu.command())).isEqualTo("0020008108");
        assertThat(apdu.withheld()).isEqualTo(8);
        assertThat(hex(apdu.response())).isEqualTo("63C2");
        assertThat(hex(apdu.command())).doesNotContain("3132333435363738");
        assertThat(apdu.toString()).doesNotContain("3132");
        // the card still got the PIN: redaction is for the trace only
        assertThat(backend.connections.get(0).sent).extracting(HEX::formatHex)
                .containsExactly("00200081083132333435363738");
    }

    /** Sends {@code command} and returns its APDU event; the card answers {@code 6D00} unless scripted otherwise. */
    private CardTraceEvent traced(String command) {
        int before = heard.size();
        manager.transmit(HEX.parseHex(command));
        assertThat(heard).hasSize(before + 1);
        return heard.get(before);
    }

    @Test
    void withholdsTheDataOfCommandsTheConfigurationMarksSecretKeepingHeaderLcAndResponse() {
        backend.card = command -> HEX.parseHex("6D00");
        tap.secretCommands(new String[] {"80 E2 * *", "00 87", "84 **"});
        tap.add(listener, Map.of());
        manager.attachByIfd("R");

        CardTraceEvent keyLoad = traced("80E2000008A1A2A3A4A5A6A7A800");
        assertThat(hex(keyLoad.command())).as("header and Lc; data and Le gone").isEqualTo("80E2000008");
        assertThat(keyLoad.withheld()).isEqualTo(8);
        assertThat(hex(keyLoad.response())).isEqualTo("6D00");
        assertThat(keyLoad.toString()).doesNotContain("A1A2");

        CardTraceEvent authenticate = traced("0087009A0A7C088100820085010000");
        assertThat(hex(authenticate.command())).isEqualTo("0087009A0A");
        assertThat(authenticate.withheld()).isEqualTo(10);

        CardTraceEvent extended = traced("84D4000000001000" + "0102030405060708090A0B0C0D0E0F" + "0000");
        assertThat(hex(extended.command())).as("extended Lc kept").isEqualTo("84D40000000010");
        assertThat(extended.withheld()).isEqualTo(16);

        CardTraceEvent noData = traced("80E2000010");
        assertThat(hex(noData.command())).as("no data: nothing to withhold").isEqualTo("80E2000010");
        assertThat(noData.withheld()).isZero();

        CardTraceEvent other = traced("80CA9F7F00");
        assertThat(hex(other.command())).as("not named: shown whole").isEqualTo("80CA9F7F00");
        assertThat(other.withheld()).isZero();

        CardTraceEvent verify = traced("002000810431323334");
        assertThat(verify.withheld()).as("the built-in rule stays on").isPositive();
        // the card still got every byte: redaction is for the trace only
        assertThat(backend.connections.get(0).sent).extracting(HEX::formatHex)
                .startsWith("80E2000008A1A2A3A4A5A6A7A800", "0087009A0A7C088100820085010000");
    }

    @Test
    void withholdsTheDataOfCommandsTheCardMarksSecretAddedToTheConfigurations() {
        backend.card = command -> HEX.parseHex("9000");
        backend.cardSecrets = List.of(CommandPattern.parse("80 40"));
        tap.secretCommands(new String[] {"00 87"});
        tap.add(listener, Map.of());
        manager.attachByIfd("R");

        CardTraceEvent pin = traced("8040000106313233343536");
        assertThat(hex(pin.command())).isEqualTo("8040000106");
        assertThat(pin.withheld()).isEqualTo(6);
        assertThat(hex(pin.response())).isEqualTo("9000");
        assertThat(traced("0087009A0401020304").withheld()).as("the configuration's too").isEqualTo(4);
        assertThat(traced("804200010431323334").withheld()).as("another instruction").isZero();

        backend.cardSecrets = List.of();
        assertThat(traced("8040000106313233343536").withheld()).as("a card that marks nothing").isZero();
    }

    @Test
    void aProbeIsReusedWhileItsReaderAttachmentAndSecretCommandsAreTheSame() {
        tap.add(listener, Map.of());
        CardTap.Probe first = tap.probe("fake", "R", "fake/1", null, null);
        assertThat(tap.probe("fake", "R", "fake/1", null, first)).isSameAs(first);
        assertThat(tap.probe("fake", "Q", "fake/1", null, first)).isNotSameAs(first);
        tap.secretCommands(new String[] {"80 20"});
        CardTap.Probe second = tap.probe("fake", "R", "fake/1", null, first);
        assertThat(second).isNotSameAs(first);
        second.apdu(TraceClock.now(), HEX.parseHex("8020000102AABB"), HEX.parseHex("9000"), false);
        assertThat(heard).extracting(e -> hex(e.command()), CardTraceEvent::withheld)
                .containsExactly(tuple("8020000102", 2));
        tap.remove(listener);
        assertThat(tap.probe("fake", "R", "fake/1", null, second)).isNull();
    }

    @Test
    void aNewConfigurationReplacesTheRuleAndNoneLeavesTheBuiltInOne() {
        backend.card = command -> HEX.parseHex("9000");
        tap.add(listener, Map.of());
        manager.attachByIfd("R");
        tap.secretCommands(new String[] {"80 50"});
        assertThat(traced("8050000102AABB").withheld()).isEqualTo(2);
        tap.secretCommands(new String[] {"80 60"});
        assertThat(traced("8050000102AABB").withheld()).isZero();
        assertThat(traced("8060000102AABB").withheld()).isEqualTo(2);
        tap.secretCommands(null);
        assertThat(tap.secretCommands()).isEmpty();
        assertThat(traced("8060000102AABB").withheld()).isZero();
        assertThat(traced("0024000104AABBCCDD").withheld()).as("built in").isEqualTo(4);
    }

    @Test
    void badPatternsAreLoggedAsErrorsNamingTheSettingAndTheEntryAndTheGoodOnesApply() {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        LoggerFactory factory = loggerFactory("error", errors);
        BackendHost.LOGS.bind(factory);
        try {
            tap.secretCommands(new String[] {"80 2G", "80 E2", "", "0x80 0x20 00 00", "80"});
        } finally {
            BackendHost.LOGS.unbind(factory);
        }
        assertThat(tap.secretCommands()).containsExactly(CommandPattern.parse("80 E2"));
        assertThat(errors).hasSize(4);
        assertThat(errors.get(0)).startsWith("secretCommands[0] '80 2G' (PID dev.scard.trace.secrets) is not a"
                + " command pattern: word 2, character 2 is not a hex digit, x or *").contains("It is left out");
        assertThat(errors.get(1)).startsWith("secretCommands[2] '' (PID dev.scard.trace.secrets) is not a command"
                + " pattern: empty");
        assertThat(errors.get(2)).startsWith("secretCommands[3] '0x80 0x20 00 00'");
        assertThat(errors.get(3)).startsWith("secretCommands[4] '80' ").contains("one byte only");

        backend.card = command -> HEX.parseHex("9000");
        tap.add(listener, Map.of());
        manager.attachByIfd("R");
        assertThat(traced("80E2000102AABB").withheld()).isEqualTo(2);
        assertThat(traced("0020000102AABB").withheld()).isEqualTo(2);
    }

    @Test
    void theComponentsConfigurationSetsTheRuleAndItsChangesApply() {
        BackendHost host = new BackendHost();
        host.modified(Configs.of(TraceSecretsConfig.class, "secretCommands", new String[] {"80 20 * *", "00 87"}));
        assertThat(host.tap().secretCommands()).containsExactly(CommandPattern.parse("80 20"),
                CommandPattern.parse("00 87"));
        host.modified(Configs.of(TraceSecretsConfig.class));
        assertThat(host.tap().secretCommands()).as("deleted: the default, none").isEmpty();
    }

    /** A LoggerFactory whose loggers collect the messages of one level ({@code method}: "warn", "error"). */
    private static LoggerFactory loggerFactory(String method, List<String> messages) {
        Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, m, arguments) -> {
                    if (m.getName().equals(method)) {
                        messages.add(String.valueOf(arguments[0]));
                    }
                    return m.getReturnType() == boolean.class ? Boolean.TRUE : null;
                });
        return (LoggerFactory) Proxy.newProxyInstance(LoggerFactory.class.getClassLoader(),
                new Class<?>[] {LoggerFactory.class}, (proxy, m, arguments) -> {
                    if (m.getName().equals("getLogger")) {
                        return logger;
                    }
                    return m.getName().equals("hashCode") ? 0 : m.getName().equals("equals")
                            ? proxy == arguments[0] : null;
                });
    }

    @Test
    void reportsLockUnlockAndReconnectWithTheirDispositions() {
        tap.add(listener, Map.of());
        manager.attachByIfd("R");
        manager.lock();
        manager.unlock(Disposition.RESET);
        manager.reconnect(Disposition.UNPOWER);
        assertThat(heard).extracting(CardTraceEvent::type, CardTraceEvent::disposition).containsExactly(
                tuple(Type.ATTACHED, null), tuple(Type.LOCK, null), tuple(Type.UNLOCK, Disposition.RESET),
                tuple(Type.RECONNECT, Disposition.UNPOWER));
        CardTraceEvent reconnect = heard.get(3);
        assertThat(reconnect.atrHex()).isEqualTo("3B00");
        assertThat(reconnect.protocol()).isEqualTo(Protocol.T1);
        assertThat(reconnect.shareMode()).isEqualTo(ShareMode.SHARED);
    }

    @Test
    void filtersByReaderByBackendAndByOneAttachment() {
        CardManager other = new CardManager(backend, new HandleTable(), new InterfaceProviders(), tap);
        List<CardTraceEvent> ofManager = new ArrayList<>();
        List<CardTraceEvent> ofReader = new ArrayList<>();
        List<CardTraceEvent> ofOtherReader = new ArrayList<>();
        List<CardTraceEvent> ofOtherBackend = new ArrayList<>();
        tap.add(ofManager::add, Map.of(CardTraceProperties.ATTACHMENT, manager.traceId()));
        tap.add(ofReader::add, Map.of(CardTraceProperties.READER, new String[] {"Q", "R"}));
        tap.add(ofOtherReader::add, Map.of(CardTraceProperties.READER, "Q"));
        tap.add(ofOtherBackend::add, Map.of(SCardServiceProperties.BACKEND, "simulator"));
        manager.attachByIfd("R");
        other.attachByIfd("R");
        manager.transmit(HEX.parseHex("00A4000C023F00"));
        other.transmit(HEX.parseHex("00B0000001"));
        tap.cardEvent(new SCardEvent(SCardEvent.Type.CARD_REMOVED, "R", "fake", ""), TraceClock.now());
        tap.cardEvent(new SCardEvent(SCardEvent.Type.CARD_INSERTED, "R", "fake", "3B00"), TraceClock.now());
        tap.cardEvent(new SCardEvent(SCardEvent.Type.READER_ADDED, "R", "fake", ""), TraceClock.now());

        assertThat(ofManager).extracting(CardTraceEvent::type, e -> hex(e.command())).containsExactly(
                tuple(Type.ATTACHED, null), tuple(Type.APDU, "00A4000C023F00"), tuple(Type.REMOVED, null),
                tuple(Type.INSERTED, null));
        assertThat(ofManager.get(3).atrHex()).isEqualTo("3B00");
        assertThat(ofReader).extracting(CardTraceEvent::type).containsExactly(Type.ATTACHED, Type.ATTACHED,
                Type.APDU, Type.APDU, Type.REMOVED, Type.INSERTED);
        assertThat(ofOtherReader).isEmpty();
        assertThat(ofOtherBackend).isEmpty();

        manager.detach();
        ofManager.clear();
        tap.cardEvent(new SCardEvent(SCardEvent.Type.CARD_RESET, "R", "fake", "3B00"), TraceClock.now());
        assertThat(ofManager).isEmpty(); // detached: the reader's events are no longer this attachment's
        assertThat(ofReader.get(ofReader.size() - 1)).extracting(CardTraceEvent::type, CardTraceEvent::disposition)
                .containsExactly(Type.RESET, Disposition.RESET);
    }

    @Test
    void aFailingListenerNeverBreaksTheCardSession() {
        tap.add(event -> {
            throw new IllegalStateException("listener bug");
        }, Map.of());
        tap.add(listener, Map.of());
        manager.attachByIfd("R");
        assertThat(hex(manager.transmit(HEX.parseHex("00A4000C023F00")))).isEqualTo("9000");
        assertThat(heard).extracting(CardTraceEvent::type).containsExactly(Type.ATTACHED, Type.APDU);
    }

    @Test
    void aFailingListenerIsLoggedOnceThroughTheBundlesLogService() {
        List<String> warnings = Collections.synchronizedList(new ArrayList<>());
        Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, arguments) -> {
                    if (method.getName().equals("warn")) {
                        warnings.add(String.valueOf(arguments[0]));
                    }
                    return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
                });
        LoggerFactory factory = (LoggerFactory) Proxy.newProxyInstance(LoggerFactory.class.getClassLoader(),
                new Class<?>[] {LoggerFactory.class}, (proxy, method, arguments) -> {
                    if (method.getName().equals("getLogger")) {
                        return logger;
                    }
                    return method.getName().equals("hashCode") ? 0 : method.getName().equals("equals")
                            ? proxy == arguments[0] : null;
                });
        BackendHost.LOGS.bind(factory);
        try {
            tap.add(event -> {
                throw new IllegalStateException("listener bug");
            }, Map.of());
            manager.attachByIfd("R");
            manager.transmit(HEX.parseHex("00A4000C023F00"));
        } finally {
            BackendHost.LOGS.unbind(factory);
        }
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).startsWith("CardTraceListener ").contains("its later failures are not logged");
    }

    @Test
    void aListenerDoesNotHearACardEventPublishedBeforeItWasAddedThoughDeliveredAfter() {
        Instant publishedBefore = TraceClock.now();
        while (!TraceClock.now().isAfter(publishedBefore)) {
            Thread.onSpinWait(); // the listener is added strictly after
        }
        tap.add(listener, Map.of());
        // delivered now, on the backend's event thread, but published before the listener's trace began
        tap.cardEvent(new SCardEvent(SCardEvent.Type.CARD_REMOVED, "R", "fake", ""), publishedBefore.minusMillis(1));
        tap.cardEvent(new SCardEvent(SCardEvent.Type.CARD_INSERTED, "R", "fake", "3B01"), publishedBefore);
        assertThat(heard).isEmpty();

        Instant publishedAfter = TraceClock.now();
        tap.cardEvent(new SCardEvent(SCardEvent.Type.CARD_INSERTED, "R", "fake", "3B02"), publishedAfter);
        assertThat(heard).extracting(CardTraceEvent::type, CardTraceEvent::atrHex, CardTraceEvent::time)
                .containsExactly(tuple(Type.INSERTED, "3B02", publishedAfter));

        // a listener added later starts later; the first one still hears what it heard before
        List<CardTraceEvent> later = new ArrayList<>();
        tap.add(later::add, Map.of());
        tap.cardEvent(new SCardEvent(SCardEvent.Type.CARD_RESET, "R", "fake", "3B02"), publishedAfter);
        tap.cardEvent(new SCardEvent(SCardEvent.Type.CARD_REMOVED, "R", "fake", ""), TraceClock.now());
        assertThat(later).extracting(CardTraceEvent::type).containsExactly(Type.REMOVED);
        assertThat(heard).extracting(CardTraceEvent::type).containsExactly(Type.INSERTED, Type.RESET, Type.REMOVED);
    }

    @Test
    void cardEventsReachTraceListenersOnTheBackendsEventThreadNeverInPublish() throws Exception {
        BackendHost host = new BackendHost();
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch release = new CountDownLatch(1);
        host.addTraceListener(event -> {
            heard.add(event);
            threads.add(Thread.currentThread().getName());
            try {
                release.await(10, TimeUnit.SECONDS); // a slow listener (a recorder writing its file)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, Map.of());
        EventChannel channel = host.open("fake");
        try {
            Instant before = Instant.now();
            Object backendLock = new Object();
            synchronized (backendLock) { // as a backend publishes: holding its lock; publish only queues
                channel.publish(new SCardEvent(SCardEvent.Type.CARD_INSERTED, "R", "fake", "3B00"));
                channel.publish(new SCardEvent(SCardEvent.Type.CARD_REMOVED, "R", "fake", ""));
            }
            assertThat(threads).doesNotContain(Thread.currentThread().getName());
            Await.until("the insertion traced", Duration.ofSeconds(10), () -> !heard.isEmpty());
            release.countDown();
            Await.until("the removal traced", Duration.ofSeconds(10), () -> heard.size() == 2);
            assertThat(threads).containsOnly("scard-fake-events");
            assertThat(heard).extracting(CardTraceEvent::type).containsExactly(Type.INSERTED, Type.REMOVED);
            assertThat(heard.get(0).time()).isAfterOrEqualTo(before).isBeforeOrEqualTo(heard.get(1).time());
            assertThat(heard.get(0).atrHex()).isEqualTo("3B00");
        } finally {
            release.countDown();
            channel.close();
        }
    }

    @Test
    void aDetachWhileTheAttachIsBeingTracedIsTracedAfterIt() throws Exception {
        CountDownLatch attachedHeard = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        tap.add(event -> {
            if (event.type() == Type.ATTACHED) {
                attachedHeard.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS); // holds the attach in its trace
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            heard.add(event);
        }, Map.of());
        Worker<Void> attach = Worker.start("attach", () -> {
            manager.attachByIfd("R");
            return null;
        });
        Worker<Void> detach = null;
        try {
            assertThat(attachedHeard.await(10, TimeUnit.SECONDS)).isTrue();
            detach = Worker.start("detach", () -> {
                manager.detach();
                return null;
            });
            Worker<Void> detaching = detach;
            // it either waits for the attach's trace to end or (the race) has detached already
            Await.until("the detach waits or ended", Duration.ofSeconds(10), () -> detaching.isDone()
                    || detaching.thread().getState() == Thread.State.WAITING);
        } finally {
            release.countDown();
        }
        attach.get(Duration.ofSeconds(10));
        detach.get(Duration.ofSeconds(10));
        assertThat(heard).extracting(CardTraceEvent::type).containsExactly(Type.ATTACHED, Type.DETACHED);
        List<CardTraceEvent> ofManager = Collections.synchronizedList(new ArrayList<>());
        tap.add(ofManager::add, Map.of(CardTraceProperties.ATTACHMENT, manager.traceId()));
        tap.cardEvent(new SCardEvent(SCardEvent.Type.CARD_REMOVED, "R", "fake", ""), TraceClock.now());
        assertThat(ofManager).isEmpty(); // the tap no longer takes the manager for being on "R"
    }

    @Test
    void anAttachmentByHandleIsTracedAsTheManagersOwn() {
        HandleTable handles = new HandleTable();
        CardManager borrower = new CardManager(backend, handles, new InterfaceProviders(), tap);
        dev.scard.api.CardHandle handle = new BackendResourceManager(backend, handles).connect("R");
        tap.add(listener, Map.of(CardTraceProperties.ATTACHMENT, borrower.traceId()));
        borrower.attachByHandle(handle);
        borrower.transmit(HEX.parseHex("00A4000C023F00"));
        borrower.detach();
        assertThat(heard).extracting(CardTraceEvent::type, CardTraceEvent::attachment, e -> hex(e.command()))
                .containsExactly(tuple(Type.ATTACHED, borrower.traceId(), null),
                        tuple(Type.APDU, borrower.traceId(), "00A4000C023F00"),
                        tuple(Type.DETACHED, borrower.traceId(), null));
        assertThat(heard.get(0).atrHex()).isEqualTo("3B00");
    }

    @Test
    void eachManagerHasItsOwnTraceId() {
        CardManager other = new CardManager(backend, new HandleTable());
        assertThat(other.traceId()).isNotEqualTo(manager.traceId());
    }
}
