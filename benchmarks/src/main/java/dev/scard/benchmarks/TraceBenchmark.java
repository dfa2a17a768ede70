package dev.scard.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
 * <p>{@link #main} runs it short (1 fork, 5 x 200 ms warm-up, 5 x 200 ms measurement per case; a recording writes a
 * new file each iteration) with JMH's allocation profiler.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TraceBenchmark {

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

    /** An attached manager over a simulated reader with the minimal card, and the chosen listener. */
    @Setup(Level.Trial)
    public void setUp() {
        backend = SimulatorBackend.standalone(List.of(ManagerBenchmark.READER));
        backend.insert(ManagerBenchmark.READER, new MinimalIsoCard());
        tap = new CardTap();
        manager = new CardManager(backend, new HandleTable(), new InterfaceProviders(), tap);
        manager.attachByIfd(ManagerBenchmark.READER);
        switch (trace) {
            case "listener" -> tap.add((CardTraceListener) event -> events++, Map.of());
            case "recording" -> tap.add((CardTraceListener) event -> recording.accept(event), Map.of());
            default -> {
                // nobody listens
            }
        }
    }

    /**
     * A new trace file for each iteration when recording: a file holds at most 64 MiB (the trace writer's limit),
     * which a second of this loop would pass.
     */
    @Setup(Level.Iteration)
    public void newFile() throws IOException {
        if (!trace.equals("recording")) {
            return;
        }
        file = Files.createTempFile("scard-trace-bench", ".json");
        Files.delete(file);
        recording = SessionFile.create(file, ManagerBenchmark.READER, "simulator", Instant.now(),
                manager.status().atrHex(), manager.status().protocol());
    }

    /**
     * Completes the iteration's file and deletes it; prints how many APDUs reached the file and how many were dropped
     * because the recording's writer thread fell behind the card (the card's thread only queues the events; when the
     * queue is full the recording stops, so the rest of the iteration measures a stopped recording). Any other failure
     * to write fails the benchmark.
     */
    @TearDown(Level.Iteration)
    public void completeFile() throws IOException {
        if (recording == null) {
            return;
        }
        recording.stop();
        Files.deleteIfExists(file);
        System.out.println("[recording] " + recording.apdus() + " APDUs written, " + recording.dropped()
                + " events dropped" + (recording.dropped() > 0 ? " (the writer fell behind; the recording stopped)"
                : ""));
        if (recording.failure() != null && recording.dropped() == 0) {
            throw new UncheckedIOException(new IOException(recording.failure()));
        }
    }

    /** Releases the manager. */
    @TearDown(Level.Trial)
    public void tearDown() {
        manager.dispose("benchmark finished");
    }

    /** SELECT MF (no FCI) through the manager. */
    @Benchmark
    public byte[] selectMf() {
        return manager.transmit(ManagerBenchmark.SELECT_MF_NO_FCI);
    }

    /** GET CHALLENGE (8 bytes from SecureRandom) through the manager. */
    @Benchmark
    public byte[] getChallenge() {
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
