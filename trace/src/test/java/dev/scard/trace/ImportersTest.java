package dev.scard.trace;

import static dev.scard.trace.TraceJsonTest.HEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;

/**
 * The importers, on sample logs in the real tools' formats ({@code opensc-tool-debug.log}: an {@code opensc-tool}
 * session with OpenSC 0.25's debug log; {@code gp-list-debug.log}: {@code gp -d -l} of GlobalPlatformPro with apdu4j's
 * logging terminal), and their errors with line numbers.
 */
class ImportersTest {

    static final Instant AT = Instant.parse("2026-12-06T21:04:10Z");

    static String resource(String name) throws IOException {
        try (InputStream in = ImportersTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static TraceEntry apdu(double t, String command, String response) {
        return TraceEntry.apdu(t, HEX.parseHex(command), HEX.parseHex(response), false);
    }

    @Test
    void anOpenScDebugLogBecomesATraceWithItsReaderAtrAndTimes() throws IOException {
        Trace trace = OpenScLogImporter.read(new StringReader(resource("opensc-tool-debug.log")), AT);

        assertThat(trace.header()).isEqualTo(TraceHeader.of("Virtual PCD 00 00", "opensc", AT,
                HEX.parseHex("3B8801534341524453494D99"), Protocol.T1));
        assertThat(trace.entries()).containsExactly(
                apdu(0, "00A4040C0CA000000063504B43532D3135", "9000"),
                apdu(25, "00A40000023F00", "6217820138830 23F008A0105AB0B80011FA406830101950108 9000".replace(" ", "")),
                TraceEntry.storedApdu(47, HEX.parseHex("0020000104"), 4, HEX.parseHex("9000"), false),
                apdu(78, "00B0000020", "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F9000"),
                apdu(97, "0084000008", "0C0B74E64D22A3CF9000"),
                apdu(114, "00A4000C024F01", "6A82"));
    }

    /**
     * An excerpt of a real log, unchanged: OpenSC 0.23.0 (Debian 12), {@code OPENSC_DEBUG=3 opensc-tool -r 'Virtual PCD
     * 00 00' -s 00A4040C0CA000000063504B43532D3135 -s 002000010431323334 -s 0084000008} against the simulator's sample
     * card served through vpcd: the header lines, the ATR OpenSC dumps while matching drivers, the first of its
     * drivers' probes and the three commands.
     */
    @Test
    void aRealOpenSc023LogIsRead() throws IOException {
        Trace trace = OpenScLogImporter.read(new StringReader(resource("opensc-0.23-excerpt.log")), AT);
        assertThat(trace.header()).isEqualTo(TraceHeader.of("Virtual PCD 00 00", "opensc", AT,
                HEX.parseHex("3B8801534341524453494D99"), Protocol.T1));
        assertThat(trace.entries()).containsExactly(
                apdu(0, "00A4040007627601FF000000", "6A82"),
                apdu(40, "00A4040C0CA000000063504B43532D3135", "9000"),
                TraceEntry.storedApdu(41, HEX.parseHex("0020000104"), 4, HEX.parseHex("9000"), false),
                apdu(41, "0084000008", "9E0A7427549C5D829000"));
    }

    @Test
    void thePinInAnOpenScLogDoesNotReachTheTraceFile(@TempDir Path dir) throws IOException {
        String log = resource("opensc-tool-debug.log");
        assertThat(log).contains("00 20 00 01 04 31 32 33 34");
        Path file = dir.resolve("imported.json");
        TraceWriter.write(file, OpenScLogImporter.read(new StringReader(log), AT));
        String json = Files.readString(file);
        assertThat(json).contains("\"command\": \"0020000104\", \"redacted\": 4, \"response\": \"9000\"")
                .doesNotContain("31323334");
        assertThat(TraceReader.read(file).apduCount()).isEqualTo(6);
    }

    @Test
    void theOlderOpenScFormatAndAnUnansweredCommandAreRead() throws IOException {
        String log = """
                [opensc-pkcs11] reader-pcsc.c:204:pcsc_transmit: reader 'Gemalto PC Twin Reader 00 00'
                [opensc-pkcs11] apdu.c:187:sc_apdu_log:\s
                Outgoing APDU data [    5 bytes] =====================================
                00 B0 00 00 02 .....
                ======================================================================
                [opensc-pkcs11] reader-pcsc.c:220:pcsc_transmit: unable to transmit
                Outgoing APDU data [    5 bytes] =====================================
                00 B0 00 00 04 .....
                ======================================================================
                Incoming APDU data [    6 bytes] =====================================
                01 02 03 04 90 00 ......
                ======================================================================
                """;
        Trace trace = OpenScLogImporter.read(new StringReader(log), AT);
        assertThat(trace.header().reader()).isEqualTo("Gemalto PC Twin Reader 00 00");
        assertThat(trace.header().atr()).isEqualTo(HEX.parseHex("3B00"));
        assertThat(trace.entries()).containsExactly(apdu(0, "00B0000004", "010203049000"));
    }

    @Test
    void aMalformedOpenScLogIsRefusedWithItsLine() {
        String outgoing = "Outgoing APDU (7 bytes):\n";
        assertThatThrownBy(() -> OpenScLogImporter.read(new StringReader(
                "x\n" + outgoing + "00 A4 00 00 02 3F .....?\nIncoming APDU (2 bytes):\n90 00 ..\n"), AT))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("line 3: the Outgoing APDU (7 bytes) ends after 6 bytes")
                .satisfies(e -> assertThat(((TraceFormatException) e).line()).isEqualTo(3));
        assertThatThrownBy(() -> OpenScLogImporter.read(new StringReader(
                "Outgoing APDU (17 bytes):\n00 A4 04 0C 0C A0 00 00 00 63 50 4B 43 53 2D 31 .........cPKCS-1\n"), AT))
                .hasMessage("line 2: the log ends inside the Outgoing APDU (17 bytes) after 16 bytes");
        assertThatThrownBy(() -> OpenScLogImporter.read(new StringReader("a\nIncoming APDU (2 bytes):\n90 00 ..\n"), AT))
                .hasMessage("line 3: an Incoming APDU without an Outgoing APDU before it");
        assertThatThrownBy(() -> OpenScLogImporter.read(new StringReader(
                "Outgoing APDU (3 bytes):\n00 A4 00 ...\nIncoming APDU (2 bytes):\n90 00 ..\n"), AT))
                .hasMessage("line 4: a command of 3 bytes; a command has at least the 4-byte header");
        assertThatThrownBy(() -> OpenScLogImporter.read(new StringReader(
                outgoing + "00 A4 00 00 02 3F 00 .....?.\nIncoming APDU (1 byte):\n90 .\n"), AT))
                .hasMessage("line 4: a response of 1 bytes; a response has at least the status word");
        assertThatThrownBy(() -> OpenScLogImporter.read(new StringReader("nothing\nhere\n"), AT))
                .hasMessage("line 2: no APDU exchange found (expected OpenSC's 'Outgoing APDU' / 'Incoming APDU' blocks)");
    }

    @Test
    void aGlobalPlatformProLogBecomesATraceWithTransactionAndReset() throws IOException {
        Trace trace = Apdu4jLogImporter.read(new StringReader(resource("gp-list-debug.log")), AT);

        assertThat(trace.header()).isEqualTo(TraceHeader.of("ACS ACR 38U-CCID 00 00", "apdu4j", AT,
                HEX.parseHex("3BF81300008131FE15597562696B65793412"), Protocol.T1));
        List<TraceEntry> entries = trace.entries();
        assertThat(entries).hasSize(9);
        assertThat(entries.get(0)).isEqualTo(TraceEntry.lock(0));
        assertThat(entries.get(1)).isEqualTo(apdu(0, "00A4040000", "6F108408A000000151000000A5049F6501FF9000"));
        assertThat(entries.get(2).command()).isEqualTo(HEX.parseHex("80CA9F7F00"));
        assertThat(entries.get(2).time()).isEqualTo(21);
        assertThat(entries.get(3)).isEqualTo(apdu(35, "80CA006600", "6A88"));
        assertThat(entries.get(4)).isEqualTo(apdu(37.87, "80500000081D5E3F0A2B7C9D1100",
                "0000717001A5C3D1E0FF3002000F4F8E77E2D2C8A1B72A5C4D3E9F109000"));
        assertThat(entries.get(5).time()).isEqualTo(73.87);
        assertThat(entries.get(6)).isEqualTo(apdu(1285.87, "84F280020A4F00D1E2F3A4B5C6D7E800",
                "E3114F07A0000000035350C5038E0100C401009000"));
        assertThat(entries.get(7)).isEqualTo(TraceEntry.unlock(1304.87, Disposition.LEAVE));
        assertThat(entries.get(8)).isEqualTo(TraceEntry.reset(1304.87, Disposition.RESET));
    }

    @Test
    void theOlderApdu4jFormatWithTheProtocolAndAChannelIsRead() throws IOException {
        String log = """
                A>> T=0 (4+0002) 00A40000 02 3F00
                A<< (0000+2) (1.05ms) 9000
                A#1>> (4+0004) 01200081 04 31323334
                A#1<< (0000+2) (3ms) 63C2
                A>> (4+0000) 00B00000 10
                << SCARD_E_NO_SMARTCARD (0.12ms)
                """;
        Trace trace = Apdu4jLogImporter.read(new StringReader(log), AT);
        assertThat(trace.header().protocol()).isEqualTo(Protocol.T0);
        assertThat(trace.header().reader()).isEmpty();
        assertThat(trace.header().atr()).isEqualTo(HEX.parseHex("3B00"));
        assertThat(trace.entries()).containsExactly(apdu(0, "00A40000023F00", "9000"),
                TraceEntry.storedApdu(1.05, HEX.parseHex("0120008104"), 4, HEX.parseHex("63C2"), false));
    }

    @Test
    void aMalformedApdu4jLogIsRefusedWithItsLine() {
        assertThatThrownBy(() -> Apdu4jLogImporter.read(new StringReader(
                "x\nA>> (4+0002) 00A40000 02 3F00\nA<< (0002+2) (3ms) 9000\n"), AT))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("line 3: the response line says 2 data bytes but has 0");
        assertThatThrownBy(() -> Apdu4jLogImporter.read(new StringReader("A>> (4+0003) 00A40000 02 3F00\n"), AT))
                .hasMessage("line 1: the command line says 3 data bytes but its command has 2");
        assertThatThrownBy(() -> Apdu4jLogImporter.read(new StringReader("A>> (4+0002) 00A40000 03 3F00\n"), AT))
                .hasMessageStartingWith("line 1: not a well-formed command APDU (command APDU has Lc=3");
        assertThatThrownBy(() -> Apdu4jLogImporter.read(new StringReader("A>> (4+0000) 00B0000Z 00\n"), AT))
                .hasMessage("line 1: the command is not hexadecimal (character 8 is not a hex digit)");
        assertThatThrownBy(() -> Apdu4jLogImporter.read(new StringReader("A<< (0000+2) (3ms) 9000\n"), AT))
                .hasMessage("line 1: a response line without a command line before it");
        assertThatThrownBy(() -> Apdu4jLogImporter.read(new StringReader("A>> 00A4\n"), AT))
                .hasMessage("line 1: not an apdu4j APDU line (expected 'A>> (4+nnnn) <hex>' or 'A<< (nnnn+2) (time) <hex>')");
        assertThatThrownBy(() -> Apdu4jLogImporter.read(new StringReader(
                "A>> (4+0000) 00B00000 00\nA<< (0000+2) (soon) 9000\n"), AT))
                .hasMessage("line 2: the response's duration is not a time such as 17ms, 1.23ms or 2s15ms");
        assertThatThrownBy(() -> Apdu4jLogImporter.read(new StringReader("# SCardBeginTransaction(\"r\")\n"), AT))
                .hasMessage("line 1: no APDU exchange found (expected apdu4j's 'A>>' / 'A<<' lines)");
    }

    @Test
    void traceFilesTellsTheKindsApartAndReadsEach(@TempDir Path dir) throws IOException {
        Path opensc = Files.writeString(dir.resolve("opensc.log"), resource("opensc-tool-debug.log"));
        Path gp = Files.writeString(dir.resolve("gp.txt"), resource("gp-list-debug.log"));
        Path json = dir.resolve("trace.json");
        TraceWriter.write(json, Trace.of(TraceJsonTest.HEADER, TraceJsonTest.everyKind()));
        Path profile = Files.writeString(dir.resolve("card.json"),
                "{\"name\": \"x\", // a comment\n \"files\": [{\"format\": 1}], \"atr\": \"3B00\"}");
        Path brokenTrace = Files.writeString(dir.resolve("broken.json"), "{\"format\": \"scard-trace/1\", \"reader\": ");
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello\n");

        assertThat(TraceFiles.kind(opensc)).isEqualTo(TraceFiles.Kind.OPENSC_LOG);
        assertThat(TraceFiles.kind(gp)).isEqualTo(TraceFiles.Kind.APDU4J_LOG);
        assertThat(TraceFiles.kind(json)).isEqualTo(TraceFiles.Kind.SCARD_TRACE);
        assertThat(TraceFiles.kind(brokenTrace)).isEqualTo(TraceFiles.Kind.SCARD_TRACE);
        assertThat(TraceFiles.kind(profile)).isEqualTo(TraceFiles.Kind.OTHER);
        assertThat(TraceFiles.kind(text)).isEqualTo(TraceFiles.Kind.OTHER);
        Path pcscd = Files.writeString(dir.resolve("pcscd.log"), resource("pcscd-apdu.log"));
        assertThat(TraceFiles.kind(pcscd)).isEqualTo(TraceFiles.Kind.PCSCD_LOG);
        assertThat(TraceFiles.read(pcscd).header().backend()).isEqualTo("pcscd");

        assertThat(TraceFiles.read(opensc).header().backend()).isEqualTo("opensc");
        assertThat(TraceFiles.read(opensc).header().recordedAt()).isEqualTo(Files.getLastModifiedTime(opensc).toInstant());
        assertThat(TraceFiles.read(gp).header().backend()).isEqualTo("apdu4j");
        assertThat(TraceFiles.read(json).entries()).hasSize(10);
        assertThatThrownBy(() -> TraceFiles.read(brokenTrace)).isInstanceOf(TraceFormatException.class)
                .hasMessageStartingWith("$.reader: not valid JSON at line 1");
        assertThatThrownBy(() -> TraceFiles.read(text)).isInstanceOf(TraceFormatException.class)
                .hasMessage("line 1: not a trace: neither scard-trace/1 JSON, nor an OpenSC debug log, nor an apdu4j "
                        + "or GlobalPlatformPro log, nor a pcscd --apdu log");
    }

    /** Real pcscd 1.9.9 output (Debian 12) of {@code opensc-tool -c default -s ...} on the simulator's sample card. */
    @Test
    void aPcscdApduLogBecomesATrace() throws IOException {
        Trace trace = PcscdLogImporter.read(new StringReader(resource("pcscd-apdu.log")), AT);
        assertThat(trace.header()).isEqualTo(TraceHeader.of("", "pcscd", AT, HEX.parseHex("3B00"), Protocol.T1));
        assertThat(trace.entries()).containsExactly(
                apdu(0, "00A4040C0CA000000063504B43532D3135", "9000"),
                TraceEntry.storedApdu(3.892, HEX.parseHex("0020000104"), 4, HEX.parseHex("9000"), false),
                apdu(4.636, "0084000008", "C9E0CACBFD6A70709000"));
    }

    /** With {@code -d}: the reader, ATR and protocol of the session, and the card's removal at the end. */
    @Test
    void aPcscdDebugLogGivesTheHeaderAndTheRemoval() throws IOException {
        Trace trace = PcscdLogImporter.read(new StringReader(resource("pcscd-debug-apdu.log")), AT);
        assertThat(trace.header()).isEqualTo(TraceHeader.of("Virtual PCD 00 00", "pcscd", AT,
                HEX.parseHex("3B8801534341524453494D99"), Protocol.T1));
        assertThat(trace.entries()).hasSize(3);
        assertThat(trace.entries().get(0)).isEqualTo(apdu(0, "00A4040C0CA000000063504B43532D3135", "9000"));
        assertThat(trace.entries().get(1).command()).isEqualTo(HEX.parseHex("0084000008"));
        assertThat(trace.entries().get(2).type()).isEqualTo(TraceEntry.Type.REMOVED);
        assertThat(trace.entries().get(2).time()).isGreaterThan(2800);
    }

    @Test
    void aMalformedPcscdLogIsRefusedWithItsLine() {
        assertThatThrownBy(() -> PcscdLogImporter.read(new StringReader("00000001 SW: 90 00\n"), AT))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("line 1: an SW line without an APDU line before it");
        assertThatThrownBy(() -> PcscdLogImporter.read(new StringReader("00000001 APDU: 00 A4 0\n"), AT))
                .hasMessage("line 1: the APDU is not hexadecimal (an odd number of hex digits)");
        assertThatThrownBy(() -> PcscdLogImporter.read(new StringReader(
                "00000001 APDU: 00 A4 00 00\n00000001 SW: 90\n"), AT))
                .hasMessage("line 2: a response of 1 bytes; a response has at least the status word");
        assertThatThrownBy(() -> PcscdLogImporter.read(new StringReader("00000001 Card ATR: 3B 00\n"), AT))
                .hasMessage("line 1: no APDU exchange found (expected pcscd's 'APDU:' / 'SW:' lines (pcscd --apdu))");
    }

    @Test
    void colouredPcscdOutputAndAFailedTransmitAreRead() throws IOException {
        String log = "\u001B[36m00000010\u001B[0m APDU: 00 B0 00 00 02 \n"
                + "00002000 winscard.c:1639:SCardTransmit() Card not transacted: 0x80100016\n"
                + "\u001B[36m00000010\u001B[0m APDU: 00 B0 00 00 04 \n"
                + "\u001B[36m00000500\u001B[0m SW: 01 02 03 04 90 00 \n";
        assertThat(TraceFiles.kind(log.getBytes(StandardCharsets.UTF_8))).isEqualTo(TraceFiles.Kind.PCSCD_LOG);
        assertThat(PcscdLogImporter.read(new StringReader(log), AT).entries())
                .as("times count from the first APDU line").containsExactly(apdu(2.01, "00B0000004", "010203049000"));
    }
}
