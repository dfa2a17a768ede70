package dev.scard.simulator.internal;

import static dev.scard.simulator.internal.SimulatorBackendTest.ATR;
import static dev.scard.simulator.internal.SimulatorBackendTest.HEX;
import static dev.scard.simulator.internal.SimulatorBackendTest.R0;
import static dev.scard.simulator.internal.SimulatorBackendTest.R1;
import static dev.scard.simulator.internal.SimulatorBackendTest.WAIT;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.scard.api.CardState;
import dev.scard.api.HResult;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.core.CardManager;
import dev.scard.core.EventDispatcher;
import dev.scard.core.HandleTable;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Configs;
import dev.scard.testsupport.Worker;

/**
 * Reader configurations (factory PID {@value SimulatorComponent#READER_FACTORY_PID}) applied to the simulator as
 * SCR would: created, updated live, deleted, and refused with one clear error when a value is bad.
 */
class ReaderConfigurationsTest {

    static final String LAB = "Lab Reader";
    static final String PID = SimulatorComponent.READER_FACTORY_PID + "~lab";
    static final String OTHER_PID = SimulatorComponent.READER_FACTORY_PID + "~other";
    static final String SELECT_MF = "00A4000C023F00";
    /** The ATR of {@link #otherProfile}: T=0, two historical bytes. */
    static final String OTHER_ATR = "3B021450";

    @TempDir
    Path tmp;

