package dev.scard.itest.conformance;

import static dev.scard.itest.support.Apdus.assertSuccess;
import static dev.scard.itest.support.Apdus.getChallenge;
import static dev.scard.itest.support.Apdus.hex;
import static dev.scard.itest.support.Apdus.selectMf;
import static dev.scard.itest.support.Apdus.selectMfNoData;
import static dev.scard.itest.support.Apdus.sw;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.api.CardState;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.SCardServiceProperties;
import dev.scard.api.ShareMode;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.testprovider.loopback.LoopbackBackend;
import dev.scard.testprovider.loopback.LoopbackCard;
import dev.scard.testsupport.Worker;

/**
 * The conformance suite, unchanged, against the loopback backend of {@code dev.scard.integration-tests-provider}: a
 * third backend written against the core's SPI alone, with two in-memory readers. This class switches it on with its
 * configuration ({@link LoopbackBackend#PID}) before its first test and off after its last, so the other tests never
 * see it.
 *
 * <p>The card in {@link #READER_WITH_CARD} is the simulator's sample card, which the card-services part of the suite
 * needs (files, PINs, keys): a {@link SampleCard} that relays every command to the sample card in
 * {@value #SAMPLE_READER} through a simulator {@code ISCardManage}, and carries a reset of the loopback card over to
 * it. Sharing, transactions, resets and removals are the loopback backend's own: the relay is only the card's brain,
 * as vpcd is for the PC/SC suite. A card inserted into {@link #EMPTY_READER} is the backend's built-in card.
 */
public class LoopbackConformanceTest extends ISCardManageConformance {

    static final String READER_WITH_CARD = LoopbackBackend.READER_0;
    static final String EMPTY_READER = LoopbackBackend.READER_1;
    static final String SAMPLE_READER = "Simulated Reader 0";

    /** The relayed sample card, from the first test to the end of the class. */
    private static SampleCard sampleCard;

    /**
     * The simulator's sample card as a loopback card: commands go to it through a simulator manager attached to
     * {@value #SAMPLE_READER}, a reset is a reconnect with {@code RESET}. A failure of the relay is thrown as an
     * unchecked exception, which the loopback reader reports as {@code SCARD_F_COMM_ERROR} naming it.
     */
    private static final class SampleCard implements LoopbackCard {
        private final ServiceObjects<ISCardManage> objects;
        private final ISCardManage simulator;

        SampleCard(ServiceObjects<ISCardManage> objects) {
            this.objects = objects;
            this.simulator = objects.getService();
            simulator.attachByIfd(SAMPLE_READER, ShareMode.SHARED);
        }

        @Override
        public byte[] atr() {
            return simulator.status().atr();
        }

        @Override
        public byte[] process(byte[] commandApdu) {
            try {
                return simulator.transmit(commandApdu);
            } catch (SCardException e) {
                throw new IllegalStateException("the sample card behind the loopback reader: " + e.getMessage(), e);
            }
        }

        @Override
        public void reset() {
            try {
                simulator.reconnect(Disposition.RESET);
            } catch (SCardException e) {
                throw new IllegalStateException("the sample card behind the loopback reader: " + e.getMessage(), e);
            }
        }

        void release() {
            simulator.detach();
            objects.ungetService(simulator);
        }
    }

    @Override
    protected String backend() {
        return LoopbackBackend.NAME;
    }

    @Override
    protected String cardReader() {
        return READER_WITH_CARD;
    }

    @Override
    protected String emptyReader() {
        return EMPTY_READER;
    }

    @Override
    protected String backendBundle() {
        return "dev.scard.integration-tests-provider";
    }

