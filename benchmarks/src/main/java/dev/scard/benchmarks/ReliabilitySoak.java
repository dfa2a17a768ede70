package dev.scard.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.core.spi.Backend;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.pcsc.internal.PcscBackend;
import dev.scard.pcsc.internal.PcscPlatform;
import dev.scard.pcsc.internal.PcscSettings;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.internal.SimulatorBackend;
import dev.scard.simulator.internal.VpcdCardServer;
import dev.scard.testprovider.witness.WitnessCard;
import dev.scard.testprovider.witness.WitnessWorkload;
import dev.scard.testprovider.witness.WitnessWorkload.Mode;
import dev.scard.testprovider.witness.WitnessWorkload.Result;

/**
 * The reliability suite's concurrency witnesses (integration-tests, {@code dev.scard.itest.reliability}) run for
 * longer: {@value #THREADS} threads on {@value #MANAGERS} managers of one {@link WitnessCard}, locking (lock, timed
 * lock, traffic, unlock, reconnect at random; the card counts commands from other managers while one holds the lock)
 * and T=0 exchanges ({@code 61xx} and GET RESPONSE; every response checked against its command), on the in-process
 * simulator and, when pcscd runs with the vpcd driver, through pcscd (the witness served to vpcd's first slot);
 * then attach/detach cycles with the process's file descriptors and threads counted before and after.
 *
 * <p>Arguments: the results folder ({@code reliability.md} is written there) and optionally the seconds per scenario
 * (default {@value #DEFAULT_SECONDS}). The exit code is 1 when any scenario saw a problem.
 */
public final class ReliabilitySoak {

    static final int THREADS = 8;
    static final int MANAGERS = 4;
    static final int DEFAULT_SECONDS = 120;
    static final long SEED = 20261206L;
    static final String SIM_READER = "Soak Reader";
    static final String VPCD_READER = "Virtual PCD 00 00";
    static final Path PCSCD_SOCKET = Path.of("/run/pcscd/pcscd.comm");

    private final List<String> rows = new ArrayList<>();
    private long problems;

    private ReliabilitySoak() {
    }

    /** Runs the soak; see the class description for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java -cp benchmarks.jar " + ReliabilitySoak.class.getName()
                    + " <results folder> [seconds per scenario]");
            System.exit(2);
        }
        Path results = Path.of(args[0]);
        Duration each = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : DEFAULT_SECONDS);
        Files.createDirectories(results);
        ReliabilitySoak soak = new ReliabilitySoak();
        long start = System.nanoTime();
        soak.simulator(each);
        String pcsc = soak.pcsc(each);
        String leaks = soak.cycles(each);
        String report = soak.report(each, pcsc, leaks, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        Files.writeString(results.resolve("reliability.md"), report, StandardCharsets.UTF_8);
        System.out.println(report);
        System.exit(soak.problems == 0 ? 0 : 1);
    }

    private void simulator(Duration each) throws InterruptedException {
        for (Mode mode : Mode.values()) {
            SimulatorBackend backend = SimulatorBackend.standalone(List.of(SIM_READER));
            WitnessCard card = new WitnessCard(mode == Mode.LOCKING ? Protocol.T1 : Protocol.T0);
            backend.insert(SIM_READER, card);
            run("simulator", mode, backend, SIM_READER, card, each);
            backend.close();
        }
    }

    /** The witnesses through pcscd, or why they did not run. */
    private String pcsc(Duration each) throws InterruptedException {
        if (!Files.exists(PCSCD_SOCKET)) {
            return "PC/SC scenarios skipped: pcscd is not running (" + PCSCD_SOCKET + " missing).";
        }
        PcscBackend backend = new PcscBackend(PcscPlatform.current(), PcscSettings.defaults());
        for (Mode mode : Mode.values()) {
            WitnessCard card = new WitnessCard(mode == Mode.LOCKING ? Protocol.T1 : Protocol.T0);
            try (VpcdCardServer server = VpcdCardServer.start(card, "127.0.0.1", 35963)) {
                if (!server.awaitState(ServedReader.State.SERVING, Duration.ofSeconds(15))) {
                    return "PC/SC scenarios skipped: vpcd does not talk to the witness (" + server.status() + ").";
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!backend.readerInfo(VPCD_READER).cardPresent()) { // pcscd polls vpcd for the card
                    if (System.nanoTime() - deadline > 0) {
                        return "PC/SC scenarios skipped: pcscd does not show the witness in " + VPCD_READER + ".";
                    }
                    Thread.sleep(20);
                }
                Thread.sleep(1000); // pcscd powers the new card up; a power-up after its first command would reset it
                run("pcsc", mode, backend, VPCD_READER, card, each);
            }
            Thread.sleep(1000); // vpcd frees its slot
        }
        return "";
    }

