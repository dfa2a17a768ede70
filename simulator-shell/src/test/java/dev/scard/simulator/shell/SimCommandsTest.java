package dev.scard.simulator.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.simulator.control.ReplayMatch;
import dev.scard.simulator.control.ReplayStatus;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.ServedReader.State;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.control.SimulatorControl;

class SimCommandsTest {

    private FakeControl control;
    private SimCommands commands;

    /** Two readers, the first with a card. */
    private static final class FakeControl implements SimulatorControl {
        final Map<String, Boolean> readers = new LinkedHashMap<>();
        final List<String> calls = new ArrayList<>();
        final Map<String, ServedReader> served = new LinkedHashMap<>();

        FakeControl() {
            readers.put("Simulated Reader 0", true);
            readers.put("Simulated Reader 1", false);
        }

        private void known(String reader) {
            if (!readers.containsKey(reader)) {
                throw new SCardException(HResult.E_INVALIDARG, "unknown reader '" + reader + "'");
            }
        }

        @Override
        public List<String> readers() {
            return new ArrayList<>(readers.keySet());
        }

        @Override
        public boolean isCardPresent(String reader) {
            known(reader);
            return readers.get(reader);
        }

        @Override
        public void insert(String reader) {
            known(reader);
            if (readers.get(reader)) {
                throw new SCardException(HResult.E_FAIL, "reader '" + reader + "' holds a card");
            }
            readers.put(reader, true);
            calls.add("insert " + reader);
        }

        @Override
        public void insert(String reader, SimulatedCard card) {
            insert(reader);
        }

        @Override
        public void insertProfile(String reader, Path profile) {
            known(reader);
            if (profile.toString().contains("bad")) {
                throw new SCardException(HResult.E_INVALIDARG, "card profile " + profile
                        + ": files[0].size: must be 1..65535");
            }
            insert(reader);
            calls.set(calls.size() - 1, "insert " + reader + " from " + profile);
        }

        final List<ReplayStatus> replays = new ArrayList<>();

        @Override
        public void insertTrace(String reader, Path trace, ReplayMatch match, int unansweredStatusWord) {
            known(reader);
            insert(reader);
            calls.set(calls.size() - 1, "insert " + reader + " replaying " + trace + " " + match + " "
                    + Integer.toHexString(unansweredStatusWord));
            replays.add(new ReplayStatus(reader, trace, match, unansweredStatusWord, true, 7, 1, 5, 0, 0, null));
        }

        @Override
        public List<ReplayStatus> replays() {
            return new ArrayList<>(replays);
        }

        @Override
        public void remove(String reader) {
            known(reader);
            if (!readers.get(reader)) {
                throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + reader + "'");
            }
            readers.put(reader, false);
            calls.add("remove " + reader);
        }

        @Override
        public void reset(String reader) {
            known(reader);
            calls.add("reset " + reader);
        }

        @Override
        public void serve(String reader, String host, int port) {
            known(reader);
            if (host.contains(" ")) {
                throw new SCardException(HResult.E_INVALIDARG, "'" + host + "' is not a host name or IP address");
            }
            served.put(reader, new ServedReader(reader, host, port, State.CONNECTING, ""));
            calls.add("serve " + reader + " " + host + " " + port);
        }

        @Override
        public boolean unserve(String reader) {
            known(reader);
            calls.add("unserve " + reader);
            return served.remove(reader) != null;
        }

