package dev.scard.itest.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;

import dev.scard.api.CardHandle;
import dev.scard.api.Disposition;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.SCardServiceProperties;
import dev.scard.itest.support.VpcdRig;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.SimulatorControl;

/**
 * The conformance suite against the PC/SC backend talking to a real pcscd, whose vpcd readers hold the simulator's
 * cards: "Simulated Reader 0" is served to "Virtual PCD 00 00" (port 35963) and "Simulated Reader 1" to
 * "Virtual PCD 00 01" (port 35964). Inserting or removing a card in a vpcd reader inserts or removes it in the
 * simulated reader behind it and waits until pcscd has seen it (pcscd polls every 400 ms); a reset from outside
 * is a second PC/SC connection that disconnects with RESET.
 *
 * <p>Needs pcscd with the vsmartcard vpcd driver ({@code .ci/run} installs and starts it). Without it every test
 * is skipped ({@link VpcdRig#skip}), except under {@code CI=true}, where that is a failure.
 */
public class PcscConformanceTest extends ISCardManageConformance {

    static final String READER_WITH_CARD = "Virtual PCD 00 00";
    static final String EMPTY_READER = "Virtual PCD 00 01";
    /** vpcd reader -> the simulated reader behind it, and its vpcd port. */
    static final Map<String, String> SIMULATED = Map.of(READER_WITH_CARD, "Simulated Reader 0",
            EMPTY_READER, "Simulated Reader 1");
    static final Map<String, Integer> PORTS = Map.of(READER_WITH_CARD, SimulatorControl.VPCD_PORT,
            EMPTY_READER, SimulatorControl.VPCD_PORT + 1);
    /** How long pcscd may take to notice an insertion or removal (it polls vpcd every 400 ms). */
    static final long PCSCD_NOTICE_MILLIS = 5_000;

    private static String unavailable;
    private static boolean checked;

    @Override
    protected String backend() {
        return SCardServiceProperties.BACKEND_PCSC;
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
        return "dev.scard.impl-pcsc";
    }

    /** Serves both simulated readers to vpcd once, or skips (fails under CI) when pcscd or vpcd is missing. */
    @BeforeEach
    void requirePcscdWithVpcd() throws Exception {
        if (!checked) {
            checked = true;
            unavailable = serveSimulatedCards();
        }
        if (unavailable != null) {
            VpcdRig.skip("the PC/SC conformance suite", unavailable);
        }
        restoreReaders();
    }

    private String serveSimulatedCards() throws Exception {
        String missing = VpcdRig.missing();
        if (missing != null) {
            return missing;
        }
        SimulatorControl control = control();
        for (Map.Entry<String, String> served : SIMULATED.entrySet()) {
            control.serve(served.getValue(), SimulatorControl.VPCD_HOST, PORTS.get(served.getKey()));
        }
        try {
            awaitPcscd(READER_WITH_CARD, true);
        } catch (AssertionError e) {
            return "pcscd does not show the simulated card in '" + READER_WITH_CARD + "': " + e.getMessage();
        }
        return null;
    }

    private SimulatorControl control() throws InterruptedException {
        return awaitService(SimulatorControl.class, null);
    }

    @Override
    protected void insertCard(String reader) throws Exception {
        control().insert(SIMULATED.get(reader));
        awaitPcscd(reader, true);
    }

    @Override
    protected void removeCard(String reader) throws Exception {
        control().remove(SIMULATED.get(reader));
        awaitPcscd(reader, false);
    }

    @Override
    protected void resetCardFromOutside(String reader) throws Exception {
        CardHandle other = resourceManager().connect(reader);
        resourceManager().disconnect(other.value(), Disposition.RESET);
    }

    @Override
    protected void restoreReaders() throws Exception {
        if (!checked || unavailable != null) {
            return; // nothing was served: there is nothing to restore
        }
        SimulatorControl control = control();
        for (Map.Entry<String, String> served : SIMULATED.entrySet()) {
            boolean wanted = served.getKey().equals(READER_WITH_CARD);
            if (control.isCardPresent(served.getValue()) != wanted) {
                if (wanted) {
                    control.insert(served.getValue());
                } else {
                    control.remove(served.getValue());
                }
            }
            awaitPcscd(served.getKey(), wanted);
        }
        List<ServedReader> links = control.served();
        assertThat(links).extracting(ServedReader::readerName).containsAll(SIMULATED.values());
    }

    /** Waits until pcscd reports a card in {@code reader} (or none). */
    private void awaitPcscd(String reader, boolean cardPresent) throws Exception {
        long deadline = System.currentTimeMillis() + PCSCD_NOTICE_MILLIS;
        String seen = "nothing";
        while (System.currentTimeMillis() < deadline) {
            try {
                for (ReaderInfo info : resourceManager().listReaders()) {
                    if (info.name().equals(reader)) {
                        seen = info.toString();
                        if (info.cardPresent() == cardPresent) {
                            return;
                        }
                    }
                }
            } catch (SCardException e) {
                seen = e.getMessage();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("pcscd did not show " + (cardPresent ? "a card" : "no card") + " in '" + reader
                + "' within " + PCSCD_NOTICE_MILLIS + " ms; last seen: " + seen);
    }
}