    SimulatorComponent simulator;
    final List<SCardEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        simulator = new SimulatorComponent();
        EventDispatcher channel = new EventDispatcher("test-events");
        channel.addListener(events::add);
        simulator.activateWith(SimulatorComponentsTest.config(new String[] {R0, R1}, new String[] {R0}), channel);
    }

    @AfterEach
    void stop() {
        simulator.deactivate();
    }

    static SimulatedReaderConfig reader(String name, String profile, boolean cardInserted, String vpcd) {
        return Configs.of(SimulatedReaderConfig.class, "name", name, "profile", profile, "cardInserted", cardInserted,
                "vpcd", vpcd);
    }

    static SimulatedReaderConfig lab() {
        return reader(LAB, "", true, "");
    }

    Path otherProfile() throws IOException {
        return Files.writeString(tmp.resolve("other-card.json"),
                "{\"name\": \"other\", \"atr\": \"3B 02 14 50\", \"protocol\": \"T=0\"}");
    }

    /** Waits (bounded) until the event thread delivered an event of this type for this reader. */
    void awaitEvent(SCardEvent.Type type, String reader) throws InterruptedException {
        Await.until("a " + type + " event for " + reader, WAIT,
                () -> events.stream().anyMatch(e -> e.type() == type && e.readerName().equals(reader)));
    }

    String atr(String reader) {
        return simulator.backend().readerInfo(reader).atrHex();
    }

    CardManager attach(String reader) {
        CardManager manager = new CardManager(simulator, new HandleTable());
        manager.attachByIfd(reader);
        return manager;
    }

    static String transmit(CardManager manager, String command) {
        return HEX.formatHex(manager.transmit(HEX.parseHex(command)));
    }

    // ---------------------------------------------------------------- creating and deleting

    @Test
    void aConfigurationAddsAReaderWithTheSampleCardAfterTheSimulatorsOwn() {
        assertThat(simulator.applyReader(PID, lab())).isNull();
        assertThat(simulator.applyReader(OTHER_PID, reader(" Aux ", null, false, null))).isNull();
        assertThat(simulator.readers()).containsExactly(R0, R1, "Aux", LAB);
        assertThat(simulator.isCardPresent(LAB)).isTrue();
        assertThat(atr(LAB)).isEqualTo(ATR);
        assertThat(simulator.isCardPresent("Aux")).isFalse();
        assertThat(simulator.served()).isEmpty();
        assertThat(simulator.configuredReaderNames()).containsExactly(entry(PID, LAB), entry(OTHER_PID, "Aux"));
        CardManager manager = attach(LAB);
        assertThat(transmit(manager, SELECT_MF)).isEqualTo("9000");
        manager.detach();
    }

    @Test
    void aProfileFileGivesItsCard() throws IOException {
        assertThat(simulator.applyReader(PID, reader(LAB, otherProfile().toString(), true, ""))).isNull();
        assertThat(atr(LAB)).isEqualTo(OTHER_ATR);
        assertThat(simulator.backend().readerInfo(LAB).state()).isEqualTo(CardState.SPECIFIC_MODE);
    }

    @Test
    void deletingRemovesTheReaderAndClosesItsConnections() throws InterruptedException {
        simulator.applyReader(PID, lab());
        CardManager manager = attach(LAB);
        simulator.removeReader(PID);
        assertThat(simulator.readers()).containsExactly(R0, R1);
        assertThat(simulator.configuredReaderNames()).isEmpty();
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> manager.transmit(HEX.parseHex(SELECT_MF)));
        failure(HResult.E_INVALIDARG, () -> simulator.isCardPresent(LAB));
        awaitEvent(SCardEvent.Type.READER_REMOVED, LAB);
        simulator.removeReader(PID); // again, or a refused configuration: nothing happens
        simulator.removeReader("never.applied");
        assertThat(simulator.readers()).containsExactly(R0, R1);
    }

    // ---------------------------------------------------------------- updating

    @Test
    void anUpdateThatLeavesTheCardAloneKeepsItsConnections() {
        simulator.applyReader(PID, lab());
        SimulatedCard card = simulator.configuredCard(PID);
        CardManager manager = attach(LAB);
        manager.lock();
        assertThat(simulator.applyReader(PID, reader(LAB, " ", true, ""))).isNull();
        assertThat(simulator.configuredCard(PID)).isSameAs(card);
        assertThat(transmit(manager, SELECT_MF)).isEqualTo("9000");
        manager.unlock();
        manager.detach();
    }

    @Test
    void cardInsertedRemovesAndPutsBackTheSameCard() {
        simulator.applyReader(PID, lab());
        SimulatedCard card = simulator.configuredCard(PID);
        CardManager manager = attach(LAB);
        assertThat(simulator.applyReader(PID, reader(LAB, "", false, ""))).isNull();
        assertThat(simulator.isCardPresent(LAB)).isFalse();
        failure(HResult.SCARD_W_REMOVED_CARD, () -> manager.transmit(HEX.parseHex(SELECT_MF)));
        assertThat(simulator.applyReader(PID, lab())).isNull();
        assertThat(simulator.isCardPresent(LAB)).isTrue();
        assertThat(simulator.backend().reader(LAB).holds(card)).isTrue();
        manager.reconnect();
        assertThat(transmit(manager, SELECT_MF)).isEqualTo("9000");
        manager.detach();
    }

    @Test
    void cardsInsertedOrRemovedByHandStayUntilTheCardSettingsChange() {
        simulator.applyReader(PID, lab());
        simulator.remove(LAB);
        assertThat(simulator.applyReader(PID, lab())).isNull();
        assertThat(simulator.isCardPresent(LAB)).as("removed by hand, nothing about the card changed").isFalse();
        simulator.applyReader(PID, reader(LAB, "", false, ""));
        simulator.insert(LAB, new TestCard());
        assertThat(simulator.applyReader(PID, reader(LAB, "", false, ""))).isNull();
        assertThat(simulator.isCardPresent(LAB)).as("inserted by hand, nothing about the card changed").isTrue();
    }

    @Test
    void aChangedProfileReplacesTheCard() throws Exception {
        simulator.applyReader(PID, lab());
        SimulatedCard sample = simulator.configuredCard(PID);
        CardManager manager = attach(LAB);
        awaitEvent(SCardEvent.Type.CARD_INSERTED, LAB); // the events before it are delivered too
        events.clear();
        Path other = otherProfile();
        assertThat(simulator.applyReader(PID, reader(LAB, other.toString(), true, ""))).isNull();
        assertThat(atr(LAB)).isEqualTo(OTHER_ATR);
        awaitEvent(SCardEvent.Type.CARD_INSERTED, LAB);
        assertThat(events).extracting(SCardEvent::type, SCardEvent::readerName, SCardEvent::atrHex).containsExactly(
                tuple(SCardEvent.Type.CARD_REMOVED, LAB, ""),
                tuple(SCardEvent.Type.CARD_INSERTED, LAB, OTHER_ATR));
        assertThat(simulator.configuredCard(PID)).isNotSameAs(sample);
        failure(HResult.SCARD_W_REMOVED_CARD, () -> manager.transmit(HEX.parseHex(SELECT_MF)));
        manager.reconnect();
        assertThat(HEX.formatHex(manager.status().atr())).isEqualTo(OTHER_ATR);
        manager.detach();

        // the same file with the same content: the card stays
        SimulatedCard otherCard = simulator.configuredCard(PID);
        assertThat(simulator.applyReader(PID, reader(LAB, other.toString(), true, "x:y"))).isNotNull();
        assertThat(simulator.applyReader(PID, reader(LAB, other.toString(), true, ""))).isNull();
        assertThat(simulator.configuredCard(PID)).isSameAs(otherCard);

        // the same file with new content: a fresh card of it
        Files.writeString(other, "{\"atr\": \"3B 02 14 51\", \"protocol\": \"T=0\"}");
        assertThat(simulator.applyReader(PID, reader(LAB, other.toString(), true, ""))).isNull();
        assertThat(atr(LAB)).isEqualTo("3B021451");
        assertThat(simulator.configuredCard(PID)).isNotSameAs(otherCard);

        // a new profile while the card is out: it stays out, and the new card comes in with cardInserted
        simulator.applyReader(PID, reader(LAB, other.toString(), false, ""));
        assertThat(simulator.applyReader(PID, reader(LAB, "", false, ""))).isNull();
        assertThat(simulator.isCardPresent(LAB)).isFalse();
        simulator.applyReader(PID, lab());
        assertThat(atr(LAB)).isEqualTo(ATR);
    }

    @Test
    void aNewNameMovesTheCardToANewReader() {
        simulator.applyReader(PID, lab());
        SimulatedCard card = simulator.configuredCard(PID);
        CardManager manager = attach(LAB);
        assertThat(simulator.applyReader(PID, reader("Renamed", "", true, ""))).isNull();
        assertThat(simulator.readers()).containsExactly(R0, R1, "Renamed");
        assertThat(simulator.backend().reader("Renamed").holds(card)).isTrue();
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> manager.transmit(HEX.parseHex(SELECT_MF)));
    }

    @Test
    void vpcdServesTheCardAndChangesApplyLive() throws Exception {
        try (FakeVpcd vpcd = new FakeVpcd(); FakeVpcd other = new FakeVpcd()) {
            assertThat(simulator.applyReader(PID, reader(LAB, "", true, "127.0.0.1:" + vpcd.port()))).isNull();
            assertThat(simulator.served()).extracting(ServedReader::readerName, ServedReader::address)
                    .containsExactly(tuple(LAB, "127.0.0.1:" + vpcd.port()));
            vpcd.accept();
            assertThat(vpcd.atr()).isEqualTo(ATR);

            assertThat(simulator.applyReader(PID, reader(LAB, "", true, "127.0.0.1:" + other.port()))).isNull();
            assertThat(vpcd.closedByCard(1000)).isTrue();
            other.accept();
            assertThat(other.atr()).isEqualTo(ATR);

            assertThat(simulator.applyReader(PID, lab())).isNull();
            assertThat(other.closedByCard(1000)).isTrue();
            assertThat(simulator.served()).isEmpty();
        }
    }

    // ---------------------------------------------------------------- bad values

    @Test
    void badValuesOfANewConfigurationAddNothing() throws IOException {
        Path invalid = Files.writeString(tmp.resolve("invalid.json"), "{\"atr\": \"3B 02\", \"files\": 5}");
        assertBad(reader(" ", "", true, ""), "name: no reader name given (the name must not be blank); no reader"
                + " added");
        assertBad(reader(null, "", true, ""), "name: no reader name given");
        assertBad(reader(R0, "", true, ""), "name: 'Simulated Reader 0' is already a reader of dev.scard.simulator"
                + " (its readers list); no reader added");
        assertBad(reader(LAB, tmp.resolve("missing.json").toString(), true, ""), "profile: card profile "
                + tmp.resolve("missing.json") + ": no such file; no reader added");
        assertBad(reader(LAB, "missing-here.json", true, ""), "profile: card profile missing-here.json: no such file"
                + " (relative to /");
        assertBad(reader(LAB, invalid.toString(), true, ""), "profile: card profile " + invalid + ": ");
        assertBad(reader(LAB, tmp.toString(), true, ""), "profile: card profile " + tmp + ": is a directory");
        assertBad(reader(LAB, "", true, "35963"), "vpcd: '35963' is not a vpcd address: use <host>:<port>, such as"
                + " 127.0.0.1:35963 (vpcd's first slot; 35964 is the second); no reader added");
        assertBad(reader(LAB, "", true, "host:0"), "vpcd: '0' in 'host:0' is not a port number from 1 to 65535");
        assertThat(simulator.readers()).containsExactly(R0, R1);
        assertThat(simulator.configuredReaderNames()).isEmpty();
    }

    void assertBad(SimulatedReaderConfig config, String message) {
        assertThat(simulator.applyReader(PID, config)).startsWith(PID + ": " + message);
    }

    @Test
    void aNameAnotherConfigurationHoldsIsRefused() {
        simulator.applyReader(PID, lab());
        assertThat(simulator.applyReader(OTHER_PID, lab())).isEqualTo(OTHER_PID + ": name: 'Lab Reader' is already"
                + " the reader of the configuration " + PID + "; no reader added");
        assertThat(simulator.configuredReaderNames()).containsExactly(entry(PID, LAB));
    }

    @Test
    void anAddressAnotherReaderIsServedToIsRefused() {
        simulator.serve(R0, "127.0.0.1", 1);
        assertThat(simulator.applyReader(PID, reader(LAB, "", true, "127.0.0.1:1"))).isEqualTo(PID + ": vpcd: reader"
                + " 'Simulated Reader 0' is already served to vpcd at 127.0.0.1:1 (vpcd takes one card per port; its"
                + " second slot listens on 35964); no reader added");
        assertThat(simulator.readers()).containsExactly(R0, R1);
    }

    @Test
    void aBadUpdateLeavesTheReaderAsItWas() throws Exception {
        try (FakeVpcd vpcd = new FakeVpcd()) {
            String address = "127.0.0.1:" + vpcd.port();
            simulator.applyReader(PID, reader(LAB, "", true, address));
            vpcd.accept();
            SimulatedCard card = simulator.configuredCard(PID);
            CardManager manager = attach(LAB);
            String stays = "; reader 'Lab Reader' stays as it was";
            assertThat(simulator.applyReader(PID, reader("", "", false, ""))).isEqualTo(PID
                    + ": name: no reader name given (the name must not be blank)" + stays);
            assertThat(simulator.applyReader(PID, reader(R1, "", false, ""))).isEqualTo(PID
                    + ": name: 'Simulated Reader 1' is already a reader of dev.scard.simulator (its readers list)"
                    + stays);
            assertThat(simulator.applyReader(PID, reader(LAB, "nope/missing.json", false, ""))).startsWith(PID
                    + ": profile: card profile nope/missing.json: no such file").endsWith(stays);
            assertThat(simulator.applyReader(PID, reader(LAB, "", false, "[::1:5"))).startsWith(PID + ": vpcd: ")
                    .endsWith(stays);
            assertThat(simulator.readers()).containsExactly(R0, R1, LAB);
            assertThat(simulator.isCardPresent(LAB)).isTrue();
            assertThat(simulator.configuredCard(PID)).isSameAs(card);
            assertThat(transmit(manager, SELECT_MF)).isEqualTo("9000");
            assertThat(simulator.served()).extracting(ServedReader::address).containsExactly(address);
            assertThat(vpcd.silentFor(50)).as("the vpcd link stays connected").isTrue();
            manager.detach();
        }
    }

    // ---------------------------------------------------------------- with the simulator's own configuration

    @Test
    void theSimulatorsOwnReadersAndConfiguredReadersKeepTheirNames() {
        simulator.applyReader(PID, lab());
        simulator.remove(LAB);
        // the simulator's configuration names the configured reader: skipped, the reader stays the configuration's
        simulator.modified(SimulatorComponentsTest.config(new String[] {LAB, R0}, new String[] {LAB, R0}));
        assertThat(simulator.readers()).containsExactly(R0, LAB);
        assertThat(simulator.isCardPresent(LAB)).as("untouched").isFalse();
        assertThat(simulator.configuredReaderNames()).containsExactly(entry(PID, LAB));
        // once the reader configuration is gone, the next change of the simulator's configuration takes the name
        simulator.removeReader(PID);
        assertThat(simulator.readers()).containsExactly(R0);
        simulator.modified(SimulatorComponentsTest.config(new String[] {LAB, R0}, new String[] {LAB}));
        assertThat(simulator.readers()).containsExactly(LAB, R0);
        assertThat(simulator.isCardPresent(LAB)).isTrue();
    }

    @Test
    void configuredReadersSurviveChangesOfTheSimulatorsConfiguration() {
        simulator.applyReader(PID, lab());
        CardManager manager = attach(LAB);
        simulator.modified(SimulatorComponentsTest.config(new String[0], new String[0]));
        assertThat(simulator.readers()).containsExactly(LAB);
        assertThat(transmit(manager, SELECT_MF)).isEqualTo("9000");
        manager.detach();
    }

    @Test
    void afterTheSimulatorStoppedConfigurationsChangeNothing() {
        simulator.applyReader(PID, lab());
        simulator.deactivate();
        simulator.removeReader(PID); // SCR deactivates the reader components when the simulator goes
        assertThat(simulator.applyReader(OTHER_PID, lab())).isEqualTo(OTHER_PID
                + ": the simulator has stopped; no reader added");
    }

    @Test
    void aFailedUpdateKeepsTheConfigurationsValues() throws Exception {
        try (FakeVpcd vpcd = new FakeVpcd()) {
            String address = "127.0.0.1:" + vpcd.port();
            simulator.applyReader(PID, reader(LAB, "", true, address));
            SimulatedCard card = simulator.configuredCard(PID);
            simulator.backend().stop(); // every step of an update fails from now on
            assertThat(simulator.applyReader(PID, reader(LAB, otherProfile().toString(), true, ""))).startsWith(PID
                    + ": ").endsWith("; reader 'Lab Reader' stays as it was");
            assertThat(simulator.applyReader(PID, reader(LAB, "", true, "127.0.0.1:1"))).startsWith(PID + ": vpcd: ")
                    .endsWith("; reader 'Lab Reader' stays as it was");
            assertThat(simulator.configuredReaderNames()).as("the configuration was not dropped")
                    .containsExactly(entry(PID, LAB));
            assertThat(simulator.configuredCard(PID)).isSameAs(card);
        }
    }

    @Test
    void aChangedProfileReplacesTheCardInOneStepWhileCardsAreInsertedByHand() throws Exception {
        Path other = otherProfile();
        simulator.applyReader(PID, lab());
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Worker<Void> hand = Worker.start("inserting-by-hand", () -> {
            while (!done.get()) {
                try {
                    simulator.insert(LAB);
                } catch (SCardException e) {
                    // a card is in: fine
                }
                try {
                    simulator.remove(LAB);
                } catch (SCardException e) {
                    // no card: fine
                }
            }
            return null;
        });
        try {
            for (int i = 0; i < 400; i++) {
                String profile = i % 2 == 0 ? other.toString() : "";
                assertThat(simulator.applyReader(PID, reader(LAB, profile, true, ""))).as("update " + i).isNull();
            }
        } finally {
            done.set(true);
            hand.join(WAIT);
        }
        assertThat(simulator.configuredReaderNames()).containsExactly(entry(PID, LAB));
    }

    @Test
    void aProfileIsReadOnceAndComparedByTheBytesItWasParsedFrom() throws Exception {
        Path fifo = tmp.resolve("card.fifo");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no mkfifo: " + e);
            return;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo failed");
        // A pipe gives its content once: a second read of the file would wait for a writer that never comes.
        Worker.start("fifo-writer",
                () -> Files.writeString(fifo, "{\"atr\": \"3B 02 14 50\", \"protocol\": \"T=0\"}"));
        Worker<CardProfiles.Profile> loader = Worker.start("profile-loader", () -> CardProfiles.load(fifo));
        boolean finished = loader.join(WAIT);
        if (!finished) {
            // unblock the second read so the thread ends
            Worker.start("fifo-unblocker", () -> Files.writeString(fifo, ""));
        }
        assertThat(finished).as("the profile file was read once").isTrue();
        assertThat(HEX.formatHex(loader.get(WAIT).newCard().atr())).isEqualTo(OTHER_ATR);
    }

    // ---------------------------------------------------------------- the component SCR makes per configuration

    @Test
    void theComponentAppliesItsConfigurationUnderItsPid() {
        SimulatedReaderComponent component = new SimulatedReaderComponent(simulator, lab(),
                Map.of("service.pid", PID, "service.factoryPid", SimulatorComponent.READER_FACTORY_PID));
        assertThat(simulator.configuredReaderNames()).containsExactly(entry(PID, LAB));
        component.modified(reader("Other", "", false, ""));
        assertThat(simulator.configuredReaderNames()).containsExactly(entry(PID, "Other"));
        assertThat(simulator.isCardPresent("Other")).isFalse();
        component.deactivate();
        assertThat(simulator.readers()).containsExactly(R0, R1);
    }

    // ---------------------------------------------------------------- insertProfile

    @Test
    void insertProfilePutsAFreshCardOfTheFileIntoTheReader() throws IOException {
        Path other = otherProfile();
        simulator.insertProfile(R1, other);
        assertThat(atr(R1)).isEqualTo(OTHER_ATR);
        failure(HResult.E_FAIL, () -> simulator.insertProfile(R1, other));
        simulator.remove(R1);
        simulator.insert(R1);
        assertThat(atr(R1)).as("the profile's card is the reader's card now").isEqualTo(OTHER_ATR);
    }

    @Test
    void aBareFileNameOfABundledProfileInsertsItsCard() {
        simulator.insertProfile(R1, Path.of("field-card.json"));
        assertThat(atr(R1)).isEqualTo("3B084649454C4453494D");
        simulator.remove(R1);
        simulator.insertProfile(R1, Path.of("slow-field-card.json"));
        assertThat(atr(R1)).isEqualTo("3B8801534C4F57434152449A");
        simulator.remove(R1);
        assertThat(CardProfiles.isBundled(Path.of("field-card.json"))).isTrue();
        assertThat(CardProfiles.isBundled(Path.of("sample-card.json"))).isTrue();
        assertThat(CardProfiles.isBundled(tmp.resolve("field-card.json"))).as("a path is a file").isFalse();
        assertThat(CardProfiles.isBundled(Path.of("other-card.json"))).isFalse();
        assertThatThrownBy(() -> simulator.insertProfile(R1, Path.of("other-card.json")))
                .hasMessageContaining("card profile other-card.json: no such file (relative to ")
                .hasMessageContaining("; the profiles in the bundle, named by file name alone: sample-card.json,"
                        + " field-card.json, slow-field-card.json)");
        assertThatThrownBy(() -> simulator.insertProfile(R1, Path.of("cards", "field-card.json")))
                .as("a path is no bundled name").hasMessageContaining("card profile cards/field-card.json: no such"
                        + " file (relative to ").hasMessageNotContaining("bundle");
        assertThat(simulator.isCardPresent(R1)).isFalse();
    }

    @Test
    void insertProfileRefusesBadFilesWithTheParseError() throws IOException {
        Path invalid = Files.writeString(tmp.resolve("bad.json"), "{\"atr\": \"3B\", \"protocol\": \"T=2\"}");
        assertThatThrownBy(() -> simulator.insertProfile(R1, invalid)).isInstanceOfSatisfying(SCardException.class,
                e -> {
                    assertThat(e.code()).isEqualTo(HResult.E_INVALIDARG);
                    assertThat(e.getMessage()).startsWith("card profile " + invalid + ": ")
                            .endsWith(" [E_INVALIDARG 0x80070057]");
                });
        failure(HResult.E_INVALIDARG, () -> simulator.insertProfile(R1, tmp.resolve("missing.json")));
        failure(HResult.E_INVALIDARG, () -> simulator.insertProfile(R1, null));
        failure(HResult.E_INVALIDARG, () -> simulator.insertProfile("Nope", invalid));
        assertThat(simulator.isCardPresent(R1)).isFalse();
        // a reader holding a card: the file is checked first
        failure(HResult.E_INVALIDARG, () -> simulator.insertProfile(R0, invalid));
        assertThat(atr(R0)).isEqualTo(ATR);
    }
}
