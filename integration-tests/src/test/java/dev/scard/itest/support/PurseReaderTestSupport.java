package dev.scard.itest.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.apache.felix.service.command.CommandProcessor;

import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.simulator.control.SimulatorControl;

/**
 * The set-up of the shell tests that trace and record a session: the {@link PurseCard} in a simulated reader (served
 * to pcscd too where a pcscd runs), the shell commands registered, a temporary folder for trace files, and shells
 * attached to the reader. The reader is left empty afterwards with the sample card as its own card, and the folder is
 * deleted.
 */
public abstract class PurseReaderTestSupport extends OsgiTestSupport {

    /** The reader holding the purse. */
    protected static final String READER = "Simulated Reader 1";

    /** The simulator, once {@link #purseInReader} ran. */
    protected SimulatorControl control;
    /** The temporary folder, once {@link #purseInReader} ran. */
    protected Path dir;

    /**
     * Waits for the commands of {@code scopedFunctions} ({@code scope:function}), inserts the purse into
     * {@link #READER} and creates {@link #dir}; everything is undone at clean-up.
     *
     * @param dirPrefix the temporary folder's name prefix
     * @param scopedFunctions the commands the test needs, e.g. {@code scard:trace}
     * @throws Exception when a service does not come
     */
    protected void purseInReader(String dirPrefix, String... scopedFunctions) throws Exception {
        awaitService(CommandProcessor.class, null);
        for (String command : scopedFunctions) {
            int colon = command.indexOf(':');
            awaitServiceMatching("(&(osgi.command.scope=" + command.substring(0, colon) + ")(osgi.command.function="
                    + command.substring(colon + 1) + "))");
        }
        control = awaitService(SimulatorControl.class, null);
        try {
            // PC/SC loads at its first use and, without pcscd, logs one notice: not on a shell session's stream
            awaitService(SCardResourceManager.class, "(scard.backend=pcsc)").listReaders();
        } catch (SCardException e) {
            // no pcscd here
        }
        if (control.isCardPresent(READER)) {
            control.remove(READER);
        }
        control.insert(READER, new PurseCard());
        if (VpcdRig.served(control)) {
            // pcscd powers a card served to it up (a reset the session would see): let it be done first
            VpcdRig.awaitPcscd(awaitService(SCardResourceManager.class, "(scard.backend=pcsc)"),
                    VpcdRig.VPCD_READER.get(READER), true);
        }
        dir = Files.createTempDirectory(dirPrefix);
        onCleanup(() -> {
            // leave the reader empty, its own card (what a later insert puts back) a sample card, not the purse
            if (control.isCardPresent(READER)) {
                control.remove(READER);
            }
            control.insertProfile(READER, SampleProfile.copy(bundle(SampleProfile.SIMULATOR_BUNDLE)));
            control.remove(READER);
            if (VpcdRig.served(control)) {
                VpcdRig.awaitPcscd(awaitService(SCardResourceManager.class, "(scard.backend=pcsc)"),
                        VpcdRig.VPCD_READER.get(READER), false);
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
        });
    }

    /** Whether the trace file exists and is complete (its entries and object closed). */
    protected static boolean complete(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip().endsWith("]\n}");
        } catch (IOException e) {
            return false;
        }
    }

    /** A new shell session, closed at clean-up. */
    protected GogoShell shell() throws InterruptedException {
        GogoShell shell = new GogoShell(awaitService(CommandProcessor.class, null));
        onCleanup(shell::close);
        return shell;
    }

    /** A new shell session attached to {@link #READER}. */
    protected GogoShell attached() throws Exception {
        GogoShell shell = shell();
        assertThat(shell.run("scard:attach '" + READER + "'")).startsWith("Attached to '" + READER + "'");
        return shell;
    }
}
