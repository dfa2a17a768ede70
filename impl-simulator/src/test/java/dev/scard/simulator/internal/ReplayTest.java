package dev.scard.simulator.internal;

import static dev.scard.simulator.internal.SimulatorBackendTest.ATR;
import static dev.scard.simulator.internal.SimulatorBackendTest.HEX;
import static dev.scard.simulator.internal.SimulatorBackendTest.R0;
import static dev.scard.simulator.internal.SimulatorBackendTest.R1;
import static dev.scard.simulator.internal.SimulatorBackendTest.WAIT;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.CardManager;
import dev.scard.core.EventDispatcher;
import dev.scard.core.HandleTable;
import dev.scard.simulator.control.ReplayMatch;
import dev.scard.simulator.control.ReplayStatus;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Configs;
import dev.scard.trace.Trace;
import dev.scard.trace.TraceEntry;
import dev.scard.trace.TraceHeader;
import dev.scard.trace.TraceWriter;

/**
 * A trace replayed as a card: the replay card alone (order and command matching, divergence, redacted commands, the
 * status word for unanswered commands), and in the simulator (insertTrace, a trace as a reader configuration's
 * profile, recorded resets and removals reproduced, bad files refused with the reader left as it was).
 */
class ReplayTest {

    static final String TRACE_ATR = "3B8F8001804F0CA000000306030001000000006A";
    static final String SELECT_PPSE = "00A404000E325041592E5359532E444446303100";
    static final String PPSE_FCI = "6F1A840E325041592E5359532E4444463031A508880102BF0C0261009000";
    static final String GET_CHALLENGE = "0084000008";
    static final String READ_RECORD = "00B2010C00";
    static final String VERIFY_1234 = "002000810431323334";

    static TraceEntry apdu(double t, String command, String response) {
        return TraceEntry.apdu(t, HEX.parseHex(command), HEX.parseHex(response), false);
    }

    /** A session of a card the project does not model: SELECT PPSE, a PIN, challenges, a record. */
    static Trace session(List<TraceEntry> more) {
        List<TraceEntry> entries = new java.util.ArrayList<>(List.of(
                TraceEntry.lock(0),
                apdu(0.5, SELECT_PPSE, PPSE_FCI),
                TraceEntry.redactedApdu(1, HEX.parseHex(VERIFY_1234), HEX.parseHex("9000"), false),
                apdu(2, GET_CHALLENGE, "1122334455667788" + "9000"),
                apdu(3, GET_CHALLENGE, "99AABBCCDDEEFF00" + "9000"),
                TraceEntry.unlock(3.5, Disposition.LEAVE),
                apdu(4, READ_RECORD, "700A5F200752454341524453" + "9000")));
        entries.addAll(more);
        return Trace.of(TraceHeader.of("Virtual PCD 00 00", "pcsc", Instant.parse("2026-12-06T21:00:00Z"),
                HEX.parseHex(TRACE_ATR), Protocol.T1), entries);
    }

    static String process(ReplayCard card, String command) {
        return HEX.formatHex(card.process(HEX.parseHex(command)));
    }

    @Nested
    class TheCardAlone {

        ReplayCard card(ReplayMatch match, int statusWord) {
            ReplayCard card = new ReplayCard(session(List.of()), Path.of("session.json"), match, statusWord);
            card.reset();
            return card;
        }

