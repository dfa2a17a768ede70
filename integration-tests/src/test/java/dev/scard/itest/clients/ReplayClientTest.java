package dev.scard.itest.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.scard.itest.support.ExternalProgram;
import dev.scard.itest.support.VpcdRig;
import dev.scard.simulator.control.ReplayMatch;
import dev.scard.simulator.control.ReplayStatus;

/**
 * A recorded trace replayed as a card to programs of others through pcscd and vpcd: the trace
 * {@code payment-card.json} (a session of a payment card the project does not model, its PIN redacted) goes into
 * "Simulated Reader 1", which pcscd shows as {@value VpcdRig#EMPTY_READER}; a pyscard program sends the recorded
 * commands in order and gets the recorded ATR, protocol and responses byte for byte, and {@code opensc-tool} (which
 * probes the card with commands of its own first) gets them with the replay matching by command.
 */
public class ReplayClientTest extends ClientTestBase {

    static final String TRACE_ATR = "3B8F8001804F0CA000000306030001000000006A";
    /** The recorded commands and responses, in order (the VERIFY's PIN is redacted in the trace: any 4 bytes do). */
    static final List<String[]> RECORDED = List.of(
            new String[] {"00A404000E325041592E5359532E444446303100",
                "6F1A840E325041592E5359532E4444463031A508880102BF0C0261009000"},
            new String[] {"00A4040007A000000004101000", "6F138407A0000000041010A50850044D4153544552879000"},
            new String[] {"002000800431323334", "63C2"},
            new String[] {"0084000008", "11223344556677889000"},
            new String[] {"00B2010C00", "700A5F2007524543415244539000"});

    @Override
    String what() {
        return "a replayed trace as the card of PC/SC clients";
    }

    @Override
    void requirePrograms() throws Exception {
        ExternalProgram.requirePyscard(what());
    }

