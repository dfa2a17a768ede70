package dev.scard.recorder.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.trace.CardTraceEvent;
import dev.scard.api.trace.CardTraceProperties;
import dev.scard.core.CardManager;
import dev.scard.core.CardTap;
import dev.scard.core.HandleTable;
import dev.scard.core.InterfaceProviders;
import dev.scard.simulator.internal.SimulatorBackend;

class SessionFileTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final String READER = "Reader A";
    /** The sample card's global PIN, "1234", as VERIFY sends it. */
    private static final String PIN_HEX = "31323334";

    @TempDir
    Path dir;

    private final SimulatorBackend backend = SimulatorBackend.standalone(List.of(READER));
    private final CardTap tap = new CardTap();
    private final CardManager manager = new CardManager(backend, new HandleTable(), new InterfaceProviders(), tap);

    @AfterEach
    void tearDown() {
        manager.dispose("test over");
    }

    private TraceSink.Header header() {
        return new TraceSink.Header(READER, "simulator", Instant.now(), "3B00", Protocol.T1);
    }

    @Test
    void recordsTheSessionInTheTraceFormatWithThePinWithheld() throws IOException {
        backend.insert(READER);
        manager.attachByIfd(READER);
        Path file = dir.resolve("session.json");
        SessionFile session = SessionFile.create(file, header());
        tap.add(session::accept, Map.of(CardTraceProperties.ATTACHMENT, manager.traceId()));

        byte[] select = manager.transmit(HEX.parseHex("00A40000023F0000"));
        byte[] verify = manager.transmit(HEX.parseHex("0020000104" + PIN_HEX));
        manager.lock();
        manager.unlock(Disposition.RESET);
        manager.reconnect(Disposition.UNPOWER);
        session.stop();

        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain(PIN_HEX).doesNotContain(PIN_HEX.toLowerCase());
        List<Map<String, String>> entries = new ArrayList<>();
        Map<String, String> top = read(file, entries);
        assertThat(top).containsEntry("format", "scard-trace/1").containsEntry("reader", READER)
                .containsEntry("backend", "simulator").containsEntry("atr", "3B00").containsEntry("protocol", "T1")
                .containsKey("recordedAt");
        assertThat(entries).extracting(e -> e.get("type")).containsExactly("apdu", "apdu", "lock", "unlock",
                "reconnect");
        assertThat(entries.get(0)).containsEntry("command", "00A40000023F0000")
                .containsEntry("response", HEX.formatHex(select)).doesNotContainKey("redacted");
        assertThat(entries.get(1)).containsEntry("command", "0020000104").containsEntry("redacted", "4")
                .containsEntry("response", HEX.formatHex(verify));
        assertThat(entries.get(3)).containsEntry("disposition", "RESET");
        assertThat(entries.get(4)).containsEntry("disposition", "UNPOWER").containsEntry("shareMode", "SHARED")
                .containsKeys("protocol", "atr");
        double last = -1;
        for (Map<String, String> entry : entries) {
            double t = Double.parseDouble(entry.get("t"));
            assertThat(t).isGreaterThanOrEqualTo(last).isGreaterThanOrEqualTo(0);
            last = t;
        }
        assertThat(session.apdus()).isEqualTo(2);
        assertThat(session.events()).isEqualTo(3);
        assertThat(session.isRecording()).isFalse();
        assertThat(session.failure()).isNull();
    }

    @Test
    void aMissingDirectoryOrAnExistingFileIsAClearError() throws IOException {
        Path missing = dir.resolve("no-such-dir").resolve("t.json");
        assertThatThrownBy(() -> SessionFile.create(missing, header())).isInstanceOf(IOException.class)
                .hasMessage("cannot record into '" + missing + "': the directory '" + missing.getParent()
                        + "' does not exist");
        Path existing = Files.writeString(dir.resolve("taken.json"), "keep me");
        assertThatThrownBy(() -> SessionFile.create(existing, header())).isInstanceOf(IOException.class)
                .hasMessage("cannot record into '" + existing + "': the file exists (choose another name)");
        assertThat(Files.readString(existing)).isEqualTo("keep me");
    }

    @Test
    void aFullDiskStopsTheRecordingButNeverTheCardSession() throws IOException {
        backend.insert(READER);
        manager.attachByIfd(READER);
        Path full = Path.of("/dev/full");
        SessionFile session = SessionFile.over(full, new FileOutputStream(full.toFile()), header());
        tap.add(session::accept, Map.of());
        for (int i = 0; i < 400; i++) {
            assertThat(manager.transmit(HEX.parseHex("00A40000023F0000"))).endsWith(0x90, 0x00);
        }
        assertThat(session.isRecording()).isFalse();
        assertThat(session.failure()).startsWith("writing '/dev/full' failed: ")
                .contains("No space left on device")
                .endsWith("; the recording stopped (the file holds what was written before)");
        session.stop(); // nothing left to complete; no exception
        assertThat(manager.transmit(HEX.parseHex("00A40000023F0000"))).endsWith(0x90, 0x00);
    }

    /** The top-level string fields, and each entry's fields as text. */
    static Map<String, String> read(Path file, List<Map<String, String>> entries) throws IOException {
        Map<String, String> top = new java.util.HashMap<>();
        try (JsonParser json = new JsonFactory().createParser(file.toFile())) {
            assertThat(json.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String name = json.currentName();
                JsonToken value = json.nextToken();
                if (value == JsonToken.START_ARRAY) {
                    while (json.nextToken() == JsonToken.START_OBJECT) {
                        Map<String, String> entry = new java.util.HashMap<>();
                        while (json.nextToken() == JsonToken.FIELD_NAME) {
                            String field = json.currentName();
                            json.nextToken();
                            entry.put(field, json.getText());
                        }
                        entries.add(entry);
                    }
                } else {
                    top.put(name, json.getText());
                }
            }
        }
        return top;
    }
}
