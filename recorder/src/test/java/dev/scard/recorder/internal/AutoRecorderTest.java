package dev.scard.recorder.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.api.trace.CardTraceEvent;
import dev.scard.api.trace.CardTraceEvent.Type;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Configs;
import dev.scard.trace.Trace;
import dev.scard.trace.TraceEntry;
import dev.scard.trace.TraceReader;

class AutoRecorderTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Instant AT = Instant.parse("2026-12-06T21:00:00.123Z");

    @TempDir
    Path dir;

    private AutoRecorder recorder(String... readers) {
        return new AutoRecorder(Configs.of(AutoRecorderConfig.class, "readers", readers, "directory", dir.toString(),
                "fileNamePattern", "{reader}-{attachment}-{time}.json"));
    }

    private static CardTraceEvent attached(String reader, String attachment) {
        return CardTraceEvent.of(Type.ATTACHED, AT, "pcsc", reader, attachment, null, ShareMode.SHARED, Protocol.T1,
                "3B00");
    }

    private static CardTraceEvent apdu(String reader, String attachment) {
        return CardTraceEvent.apdu(AT.plusMillis(5), "pcsc", reader, attachment, HEX.parseHex("00A4000C023F00"), 0,
                HEX.parseHex("9000"), false);
    }

    private static CardTraceEvent event(Type type, String reader, String attachment) {
        return CardTraceEvent.of(type, AT.plusMillis(9), "pcsc", reader, attachment, null, null, null, "");
    }

    private static boolean complete(Path file) {
        try {
            TraceReader.read(file);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.sorted().toList();
        }
    }

    @Test
    void recordsEverySessionOnTheChosenReadersIntoAFileOfItsOwn() throws Exception {
        AutoRecorder recorder = recorder("Virtual PCD *");
        recorder.traced(attached("Virtual PCD 00 00", "pcsc/1"));
        recorder.traced(attached("Simulated Reader 0", "simulator/2"));
        recorder.traced(apdu("Virtual PCD 00 00", "pcsc/1"));
        recorder.traced(apdu("Simulated Reader 0", "simulator/2"));
        recorder.traced(event(Type.REMOVED, "Virtual PCD 00 00", null));
        recorder.traced(event(Type.REMOVED, "Simulated Reader 0", null));
        recorder.traced(event(Type.DETACHED, "Virtual PCD 00 00", "pcsc/1"));
        recorder.traced(apdu("Virtual PCD 00 00", "pcsc/1")); // after the session: not written

        List<Path> files = files();
        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("Virtual_PCD_00_00-pcsc_1-20261206-210000-123.json");
        // the recording's own thread completes the file after the detach
        Await.until("the file is complete", Duration.ofSeconds(10), () -> complete(files.get(0)));
        Trace trace = TraceReader.read(files.get(0));
        assertThat(trace.header().reader()).isEqualTo("Virtual PCD 00 00");
        assertThat(trace.header().backend()).isEqualTo("pcsc");
        assertThat(trace.header().recordedAt()).isEqualTo(AT);
        assertThat(trace.header().atr()).containsExactly(0x3B, 0x00);
        assertThat(trace.entries()).extracting(TraceEntry::type, TraceEntry::time).containsExactly(
                org.assertj.core.groups.Tuple.tuple(TraceEntry.Type.APDU, 5.0),
                org.assertj.core.groups.Tuple.tuple(TraceEntry.Type.REMOVED, 9.0));
    }

    @Test
    void aSecondSessionWithTheSameNameGetsANumberAndNothingIsOverwritten() throws IOException {
        AutoRecorder recorder = new AutoRecorder(Configs.of(AutoRecorderConfig.class, "readers", new String[] {"*"},
                "directory", dir.toString(), "fileNamePattern", "same.json"));
        recorder.traced(attached("R", "fake/1"));
        recorder.traced(attached("R", "fake/2"));
        recorder.deactivate();
        assertThat(files()).extracting(p -> p.getFileName().toString()).containsExactly("same-2.json", "same.json");
    }

    @Test
    void aMissingDirectoryRecordsNothingAndHarmsNothing() throws IOException {
        AutoRecorder recorder = new AutoRecorder(Configs.of(AutoRecorderConfig.class, "readers", new String[] {"*"},
                "directory", dir.resolve("missing").toString(), "fileNamePattern", "{reader}.json"));
        recorder.traced(attached("R", "fake/1"));
        recorder.traced(apdu("R", "fake/1"));
        recorder.traced(event(Type.DETACHED, "R", "fake/1"));
        assertThat(files()).isEmpty();
    }

    @Test
    void globsMatchWholeNames() {
        assertThat(AutoRecorder.glob("Virtual PCD *").matcher("Virtual PCD 00 00").matches()).isTrue();
        assertThat(AutoRecorder.glob("Virtual PCD *").matcher("My Virtual PCD 00").matches()).isFalse();
        assertThat(AutoRecorder.glob("Reader ?").matcher("Reader 1").matches()).isTrue();
        assertThat(AutoRecorder.glob("Reader (1)").matcher("Reader (1)").matches()).isTrue();
    }
}
