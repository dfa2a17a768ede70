package dev.scard.itest.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.itest.support.VpcdRig;
import dev.scard.testprovider.witness.WitnessCard;
import dev.scard.testprovider.witness.WitnessWorkload;
import dev.scard.testprovider.witness.WitnessWorkload.Mode;
import dev.scard.testprovider.witness.WitnessWorkload.Result;

/**
 * Many threads on several managers of one card, watched by a {@link WitnessCard}: while a manager holds the lock no
 * other manager's command reaches the card, every unlock after a successful lock succeeds, and with T=0's
 * {@code 61xx}/GET RESPONSE every response belongs to its own command. In-process on the simulator and through
 * pcscd (the witness served over vpcd, the PC/SC backend attached to {@value VpcdRig#CARD_READER}).
 */
public class ConcurrencyTest extends ReliabilityBase {

    static final int THREADS = 8;
    static final int MANAGERS = 4;
    static final Duration RUN = Duration.ofSeconds(5);
    static final long SEED = 20261206L;

    @Test
    void lockIsExclusiveOnTheSimulator() throws Exception {
        Result result = run(SIM, SIM_READER_0, Protocol.T1, Mode.LOCKING);
        assertLocking(result);
    }

    @Test
    void lockIsExclusiveThroughPcscd() throws Exception {
        requirePcsc("the lock witness through pcscd");
        Result result = run(PCSC, VpcdRig.CARD_READER, Protocol.T1, Mode.LOCKING);
        assertLocking(result);
    }

    @Test
    void t0ExchangesAreAtomicOnTheSimulator() throws Exception {
        Result result = run(SIM, SIM_READER_0, Protocol.T0, Mode.EXCHANGES);
        assertExchanges(result);
    }

    @Test
    void t0ExchangesAreAtomicThroughPcscd() throws Exception {
        requirePcsc("the T=0 exchange witness through pcscd");
        Result result = run(PCSC, VpcdRig.CARD_READER, Protocol.T0, Mode.EXCHANGES);
        assertExchanges(result);
    }

    private Result run(String backend, String reader, Protocol protocol, Mode mode) throws Exception {
        WitnessCard card = new WitnessCard(protocol);
        insertModel(SIM_READER_0, card);
        List<ISCardManage> managers = new ArrayList<>();
        for (int i = 0; i < MANAGERS; i++) {
            managers.add(attached(backend, reader));
        }
        Result result = WitnessWorkload.run(managers, card, mode, THREADS, RUN, BOUND, SEED);
        Figures.record((mode == Mode.LOCKING ? "a. lock witness" : "b. T=0 exchange witness") + ", " + backend
                + ", " + THREADS + " threads x " + MANAGERS + " managers", result.toString());
        return result;
    }

    private static void assertLocking(Result result) {
        assertThat(result.locks()).as("locked sessions in %s", result).isPositive();
        assertThat(result.violations()).as("commands from other clients while a lock was held: %s", result)
                .isZero();
        assertThat(result.unlockFailures()).as("failed unlocks after a successful lock: %s", result).isZero();
        assertThat(result.problems()).as("problems of any kind: %s", result).isZero();
    }

    private static void assertExchanges(Result result) {
        assertThat(result.operations()).as("exchanges in %s", result).isGreaterThan(THREADS);
        assertThat(result.wrongAnswers()).as("responses with another command's data: %s", result).isZero();
        assertThat(result.problems()).as("problems of any kind: %s", result).isZero();
    }
}
