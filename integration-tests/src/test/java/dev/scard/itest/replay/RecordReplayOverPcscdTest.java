package dev.scard.itest.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.scard.api.SCardResourceManager;
import dev.scard.itest.support.GogoShell;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.itest.support.PurseCard;
import dev.scard.itest.support.SampleProfile;
import dev.scard.itest.support.VpcdRig;
import dev.scard.simulator.control.ReplayMatch;
import dev.scard.simulator.control.SimulatorControl;
import dev.scard.trace.Trace;
import dev.scard.trace.TraceEntry;
import dev.scard.trace.TraceReader;

/**
 * Records a session through pcscd and replays it: a card program the simulator does not model ({@link PurseCard},
 * T=0, so the core completes its 61xx and 6Cxx answers) is served to pcscd over vpcd, a shell attached through the
 * PC/SC backend records its session with {@code scard:record}, and the trace is then inserted into the simulator
 * as a card ({@link SimulatorControl#insertTrace}), served to pcscd again and asked the same commands through PC/SC:
 * every response must be the recorded one, byte for byte, the PIN must be nowhere in the file, and the replay must
 * not diverge.
 */
public class RecordReplayOverPcscdTest extends OsgiTestSupport {

    private static final String READER = "Simulated Reader 1";
    private static final String PCSC_READER = VpcdRig.EMPTY_READER;
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    /** The session: SELECT (61xx), VERIFY with the PIN, GET BALANCE (6Cxx), a wrong command. */
    private static final List<String> SESSION = List.of(PurseCard.SELECT, PurseCard.VERIFY, PurseCard.GET_BALANCE,
            "80300000020064", PurseCard.GET_BALANCE, "00B0000004");

    @TempDir
    Path dir;
    private SimulatorControl control;
    private SCardResourceManager pcsc;

    @BeforeEach
    void servedReaders() throws Exception {
        VpcdRig.require("recording through pcscd and replaying");
        awaitService(CommandProcessor.class, null);
        awaitServiceMatching("(&(osgi.command.scope=scard)(osgi.command.function=record))");
        control = awaitService(SimulatorControl.class, null);
        pcsc = awaitService(SCardResourceManager.class, "(scard.backend=pcsc)");
        VpcdRig.requireServing("recording through pcscd and replaying", control, pcsc);
        empty();
        onCleanup(() -> {
            empty();
            control.insertProfile(READER, SampleProfile.copy(bundle(SampleProfile.SIMULATOR_BUNDLE)));
            control.remove(READER);
            VpcdRig.awaitPcscd(pcsc, PCSC_READER, false);
        });
    }

    private void empty() throws InterruptedException {
        if (control.isCardPresent(READER)) {
            control.remove(READER);
        }
        VpcdRig.awaitPcscd(pcsc, PCSC_READER, false);
    }

    private GogoShell attachedThroughPcscd() throws Exception {
        GogoShell shell = new GogoShell(awaitService(CommandProcessor.class, null));
        onCleanup(shell::close);
        assertThat(shell.run("scard:attach -b pcsc '" + PCSC_READER + "'")).startsWith("Attached to '" + PCSC_READER
                + "'");
        return shell;
    }


    private static List<String> run(GogoShell shell) throws Exception {
        List<String> responses = new ArrayList<>();
        for (String command : SESSION) {
            responses.add(GogoShell.apduResponse(shell.run("scard:apdu " + command)));
        }
        return responses;
    }

    @Test
    void aSessionRecordedThroughPcscdReplaysByteForByteThroughPcscd() throws Exception {
        control.insert(READER, new PurseCard());
        VpcdRig.awaitPcscd(pcsc, PCSC_READER, true);
        GogoShell recording = attachedThroughPcscd();
        Path file = dir.resolve("purse-over-pcscd.json");
        assertThat(recording.run("scard:record " + file)).startsWith("Recording this session's attachment to '"
                + PCSC_READER + "'");
        List<String> recorded = run(recording);
        assertThat(recorded).containsExactly("6F098407F05055525345319000", "9000", "000003E89000", "9000",
                "000003849000", "6D00");
        assertThat(recording.run("scard:record stop")).startsWith("Recorded ");
        recording.run("scard:detach");
        empty();

        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain(PurseCard.PIN_HEX).doesNotContain(PurseCard.PIN);
        Trace trace = TraceReader.read(file);
        assertThat(trace.header().backend()).isEqualTo("pcsc");
        assertThat(trace.header().reader()).isEqualTo(PCSC_READER);
        assertThat(HEX.formatHex(trace.header().atr())).isEqualTo(HEX.formatHex(PurseCard.ATR));
        List<TraceEntry> apdus = trace.entries().stream().filter(e -> e.type() == TraceEntry.Type.APDU).toList();
        assertThat(apdus).extracting(e -> HEX.formatHex(e.command()), TraceEntry::redacted, TraceEntry::byCore)
                .contains(org.assertj.core.groups.Tuple.tuple("0020000106", 6, false),
                        org.assertj.core.groups.Tuple.tuple("00C000000B", 0, true),
                        org.assertj.core.groups.Tuple.tuple("8050000004", 0, true));

        // the trace as a card, served to pcscd again, asked the same through PC/SC
        control.insertTrace(READER, file, ReplayMatch.ORDER, SimulatorControl.DEFAULT_UNANSWERED_STATUS_WORD);
        VpcdRig.awaitPcscd(pcsc, PCSC_READER, true);
        GogoShell replaying = attachedThroughPcscd();
        assertThat(replaying.run("scard:status")).contains(HEX.formatHex(PurseCard.ATR));
        assertThat(run(replaying)).isEqualTo(recorded);
        assertThat(control.replays()).singleElement().satisfies(status -> {
            assertThat(status.readerName()).isEqualTo(READER);
            assertThat(status.divergence()).as("where the replay diverged").isNull();
            assertThat(status.unanswered()).isZero();
            assertThat(status.answered()).isEqualTo(apdus.size());
        });
    }
}
