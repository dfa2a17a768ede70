package dev.scard.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import dev.scard.api.trace.CardTraceEvent;
import dev.scard.api.trace.CardTraceListener;
import dev.scard.core.CardManager;
import dev.scard.core.CardTap;
import dev.scard.core.HandleTable;
import dev.scard.core.InterfaceProviders;
import dev.scard.recorder.internal.SessionFile;
import dev.scard.simulator.internal.MinimalIsoCard;
import dev.scard.simulator.internal.SimulatorBackend;

/**
 * What the card trace costs: APDU exchanges per second through {@code ISCardManage} on the in-process simulator
 * (the commands of {@link ManagerBenchmark}) with nobody listening to the trace ({@code none}), with a listener that
 * only counts the events ({@code listener}), and while the session is recorded into a trace file
 * ({@code recording}), side by side in one run. Single-threaded throughput.
 *
 * <p><b>A recording must be complete.</b> A recording's queue is bounded; when it is full the card's thread waits for
 * the recording's writer, and only a writer stuck for seconds stops the recording (then later events are dropped).
 * So that a stopped recording is never counted as a fast one, every iteration of {@code recording} reports, beside
 * the score, how many APDUs the card sent to the recording ({@code apdusSent}), how many of them reached the file
 * ({@code apdusWritten}) and how many events were dropped ({@code eventsDropped}); JMH shows them as secondary
 * results (the sum over the iterations), and the iteration's tear-down prints them and fails the run when the
 * recording lost anything or failed.
 *
 * <p>{@link #main} runs it short (1 fork, 5 x 200 ms warm-up, 5 x 200 ms measurement per case; a recording writes a
 * new file each iteration) with JMH's allocation profiler.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TraceBenchmark {

    /**
     * The benchmark's state of this fork (a single thread), for {@link Recorded}: JMH makes a new instance of the
     * benchmark class for a state that depends on it, and keeps counters and their producer in one state only.
     */
    private static volatile TraceBenchmark current;
    /** The most a recording's file may hold (it is deleted after each iteration). */
    static final long MAX_FILE_BYTES = 4L << 30;

    /** Who listens to the trace. */
    @Param({"none", "listener", "recording"})
    public String trace;

    private SimulatorBackend backend;
    private CardManager manager;
    private CardTap tap;
    private Path file;
    /** What the counting listener counted (read so that the listener is not optimized away). */
    public long events;
    /** The iteration's recording when {@link #trace} is {@code recording}. */
    private volatile SessionFile recording;
    /** How many APDU events the card's thread handed to the iteration's recording. */
    private long sent;

    /**
     * What the iteration's recording holds, reported by JMH beside the score (zero unless {@code recording}): the
     * APDUs sent to it, those in its file, the events it dropped.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Recorded {
        /** APDUs the card's thread handed to the recording in this iteration. */
        public long apdusSent;
        /** APDUs of this iteration in the recording's file. */
        public long apdusWritten;
        /** Events the recording dropped in this iteration (it stopped: not a complete recording). */
        public long eventsDropped;

        /** Starts the iteration's recording (when recording). */
        @Setup(Level.Iteration)
        public void start() throws IOException {
            current.newFile();
        }

        /** Completes the iteration's recording (when recording) and counts what it holds. */
        @TearDown(Level.Iteration)
        public void complete() throws IOException {
            current.completeFile(this);
        }
    }

    /** An attached manager over a simulated reader with the minimal card, and the chosen listener. */
    @Setup(Level.Trial)
    public void setUp() {
        backend = SimulatorBackend.standalone(List.of(ManagerBenchmark.READER));
        backend.insert(ManagerBenchmark.READER, new MinimalIsoCard());
        tap = new CardTap();
        manager = new CardManager(backend, new HandleTable(), new InterfaceProviders(), tap);
        manager.attachByIfd(ManagerBenchmark.READER);
        current = this;
        switch (trace) {
            case "listener" -> tap.add((CardTraceListener) event -> events++, Map.of());
            case "recording" -> tap.add((CardTraceListener) event -> {
                if (event.type() == CardTraceEvent.Type.APDU) {
                    sent++;
                }
                recording.accept(event);
            }, Map.of());
            default -> {
                // nobody listens
            }
        }
    }

    /**
     * A new trace file for each iteration when recording, of at most {@value #MAX_FILE_BYTES} bytes: a complete
     * recording of a second of this loop can pass the trace writer's default limit of 64 MiB.
     */
    void newFile() throws IOException {
        if (!trace.equals("recording")) {
            return;
        }
        file = Files.createTempFile("scard-trace-bench", ".json");
        Files.delete(file);
        sent = 0;
        recording = SessionFile.create(file, ManagerBenchmark.READER, "simulator", Instant.now(),
                manager.status().atrHex(), manager.status().protocol(), MAX_FILE_BYTES);
    }

    /**
     * Completes the iteration's file (waiting until everything queued is written) and deletes it; prints how many
     * APDUs were sent to the recording, how many reached the file and how many events were dropped. A recording that
     * dropped anything or failed to write fails the benchmark: its iteration would measure a stopped recording.
     */
    void completeFile(Recorded counters) throws IOException {
        if (recording == null) {
            return;
        }
        SessionFile done = recording;
        done.stop();
        long size = Files.exists(file) ? Files.size(file) : 0;
        Files.deleteIfExists(file);
        recording = null;
        counters.apdusSent = sent;
        counters.apdusWritten = done.apdus();
        counters.eventsDropped = done.dropped();
        String failure = done.failure();
        System.out.println("[recording] " + counters.apdusSent + " APDUs sent, " + counters.apdusWritten
                + " written (" + size / 1024 + " KiB), " + counters.eventsDropped + " events dropped"
                + (failure == null ? "" : ": " + failure));
        if (failure != null || counters.apdusWritten != counters.apdusSent) {
            throw new IllegalStateException("the recording is not complete: " + counters.apdusSent + " APDUs sent, "
                    + counters.apdusWritten + " written" + (failure == null ? "" : "; " + failure));
        }
    }

    /** Releases the manager. */
    @TearDown(Level.Trial)
    public void tearDown() {
        manager.dispose("benchmark finished");
    }

    /** SELECT MF (no FCI) through the manager. */
    @Benchmark
    public byte[] selectMf(Recorded counters) {
        return manager.transmit(ManagerBenchmark.SELECT_MF_NO_FCI);
    }

    /** GET CHALLENGE (8 bytes from SecureRandom) through the manager. */
    @Benchmark
    public byte[] getChallenge(Recorded counters) {
        return manager.transmit(ManagerBenchmark.GET_CHALLENGE);
    }

    /** Runs this benchmark short, with the allocation profiler; prints JMH's table. */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder()
                .include(TraceBenchmark.class.getName())
                .forks(1)
                .warmupIterations(5).warmupTime(TimeValue.milliseconds(200))
                .measurementIterations(5).measurementTime(TimeValue.milliseconds(200))
                .addProfiler("gc")
                .build()).run();
    }
}