        @Test
        void inOrderEachCommandGetsItsRecordedResponse() {
            ReplayCard card = card(ReplayMatch.ORDER, 0x6D00);
            assertThat(HEX.formatHex(card.atr())).isEqualTo(TRACE_ATR);
            assertThat(card.protocol()).isEqualTo(Protocol.T1);
            assertThat(process(card, SELECT_PPSE)).isEqualTo(PPSE_FCI);
            assertThat(process(card, "0020008104FFFFFFFF")).as("a redacted VERIFY: header and Lc decide")
                    .isEqualTo("9000");
            assertThat(process(card, GET_CHALLENGE)).isEqualTo("11223344556677889000");
            assertThat(process(card, GET_CHALLENGE)).isEqualTo("99AABBCCDDEEFF009000");
            assertThat(process(card, READ_RECORD)).isEqualTo("700A5F2007524543415244539000");
            ReplayStatus status = card.status(R0, true);
            assertThat(status.answered()).isEqualTo(5);
            assertThat(status.apdus()).isEqualTo(5);
            assertThat(status.entries()).isEqualTo(7);
            assertThat(status.position()).isEqualTo(7);
            assertThat(status.finished()).isTrue();
            assertThat(status.unanswered()).isZero();
            assertThat(status.divergence()).isNull();
            assertThat(card.takeAction()).isEqualTo(ReplayCard.Action.NONE);

            assertThat(process(card, GET_CHALLENGE)).as("after the end").isEqualTo("6D00");
            assertThat(card.status(R0, true).divergence()).isEqualTo(new ReplayStatus.Divergence(7, null, GET_CHALLENGE));
        }

        @Test
        void theAtrAfterAResetIsTheOneOfTheRecordedReconnectTheResetPasses() {
            String insertedAtr = "3B00";
            String reconnectAtr = "3B8880010000000077817100";
            Trace trace = Trace.of(TraceHeader.of("R", "pcsc", Instant.parse("2026-12-06T21:00:00Z"),
                    HEX.parseHex(TRACE_ATR), Protocol.T1), List.of(apdu(0, SELECT_PPSE, PPSE_FCI),
                    TraceEntry.removed(1), TraceEntry.inserted(2, HEX.parseHex(insertedAtr)),
                    TraceEntry.reconnect(3, Disposition.UNPOWER, ShareMode.SHARED, Protocol.T1,
                            HEX.parseHex(reconnectAtr)), apdu(4, GET_CHALLENGE, "01020304050607089000")));
            ReplayCard card = new ReplayCard(trace, Path.of("t.json"), ReplayMatch.ORDER, 0x6D00);
            assertThat(HEX.formatHex(card.atrAfterReset())).as("before the power-up").isEqualTo(TRACE_ATR);
            card.reset();
            assertThat(process(card, SELECT_PPSE)).isEqualTo(PPSE_FCI);
            assertThat(card.takeAction()).isEqualTo(ReplayCard.Action.REMOVE);
            assertThat(HEX.formatHex(card.atr())).as("inserted again").isEqualTo(insertedAtr);
            // someone resets the card while the replay waits at the recorded reconnect
            assertThat(HEX.formatHex(card.atrAfterReset())).isEqualTo(reconnectAtr);
            assertThat(HEX.formatHex(card.atr())).as("not passed yet").isEqualTo(insertedAtr);
            card.reset();
            assertThat(HEX.formatHex(card.atr())).isEqualTo(reconnectAtr);
            assertThat(HEX.formatHex(card.atrAfterReset())).as("nothing more to pass").isEqualTo(reconnectAtr);
            assertThat(process(card, GET_CHALLENGE)).isEqualTo("01020304050607089000");
        }

        @Test
        void aCommandOutOfOrderGetsTheStatusWordAndIsReportedAndTheReplayWaits() {
            ReplayCard card = card(ReplayMatch.ORDER, 0x6A82);
            assertThat(process(card, SELECT_PPSE)).isEqualTo(PPSE_FCI);
            assertThat(process(card, "0020008105FFFFFFFFFF")).as("a PIN of another length").isEqualTo("6A82");
            assertThat(process(card, GET_CHALLENGE)).as("still waiting for the VERIFY").isEqualTo("6A82");
            ReplayStatus status = card.status(R0, true);
            assertThat(status.divergence()).isEqualTo(new ReplayStatus.Divergence(2, "0020008104 (+4 data bytes)",
                    "0020008105 (+5 data bytes not shown)"));
            assertThat(status.unanswered()).isEqualTo(2);
            assertThat(status.answered()).isEqualTo(1);
            assertThat(status.position()).isEqualTo(2);
            assertThat(status.unansweredStatusWord()).isEqualTo(0x6A82);
            assertThat(process(card, VERIFY_1234)).as("the expected command still gets its response").isEqualTo("9000");
            assertThat(card.status(R0, true).position()).isEqualTo(3);
            assertThat(card.status(R0, true).divergence().entry()).as("the first divergence stays").isEqualTo(2);
        }

