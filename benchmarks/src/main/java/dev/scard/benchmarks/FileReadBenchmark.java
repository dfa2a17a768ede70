package dev.scard.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardVerify;
import dev.scard.api.RefType;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.cardservices.internal.AuthFactory;
import dev.scard.cardservices.internal.FileAccessFactory;
import dev.scard.cardservices.internal.VerifyFactory;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.simulator.internal.SimulatorBackend;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Reading the sample card's 32 KiB transparent file {@code 3F00/5015/4401} on the in-process simulator, whole, once
 * per operation: through {@code ISCardFileAccess} ({@code Seek} to 0 and one {@code Read} of the whole file on an
 * open handle), and by hand through {@code ISCardManage.transmit} with the same APDUs the service sends (SELECT by
 * path with the FCP, then one extended READ BINARY of 32,768 bytes). For reference, the same file read by hand in
 * short APDUs (SELECT and 128 READ BINARY of 256 bytes), as on a card without extended lengths. Single thread,
 * throughput; bytes per second are operations per second times 32,768.
 *
 * <p>{@link #main} runs it with JMH, then measures the service layer's cost paired (see there), and writes
 * {@code file-read.md} into the results folder given as argument.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FileReadBenchmark {

    static final String READER = "File Read Benchmark Reader";
    static final int FILE_SIZE = 32768;
    /** SELECT 3F00/5015/4401 by path from the MF, FCP wanted: what the service sends before reading. */
    static final byte[] SELECT_4401 = HexFormat.of().parseHex("00A408040450154401" + "00");
    /** READ BINARY at offset 0, extended Le 8000: the whole file. */
    static final byte[] READ_ALL = HexFormat.of().parseHex("00B00000008000");

    private SimulatorBackend backend;
    private CardManager manager;
    private ISCardFileAccess files;
    private long handle;

    /** The sample card in a simulated reader, a manager with the card services, the file opened once. */
    @Setup
    public void setUp() {
        backend = SimulatorBackend.standalone(List.of(READER));
        backend.insert(READER);
        manager = new CardManager(backend, new HandleTable());
        manager.bindInterfaceFactory(new FileAccessFactory(), Map.of("service.id", 1L, "service.ranking", -1000,
                "scard.interface.name", "ISCardFileAccess", "scard.interface.guid", ISCardFileAccess.IID.toString()));
        manager.bindInterfaceFactory(new VerifyFactory(), Map.of("service.id", 2L, "service.ranking", -1000,
                "scard.interface.name", "ISCardVerify", "scard.interface.guid", ISCardVerify.IID.toString()));
        manager.bindInterfaceFactory(new AuthFactory(), Map.of("service.id", 3L, "service.ranking", -1000,
                "scard.interface.name", "ISCardAuth", "scard.interface.guid", ISCardAuth.IID.toString()));
        manager.attachByIfd(READER);
        files = manager.createFileAccess();
        handle = files.open(RefType.BY_ID, "3F00/5015/4401");
        byte[] check = readThroughFileAccess();
        if (check.length != FILE_SIZE || check[FILE_SIZE - 1] != (byte) (FILE_SIZE - 1)
                || !Arrays.equals(check, readByHand()) || !Arrays.equals(check, readByHandShortApdus())) {
            throw new IllegalStateException("the three ways read different data");
        }
    }

    /** Releases the manager and stops the simulator. */
    @TearDown
    public void tearDown() {
        manager.dispose("benchmark finished");
        backend.close();
    }

    /** The whole file through ISCardFileAccess: Seek to 0, Read everything (SELECT + 1 extended READ BINARY). */
    @Benchmark
    public byte[] readThroughFileAccess() {
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 0);
        return files.read(handle, 0, SCardFlag.NONE);
    }

    /** The same two APDUs by hand through ISCardManage.transmit, the data cut from the response as the service does. */
    @Benchmark
    public byte[] readByHand() {
        byte[] fcp = manager.transmit(SELECT_4401);
        requireSuccess(fcp);
        byte[] response = manager.transmit(READ_ALL);
        requireSuccess(response);
        return Arrays.copyOf(response, response.length - 2);
    }

    /** Reference: the file by hand in short APDUs, SELECT and 128 READ BINARY of 256 bytes. */
    @Benchmark
    public byte[] readByHandShortApdus() {
        requireSuccess(manager.transmit(SELECT_4401));
        byte[] data = new byte[FILE_SIZE];
        byte[] command = {0x00, (byte) 0xB0, 0x00, 0x00, 0x00};
        for (int offset = 0; offset < FILE_SIZE; offset += 256) {
            command[2] = (byte) (offset >> 8);
            command[3] = (byte) offset;
            byte[] response = manager.transmit(command);
            requireSuccess(response);
            System.arraycopy(response, 0, data, offset, 256);
        }
        return data;
    }

    private static void requireSuccess(byte[] response) {
        int n = response.length;
        if (response[n - 2] != (byte) 0x90 || response[n - 1] != 0x00) {
            throw new IllegalStateException(String.format("the card answered %02X%02X", response[n - 2], response[n - 1]));
        }
    }

    /**
     * Runs the benchmark and writes {@code file-read.md}; the argument is the results folder.
     *
     * <p>Two measurements. JMH gives each way's throughput (1 fork each, 3 x 1 s warm-up, 5 x 1 s measurement, as
     * {@link ManagerBenchmark}). The service layer's cost is then measured paired, in one JVM: blocks of 20 reads
     * through the service and 20 by hand, in alternating order, 3,000 times after 500 for warm-up; the cost is the
     * median of the blocks' time ratios. Load from other processes hits both halves of a pair alike, so the ratio
     * holds on a busy machine, where separate JMH runs can differ by more than the cost being measured.
     */
    public static void main(String[] args) throws RunnerException, IOException {
        if (args.length != 1) {
            System.err.println("usage: FileReadBenchmark <results folder>");
            System.exit(2);
        }
        Path results = Path.of(args[0]);
        Files.createDirectories(results);
        Options options = new OptionsBuilder()
                .include(FileReadBenchmark.class.getName())
                .forks(1)
                .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                .build();
        Map<String, double[]> scores = new LinkedHashMap<>();
        for (RunResult run : new Runner(options).run()) {
            String name = run.getParams().getBenchmark();
            scores.put(name.substring(name.lastIndexOf('.') + 1), new double[] {
                run.getPrimaryResult().getScore(), run.getPrimaryResult().getScoreError()});
        }
        double[] ratios = paired(500, 3000, 20);
        String report = report(scores, ratios);
        Files.writeString(results.resolve("file-read.md"), report, StandardCharsets.UTF_8);
        System.out.println(report);
    }

    /**
     * The sorted time ratios service / by hand of {@code blocks} pairs of {@code reads} reads each, after
     * {@code warmUp} pairs that do not count.
     */
    static double[] paired(int warmUp, int blocks, int reads) {
        FileReadBenchmark state = new FileReadBenchmark();
        state.setUp();
        try {
            double[] ratios = new double[blocks];
            long sink = 0;
            for (int block = -warmUp; block < blocks; block++) {
                long service = 0;
                long hand = 0;
                for (int half = 0; half < 2; half++) {
                    boolean serviceNow = ((block + half) & 1) == 0;
                    long start = System.nanoTime();
                    for (int i = 0; i < reads; i++) {
                        sink += (serviceNow ? state.readThroughFileAccess() : state.readByHand())[i];
                    }
                    long took = System.nanoTime() - start;
                    if (serviceNow) {
                        service = took;
                    } else {
                        hand = took;
                    }
                }
                if (block >= 0) {
                    ratios[block] = service / (double) hand;
                }
            }
            if (sink == 42) {
                System.out.print(""); // keeps the reads from being optimized away
            }
            Arrays.sort(ratios);
            return ratios;
        } finally {
            state.tearDown();
        }
    }

    private static String report(Map<String, double[]> scores, double[] ratios) {
        double[] service = scores.get("readThroughFileAccess");
        double[] hand = scores.get("readByHand");
        double[] shortApdus = scores.get("readByHandShortApdus");
        int n = ratios.length;
        StringBuilder text = new StringBuilder();
        text.append("# File read throughput: ISCardFileAccess vs the same APDUs by hand\n\n")
                .append("Run ").append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Java ").append(System.getProperty("java.version")).append(" (")
                .append(System.getProperty("java.vm.name")).append("); load average at the end ")
                .append(String.format("%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
                .append(".\nThe sample card's 32 KiB transparent file 3F00/5015/4401, read whole once per operation on"
                        + " the in-process simulator (`benchmarks/src/main/java/dev/scard/benchmarks/FileReadBenchmark"
                        + ".java`), single thread.\n\n")
                .append("## Throughput (JMH: 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement; ± is JMH's 99.9% error)\n\n")
                .append("| how | APDUs per read | reads/s | MB/s (10^6 bytes) |\n|---|---:|---:|---:|\n");
        row(text, "ISCardFileAccess: Seek 0 + Read all (card-services)", "2", service);
        row(text, "by hand: the same SELECT + extended READ BINARY via ISCardManage.transmit", "2", hand);
        row(text, "by hand, short APDUs: SELECT + 128 READ BINARY of 256 bytes (reference)", "129", shortApdus);
        text.append("\n## The service layer's cost, paired\n\n")
                .append("Blocks of 20 reads through ISCardFileAccess and 20 by hand, alternating which goes first, ")
                .append(String.format("%,d", n)).append(" pairs after 500 for warm-up, in one JVM; time ratio service /"
                        + " by hand:\n\n")
                .append(String.format("| median | 25th percentile | 75th percentile |%n|---:|---:|---:|%n"
                        + "| %.3f | %.3f | %.3f |%n", ratios[n / 2], ratios[n / 4], ratios[3 * n / 4]))
                .append(String.format("%nService layer cost: %+.1f%% (median; target <= 10%%). The throughput table's"
                        + " ratio, from separate runs: %+.1f%%.%n", (ratios[n / 2] - 1) * 100,
                        (hand[0] / service[0] - 1) * 100));
        return text.toString();
    }

    private static void row(StringBuilder text, String label, String apdus, double[] score) {
        text.append("| ").append(label).append(" | ").append(apdus).append(" | ")
                .append(String.format("%,.0f ± %,.0f", score[0], score[1])).append(" | ")
                .append(String.format("%,.1f", score[0] * FILE_SIZE / 1e6)).append(" |\n");
    }
}
