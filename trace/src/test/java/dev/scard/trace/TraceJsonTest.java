package dev.scard.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;

/** The scard-trace/1 JSON: what the writer writes, what the reader reads back, and every way a file is refused. */
class TraceJsonTest {

    static final HexFormat HEX = HexFormat.of().withUpperCase();
    static final TraceHeader HEADER = TraceHeader.of("Simulated Reader 0", "simulator",
            Instant.parse("2026-12-06T21:00:00.123Z"), HEX.parseHex("3B8801534341524453494D99"), Protocol.T1);

    static final String VALID = """
            {
              "format": "scard-trace/1",
              "reader": "Simulated Reader 0",
              "backend": "simulator",
              "recordedAt": "2026-12-06T21:00:00.123Z",
              "atr": "3B8801534341524453494D99",
              "protocol": "T1",
              "entries": [
                {"t": 0, "type": "apdu", "command": "00A4040007A0000000031010", "response": "6F029000"},
                {"t": 1.5, "type": "apdu", "command": "00C0000010", "response": "9000", "by": "core"}
              ]
            }
            """;

    static List<TraceEntry> everyKind() {
        byte[] atr = HEX.parseHex("3B8801534341524453494D99");
        return List.of(
                TraceEntry.apdu(0, HEX.parseHex("00A4040007A0000000031010"), HEX.parseHex("6F10840E315041592E5359532E44444630319000"), false),
                TraceEntry.apdu(1.5, HEX.parseHex("00C0000010"), HEX.parseHex("01020304050607080910111213141516" + "9000"), true),
                TraceEntry.redactedApdu(3.25, HEX.parseHex("002000810831323334FFFFFFFF"), HEX.parseHex("63C2"), false),
                TraceEntry.reset(4, Disposition.RESET),
                TraceEntry.reconnect(5, Disposition.UNPOWER, ShareMode.SHARED, Protocol.T1, atr),
                TraceEntry.lock(6),
                TraceEntry.unlock(7, Disposition.LEAVE),
                TraceEntry.removed(8),
                TraceEntry.inserted(9, atr),
                TraceEntry.apdu(12345678.0625, HEX.parseHex("0084000008"), HEX.parseHex("01020304050607089000"), false));
    }