        @Test
        void byCommandAnyOrderAndARepeatedCommandGetsItsResponsesInTurn() {
            ReplayCard card = card(ReplayMatch.COMMAND, 0x6D00);
            assertThat(process(card, READ_RECORD)).isEqualTo("700A5F2007524543415244539000");
            assertThat(process(card, GET_CHALLENGE)).isEqualTo("11223344556677889000");
            assertThat(process(card, GET_CHALLENGE)).isEqualTo("99AABBCCDDEEFF009000");
            assertThat(process(card, GET_CHALLENGE)).as("around again").isEqualTo("11223344556677889000");
            assertThat(process(card, "0020008104AAAAAAAA")).isEqualTo("9000");
            assertThat(process(card, "00B2020C00")).isEqualTo("6D00");
            ReplayStatus status = card.status(R0, true);
            assertThat(status.answered()).isEqualTo(5);
            assertThat(status.unanswered()).isEqualTo(1);
            assertThat(status.divergence()).isEqualTo(new ReplayStatus.Divergence(-1, null, "00B2020C00"));
            assertThat(status.finished()).isFalse();
        }

        @Test
        void aSecretCommandIsNeverShownWithItsData() {
            ReplayCard card = card(ReplayMatch.ORDER, 0x6D00);
            process(card, "00200081083132333435363738");
            assertThat(card.status(R0, true).divergence().received())
                    .isEqualTo("0020008108 (+8 data bytes not shown)").doesNotContain("3132");
            assertThat(ReplayCard.shownReceived(HEX.parseHex("00240001083132"), List.of())).as("malformed")
                    .isEqualTo("00240001 (+3 data bytes not shown)");
        }

        @Test
        void aCommandWithTheHeaderOfARedactedEntryIsNeverShownWithItsData() {
            // recorded while a configuration marked 80 E2 secret: the trace has it redacted
            Trace trace = Trace.of(TraceHeader.of("R", "pcsc", Instant.parse("2026-12-06T21:00:00Z"),
                    HEX.parseHex(TRACE_ATR), Protocol.T1), List.of(TraceEntry.storedApdu(0, HEX.parseHex("80E2000010"),
                            16, HEX.parseHex("9000"), false)));
            ReplayCard card = new ReplayCard(trace, Path.of("t.json"), ReplayMatch.ORDER, 0x6D00);
            card.reset();
            assertThat(process(card, "80E2000008A1A2A3A4A5A6A7A8")).as("another Lc").isEqualTo("6D00");
            ReplayStatus.Divergence divergence = card.status(R0, true).divergence();
            assertThat(divergence.expected()).isEqualTo("80E2000010 (+16 data bytes)");
            assertThat(divergence.received()).isEqualTo("80E2000008 (+8 data bytes not shown)").doesNotContain("A1");
            assertThat(process(card, "80E2000010" + "00".repeat(16))).as("header and Lc answer").isEqualTo("9000");
        }

        @Test
        void eventsBeforeTheFirstCommandArePassedAtPowerUpAndAResetIsAskedFor() {
            Trace trace = session(List.of(TraceEntry.reset(5, Disposition.RESET), apdu(6, "00CA9F7F00", "6A88")));
            ReplayCard card = new ReplayCard(trace, Path.of("t.json"), ReplayMatch.ORDER, 0x6D00);
            card.reset();
            assertThat(card.status(R0, true).position()).isEqualTo(1);
            for (String command : List.of(SELECT_PPSE, VERIFY_1234, GET_CHALLENGE, GET_CHALLENGE)) {
                process(card, command);
                assertThat(card.takeAction()).isEqualTo(ReplayCard.Action.NONE);
            }
            process(card, READ_RECORD);
            assertThat(card.takeAction()).isEqualTo(ReplayCard.Action.RESET);
            card.reset(); // the reader's reset for it passes nothing more
            assertThat(card.status(R0, true).position()).isEqualTo(8);
            card.reset(); // someone else's reset: nothing to pass
            assertThat(process(card, "00CA9F7F00")).isEqualTo("6A88");
            assertThat(card.status(R0, true).finished()).isTrue();
        }

