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
 * <p>{@link #main} runs it short (1 fork, 2 x 1 s warm-up, 3 x 1 s measurement per case) with JMH's allocation
 * profiler.
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
    private SessionFile recording;
    private Path file;
    /** What the counting listener counted (read so that the listener is not optimized away). */
    public long events;

    /** An attached manager over a simulated reader with the minimal card, and the chosen listener. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        backend = SimulatorBackend.standalone(List.of(ManagerBenchmark.READER));
        backend.insert(ManagerBenchmark.READER, new MinimalIsoCard());
        tap = new CardTap();
        manager = new CardManager(backend, new HandleTable(), new InterfaceProviders(), tap);
        manager.attachByIfd(ManagerBenchmark.READER);
        switch (trace) {
            case "listener" -> tap.add((CardTraceListener) event -> events++, Map.of());
            case "recording" -> {
                file = Files.createTempFile("scard-trace-bench", ".json");
                Files.delete(file);
                recording = SessionFile.create(file, ManagerBenchmark.READER, "simulator", Instant.now(),
                        manager.status().atrHex(), manager.status().protocol());
                tap.add((CardTraceListener) recording::accept, Map.of());
            }
            default -> {
                // nobody listens
            }
        }
    }

    /** Completes the file (and deletes it) and releases the manager. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        manager.dispose("benchmark finished");
        if (recording != null) {
            recording.stop();
            if (recording.failure() != null) {
                throw new UncheckedIOException(new IOException(recording.failure()));
            }
            Files.deleteIfExists(file);
        }
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
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1))
                .addProfiler("gc")
                .build()).run();
    }
}