        @Override
        public List<ServedReader> served() {
            return new ArrayList<>(served.values());
        }
    }

    @BeforeEach
    void setUp() {
        control = new FakeControl();
        commands = new SimCommands();
    }

    @Test
    void failsClearlyWithoutTheSimulator() {
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.insert("Simulated Reader 1"))
                .withMessage(SimCommands.NO_SIMULATOR + " [SCARD_E_NO_SERVICE 0x8010001D]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.readers())
                .withMessage(SimCommands.NO_SIMULATOR + " [SCARD_E_NO_SERVICE 0x8010001D]");
    }

    @Test
    void insertsRemovesAndResets() {
        commands.bindSimulator(control);
        assertThat(commands.insert("Simulated", "Reader", "1")).isEqualTo("Inserted a card into 'Simulated Reader 1'");
        assertThat(commands.remove("Simulated Reader 0")).isEqualTo("Removed the card from 'Simulated Reader 0'");
        assertThat(commands.reset("Simulated Reader 1")).isEqualTo("Reset the card in 'Simulated Reader 1'");
        assertThat(control.calls).containsExactly("insert Simulated Reader 1", "remove Simulated Reader 0",
                "reset Simulated Reader 1");
    }

    @Test
    void insertsACardOfAProfileFile() {
        commands.bindSimulator(control);
        assertThat(commands.insert("Simulated", "Reader", "1", "cards/my-card.json"))
                .isEqualTo("Inserted a card of profile 'cards/my-card.json' into 'Simulated Reader 1'");
        control.readers.put("Simulated Reader 1", false);
        assertThat(commands.insert("Simulated Reader 1", "other.JSON"))
                .isEqualTo("Inserted a card of profile 'other.JSON' into 'Simulated Reader 1'");
        control.readers.put("Simulated Reader 1", false);
        assertThat(commands.insert("Simulated", "Reader", "1", "/tmp/profile"))
                .isEqualTo("Inserted a card of profile '/tmp/profile' into 'Simulated Reader 1'");
        assertThat(control.calls).containsExactly("insert Simulated Reader 1 from cards/my-card.json",
                "insert Simulated Reader 1 from other.JSON", "insert Simulated Reader 1 from /tmp/profile");
        assertThat(SimCommands.isProfilePath("1")).isFalse();
        assertThat(SimCommands.isProfilePath("card.json")).isTrue();
    }

    @Test
    void aBadProfileFileFailsWithTheParseError() {
        commands.bindSimulator(control);
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> commands.insert("Simulated Reader 1", "bad.json"))
                .withMessage("card profile bad.json: files[0].size: must be 1..65535 [E_INVALIDARG 0x80070057]");
        // a single word is the reader's name, whatever it looks like
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.insert("card.json"))
                .withMessage("unknown reader 'card.json' [E_INVALIDARG 0x80070057]");
        assertThat(control.isCardPresent("Simulated Reader 1")).isFalse();
        assertThat(control.calls).isEmpty();
    }

    @Test
    void listsTheSimulatedReaders() {
        commands.bindSimulator(control);
        assertThat(commands.readers()).isEqualTo(String.join("\n",
                "Reader              Card     Served to  vpcd link",
                "Simulated Reader 0  present  -          -",
                "Simulated Reader 1  absent   -          -"));
        control.readers.clear();
        assertThat(commands.readers()).isEqualTo("No simulated readers");
    }

    @Test
    void servesToVpcdAtTheDefaultOrAGivenAddress() {
        commands.bindSimulator(control);
        assertThat(commands.serve("Simulated", "Reader", "0")).isEqualTo("Serving the card in 'Simulated Reader 0' to"
                + " vpcd at 127.0.0.1:35963 while a card is in; sim:readers shows whether it is connected");
        assertThat(commands.serve("Simulated Reader 1", "localhost:35964")).isEqualTo("Serving the card in"
                + " 'Simulated Reader 1' to vpcd at localhost:35964 while a card is in; sim:readers shows whether it"
                + " is connected");
        assertThat(commands.serve("Simulated", "Reader", "1", "[::1]:35964")).contains("to vpcd at [::1]:35964");
        assertThat(control.calls).containsExactly("serve Simulated Reader 0 127.0.0.1 35963",
                "serve Simulated Reader 1 localhost 35964", "serve Simulated Reader 1 ::1 35964");
    }

    @Test
    void listsWhereReadersAreServedAndHowFarTheLinkGot() {
        commands.bindSimulator(control);
        control.served.put("Simulated Reader 0",
                new ServedReader("Simulated Reader 0", "127.0.0.1", 35963, State.SERVING, ""));
        control.served.put("Simulated Reader 1", new ServedReader("Simulated Reader 1", "127.0.0.1", 35964,
                State.CONNECTING, "ConnectException: Connection refused"));
        assertThat(commands.readers()).isEqualTo(String.join("\n",
                "Reader              Card     Served to        vpcd link",
                "Simulated Reader 0  present  127.0.0.1:35963  serving",
                "Simulated Reader 1  absent   127.0.0.1:35964  connecting (ConnectException: Connection refused)"));
        control.served.put("Simulated Reader 0",
                new ServedReader("Simulated Reader 0", "::1", 35963, State.CONNECTED, ""));
        control.served.put("Simulated Reader 1",
                new ServedReader("Simulated Reader 1", "127.0.0.1", 35964, State.NO_CARD, ""));
        assertThat(commands.readers()).isEqualTo(String.join("\n",
                "Reader              Card     Served to        vpcd link",
                "Simulated Reader 0  present  [::1]:35963      connected, vpcd has not polled yet",
                "Simulated Reader 1  absent   127.0.0.1:35964  waiting for a card"));
    }

    @Test
    void unservesAndSaysSoWhenTheReaderWasNotServed() {
        commands.bindSimulator(control);
        commands.serve("Simulated Reader 0", "127.0.0.1:35964");
        assertThat(commands.unserve("Simulated", "Reader", "0"))
                .isEqualTo("Stopped serving 'Simulated Reader 0' to vpcd at 127.0.0.1:35964");
        assertThat(commands.unserve("Simulated Reader 0")).isEqualTo("'Simulated Reader 0' was not served to vpcd");
        assertThat(control.calls).containsExactly("serve Simulated Reader 0 127.0.0.1 35964",
                "unserve Simulated Reader 0", "unserve Simulated Reader 0");
    }

    @Test
    void badServeArgumentsGetOneLineEndingWithTheCode() {
        commands.bindSimulator(control);
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.serve("Simulated Reader 0", "127.0.0.1:"))
                .withMessage("'127.0.0.1:' is not a vpcd address: use <host>:<port>, such as 127.0.0.1:35963"
                        + " (vpcd's first slot; 35964 is the second) [E_INVALIDARG 0x80070057]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.serve("Simulated Reader 0", ":35963"))
                .withMessageStartingWith("':35963' is not a vpcd address");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.serve("Simulated Reader 0", "host:99999"))
                .withMessage("'99999' in 'host:99999' is not a port number from 1 to 65535"
                        + " [E_INVALIDARG 0x80070057]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.serve("Simulated Reader 0", "host:0"))
                .withMessageStartingWith("'0' in 'host:0' is not a port number from 1 to 65535");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.serve("Simulated Reader 0", "host:x"))
                .withMessageStartingWith("'x' in 'host:x' is not a port number");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.serve("Simulated Reader 0", "::1:35963"))
                .withMessage("'::1:35963': write an IPv6 address in brackets, such as [::1]:35963"
                        + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.serve())
                .withMessage("no reader given (sim:readers lists them) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.unserve())
                .withMessage("no reader given (sim:readers lists them) [E_INVALIDARG 0x80070057]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.serve("Nope", "127.0.0.1:1"))
                .withMessage("unknown reader 'Nope' [E_INVALIDARG 0x80070057]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.unserve("Nope"))
                .withMessage("unknown reader 'Nope' [E_INVALIDARG 0x80070057]");
        assertThat(control.calls).isEmpty();
    }

    /** Karaf logs a failed command as ERROR with a stack trace unless its exception's class is named so. */
    private static void isUserError(Throwable failure) {
        assertThat(failure.getClass().getSimpleName()).as(failure.getMessage()).isEqualTo("CommandException");
    }

    @Test
    void theSimulatorsErrorsAndBadInputAreUserErrorsNotFaults() {
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.insert("Simulated Reader 1"))
                .satisfies(SimCommandsTest::isUserError); // no simulator
        commands.bindSimulator(control);
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.insert("Nope"))
                .withMessage("unknown reader 'Nope' [E_INVALIDARG 0x80070057]").satisfies(SimCommandsTest::isUserError);
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.insert("Simulated Reader 0"))
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.E_FAIL)).satisfies(SimCommandsTest::isUserError);
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.remove("Nope"))
                .satisfies(SimCommandsTest::isUserError);
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.serve("Simulated Reader 0", "host:x"))
                .satisfies(SimCommandsTest::isUserError);
        assertThatIllegalArgumentException().isThrownBy(() -> commands.serve())
                .satisfies(SimCommandsTest::isUserError);

        // a fault stays a fault: Karaf logs it with its stack trace
        SimulatorControl broken = (SimulatorControl) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {SimulatorControl.class}, (proxy, method, args) -> {
                    throw new SCardException(HResult.SCARD_F_INTERNAL_ERROR, "the card model broke");
                });
        commands.bindSimulator(broken);
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.reset("Simulated Reader 0"))
                .satisfies(e -> assertThat(e.getClass()).isEqualTo(SCardException.class));
    }

    @Test
    void serveAndUnserveFailClearlyWithoutTheSimulator() {
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.serve("Simulated Reader 0"))
                .withMessage(SimCommands.NO_SIMULATOR + " [SCARD_E_NO_SERVICE 0x8010001D]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.unserve("Simulated Reader 0"))
                .withMessage(SimCommands.NO_SIMULATOR + " [SCARD_E_NO_SERVICE 0x8010001D]");
    }

    @Test
    void letsTheSimulatorsErrorsThrough() {
        commands.bindSimulator(control);
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.remove("Simulated Reader 1"))
                .withMessage("no card in reader 'Simulated Reader 1' [SCARD_E_NO_SMARTCARD 0x8010000C]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.insert("Nope"))
                .withMessage("unknown reader 'Nope' [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.reset())
                .withMessage("no reader given (sim:readers lists them)" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void forgetsTheSimulatorWhenItGoes() {
        commands.bindSimulator(control);
        commands.unbindSimulator(control);
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.reset("Simulated Reader 0"))
                .withMessage(SimCommands.NO_SIMULATOR + " [SCARD_E_NO_SERVICE 0x8010001D]");
    }

    @Test
    void keepsTheNewerSimulatorWhenTheOldOneIsUnboundAfterIt() {
        FakeControl newer = new FakeControl();
        commands.bindSimulator(control);
        commands.bindSimulator(newer); // greedy rebinding binds the better service first ...
        commands.unbindSimulator(control); // ... then unbinds the old one
        assertThat(commands.reset("Simulated Reader 0")).isEqualTo("Reset the card in 'Simulated Reader 0'");
        assertThat(newer.calls).containsExactly("reset Simulated Reader 0");
        assertThat(control.calls).isEmpty();
    }

    @Test
    void namesTheCodeOfEachFailure() {
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.readers())
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.SCARD_E_NO_SERVICE));
        commands.bindSimulator(control);
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.serve("Simulated Reader 0", "h:0"))
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.E_INVALIDARG));
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> commands.insert("Simulated Reader 1", "bad\u0000.json"))
                .withMessageStartingWith("'bad\u0000.json' is not a file path: ")
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.E_INVALIDARG));
    }

    /** Every sim: command as Gogo calls it: --help prints its usage; wrong words give our one-line error. */
    @Test
    void everyCommandHasHelpAndRefusesWrongWordsWithItsUsage() throws Exception {
        commands.bindSimulator(control);
        org.apache.felix.gogo.runtime.threadio.ThreadIOImpl threadIO =
                new org.apache.felix.gogo.runtime.threadio.ThreadIOImpl();
        threadIO.start();
        org.apache.felix.gogo.runtime.CommandProcessorImpl processor =
                new org.apache.felix.gogo.runtime.CommandProcessorImpl(threadIO);
        try {
            List<dev.scard.shell.text.CommandUsage> usages = new ArrayList<>();
            for (java.lang.reflect.Field field : SimCommands.class.getDeclaredFields()) {
                if (field.getType() == dev.scard.shell.text.CommandUsage.class) {
                    field.setAccessible(true);
                    usages.add((dev.scard.shell.text.CommandUsage) field.get(null));
                }
            }
            assertThat(usages).hasSize(7);
            for (dev.scard.shell.text.CommandUsage usage : usages) {
                processor.addCommand("sim", commands, usage.command().substring("sim:".length()));
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            org.apache.felix.service.command.CommandSession session = processor.createSession(
                    new java.io.ByteArrayInputStream(new byte[0]), out, new java.io.ByteArrayOutputStream());
            for (dev.scard.shell.text.CommandUsage usage : usages) {
                assertThat(usage.usageLine()).isEqualTo(usage.synopsis());
                assertThat(session.execute(usage.command() + " --help")).isNull();
                assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).as(usage.command())
                        .isEqualTo(usage.text() + System.lineSeparator());
                out.reset();
            }
            assertThatIllegalArgumentException().isThrownBy(() -> session.execute("sim:insert --bogus Simulated"))
                    .withMessage("sim:insert: unknown option '--bogus' (usage: sim:insert [options] [--] <reader>...;"
                            + " sim:insert --help explains) [E_INVALIDARG 0x80070057]");
            assertThatIllegalArgumentException().isThrownBy(() -> session.execute("sim:remove"))
                    .withMessageStartingWith("sim:remove: missing argument <reader> (usage: ");
            assertThatIllegalArgumentException().isThrownBy(() -> session.execute("sim:readers now"))
                    .withMessageStartingWith("sim:readers: takes no arguments, got 'now' (usage: ");
            assertThat(session.execute("sim:insert Simulated Reader 1")).isEqualTo(
                    "Inserted a card into 'Simulated Reader 1'");
            assertThat(session.execute("sim:remove -- Simulated Reader 1")).isEqualTo(
                    "Removed the card from 'Simulated Reader 1'");
            assertThat(session.execute("sim:insert --match=command -s 6A82 Simulated Reader 1 t.json")).isEqualTo(
                    "Inserted a card replaying trace 't.json' into 'Simulated Reader 1' (command, 5 recorded commands,"
                            + " unanswered ones get 6A82; sim:replay shows how far it got)");
            assertThat(session.execute("sim:replay")).asString().startsWith("Reader ");
        } finally {
            processor.stop();
            threadIO.stop();
        }
    }

    @Test
    void insertsATraceWithItsReplayOptions() {
        commands.bindSimulator(control);
        assertThat(commands.insertWith("command", "6a82", "Simulated", "Reader", "1", "session.log"))
                .isEqualTo("Inserted a card replaying trace 'session.log' into 'Simulated Reader 1' (command, 5 recorded"
                        + " commands, unanswered ones get 6A82; sim:replay shows how far it got)");
        assertThat(control.calls).containsExactly("insert Simulated Reader 1 replaying session.log COMMAND 6a82");
        control.remove("Simulated Reader 1");
        assertThat(commands.insertWith(null, null, "Simulated Reader 1", "card.json"))
                .isEqualTo("Inserted a card of profile 'card.json' into 'Simulated Reader 1'");
        assertThat(SimCommands.isProfilePath("trace.LOG")).isTrue();
        assertThat(SimCommands.isProfilePath("gp.txt")).isTrue();
        assertThat(SimCommands.isProfilePath("1")).isFalse();
    }

    @Test
    void replayOptionsAreChecked() {
        commands.bindSimulator(control);
        assertThatIllegalArgumentException().isThrownBy(() -> commands.insertWith("random", null, "Simulated Reader 1",
                "t.json")).withMessage("sim:insert: --match must be order or command, not 'random' (usage: sim:insert"
                        + " [options] [--] <reader>...; sim:insert --help explains) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.insertWith(null, "6D0", "Simulated Reader 1",
                "t.json")).withMessageStartingWith("sim:insert: --sw must be a status word of four hex digits such as"
                        + " 6D00, not '6D0' (usage:");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.insertWith("order", null, "Simulated Reader 1"))
                .withMessageStartingWith("sim:insert: --match and --sw are for a trace: give the trace file after the"
                        + " reader (usage:");
        assertThat(control.calls).isEmpty();
    }

    @Test
    void replayShowsHowFarEachReplayGotAndWhereItDiverged() {
        commands.bindSimulator(control);
        assertThat(commands.replay()).isEqualTo("No trace is replayed (sim:insert <reader> <trace.json> replays one)");
        control.replays.add(new ReplayStatus("Simulated Reader 1", Path.of("session.json"), ReplayMatch.ORDER,
                0x6D00, true, 7, 2, 5, 1, 2, new ReplayStatus.Divergence(2, "0020008104 (+4 data bytes)",
                        "0020008105 (+5 data bytes not shown)")));
        control.replays.add(new ReplayStatus("Simulated Reader 0", Path.of("gp.log"), ReplayMatch.COMMAND, 0x6A82,
                false, 9, 0, 6, 6, 1, new ReplayStatus.Divergence(-1, null, "00B0000000")));
        assertThat(commands.replay()).isEqualTo(String.join("\n",
                "Reader              Trace         Match    Card     Answered  Unanswered  Entry",
                "Simulated Reader 1  session.json  order    present  1 of 5    2           2 of 7",
                "Simulated Reader 0  gp.log        command  absent   6 of 6    1           -",
                "Simulated Reader 1: diverged at entry 2: expected 0020008104 (+4 data bytes), received 0020008105"
                        + " (+5 data bytes not shown) (answered 6D00)",
                "Simulated Reader 0: diverged: no recorded command matches 00B0000000 (answered 6A82)"));
        assertThat(commands.replay("Simulated", "Reader", "0")).startsWith("Reader ")
                .doesNotContain("session.json");
        control.replays.clear();
        control.replays.add(new ReplayStatus("Simulated Reader 1", Path.of("s.json"), ReplayMatch.ORDER, 0x6D00,
                true, 3, 3, 2, 2, 1, new ReplayStatus.Divergence(3, null, "00A4040000")));
        assertThat(commands.replay("Simulated Reader 1")).endsWith("2 of 2    1           3 of 3 (end)\n"
                + "Simulated Reader 1: diverged at entry 3, the end of the trace: received 00A4040000 (answered"
                + " 6D00)");
        assertThat(commands.replay("Simulated Reader 0")).isEqualTo("No trace is replayed in 'Simulated Reader 0'");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.replay("Nope"))
                .withMessage("unknown simulated reader 'Nope' (sim:readers lists them) [E_INVALIDARG 0x80070057]");
    }
}