    static String write(Trace trace) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TraceWriter writer = TraceWriter.open(out, trace.header(), TraceWriter.DEFAULT_MAX_BYTES)) {
            for (TraceEntry entry : trace.entries()) {
                writer.write(entry);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyKindOfEntryIsWrittenOneALineAndReadBackEqual() throws IOException {
        Trace trace = Trace.of(HEADER, everyKind());
        String json = write(trace);

        assertThat(json).startsWith("{\n  \"format\": \"scard-trace/1\",\n  \"reader\": \"Simulated Reader 0\",\n")
                .contains("\n  \"recordedAt\": \"2026-12-06T21:00:00.123Z\",\n")
                .contains("\n    {\"t\": 3.25, \"type\": \"apdu\", \"command\": \"0020008108\", \"redacted\": 8, "
                        + "\"response\": \"63C2\"},\n")
                .contains("{\"t\": 1.5, \"type\": \"apdu\", \"command\": \"00C0000010\", \"response\": "
                        + "\"010203040506070809101112131415169000\", \"by\": \"core\"}")
                .contains("{\"t\": 5, \"type\": \"reconnect\", \"disposition\": \"UNPOWER\", \"shareMode\": "
                        + "\"SHARED\", \"protocol\": \"T1\", \"atr\": \"3B8801534341524453494D99\"}")
                .contains("{\"t\": 12345678.063, \"type\": \"apdu\"")
                .endsWith("\"removed\"},\n    {\"t\": 9, \"type\": \"inserted\", \"atr\": \"3B8801534341524453494D99\"},\n"
                        + "    {\"t\": 12345678.063, \"type\": \"apdu\", \"command\": \"0084000008\", \"response\": "
                        + "\"01020304050607089000\"}\n  ]\n}\n");
        // the PIN (31323334 FFFFFFFF) is nowhere in the file
        assertThat(json).doesNotContain("31323334").doesNotContain("FFFFFFFF");

        Trace back = TraceReader.parse(json);
        assertThat(back.header()).isEqualTo(HEADER);
        assertThat(back.entries()).hasSize(10);
        assertThat(back.entries().subList(0, 9)).isEqualTo(trace.entries().subList(0, 9));
        assertThat(back.entries().get(9).time()).isEqualTo(12345678.063);
        assertThat(back.entries().get(2).redacted()).isEqualTo(8);
        assertThat(back.entries().get(2).command()).isEqualTo(HEX.parseHex("0020008108"));
        assertThat(back.apduCount()).isEqualTo(4);
    }

    @Test
    void anEmptyTraceIsAValidFile() throws IOException {
        String json = write(Trace.of(HEADER, List.of()));
        assertThat(json).endsWith("\"protocol\": \"T1\",\n  \"entries\": []\n}\n");
        assertThat(TraceReader.parse(json).entries()).isEmpty();
    }

    @Test
    void hexInLowerCaseAndWithSpacesIsRead() throws IOException {
        Trace trace = TraceReader.parse(VALID.replace("\"00A4040007A0000000031010\"", "\"00 a4 04 00 07 a0000000031010\""));
        assertThat(trace.entries().get(0).command()).isEqualTo(HEX.parseHex("00A4040007A0000000031010"));
        assertThat(trace.entries().get(1).byCore()).isTrue();
        assertThat(trace.entries().get(0).byCore()).isFalse();
    }

    @Test
    void fieldsMayComeInAnyOrder() throws IOException {
        String reordered = """
                {"entries": [{"response": "9000", "command": "00B0000000", "type": "apdu", "t": 2, "by": "caller"}],
                 "protocol": "T0", "atr": "3b00", "recordedAt": "2026-01-01T00:00:00Z", "backend": "pcsc",
                 "reader": "", "format": "scard-trace/1"}""";
        Trace trace = TraceReader.parse(reordered);
        assertThat(trace.header().protocol()).isEqualTo(Protocol.T0);
        assertThat(trace.header().reader()).isEmpty();
        assertThat(trace.entries().get(0).statusWord()).isEqualTo(0x9000);
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', value = {
        "\"scard-trace/1\"|\"scard-trace/2\"|$.format: must be \"scard-trace/1\"",
        "\"format\": \"scard-trace/1\",|\"format\": \"scard-trace/1\", \"colour\": 1,|$.colour: unknown field",
        "\"format\": \"scard-trace/1\",|\"format\": \"scard-trace/1\", \"reader\": \"x\",|$.reader: given twice",
        "\"reader\": \"Simulated Reader 0\",||$.reader: missing",
        "\"atr\": \"3B8801534341524453494D99\",||$.atr: missing",
        "\"atr\": \"3B8801534341524453494D99\"|\"atr\": \"3B\"|$.atr: must have 2 to 33 bytes, not 1",
        "\"atr\": \"3B8801534341524453494D99\"|\"atr\": \"3BX8\"|$.atr: not hexadecimal (character 3 is not a hex digit)",
        "\"protocol\": \"T1\"|\"protocol\": \"RAW\"|$.protocol: must be one of T0, T1",
        "\"protocol\": \"T1\"|\"protocol\": 1|$.protocol: must be a string",
        "2026-12-06T21:00:00.123Z|6.12.2026|$.recordedAt: must be an ISO 8601 instant in UTC, such as 2026-12-06T21:00:00.123Z",
        "\"command\": \"00A4040007A0000000031010\"|\"comand\": \"00A4040007A0000000031010\"|$.entries[0].comand: unknown field",
        "\"command\": \"00A4040007A0000000031010\", ||$.entries[0].command: missing",
        ", \"response\": \"6F029000\"||$.entries[0].response: missing",
        "\"response\": \"9000\"|\"response\": \"90\"|$.entries[1].response: must have 2 to 65538 bytes, not 1",
        "\"00C0000010\"|\"00C000001G\"|$.entries[1].command: not hexadecimal (character 10 is not a hex digit)",
        "\"00C0000010\"|\"00C000001\"|$.entries[1].command: not hexadecimal (an odd number of hex digits)",
        "\"00C0000010\"|\"00C000\"|$.entries[1].command: must have 4 to 65544 bytes, not 3",
        "\"t\": 1.5|\"t\": -1|$.entries[1].t: must be a number of milliseconds, 0 or more",
        "\"t\": 1.5|\"t\": \"1.5\"|$.entries[1].t: must be a number of milliseconds",
        "\"t\": 0,|\"t\": 2,|$.entries[1].t: earlier than the entry before it",
        "\"t\": 1.5, ||$.entries[1].t: missing",
        "\"type\": \"apdu\", \"command\": \"00C0000010\"|\"type\": \"apdus\", \"command\": \"00C0000010\"|$.entries[1].type: must be one of apdu, reset, reconnect, lock, unlock, removed, inserted",
        "\"by\": \"core\"|\"by\": \"me\"|$.entries[1].by: must be \"core\" or \"caller\"",
        "\"by\": \"core\"|\"by\": \"core\", \"atr\": \"3B00\"|$.entries[1].atr: not a field of an entry of type apdu",
        "\"by\": \"core\"|\"redacted\": 17|$.entries[1].command: a redacted command must be the header and an Lc of 17 (5 bytes, or 7 in the extended form)",
        "\"by\": \"core\"|\"redacted\": 0|$.entries[1].redacted: must be the number of data bytes left out, 1 to 65535",
        "\"by\": \"core\"|\"redacted\": 1.5|$.entries[1].redacted: must be the number of data bytes left out, 1 to 65535",
        "\"entries\": [|\"entries\": {\"a\": [|$.entries: must be an array of entries",
        "{\"t\": 0,|[{\"t\": 0,|$.entries[0]: an entry must be a JSON object",
        "\"6F029000\"}|\"6F029000\"|$.entries[0].response: not valid JSON at line 10, column 5: Unexpected character ('{' (code 123)): was expecting double-quote to start field name",
    })
    void aBadFileIsRefusedNamingTheJsonPath(String from, String to, String message) {
        String json = VALID.replace(from, to == null ? "" : to);
        assertThat(json).isNotEqualTo(VALID);
        assertThatThrownBy(() -> TraceReader.parse(json)).isInstanceOf(TraceFormatException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(((TraceFormatException) e).jsonPath()).isEqualTo(
                        message.substring(0, message.indexOf(':'))));
    }

    @Test
    void entriesOfEachTypeNeedTheirFields() {
        String base = VALID.replace("{\"t\": 1.5, \"type\": \"apdu\", \"command\": \"00C0000010\", \"response\": \"9000\", \"by\": \"core\"}", "%s");
        assertThat(base).isNotEqualTo(VALID);
        assertThatThrownBy(() -> TraceReader.parse(base.formatted("{\"t\": 2, \"type\": \"reset\"}")))
                .hasMessage("$.entries[1].disposition: missing");
        assertThatThrownBy(() -> TraceReader.parse(base.formatted("{\"t\": 2, \"type\": \"reset\", \"disposition\": \"LATER\"}")))
                .hasMessage("$.entries[1].disposition: must be one of LEAVE, RESET, UNPOWER, EJECT");
        assertThatThrownBy(() -> TraceReader.parse(base.formatted("{\"t\": 2, \"type\": \"inserted\"}")))
                .hasMessage("$.entries[1].atr: missing");
        assertThatThrownBy(() -> TraceReader.parse(base.formatted("{\"t\": 2, \"type\": \"removed\", \"atr\": \"3B00\"}")))
                .hasMessage("$.entries[1].atr: not a field of an entry of type removed");
        assertThatThrownBy(() -> TraceReader.parse(base.formatted("{\"t\": 2, \"type\": \"reconnect\", \"disposition\": \"LEAVE\", "
                + "\"shareMode\": \"SHARED\", \"protocol\": \"T1\"}")))
                .hasMessage("$.entries[1].atr: missing");
        assertThatThrownBy(() -> TraceReader.parse(base.formatted("{\"t\": 2, \"type\": \"reconnect\", \"disposition\": \"LEAVE\", "
                + "\"shareMode\": \"OPEN\", \"protocol\": \"T1\", \"atr\": \"3B00\"}")))
                .hasMessage("$.entries[1].shareMode: must be one of EXCLUSIVE, SHARED");
        assertThatThrownBy(() -> TraceReader.parse(base.formatted("{\"t\": 2}")))
                .hasMessage("$.entries[1].type: missing");
    }

    @Test
    void otherDocumentsAreRefused() {
        assertThatThrownBy(() -> TraceReader.parse("[]")).hasMessage("$: a trace must be a JSON object");
        assertThatThrownBy(() -> TraceReader.parse("")).hasMessage("$: a trace must be a JSON object");
        assertThatThrownBy(() -> TraceReader.parse(VALID + "{}")).hasMessage("$: text after the end of the trace object");
        assertThatThrownBy(() -> TraceReader.parse(null)).hasMessage("$: no trace text given");
        assertThatThrownBy(() -> TraceReader.parse("{\"format\": \"scard-trace/1\""))
                .isInstanceOf(TraceFormatException.class).hasMessage("$.format: not valid JSON at line 1, column 27: Unexpected end-of-input: expected close marker for Object");
    }

    @Test
    void aFileLongerThanTheLimitIsRefused(@TempDir Path dir) throws IOException {
        byte[] bytes = VALID.getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> TraceReader.read(new ByteArrayInputStream(bytes), 100))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("$: the trace is longer than the limit of 100 bytes");
        assertThat(TraceReader.read(new ByteArrayInputStream(bytes), bytes.length).entries()).hasSize(2);

        Path file = dir.resolve("t.json");
        Files.write(file, bytes);
        assertThatThrownBy(() -> TraceReader.read(file, bytes.length - 1))
                .hasMessage("$: the trace is longer than the limit of " + (bytes.length - 1) + " bytes");
        assertThat(TraceReader.read(file).entries()).hasSize(2);
    }

    @Test
    void theWriterStopsAtItsLimitAndStillLeavesAValidFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("limited.json");
        TraceEntry entry = TraceEntry.apdu(1, HEX.parseHex("00B0000000"), new byte[] {1, 2, 3, (byte) 0x90, 0}, false);
        int written = 0;
        TraceWriter writer = TraceWriter.open(file, HEADER, 2048);
        try {
            while (true) {
                writer.write(entry);
                written++;
            }
        } catch (TraceLimitException e) {
            assertThat(e).hasMessage("the trace has reached its limit of 2048 bytes after " + written + " entries");
        }
        assertThat(written).isGreaterThan(10);
        assertThat(writer.limitReached()).isTrue();
        assertThatThrownBy(() -> writer.write(TraceEntry.removed(2))).isInstanceOf(TraceLimitException.class);
        assertThat(writer.entriesWritten()).isEqualTo(written);
        writer.close();
        writer.close();

        assertThat(Files.size(file)).isLessThanOrEqualTo(2048);
        Trace back = TraceReader.read(file);
        assertThat(back.entries()).hasSize(written).allSatisfy(e -> assertThat(e).isEqualTo(entry));
    }

    @Test
    void theWriterRefusesWhatWouldMakeABadFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("t.json");
        TraceWriter writer = TraceWriter.open(file, HEADER);
        writer.write(TraceEntry.lock(5));
        assertThatThrownBy(() -> writer.write(TraceEntry.unlock(4, Disposition.LEAVE)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a trace entry at 4.0 ms is earlier than the entry before it, at 5.0 ms");
        assertThatThrownBy(() -> writer.write(null)).isInstanceOf(IllegalArgumentException.class);
        writer.flush();
        assertThat(Files.readString(file)).contains("{\"t\": 5, \"type\": \"lock\"}");
        writer.close();
        assertThatThrownBy(() -> writer.write(TraceEntry.removed(6))).isInstanceOf(IOException.class)
                .hasMessage("the trace writer is closed");
        assertThat(TraceReader.read(file).entries()).containsExactly(TraceEntry.lock(5));

        assertThatThrownBy(() -> TraceWriter.open(file, HEADER)).isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> TraceWriter.open(dir.resolve("x.json"), HEADER, 1023))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a trace needs a limit of at least 1024 bytes");
        assertThat(dir.resolve("x.json")).doesNotExist();
    }

    @Test
    void writeSavesAWholeTrace(@TempDir Path dir) throws IOException {
        Trace trace = Trace.of(HEADER, everyKind().subList(0, 9));
        Path file = dir.resolve("whole.json");
        TraceWriter.write(file, trace);
        assertThat(TraceReader.read(file)).isEqualTo(trace);
    }

    @Test
    void aReaderNameIsEscaped() throws IOException {
        TraceHeader header = TraceHeader.of("Reader \"A\" \\ 1", "pcsc", Instant.EPOCH, new byte[] {0x3B, 0}, Protocol.T0);
        String json = write(Trace.of(header, List.of()));
        assertThat(json).contains("\"reader\": \"Reader \\\"A\\\" \\\\ 1\"");
        assertThat(TraceReader.parse(json).header()).isEqualTo(header);
    }

    @ParameterizedTest
    @CsvSource({
            "0, 0",
            "0.0001, 0",
            "0.0005, 0.001",
            "0.001, 0.001",
            "1.5, 1.5",
            "1.50, 1.5",
            "10, 10",
            "100, 100",
            "1000.1, 1000.1",
            "10.01, 10.01",
            "1.0004999, 1",
            "1.0005, 1.001",
            "2.9995, 3",
            "999.9999, 1000",
            "12345678.0625, 12345678.063",
            "12345678.063, 12345678.063",
            "86400000.25, 86400000.25",
            "1000000000000.25, 1000000000000.25",
            "123456789012345.5, 123456789012345.5"})
    void anEntrysTimeIsWholeMicrosecondsWithoutTrailingZerosOrExponent(double millis, String written)
            throws IOException {
        assertThat(TraceWriter.time(millis)).isEqualTo(written).isEqualTo(TraceWriter.slowTime(millis));
        String json = write(Trace.of(HEADER, List.of(TraceEntry.lock(millis))));
        assertThat(json).contains("\n    {\"t\": " + written + ", \"type\": \"lock\"}\n  ]");
        assertThat(TraceReader.parse(json).entries().get(0).time()).isEqualTo(Double.parseDouble(written));
    }

    @Test
    void theFastTimeFormatAgreesWithTheDecimalOneForEveryKindOfTime() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(14);
        for (int i = 0; i < 200_000; i++) {
            // what a recorder writes: nanoseconds since the start as milliseconds, up to 100 days
            double fromNanos = random.nextLong(100L * 86_400_000_000_000L) / 1_000_000.0;
            assertThat(TraceWriter.time(fromNanos)).as("%s ms", fromNanos).isEqualTo(TraceWriter.slowTime(fromNanos));
            // half microseconds, where rounding decides
            double half = (random.nextLong(10_000_000_000L) * 2 + 1) / 2000.0;
            assertThat(TraceWriter.time(half)).as("%s ms", half).isEqualTo(TraceWriter.slowTime(half));
            double any = random.nextDouble(1e13);
            assertThat(TraceWriter.time(any)).as("%s ms", any).isEqualTo(TraceWriter.slowTime(any));
        }
    }

    @Test
    void theLargestTimeIsWrittenInFullWithoutExponent() throws IOException {
        String written = TraceWriter.time(Double.MAX_VALUE);
        assertThat(written).hasSize(309).startsWith("17976931348623157").matches("[0-9]+");
        String json = write(Trace.of(HEADER, List.of(TraceEntry.lock(1), TraceEntry.lock(Double.MAX_VALUE))));
        assertThat(json).contains("{\"t\": " + written + ", \"type\": \"lock\"}");
        assertThat(TraceReader.parse(json).entries().get(1).time()).isEqualTo(Double.MAX_VALUE);
    }

    @Test
    void theLongestResponseIsWrittenWholeThoughItIsLargerThanTheBuffer(@TempDir Path dir) throws IOException {
        byte[] longest = new byte[TraceEntry.MAX_RESPONSE_LENGTH];
        for (int i = 0; i < longest.length; i++) {
            longest[i] = (byte) (i * 31);
        }
        longest[longest.length - 2] = (byte) 0x90;
        longest[longest.length - 1] = 0;
        Trace trace = Trace.of(HEADER, List.of(TraceEntry.lock(1),
                TraceEntry.apdu(2, HEX.parseHex("00B0000000000000"), longest, false),
                TraceEntry.apdu(3, HEX.parseHex("00B0000001"), HEX.parseHex("FF9000"), false)));
        Path file = dir.resolve("long.json");
        TraceWriter.write(file, trace);
        assertThat(TraceReader.read(file)).isEqualTo(trace);
        assertThat(Files.readString(file)).contains("\"response\": \"" + HEX.formatHex(longest) + "\"}");
    }

    @Test
    void everyByteValueIsWrittenAsTwoUpperCaseHexDigits() throws IOException {
        byte[] all = new byte[258];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        all[256] = (byte) 0x90;
        String json = write(Trace.of(HEADER, List.of(TraceEntry.apdu(0, HEX.parseHex("00B0000000"), all, false))));
        assertThat(json).contains("\"response\": \"" + HEX.formatHex(all) + "\"}");
        assertThat(TraceReader.parse(json).entries().get(0).response()).isEqualTo(all);
    }
}