        @Test
        void aStatusWordOutOfRangeIsRefused() {
            assertThatThrownBy(() -> new ReplayCard(session(List.of()), Path.of("t"), ReplayMatch.ORDER, 0x10000))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class InTheSimulator {

        @TempDir
        Path tmp;
        SimulatorComponent simulator;

        @BeforeEach
        void start() {
            simulator = new SimulatorComponent();
            simulator.activateWith(SimulatorComponentsTest.config(new String[] {R0, R1}, new String[] {R0}),
                    new EventDispatcher("test-events"));
        }

        @AfterEach
        void stop() {
            simulator.deactivate();
        }

        Path write(Trace trace) throws IOException {
            Path file = tmp.resolve("session-" + System.nanoTime() + ".json");
            TraceWriter.write(file, trace);
            return file;
        }

        CardManager attach(String reader) {
            CardManager manager = new CardManager(simulator, new HandleTable());
            manager.attachByIfd(reader, ShareMode.SHARED);
            return manager;
        }

        String transmit(CardManager manager, String command) {
            return HEX.formatHex(manager.transmit(HEX.parseHex(command)));
        }

        @Test
        void aTraceIsACardWithTheRecordedAtrAndResponses() throws IOException {
            Path file = write(session(List.of()));
            simulator.insertTrace(R1, file, ReplayMatch.ORDER, 0x6D00);
            assertThat(simulator.backend().readerInfo(R1).atrHex()).isEqualTo(TRACE_ATR);
            CardManager manager = attach(R1);
            assertThat(manager.status().protocol()).isEqualTo(Protocol.T1);
            assertThat(transmit(manager, SELECT_PPSE)).isEqualTo(PPSE_FCI);
            assertThat(transmit(manager, "00B0000000")).isEqualTo("6D00");

            assertThat(simulator.replays()).singleElement().satisfies(status -> {
                assertThat(status.readerName()).isEqualTo(R1);
                assertThat(status.trace()).isEqualTo(file);
                assertThat(status.present()).isTrue();
                assertThat(status.answered()).isEqualTo(1);
                assertThat(status.unanswered()).isEqualTo(1);
                assertThat(status.divergence()).isEqualTo(new ReplayStatus.Divergence(2, "0020008104 (+4 data bytes)",
                        "00B0000000"));
            });
            manager.detach();
        }

        @Test
        void insertProfileTakesATraceTooAndEachInsertionStartsAtTheBeginning() throws IOException {
            Path file = write(session(List.of()));
            simulator.insertProfile(R1, file);
            CardManager manager = attach(R1);
            assertThat(transmit(manager, SELECT_PPSE)).isEqualTo(PPSE_FCI);
            manager.detach();
            simulator.remove(R1);
            simulator.insertProfile(R1, file);
            manager = attach(R1);
            assertThat(transmit(manager, SELECT_PPSE)).as("a fresh replay").isEqualTo(PPSE_FCI);
            assertThat(simulator.replays().get(0).match()).isEqualTo(ReplayMatch.ORDER);
            assertThat(simulator.replays().get(0).unansweredStatusWord()).isEqualTo(0x6D00);
            manager.detach();
        }

        @Test
        void aRecordedRemovalRemovesTheCardAndARecordedInsertionBringsItBack() throws Exception {
            String insertedAtr = "3B00";
            Path file = write(session(List.of(TraceEntry.removed(10), TraceEntry.inserted(60, HEX.parseHex(insertedAtr)),
                    apdu(70, "00CA9F7F00", "6A88"))));
            simulator.insertTrace(R1, file, ReplayMatch.ORDER, 0x6D00);
            CardManager manager = attach(R1);
            for (String command : List.of(SELECT_PPSE, VERIFY_1234, GET_CHALLENGE, GET_CHALLENGE)) {
                transmit(manager, command);
            }
            assertThat(transmit(manager, READ_RECORD)).as("the command before the removal is answered")
                    .isEqualTo("700A5F2007524543415244539000");
            failure(HResult.SCARD_W_REMOVED_CARD, () -> manager.transmit(HEX.parseHex("00CA9F7F00")));
            Await.until("the card inserted again", WAIT, () -> simulator.isCardPresent(R1));
            assertThat(simulator.backend().readerInfo(R1).atrHex()).as("the recorded ATR").isEqualTo(insertedAtr);
            manager.reconnect();
            assertThat(transmit(manager, "00CA9F7F00")).isEqualTo("6A88");
            assertThat(simulator.replays().get(0).finished()).isTrue();
            assertThat(simulator.replays().get(0).unanswered()).isZero();
            manager.detach();
        }

        @Test
        void aRemovalAtTheEndLeavesTheReaderEmptyUntilInsertedByHand() throws Exception {
            Path file = write(session(List.of(TraceEntry.removed(10))));
            simulator.insertTrace(R1, file, ReplayMatch.ORDER, 0x6D00);
            CardManager manager = attach(R1);
            for (String command : List.of(SELECT_PPSE, VERIFY_1234, GET_CHALLENGE, GET_CHALLENGE, READ_RECORD)) {
                transmit(manager, command);
            }
            assertThat(simulator.isCardPresent(R1)).isFalse();
            assertThat(simulator.replays()).singleElement().satisfies(status -> {
                assertThat(status.present()).isFalse();
                assertThat(status.finished()).isTrue();
            });
            simulator.insert(R1);
            manager.reconnect();
            assertThat(transmit(manager, SELECT_PPSE)).as("the trace has ended").isEqualTo("6D00");
            manager.detach();
        }

        @Test
        void aRecordedResetResetsTheCardForEveryConnection() throws IOException {
            Path file = write(session(List.of(TraceEntry.reconnect(5, Disposition.RESET, ShareMode.SHARED, Protocol.T1,
                    HEX.parseHex(TRACE_ATR)), apdu(6, SELECT_PPSE, PPSE_FCI))));
            simulator.insertTrace(R1, file, ReplayMatch.ORDER, 0x6D00);
            CardManager manager = attach(R1);
            for (String command : List.of(SELECT_PPSE, VERIFY_1234, GET_CHALLENGE, GET_CHALLENGE, READ_RECORD)) {
                transmit(manager, command);
            }
            failure(HResult.SCARD_W_RESET_CARD, () -> manager.transmit(HEX.parseHex(SELECT_PPSE)));
            manager.reconnect(Disposition.RESET);
            assertThat(transmit(manager, SELECT_PPSE)).as("the application's own reset passes nothing more")
                    .isEqualTo(PPSE_FCI);
            assertThat(simulator.replays().get(0).finished()).isTrue();
            manager.detach();
        }

        @Test
        void aRecordedReconnectWithAnotherAtrGivesTheReaderAndTheConnectionsThatAtr() throws IOException {
            String warmAtr = "3B8880010000000077817100";
            Path file = write(session(List.of(TraceEntry.reconnect(5, Disposition.RESET, ShareMode.SHARED, Protocol.T1,
                    HEX.parseHex(warmAtr)), apdu(6, SELECT_PPSE, PPSE_FCI))));
            simulator.insertTrace(R1, file, ReplayMatch.ORDER, 0x6D00);
            CardManager manager = attach(R1);
            assertThat(HEX.formatHex(manager.status().atr())).isEqualTo(TRACE_ATR);
            for (String command : List.of(SELECT_PPSE, VERIFY_1234, GET_CHALLENGE, GET_CHALLENGE, READ_RECORD)) {
                transmit(manager, command);
            }
            assertThat(simulator.backend().readerInfo(R1).atrHex()).as("the reader after the reproduced reset")
                    .isEqualTo(warmAtr);
            manager.reconnect(Disposition.LEAVE);
            assertThat(HEX.formatHex(manager.status().atr())).as("Status after the reconnect").isEqualTo(warmAtr);
            assertThat(transmit(manager, SELECT_PPSE)).isEqualTo(PPSE_FCI);
            assertThat(simulator.replays().get(0).finished()).isTrue();
            manager.detach();
        }

        @Test
        void aRecordedReconnectWithAnotherAtrAfterAnUnlockAndTheApplicationsOwnResetKeepThatAtr() throws IOException {
            String warmAtr = "3B8880010000000077817100";
            Path file = write(session(List.of(TraceEntry.unlock(4.5, Disposition.LEAVE), TraceEntry.reconnect(5,
                    Disposition.RESET, ShareMode.SHARED, Protocol.T1, HEX.parseHex(warmAtr)),
                    apdu(6, SELECT_PPSE, PPSE_FCI))));
            simulator.insertTrace(R1, file, ReplayMatch.ORDER, 0x6D00);
            CardManager manager = attach(R1);
            for (String command : List.of(SELECT_PPSE, VERIFY_1234, GET_CHALLENGE, GET_CHALLENGE, READ_RECORD)) {
                transmit(manager, command);
            }
            // the replay passes the unlock and reproduces the reconnect; the application then resets the card too
            manager.reconnect(Disposition.RESET);
            assertThat(HEX.formatHex(manager.status().atr())).isEqualTo(warmAtr);
            assertThat(simulator.backend().readerInfo(R1).atrHex()).isEqualTo(warmAtr);
            assertThat(transmit(manager, SELECT_PPSE)).isEqualTo(PPSE_FCI);
            manager.detach();
        }

        @Test
        void byCommandTheOrderDoesNotMatterAndNothingIsReproduced() throws IOException {
            Path file = write(session(List.of(TraceEntry.removed(10))));
            simulator.insertTrace(R1, file, ReplayMatch.COMMAND, 0x6F00);
            CardManager manager = attach(R1);
            assertThat(transmit(manager, READ_RECORD)).isEqualTo("700A5F2007524543415244539000");
            assertThat(transmit(manager, SELECT_PPSE)).isEqualTo(PPSE_FCI);
            assertThat(transmit(manager, "00A4040C00")).isEqualTo("6F00");
            assertThat(simulator.isCardPresent(R1)).isTrue();
            manager.detach();
        }

        @Test
        void aBadTraceIsRefusedNamingTheJsonPathAndTheReaderKeepsItsCard() throws IOException {
            String json = Files.readString(write(session(List.of())));
            Path bad = Files.writeString(tmp.resolve("bad.json"), json.replace("\"0084000008\"", "\"00840000XX\""));
            assertThatThrownBy(() -> simulator.insertTrace(R1, bad, ReplayMatch.ORDER, 0x6D00))
                    .isInstanceOfSatisfying(SCardException.class, e -> {
                        assertThat(e.code()).isEqualTo(HResult.E_INVALIDARG);
                        assertThat(e.getMessage()).isEqualTo("trace " + bad + ": $.entries[3].command: not hexadecimal "
                                + "(character 9 is not a hex digit) [E_INVALIDARG 0x80070057]");
                    });
            assertThat(simulator.isCardPresent(R1)).isFalse();
            assertThat(simulator.replays()).isEmpty();
            // a reader holding a card: the file is checked first, the card stays
            failure(HResult.E_INVALIDARG, () -> simulator.insertProfile(R0, bad));
            assertThat(simulator.backend().readerInfo(R0).atrHex()).isEqualTo(ATR);
            Path unknownField = Files.writeString(tmp.resolve("typo.json"), json.replace("\"response\": \"9000\"",
                    "\"respons\": \"9000\""));
            assertThatThrownBy(() -> simulator.insertTrace(R1, unknownField, ReplayMatch.ORDER, 0x6D00))
                    .hasMessage("trace " + unknownField + ": $.entries[2].respons: unknown field [E_INVALIDARG 0x80070057]");
            failure(HResult.E_INVALIDARG, () -> simulator.insertTrace(R1, bad, null, 0x6D00));
            failure(HResult.E_INVALIDARG, () -> simulator.insertTrace(R1, bad, ReplayMatch.ORDER, -1));
            failure(HResult.E_INVALIDARG, () -> simulator.insertTrace("Nope", bad, ReplayMatch.ORDER, 0x6D00));
            assertThat(simulator.isCardPresent(R1)).isFalse();
        }

        @Test
        void anImportedLogIsReplayedToo() throws IOException {
            Path log = Files.writeString(tmp.resolve("gp.log"), "# SCardConnect(\"R\", T=*) -> T=0, 3B021450\n"
                    + "A>> (4+0000) 00A40400 00\nA<< (0002+2) (3ms) 6F00 9000\n");
            simulator.insertProfile(R1, log);
            assertThat(simulator.backend().readerInfo(R1).atrHex()).isEqualTo("3B021450");
            CardManager manager = attach(R1);
            assertThat(manager.status().protocol()).isEqualTo(Protocol.T0);
            assertThat(transmit(manager, "00A4040000")).isEqualTo("6F009000");
            manager.detach();
        }

        @Test
        void aReaderConfigurationReplaysATraceWithItsOptions() throws IOException {
            Path file = write(session(List.of()));
            String pid = SimulatorComponent.READER_FACTORY_PID + "~replay";
            assertThat(simulator.applyReader(pid, Configs.of(SimulatedReaderConfig.class, "name", "Replay Reader",
                    "profile", file.toString(), "cardInserted", true, "vpcd", "", "replayMatch", "command",
                    "replayStatusWord", "6a82"))).isNull();
            CardManager manager = attach("Replay Reader");
            assertThat(transmit(manager, READ_RECORD)).isEqualTo("700A5F2007524543415244539000");
            assertThat(transmit(manager, "00A4040C00")).isEqualTo("6A82");
            assertThat(simulator.replays()).singleElement().satisfies(s -> assertThat(s.match())
                    .isEqualTo(ReplayMatch.COMMAND));
            manager.detach();

            assertThat(simulator.applyReader(pid, Configs.of(SimulatedReaderConfig.class, "name", "Replay Reader",
                    "profile", file.toString(), "cardInserted", true, "vpcd", "", "replayMatch", "random",
                    "replayStatusWord", "6D00"))).isEqualTo(pid + ": replayMatch: must be 'order' or 'command'; "
                            + "reader 'Replay Reader' stays as it was");
            assertThat(simulator.applyReader(pid, Configs.of(SimulatedReaderConfig.class, "name", "Replay Reader", "profile",
                    file.toString(), "cardInserted", true, "vpcd", "", "replayMatch", "order",
                    "replayStatusWord", "6D0"))).isEqualTo(pid + ": replayStatusWord: must be a status word of four "
                            + "hex digits, such as 6D00; reader 'Replay Reader' stays as it was");
            Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"format\": \"scard-trace/2\"}");
            assertThat(simulator.applyReader(pid, Configs.of(SimulatedReaderConfig.class, "name", "Replay Reader",
                    "profile", bad.toString(), "cardInserted", true, "vpcd", ""))).isEqualTo(pid + ": profile: trace "
                            + bad + ": $.format: must be \"scard-trace/1\"; reader 'Replay Reader' stays as it was");
            assertThat(simulator.replays()).singleElement().satisfies(s -> assertThat(s.answered()).isEqualTo(1));
        }
    }
}
