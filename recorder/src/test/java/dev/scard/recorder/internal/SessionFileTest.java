package dev.scard.recorder.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.api.trace.CardTraceEvent;
import dev.scard.api.trace.CardTraceProperties;
import dev.scard.core.CardManager;
import dev.scard.core.CardTap;
import dev.scard.core.HandleTable;
import dev.scard.core.InterfaceProviders;
import dev.scard.simulator.internal.SimulatorBackend;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Worker;
import dev.scard.testsupport.Workers;
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

    private final Workers workers = new Workers();

    @AfterEach
    void tearDown() throws InterruptedException {
        manager.dispose("test over");
        workers.assertAllEnded(Duration.ofSeconds(10));
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
    void aFullDiskStopsTheRecordingButNeverTheCardSession() throws Exception {
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
        SessionFile session = SessionFile.over(full, disk, READER, "simulator", Instant.now(), "3B00", Protocol.T1,
                SessionFile.QUEUE_CAPACITY, Duration.ofMillis(SessionFile.FULL_WAIT_MILLIS));
        tap.add(session::accept, Map.of());
        for (int i = 0; i < 2000; i++) {
            assertThat(manager.transmit(HEX.parseHex("00A40000023F0000"))).endsWith(0x90, 0x00);
        }
        // the file is written on the recording's own thread: the failure comes there, a little later
        Await.until("the recording failed", Duration.ofSeconds(10), () -> !session.isRecording());
        assertThat(session.failure()).startsWith("writing '/dev/full' failed: ")
                .contains("No space left on device")
                .endsWith("; the recording stopped (the file holds what was written before)");
        session.stop(); // nothing left to complete; no exception
        assertThat(manager.transmit(HEX.parseHex("00A40000023F0000"))).endsWith(0x90, 0x00);
    }

    /** A disk that takes the header, then hangs on every write until {@link #open} (at most 10 s). */
    private static final class HangingDisk extends java.io.OutputStream {
        final CountDownLatch gate = new CountDownLatch(1);
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        private boolean headerWritten;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (headerWritten) {
                try {
                    gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            headerWritten = true;
            written.write(b, off, len);
        }

        void open() {
            gate.countDown();
        }

        Trace trace() throws IOException {
            return TraceReader.parse(written.toString(StandardCharsets.UTF_8));
        }
    }

    private static CardTraceEvent readBinary(Instant start, long micros) {
        return CardTraceEvent.apdu(start.plusNanos(micros * 1000), "simulator", READER, "simulator/1",
                HEX.parseHex("00B0000002"), 0, HEX.parseHex("01029000"), false);
    }

    @Test
    void aFullQueueMakesTheCardWaitForTheWriterAndNothingIsLost() throws Exception {
        HangingDisk disk = new HangingDisk();
        Path file = dir.resolve("slow.json");
        Instant start = Instant.now();
        SessionFile session = SessionFile.over(file, disk, READER, "simulator", start, "3B00", Protocol.T1, 4,
                Duration.ofSeconds(10));
        int count = 5000; // more than the writer's buffer holds: the writer reaches the hanging disk
        Worker<Long> card = workers.start("card", () -> {
            for (int i = 0; i < count; i++) {
                session.accept(readBinary(start, i));
            }
            return session.dropped();
        });
        card.awaitParked(Duration.ofSeconds(10)); // the queue is full and the writer hangs: the card waits
        assertThat(session.isRecording()).isTrue();
        assertThat(session.failure()).isNull();
        disk.open();
        assertThat(card.get(Duration.ofSeconds(10))).as("dropped").isZero();
        session.stop();

        assertThat(session.failure()).isNull();
        assertThat(session.apdus()).isEqualTo(count);
        List<TraceEntry> entries = disk.trace().entries();
        assertThat(entries).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(entries.get(i).time()).isEqualTo(i * 0.001, org.assertj.core.api.Assertions.within(1e-9));
        }
    }

    @Test
    void aWriterStuckLongerThanTheBoundStopsTheRecordingAndReleasesTheCard() throws Exception {
        HangingDisk disk = new HangingDisk();
        Path file = dir.resolve("stuck.json");
        Instant start = Instant.now();
        SessionFile session = SessionFile.over(file, disk, READER, "simulator", start, "3B00", Protocol.T1, 4,
                Duration.ofMillis(300));
        Worker<Long> card = workers.start("card", () -> {
            long sent = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (session.isRecording() && System.nanoTime() < deadline) {
                session.accept(readBinary(start, sent));
                sent++;
            }
            return sent;
        });
        long sent = card.get(Duration.ofSeconds(10)); // released after 300 ms of waiting, the disk still hanging
        assertThat(session.isRecording()).as("fell behind").isFalse();
        assertThat(session.dropped()).isEqualTo(1);
        session.accept(readBinary(start, sent)); // returns at once
        assertThat(session.dropped()).isEqualTo(2);
        assertThat(session.failure()).isEqualTo("recording into '" + file + "' fell behind the card (the queue of 4"
                + " events was still full after waiting 300 ms for the writer) and stopped; the file holds the session"
                + " up to there, 2 later events were not recorded");
        disk.open();
        session.stop();

        assertThat(session.failure()).endsWith(", 2 later events were not recorded");
        // every event queued before it fell behind is in the file, in order, and nothing after
        List<TraceEntry> entries = disk.trace().entries();
        assertThat(entries).hasSize((int) (sent - 1));
        assertThat(session.apdus()).isEqualTo(sent - 1);
        assertThat(entries.get(entries.size() - 1).time())
                .isEqualTo((sent - 2) * 0.001, org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void anInterruptedCardThreadDoesNotWaitAndKeepsItsInterrupt() throws Exception {
        HangingDisk disk = new HangingDisk();
        Path file = dir.resolve("interrupted.json");
        Instant start = Instant.now();
        SessionFile session = SessionFile.over(file, disk, READER, "simulator", start, "3B00", Protocol.T1, 4,
                Duration.ofSeconds(60));
        Worker<Boolean> card = workers.start("card", () -> {
            Thread.currentThread().interrupt();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            for (long i = 0; session.isRecording() && System.nanoTime() < deadline; i++) {
                session.accept(readBinary(start, i));
            }
            return Thread.currentThread().isInterrupted();
        });
        assertThat(card.get(Duration.ofSeconds(10))).as("still interrupted").isTrue();
        assertThat(session.failure()).startsWith("recording into '" + file + "' fell behind the card (the card's"
                + " thread was interrupted while it waited for the writer) and stopped; ");
        disk.open();
        session.stop();
        assertThat(disk.trace().entries()).hasSize((int) session.apdus());
    }

    @Test
    void stopWaitsUntilEverythingQueuedIsInTheFile() throws IOException {
        Path file = dir.resolve("all.json");
        SessionFile session = create(file);
        Instant start = Instant.now();
        for (int i = 0; i < 1000; i++) {
            session.accept(CardTraceEvent.apdu(start.plusMillis(i), "simulator", READER, "simulator/1",
                    HEX.parseHex("00B00000" + String.format("%02X", i & 0xFF)), 0, HEX.parseHex("9000"), false));
        }
        session.stop();

        assertThat(session.failure()).isNull();
        assertThat(session.isRecording()).isFalse();
        assertThat(session.apdus()).isEqualTo(1000);
        List<TraceEntry> entries = TraceReader.read(file).entries();
        assertThat(entries).hasSize(1000);
        assertThat(HEX.formatHex(entries.get(999).command())).isEqualTo("00B00000E7");
        session.accept(CardTraceEvent.apdu(Instant.now(), "simulator", READER, "simulator/1",
                HEX.parseHex("00B0000001"), 0, HEX.parseHex("9000"), false));
        assertThat(session.dropped()).as("after stop, events are ignored, not dropped").isZero();
        assertThat(session.apdus()).isEqualTo(1000);
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
