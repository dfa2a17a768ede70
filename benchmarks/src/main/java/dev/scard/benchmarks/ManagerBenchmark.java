package dev.scard.benchmarks;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.simulator.internal.MinimalIsoCard;
import dev.scard.simulator.internal.SimulatorBackend;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * APDU exchanges through {@code ISCardManage} on the in-process simulator, side by side with the same commands
 * given to the card model directly, and attach/detach cycles. Single-threaded throughput, operations per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ManagerBenchmark {

    static final String READER = "Benchmark Reader";
    /** SELECT the MF with P2=0C: the card answers 9000 alone, the cheapest real command. */
    static final byte[] SELECT_MF_NO_FCI = HexFormat.of().parseHex("00A4000C023F00");
    /** SELECT the MF returning its FCP template. */
    static final byte[] SELECT_MF = HexFormat.of().parseHex("00A40000023F0000");
    /** GET CHALLENGE of 8 bytes (SecureRandom on the card). */
    static final byte[] GET_CHALLENGE = HexFormat.of().parseHex("0084000008");

    private SimulatorBackend backend;
    private CardManager manager;
    private MinimalIsoCard card;
    private CardManager cycler;

    /** One attached manager over a simulated reader holding a card, and a bare card model. */
    @Setup
    public void setUp() {
        backend = SimulatorBackend.standalone(List.of(READER));
        backend.insert(READER, new MinimalIsoCard());
        HandleTable handles = new HandleTable();
        manager = new CardManager(backend, handles);
        manager.attachByIfd(READER);
        cycler = new CardManager(backend, handles);
        card = new MinimalIsoCard();
        card.reset();
    }

    /** Releases the managers. */
    @TearDown
    public void tearDown() {
        manager.dispose("benchmark finished");
        cycler.dispose("benchmark finished");
    }

    /** SELECT MF (no FCI) through the manager. */
    @Benchmark
    public byte[] selectMfThroughManager() {
        return manager.transmit(SELECT_MF_NO_FCI);
    }

    /** SELECT MF (no FCI) given to the card model directly. */
    @Benchmark
    public byte[] selectMfCardModel() {
        return card.process(SELECT_MF_NO_FCI);
    }

    /** SELECT MF with FCP through the manager. */
    @Benchmark
    public byte[] selectMfFcpThroughManager() {
        return manager.transmit(SELECT_MF);
    }

    /** SELECT MF with FCP given to the card model directly. */
    @Benchmark
    public byte[] selectMfFcpCardModel() {
        return card.process(SELECT_MF);
    }

    /** GET CHALLENGE through the manager. */
    @Benchmark
    public byte[] getChallengeThroughManager() {
        return manager.transmit(GET_CHALLENGE);
    }

    /** GET CHALLENGE given to the card model directly. */
    @Benchmark
    public byte[] getChallengeCardModel() {
        return card.process(GET_CHALLENGE);
    }

    /** One AttachByIFD (shared) and Detach. */
    @Benchmark
    public boolean attachDetach() {
        cycler.attachByIfd(READER);
        cycler.detach();
        return cycler.isAttached();
    }
}
