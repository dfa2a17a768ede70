package dev.scard.itest.conformance;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.api.SCardServiceProperties;
import dev.scard.itest.support.OffVpcd;
import dev.scard.simulator.control.SimulatorControl;

/**
 * The conformance suite against the simulator backend, in-process, with its two default readers: a card in
 * "Simulated Reader 0", none in "Simulated Reader 1". Cards are inserted, removed and reset through the
 * simulator's {@link SimulatorControl} service.
 */
@ExtendWith(OffVpcd.class)
public class SimulatorConformanceTest extends ISCardManageConformance {

    static final String READER_WITH_CARD = "Simulated Reader 0";
    static final String EMPTY_READER = "Simulated Reader 1";

    @Override
    protected String backend() {
        return SCardServiceProperties.BACKEND_SIMULATOR;
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
        return "dev.scard.impl-simulator";
    }

    /** Looked up on every use: a test may stop and restart the simulator, which replaces the service. */
    private SimulatorControl control() throws InterruptedException {
        return awaitService(SimulatorControl.class, null);
    }

    @Override
    protected void insertCard(String reader) throws Exception {
        control().insert(reader);
    }

    @Override
    protected void removeCard(String reader) throws Exception {
        control().remove(reader);
    }

    @Override
    protected void resetCardFromOutside(String reader) throws Exception {
        control().reset(reader);
    }

    @Override
    protected void restoreReaders() throws Exception {
        SimulatorControl control = control();
        if (!control.isCardPresent(READER_WITH_CARD)) {
            control.insert(READER_WITH_CARD);
        }
        if (control.isCardPresent(EMPTY_READER)) {
            control.remove(EMPTY_READER);
        }
    }

    // ---- the simulator's own control API -------------------------------------------------------------------

    @Test
    void simulatorControlShowsTheDefaultReadersAndRejectsImpossibleChanges() throws Exception {
        SimulatorControl control = control();
        assertThat(control.readers()).containsSubsequence(READER_WITH_CARD, EMPTY_READER);
        assertThat(control.isCardPresent(READER_WITH_CARD)).isTrue();
        assertThat(control.isCardPresent(EMPTY_READER)).isFalse();

        failure(HResult.E_FAIL, () -> control.insert(READER_WITH_CARD));
        failure(HResult.SCARD_E_NO_SMARTCARD, () -> control.remove(EMPTY_READER));
        failure(HResult.SCARD_E_NO_SMARTCARD, () -> control.reset(EMPTY_READER));
        for (SCardException e : new SCardException[] {
            failure(HResult.E_INVALIDARG, () -> control.insert("No Such Reader 42")),
            failure(HResult.E_INVALIDARG, () -> control.remove("No Such Reader 42")),
            failure(HResult.E_INVALIDARG, () -> control.reset("No Such Reader 42")),
            failure(HResult.E_INVALIDARG, () -> control.isCardPresent("No Such Reader 42"))}) {
            assertThat(e.getMessage()).contains("No Such Reader 42");
        }
        assertThat(control.isCardPresent(READER_WITH_CARD)).as("refusals change nothing").isTrue();
        assertThat(control.isCardPresent(EMPTY_READER)).isFalse();
    }
}
