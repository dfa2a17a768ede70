package dev.scard.recorder.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.api.trace.CardTraceProperties;
import dev.scard.core.CardManager;
import dev.scard.core.CardTap;
import dev.scard.core.HandleTable;
import dev.scard.core.InterfaceProviders;
import dev.scard.simulator.internal.SimulatorBackend;
import dev.scard.trace.Trace;
import dev.scard.trace.TraceEntry;
import dev.scard.trace.TraceReader;

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

    private SessionFile create(Path file) throws IOException {
        return SessionFile.create(file, READER, "simulator", Instant.now(), "3B00", Protocol.T1);
    }

    @Test
    void recordsTheSessionInTheTraceFormatWithThePinWithheld() throws IOException {
        backend.insert(READER);
        manager.attachByIfd(READER);
        Path file = dir.resolve("session.json");
        SessionFile session = create(file);
        tap.add(session::accept, Map.of(CardTraceProperties.ATTACHMENT, manager.traceId()));

        byte[] select = manager.transmit(HEX.parseHex("00A40000023F0000"));
        byte[] verify = manager.transmit(HEX.parseHex("0020000104" + PIN_HEX));
        manager.lock();
        manager.unlock(Disposition.LEAVE);
        manager.reconnect(Disposition.UNPOWER);
        session.stop();

        assertThat(Files.readString(file, StandardCharsets.UTF_8)).doesNotContain(PIN_HEX);
        Trace trace = TraceReader.read(file);
        assertThat(trace.header().reader()).isEqualTo(READER);
        assertThat(trace.header().backend()).isEqualTo("simulator");
        assertThat(trace.header().atr()).containsExactly(0x3B, 0x00);
        assertThat(trace.header().protocol()).isEqualTo(Protocol.T1);
        List<TraceEntry> entries = trace.entries();
        assertThat(entries).extracting(TraceEntry::type).containsExactly(TraceEntry.Type.APDU, TraceEntry.Type.APDU,
                TraceEntry.Type.LOCK, TraceEntry.Type.UNLOCK, TraceEntry.Type.RECONNECT);
        assertThat(entries.get(0)).extracting(e -> HEX.formatHex(e.command()), TraceEntry::redacted,
                e -> HEX.formatHex(e.response())).containsExactly("00A40000023F0000", 0, HEX.formatHex(select));
        assertThat(entries.get(1)).extracting(e -> HEX.formatHex(e.command()), TraceEntry::redacted,
                e -> HEX.formatHex(e.response())).containsExactly("0020000104", 4, HEX.formatHex(verify));
        assertThat(entries.get(3).disposition()).isEqualTo(Disposition.LEAVE);
        assertThat(entries.get(4)).extracting(TraceEntry::disposition, TraceEntry::shareMode, TraceEntry::protocol)
                .containsExactly(Disposition.UNPOWER, ShareMode.SHARED, manager.status().protocol());
        assertThat(entries.get(4).atr()).isEqualTo(manager.status().atr());
        assertThat(session.apdus()).isEqualTo(2);
        assertThat(session.events()).isEqualTo(3);
        assertThat(session.isRecording()).isFalse();
        assertThat(session.failure()).isNull();
    }

    @Test
    void whatCannotBeCreatedIsAClearErrorAndLeavesNoFile() throws IOException {
        Path missing = dir.resolve("no-such-dir").resolve("t.json");
        assertThatThrownBy(() -> create(missing)).isInstanceOf(IOException.class)
                .hasMessage("cannot record into '" + missing + "': the directory '" + missing.getParent()
                        + "' does not exist");
        Path existing = Files.writeString(dir.resolve("taken.json"), "keep me");
        assertThatThrownBy(() -> create(existing)).isInstanceOf(IOException.class)
                .hasMessage("cannot record into '" + existing + "': the file exists (choose another name)");
        assertThat(Files.readString(existing)).isEqualTo("keep me");
        Path noCard = dir.resolve("no-card.json");
        assertThatThrownBy(() -> SessionFile.create(noCard, READER, "simulator", Instant.now(), "", null))
                .isInstanceOf(IOException.class).hasMessage("cannot record into '" + noCard + "': there is no card in '"
                        + READER + "' (no ATR); insert one and reconnect first");
        assertThat(noCard).doesNotExist();
    }

    @Test
    void aFullDiskStopsTheRecordingButNeverTheCardSession() throws IOException {
        backend.insert(READER);
        manager.attachByIfd(READER);
        Path full = Path.of("/dev/full");
        FileOutputStream device = new FileOutputStream(full.toFile());
        // a disk that fills up after the header: its first write succeeds, the later ones go to /dev/full
        java.io.OutputStream disk = new java.io.OutputStream() {
            private boolean headerWritten;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (!headerWritten) {
                    headerWritten = true;
                    return;
                }
                device.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                device.close();
            }
        };
        SessionFile session = SessionFile.over(full, disk, READER, "simulator", Instant.now(), "3B00", Protocol.T1);
        tap.add(session::accept, Map.of());
        for (int i = 0; i < 2000; i++) {
            assertThat(manager.transmit(HEX.parseHex("00A40000023F0000"))).endsWith(0x90, 0x00);
        }
        assertThat(session.isRecording()).isFalse();
        assertThat(session.failure()).startsWith("writing '/dev/full' failed: ")
                .contains("No space left on device")
                .endsWith("; the recording stopped (the file holds what was written before)");
        session.stop(); // nothing left to complete; no exception
        assertThat(manager.transmit(HEX.parseHex("00A40000023F0000"))).endsWith(0x90, 0x00);
    }

    @Test
    void eventsTheFormatCannotHoldAreLeftOut() throws IOException {
        Path file = dir.resolve("t.json");
        SessionFile session = create(file);
        session.accept(dev.scard.api.trace.CardTraceEvent.of(dev.scard.api.trace.CardTraceEvent.Type.RECONNECT,
                Instant.now(), "simulator", READER, "simulator/1", Disposition.RESET, ShareMode.SHARED, Protocol.T1,
                "")); // the card was gone: no ATR
        session.accept(dev.scard.api.trace.CardTraceEvent.of(dev.scard.api.trace.CardTraceEvent.Type.REMOVED,
                Instant.now(), "simulator", READER, null, null, null, null, ""));
        session.stop();
        assertThat(session.failure()).isNull();
        assertThat(TraceReader.read(file).entries()).extracting(TraceEntry::type, TraceEntry::redacted)
                .containsExactly(tuple(TraceEntry.Type.REMOVED, 0));
    }
}
