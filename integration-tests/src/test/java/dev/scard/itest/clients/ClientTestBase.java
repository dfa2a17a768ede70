package dev.scard.itest.clients;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardResourceManager;
import dev.scard.itest.support.ExternalProgram;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.itest.support.SampleProfile;
import dev.scard.itest.support.VpcdRig;
import dev.scard.simulator.control.SimulatorControl;

/**
 * The base of the tests in which programs of others are the clients of our simulated cards: a fresh sample card (as
 * impl-simulator ships it) in "Simulated Reader 0", served through vpcd to the real pcscd, where the clients see it
 * in {@value VpcdRig#CARD_READER}; "Simulated Reader 1" ({@value VpcdRig#EMPTY_READER}) empty. After each test
 * reader 0 holds a sample card again (reset: no PIN stays verified), reader 1 is empty, both are served. Without
 * pcscd, vpcd or the client programs the tests are skipped, under {@code CI=true} they fail.
 */
abstract class ClientTestBase extends OsgiTestSupport {

    static final String READER_0 = "Simulated Reader 0";
    static final String READER_1 = "Simulated Reader 1";
    static final HexFormat HEX = HexFormat.of().withUpperCase();
    /**
     * A T=0 card for {@link #insertIntoReader1}: its ATR has no interface bytes (T=0 implied), its profile says T=0;
     * an MF and a linear fixed file 0101 whose record 1 is "record 1".
     */
    static final String T0_CARD = """
            {"name": "t0-card", "atr": "3B 08 53 43 41 52 44 53 49 4D", "protocol": "T=0",
             "files": [{"fid": "0101", "type": "linear-fixed", "recordLength": 8, "maxRecords": 2,
                        "records": [{"text": "record 1"}]}]}
            """;

    @TempDir
    Path dir;
    SimulatorControl control;
    SCardResourceManager pcsc;
    /** The copy of the sample profile this test inserted. */
    private Path sample;
    /** Whether this test inserted a card of its own into reader 1. */
    private boolean reader1Changed;

    /** What the test checks, for the messages of skips and failures. */
    abstract String what();

    /** Skips the test (fails it under {@code CI=true}) unless the programs it runs are installed. */
    abstract void requirePrograms() throws Exception;

    @BeforeEach
    void serveAFreshSampleCard() throws Exception {
        requirePrograms();
        VpcdRig.require(what());
        control = awaitService(SimulatorControl.class, null);
        pcsc = awaitService(SCardResourceManager.class, "(scard.backend=pcsc)");
        onCleanup(this::restoreReaders);
        if (control.isCardPresent(READER_0)) {
            control.remove(READER_0);
            VpcdRig.awaitPcscd(pcsc, VpcdRig.CARD_READER, false);
        }
        sample = SampleProfile.copy(bundle(SampleProfile.SIMULATOR_BUNDLE));
        control.insertProfile(READER_0, sample);
        VpcdRig.requireServing(what(), control, pcsc);
    }

    /**
     * Inserts a card made from a profile (JSON text) into "Simulated Reader 1" and waits until pcscd shows it; after
     * the test reader 1 is empty again, and its own card (what {@code insert} puts back) a sample card.
     */
    void insertIntoReader1(String profileJson) throws Exception {
        Path profile = dir.resolve("reader-1-card.json");
        Files.writeString(profile, profileJson);
        if (control.isCardPresent(READER_1)) {
            control.remove(READER_1);
            VpcdRig.awaitPcscd(pcsc, VpcdRig.EMPTY_READER, false);
        }
        reader1Changed = true;
        control.insertProfile(READER_1, profile);
        VpcdRig.awaitPcscd(pcsc, VpcdRig.EMPTY_READER, true);
    }

    /** The ATR of the card in a simulated reader, as the simulator backend reports it (upper-case hex). */
    String simulatorAtr(String reader) throws InterruptedException {
        SCardResourceManager simulator = awaitService(SCardResourceManager.class, "(scard.backend=simulator)");
        for (ReaderInfo info : simulator.listReaders()) {
            if (info.name().equals(reader)) {
                return HEX.formatHex(info.atr());
            }
        }
        throw new AssertionError("no reader '" + reader + "' in the simulator: " + simulator.listReaders());
    }

    /** Runs a client program with no further environment and no input. */
    ExternalProgram.Result run(String... command) throws Exception {
        return run(Map.of(), command);
    }

    /** Runs a client program with more environment variables and no input. */
    ExternalProgram.Result run(Map<String, String> environment, String... command) throws Exception {
        return ExternalProgram.run(environment, null, command);
    }

    private void restoreReaders() throws Exception {
        SimulatorControl simulator = awaitService(SimulatorControl.class, null);
        if (!simulator.isCardPresent(READER_0)) {
            simulator.insert(READER_0);
        } else {
            simulator.reset(READER_0);
        }
        if (simulator.isCardPresent(READER_1)) {
            simulator.remove(READER_1);
        }
        if (reader1Changed) {
            // a later insert() puts the reader's own card back: let that be a sample card again, not this test's
            simulator.insertProfile(READER_1, sample);
            simulator.remove(READER_1);
        }
        VpcdRig.serve(simulator, awaitService(SCardResourceManager.class, "(scard.backend=pcsc)"));
    }
}