    private void run(String backendName, Mode mode, Backend backend, String reader, WitnessCard card,
            Duration each) throws InterruptedException {
        HandleTable handles = new HandleTable();
        List<ISCardManage> managers = new ArrayList<>();
        for (int i = 0; i < MANAGERS; i++) {
            CardManager manager = new CardManager(backend, handles);
            manager.attachByIfd(reader);
            managers.add(manager);
        }
        System.out.println("soak: " + backendName + " " + mode + " for " + each.toSeconds() + " s");
        Result result = WitnessWorkload.run(managers, card, mode, THREADS, each, Duration.ofSeconds(30), SEED);
        for (ISCardManage manager : managers) {
            ((CardManager) manager).dispose("soak finished");
        }
        problems += result.problems();
        rows.add("| " + backendName + " | " + (mode == Mode.LOCKING ? "lock witness (T=1)" : "T=0 exchanges") + " | "
                + result.millis() + " | " + result.operations() + " | " + result.locks() + " | "
                + result.violations() + " | " + result.unlockFailures() + " | " + result.wrongAnswers() + " | "
                + result.badStatus() + " | " + result.errors() + " | "
                + String.join("; ", result.examples()).replace("|", "/") + " |");
    }

    /** Attach/detach cycles on the simulator for {@code each}; the fd and thread counts before and after. */
    private String cycles(Duration each) throws IOException {
        SimulatorBackend backend = SimulatorBackend.standalone(List.of(SIM_READER));
        backend.insert(SIM_READER, new WitnessCard(Protocol.T1));
        CardManager manager = new CardManager(backend, new HandleTable());
        manager.attachByIfd(SIM_READER);
        manager.detach();
        System.gc();
        long fdsBefore = openFds();
        int threadsBefore = Thread.getAllStackTraces().size();
        long cycles = 0;
        long end = System.nanoTime() + each.toNanos();
        while (System.nanoTime() - end < 0) {
            manager.attachByIfd(SIM_READER);
            manager.detach();
            cycles++;
        }
        manager.dispose("soak finished");
        backend.close();
        System.gc();
        long fdsAfter = openFds();
        int threadsAfter = Thread.getAllStackTraces().size();
        return cycles + " attach/detach cycles on the simulator in " + each.toSeconds() + " s; file descriptors "
                + fdsBefore + " -> " + fdsAfter + ", threads " + threadsBefore + " -> " + threadsAfter + ".";
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private String report(Duration each, String pcsc, String leaks, long totalSeconds) {
        StringBuilder md = new StringBuilder();
        md.append("# Reliability soak\n\n");
        md.append("Run ").append(Instant.now()).append(", Java ").append(Runtime.version()).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" processors; ").append(THREADS)
                .append(" threads on ").append(MANAGERS).append(" managers of one witness card, ")
                .append(each.toSeconds()).append(" s per scenario, seed ").append(SEED).append(", ")
                .append(totalSeconds).append(" s in all. Produced by `benchmarks/run.sh` (`ReliabilitySoak`); the")
                .append(" same witnesses run for 5 s each in the in-framework reliability suite.\n\n");
        md.append("| backend | scenario | ms | operations | locked sessions | violations | failed unlocks |"
                + " wrong answers | bad status words | errors | first problems |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        rows.forEach(row -> md.append(row).append('\n'));
        if (!pcsc.isEmpty()) {
            md.append('\n').append(pcsc).append('\n');
        }
        md.append('\n').append(leaks).append('\n');
        md.append('\n').append(problems == 0 ? "No problems." : problems + " problems.").append('\n');
        return md.toString();
    }
}