    String trace() throws Exception {
        try (InputStream in = ReplayClientTest.class.getResourceAsStream("/dev/scard/itest/replay/payment-card.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    ReplayStatus replay() {
        return control.replays().stream().filter(r -> r.readerName().equals(READER_1)).findFirst().orElseThrow();
    }

    @Test
    void pyscardGetsTheRecordedAtrAndResponsesByteForByte() throws Exception {
        insertIntoReader1(trace());
        Path script = ExternalProgram.copyResource(ReplayClientTest.class, "replay_client.py", dir);
        List<String> command = new ArrayList<>(List.of(ExternalProgram.PYTHON, script.toString(),
                VpcdRig.EMPTY_READER));
        List<String> expected = new ArrayList<>(List.of("atr: " + TRACE_ATR, "protocol: T1"));
        for (String[] exchange : RECORDED) {
            command.add(exchange[0]);
            expected.add(exchange[0] + ": " + exchange[1]);
        }
        ExternalProgram.Result result = ExternalProgram.run(Map.of(), null, command.toArray(String[]::new))
                .succeeded();
        assertThat(result.lines()).as(result.output()).containsExactlyElementsOf(expected);
        ReplayStatus status = replay();
        assertThat(status.answered()).isEqualTo(5);
        assertThat(status.unanswered()).as("pcscd sent nothing of its own").isZero();
        assertThat(status.divergence()).isNull();
        assertThat(status.finished()).isTrue();
    }

    @Test
    void openscToolGetsTheRecordedResponsesByCommand() throws Exception {
        ExternalProgram.require(what(), "apt-get install opensc", "opensc-tool");
        insertIntoReader1(trace()); // reader 1 is restored after the test
        control.remove(READER_1);
        VpcdRig.awaitPcscd(pcsc, VpcdRig.EMPTY_READER, false);
        Path file = Files.writeString(dir.resolve("payment-card.json"), trace());
        control.insertTrace(READER_1, file, ReplayMatch.COMMAND, 0x6D00);
        VpcdRig.awaitPcscd(pcsc, VpcdRig.EMPTY_READER, true);

        Path conf = ExternalProgram.copyResource(OpenScTest.class, "opensc.conf", dir);
        List<String> command = new ArrayList<>(List.of("opensc-tool", "--reader", VpcdRig.EMPTY_READER));
        for (String[] exchange : RECORDED) {
            command.add("-s");
            command.add(exchange[0]);
        }
        ExternalProgram.Result result = run(Map.of("OPENSC_CONF", conf.toString()), command.toArray(String[]::new))
                .succeeded();
        List<OpenScTest.Exchange> exchanges = OpenScTest.exchanges(result.output());
        assertThat(exchanges).as(result.output()).hasSize(RECORDED.size());
        for (int i = 0; i < RECORDED.size(); i++) {
            String response = RECORDED.get(i)[1];
            assertThat(exchanges.get(i).command()).isEqualTo(RECORDED.get(i)[0]);
            assertThat(exchanges.get(i).data() + exchanges.get(i).sw()).as("exchange %d", i).isEqualTo(response);
        }
        assertThat(replay().answered()).as("OpenSC's own probes are answered 6D00 and counted apart")
                .isGreaterThanOrEqualTo(RECORDED.size());
    }

    /**
     * A session recorded by OpenSC itself: {@code opensc-tool} with OpenSC's debug log on drives the sample card (in
     * {@value VpcdRig#CARD_READER}); its log, imported as it is inserted, is replayed in order in
     * {@value VpcdRig#EMPTY_READER}, and the same {@code opensc-tool} command gets the same answers byte for byte
     * (the random challenge too), with every probe of OpenSC's drivers answered from the log.
     */
    @Test
    void anOpenScDebugLogReplaysToTheSameOpenScCommand() throws Exception {
        ExternalProgram.require(what(), "apt-get install opensc", "opensc-tool");
        insertIntoReader1(trace()); // reader 1 is restored after the test
        control.remove(READER_1);
        VpcdRig.awaitPcscd(pcsc, VpcdRig.EMPTY_READER, false);

        Path conf = ExternalProgram.copyResource(OpenScTest.class, "opensc.conf", dir);
        Path log = dir.resolve("opensc-debug.log");
        Path debugConf = Files.writeString(dir.resolve("opensc-debug.conf"), Files.readString(conf)
                .replace("app default {", "app default {\n\tdebug = 3;\n\tdebug_file = " + log + ";"));
        String[] commands = {"-s", "00A4040C0CA000000063504B43532D3135", "-s", "002000010431323334", "-s",
            "0084000008", "-s", "00A4000C029999"};
        List<String> recording = new ArrayList<>(List.of("opensc-tool", "--reader", VpcdRig.CARD_READER));
        recording.addAll(List.of(commands));
        List<OpenScTest.Exchange> recorded = OpenScTest.exchanges(run(Map.of("OPENSC_CONF", debugConf.toString()),
                recording.toArray(String[]::new)).succeeded().output());
        assertThat(recorded).extracting(OpenScTest.Exchange::sw).containsExactly("9000", "9000", "9000", "6A82");
        assertThat(Files.readString(log)).contains("Outgoing APDU (17 bytes):");

        control.insertProfile(READER_1, log);
        VpcdRig.awaitPcscd(pcsc, VpcdRig.EMPTY_READER, true);
        assertThat(simulatorAtr(READER_1)).as("the ATR OpenSC logged").isEqualTo(simulatorAtr(READER_0));
        List<String> replaying = new ArrayList<>(List.of("opensc-tool", "--reader", VpcdRig.EMPTY_READER));
        replaying.addAll(List.of(commands));
        ExternalProgram.Result replayed = run(Map.of("OPENSC_CONF", conf.toString()), replaying.toArray(String[]::new))
                .succeeded();
        assertThat(OpenScTest.exchanges(replayed.output())).as(replayed.output()).isEqualTo(recorded);
        ReplayStatus status = replay();
        assertThat(status.match()).isEqualTo(ReplayMatch.ORDER);
        assertThat(status.divergence()).as("OpenSC's probes came in the recorded order").isNull();
        assertThat(status.unanswered()).isZero();
        assertThat(status.answered()).isEqualTo(status.apdus()).isGreaterThan(4);
    }
}