    /** Switches the loopback backend on before the first test; puts the sample card into its reader. */
    @BeforeEach
    void loopbackBackendWithTheSampleCard() throws Exception {
        if (sampleCard == null) {
            Configuration configuration = awaitService(ConfigurationAdmin.class, null)
                    .getConfiguration(LoopbackBackend.PID, "?");
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("purpose", "LoopbackConformanceTest");
            configuration.update(properties);
            ServiceReference<ISCardManage> simulator = awaitReference(ISCardManage.class,
                    "(" + SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_SIMULATOR + ")");
            // The bundle's own context, not the test's: what that one hands out is released after each test.
            sampleCard = new SampleCard(ownContext().getServiceObjects(simulator));
        }
        restoreReaders();
    }

    /** Releases the relay and switches the loopback backend off, waiting until its services are gone. */
    @AfterAll
    static void loopbackBackendOff() throws Exception {
        if (sampleCard != null) {
            sampleCard.release();
            sampleCard = null;
        }
        BundleContext context = ownContext();
        ServiceReference<ConfigurationAdmin> reference = context.getServiceReference(ConfigurationAdmin.class);
        ConfigurationAdmin cm = context.getService(reference);
        try {
            Configuration[] configurations = cm.listConfigurations("(service.pid=" + LoopbackBackend.PID + ")");
            for (Configuration configuration : configurations == null ? new Configuration[0] : configurations) {
                configuration.delete();
            }
        } finally {
            context.ungetService(reference);
        }
        long deadline = System.nanoTime() + BOUND.toNanos();
        String filter = "(" + SCardServiceProperties.BACKEND + "=" + LoopbackBackend.NAME + ")";
        while (!context.getServiceReferences(ISCardManage.class, filter).isEmpty()) {
            assertThat(System.nanoTime()).as("the loopback backend's services go").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static BundleContext ownContext() {
        return FrameworkUtil.getBundle(LoopbackConformanceTest.class).getBundleContext();
    }

    /** Looked up on every use: a test stops and restarts the backend's bundle, which replaces the component. */
    private LoopbackBackend loopback() throws InterruptedException {
        return awaitService(LoopbackBackend.class, null);
    }

    @Override
    protected void insertCard(String reader) throws Exception {
        if (reader.equals(READER_WITH_CARD)) {
            loopback().insert(reader, sampleCard);
        } else {
            loopback().insert(reader, LoopbackCard.simple());
        }
    }

    @Override
    protected void removeCard(String reader) throws Exception {
        loopback().remove(reader);
    }

    @Override
    protected void resetCardFromOutside(String reader) throws Exception {
        loopback().reset(reader);
    }

    @Override
    protected void restoreReaders() throws Exception {
        if (sampleCard == null) {
            return; // the backend was never switched on
        }
        LoopbackBackend loopback = loopback();
        LoopbackCard card = loopback.card(READER_WITH_CARD);
        if (card != sampleCard) {
            if (card != null) {
                loopback.remove(READER_WITH_CARD);
            }
            loopback.insert(READER_WITH_CARD, sampleCard);
        }
        if (loopback.card(EMPTY_READER) != null) {
            loopback.remove(EMPTY_READER);
        }
    }

    // ---- the loopback backend's own card, control and connections --------------------------------------------------------------

    @Test
    void theBuiltInCardAnswersSelectMfAndGetChallengeAndTheControlRejectsImpossibleChanges() throws Exception {
        LoopbackBackend loopback = loopback();
        loopback.insert(EMPTY_READER, LoopbackCard.simple());
        ISCardManage manager = newManager();
        manager.attachByIfd(EMPTY_READER, ShareMode.EXCLUSIVE);
        assertThat(manager.status().atrHex()).isEqualTo("3B8880014C4F4F504241434B1E");
        assertThat(hex(assertSuccess(manager.transmit(selectMf())))).isEqualTo("620782013883023F009000");
        assertThat(hex(manager.transmit(selectMfNoData()))).isEqualTo("9000");
        assertThat(sw(manager.transmit(new byte[] {0x00, (byte) 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0x01}))).isEqualTo("6A82");
        assertThat(assertSuccess(manager.transmit(getChallenge()))).hasSize(10);
        assertThat(sw(manager.transmit(new byte[] {0x00, 0x5E, 0x00, 0x00}))).isEqualTo("6D00");

        failure(HResult.E_FAIL, () -> loopback.insert(EMPTY_READER, LoopbackCard.simple()));
        failure(HResult.E_INVALIDARG, () -> loopback.insert(EMPTY_READER, null));
        failure(HResult.SCARD_E_UNKNOWN_READER, () -> loopback.reset("No Such Reader 42"));
        loopback.remove(EMPTY_READER);
        failure(HResult.SCARD_E_NO_SMARTCARD, () -> loopback.remove(EMPTY_READER));
        failure(HResult.SCARD_E_NO_SMARTCARD, () -> loopback.reset(EMPTY_READER));
        failure(HResult.SCARD_W_REMOVED_CARD, () -> manager.transmit(selectMf()));
        assertThat(loopback.card(EMPTY_READER)).isNull();
    }

    @Test
    void transactionWaitsAreBoundedInterruptibleAndEndWhenTheConnectionCloses() throws Exception {
        LoopbackBackend loopback = loopback();
        loopback.insert(EMPTY_READER, LoopbackCard.simple());
        ReaderConnection holder = loopback.connect(EMPTY_READER, ShareMode.SHARED, Protocol.T0_OR_T1);
        ReaderConnection other = loopback.connect(EMPTY_READER, ShareMode.SHARED, Protocol.T0_OR_T1);
        ReaderConnection third = loopback.connect(EMPTY_READER, ShareMode.SHARED, Protocol.T0_OR_T1);
        onCleanup(() -> List.of(holder, other, third).forEach(c -> c.disconnect(Disposition.LEAVE)));
        assertThat(holder.beginTransaction(0)).isTrue();
        assertThat(other.beginTransaction(TimeUnit.MILLISECONDS.toNanos(50))).as("a bounded wait").isFalse();

        Worker<Boolean> interrupted = inBackground("interrupted begin", () -> other.beginTransaction(-1));
        interrupted.awaitParked(BOUND).thread().interrupt();
        assertThat(code(interrupted.failure(BOUND))).isEqualTo(HResult.SCARD_E_CANCELLED);

        Worker<byte[]> traffic = inBackground("waiting transmit", () -> other.transmit(selectMf()));
        Worker<Boolean> begin = inBackground("waiting begin", () -> other.beginTransaction(-1));
        traffic.awaitParked(BOUND);
        begin.awaitParked(BOUND);
        other.disconnect(Disposition.LEAVE);
        assertThat(code(traffic.failure(BOUND))).as("a disconnect wakes its waiting calls")
                .isEqualTo(HResult.SCARD_E_INVALID_HANDLE);
        assertThat(code(begin.failure(BOUND))).isEqualTo(HResult.SCARD_E_INVALID_HANDLE);

        // the holder's reset ends its transaction and reaches the others until they reconnect, not the holder
        holder.endTransaction(Disposition.RESET);
        assertSuccess(holder.transmit(selectMf()));
        failure(HResult.SCARD_W_RESET_CARD, () -> third.transmit(selectMf()));
        failure(HResult.SCARD_W_RESET_CARD, () -> third.beginTransaction(0));
        third.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(third.beginTransaction(0)).isTrue();
        loopback.reset(EMPTY_READER);
        assertThat(holder.status().state()).as("status never fails for a reset").isEqualTo(CardState.SPECIFIC_MODE);
        failure(HResult.SCARD_W_RESET_CARD, () -> holder.transmit(selectMf()));
        holder.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(holder.beginTransaction(0)).as("a reset from outside ended the transaction").isTrue();
        holder.endTransaction(Disposition.LEAVE);
        failure(HResult.SCARD_E_NOT_TRANSACTED, () -> holder.endTransaction(Disposition.LEAVE));
    }

    private static HResult code(Throwable failure) {
        assertThat(failure).isInstanceOf(SCardException.class);
        return ((SCardException) failure).code();
    }
}
