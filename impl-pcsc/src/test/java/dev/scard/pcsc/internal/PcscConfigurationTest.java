package dev.scard.pcsc.internal;

import static dev.scard.pcsc.internal.TestConfigs.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.ShareMode;
import dev.scard.core.EventDispatcher;
import dev.scard.pcsc.internal.TestConfigs.LogCatcher;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Expect;

/**
 * The configuration PID dev.scard.pcsc on the owner component, over fake libraries: a change is applied in place
 * (connections stay); a change with a bad value (reader filter that is not a regular expression, a negative or
 * out-of-range time, a library path that does not load) is rejected as a whole with one logged error naming it, and
 * the previous settings stay in force; at activation bad values are logged and replaced.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PcscConfigurationTest {

    private static final String R0 = "Reader 0";
    private static final String R1 = "Reader 1";
    private static final byte[] ATR = HexFormat.of().parseHex("3B8801534341524453494D99");
    private static final byte[] SELECT_MF = {0x00, (byte) 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};
    private static final String OTHER_LIBRARY = "/opt/other/libpcsclite.so.1";
    private static final String MISSING_LIBRARY = "/nonexistent/libpcsclite.so.1";

    private final FakePcscApi api = new FakePcscApi(PcscPlatform.linux(8), R0, R1);
    private final FakePcscApi otherApi = new FakePcscApi(PcscPlatform.linux(8), "Other Reader");
    private final PcscComponent owner = new PcscComponent();
    private final BlockingQueue<SCardEvent> events = new LinkedBlockingQueue<>();
    private final LogCatcher log = new LogCatcher(PcscComponent.class);

    private PcscBackend activate(PcscSettings settings) {
        api.insert(R0, ATR);
        PcscBackend backend = new PcscBackend(api.platform(), settings, path -> switch (path) {
            case "" -> api;
            case OTHER_LIBRARY -> otherApi;
            default -> throw new UnsatisfiedLinkError(path + ": cannot open shared object file: No such file");
        });
        EventDispatcher channel = new EventDispatcher(PcscComponent.EVENT_THREAD);
        channel.addListener(events::add);
        owner.activateWith(backend, channel);
        return backend;
    }

    @AfterEach
    void deactivate() {
        log.close();
        if (owner.backend() != null) {
            owner.deactivate();
        }
    }

    @Test
    void aReaderFilterThatIsNoRegularExpressionIsRejectedAndThePreviousOneStays() {
        PcscBackend backend = activate(PcscSettings.defaults());
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);

        String rejected = owner.apply(config("Reader (0", ""));
        assertThat(rejected).contains("configuration rejected, the previous settings stay in force")
                .contains("readerFilter 'Reader (0' is not a valid regular expression");
        assertThat(log.errors()).containsExactly(rejected);
        assertThat(backend.settings().readerFilter().pattern()).isEqualTo(".*");
        assertThat(backend.listReaders()).extracting(ReaderInfo::name).containsExactly(R0, R1);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
    }

    @Test
    void negativeAndOutOfRangeTimesAreRejectedTogetherWithEveryBadValueNamed() {
        PcscBackend backend = activate(PcscSettings.defaults());
        String rejected = owner.apply(config("[", "", -5, 100_000, 0));
        assertThat(rejected).contains("transactionPollMillis -5 is outside 1..1000 ms")
                .contains("cardCheckMillis 100000 is outside 5..10000 ms")
                .contains("minimumLockWaitMillis 0 is outside 1..60000 ms")
                .contains("readerFilter '['");
        assertThat(log.errors()).hasSize(1);
        assertThat(backend.settings().transactionPoll()).isEqualTo(Duration.ofMillis(2));
        assertThat(backend.settings().cardCheck()).isEqualTo(Duration.ofMillis(100));
        assertThat(backend.settings().minimumLockWait()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void theCallTimeoutIsConfiguredLiveAndAnInvalidOneIsRejected() {
        PcscBackend backend = activate(PcscSettings.defaults());
        assertThat(backend.callTimeout()).as("the default").isEqualTo(Duration.ofMinutes(2));
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);

        assertThat(owner.apply(TestConfigs.config(".*", "", 2, 100, 250, 1500))).isNull();
        assertThat(backend.callTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(connection.transmit(SELECT_MF)).as("the open connection stayed").containsExactly(0x90, 0x00);

        String rejected = owner.apply(TestConfigs.config(".*", "", 2, 100, 250, 0));
        assertThat(rejected).contains("callTimeoutMillis 0 is outside 1..");
        assertThat(backend.callTimeout()).as("the previous value stays").isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void aLibraryPathThatDoesNotLoadIsRejectedAndTheLibraryInUseStays() {
        PcscBackend backend = activate(PcscSettings.defaults());
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        String rejected = owner.apply(config(".*", MISSING_LIBRARY));
        assertThat(rejected).contains("libraryPath '" + MISSING_LIBRARY + "'").contains("not found or not loadable")
                .contains("cannot open shared object file");
        assertThat(log.errors()).containsExactly(rejected);
        assertThat(backend.settings().libraryPath()).isEmpty();
        assertThat(backend.listReaders()).extracting(ReaderInfo::name).containsExactly(R0, R1);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
    }

    @Test
    void validChangesApplyInPlaceAndConnectionsStay() throws Exception {
        PcscBackend backend = activate(PcscSettings.defaults());
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        awaitEvents(3); // the readers and the card at start

        assertThat(owner.apply(config("Reader 1", "", 5, 50, 500))).isNull();
        assertThat(log.errors()).isEmpty();
        assertThat(backend.listReaders()).extracting(ReaderInfo::name).containsExactly(R1);
        assertThat(Expect.code(() -> backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1)))
                .as("hidden now").isEqualTo(HResult.SCARD_E_UNKNOWN_READER);
        assertThat(backend.settings().transactionPoll()).isEqualTo(Duration.ofMillis(5));
        assertThat(backend.settings().cardCheck()).isEqualTo(Duration.ofMillis(50));
        assertThat(backend.settings().minimumLockWait()).isEqualTo(Duration.ofMillis(500));
        assertThat(connection.transmit(SELECT_MF)).as("the open connection stayed").containsExactly(0x90, 0x00);
        assertThat(awaitEvents(2)).extracting(SCardEvent::type)
                .containsExactly(SCardEvent.Type.CARD_REMOVED, SCardEvent.Type.READER_REMOVED);
    }

    @Test
    void anotherLibraryIsUsedForNewConnectionsWhileOpenOnesStayOnTheirs() throws Exception {
        PcscBackend backend = activate(PcscSettings.defaults());
        PcscConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        awaitEvents(3);
        assertThat(owner.apply(config(".*", OTHER_LIBRARY))).isNull();
        assertThat(backend.settings().libraryPath()).isEqualTo(OTHER_LIBRARY);
        assertThat(backend.listReaders()).extracting(ReaderInfo::name).containsExactly("Other Reader");
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        connection.disconnect(Disposition.LEAVE);
        assertThat(awaitEvents(4)).as("the first library's readers went, the other library's reader came")
                .extracting(e -> e.type() + " " + e.readerName()).containsExactly("CARD_REMOVED " + R0,
                        "READER_REMOVED " + R0, "READER_REMOVED " + R1, "READER_ADDED Other Reader");
        awaitNoContexts(api, "the first library's contexts were released (its connection's once it closed)");
    }

    @Test
    void badValuesAtActivationAreLoggedAndReplaced() {
        try (LogCatcher settingsLog = new LogCatcher(PcscSettings.class)) {
            PcscSettings settings = PcscSettings.from(config("(", "", -1, 100, 250));
            assertThat(settings.readerFilter().pattern()).as("an invalid filter hides every reader")
                    .isEqualTo(PcscSettings.NOTHING.pattern());
            assertThat(settings.transactionPoll()).isEqualTo(Duration.ofMillis(2));
            assertThat(settingsLog.errors()).hasSize(2).anySatisfy(message -> assertThat(message)
                    .contains("transactionPollMillis -1 is outside 1..1000 ms; the default 2 ms is used"))
                    .anySatisfy(message -> assertThat(message).contains("readerFilter '(' is not a valid regular "
                            + "expression").contains("no reader is shown until it is fixed"));
        }
    }

    @Test
    void aConfiguredLibraryThatDoesNotLoadAtActivationIsAnErrorAndCallsSayWhy() {
        PcscBackend backend = new PcscBackend(PcscPlatform.linux(8), new PcscSettings(
                PcscSettings.defaults().readerFilter(), MISSING_LIBRARY, Duration.ofMillis(2), Duration.ofMillis(100),
                Duration.ofMillis(250)), path -> {
                    throw new UnsatisfiedLinkError(path + ": cannot open shared object file");
                });
        owner.activateWith(backend, new EventDispatcher(PcscComponent.EVENT_THREAD));
        assertThat(log.errors()).singleElement().asString().contains(MISSING_LIBRARY).contains("SCARD_E_NO_SERVICE");
        assertThat(Expect.failure(backend::listReaders).getMessage()).contains(MISSING_LIBRARY);
    }

    private java.util.List<SCardEvent> awaitEvents(int count) throws InterruptedException {
        java.util.List<SCardEvent> list = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            SCardEvent event = events.poll(5, TimeUnit.SECONDS);
            assertThat(event).as("event %d of %d", i + 1, count).isNotNull();
            list.add(event);
        }
        return list;
    }

    private static void awaitNoContexts(FakePcscApi api, String why) throws InterruptedException {
        Await.until("no open context: " + why, Duration.ofSeconds(5), () -> api.openContexts() == 0);
    }
}
