package dev.scard.itest.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.osgi.framework.Bundle;

/**
 * The simulator's sample card profile as a file, for {@code SimulatorControl.insertProfile}: a fresh sample card, as
 * the simulator bundle ships it, whatever an earlier test did to the card a reader holds.
 */
public final class SampleProfile {

    /** The simulator's bundle, which holds the profile. */
    public static final String SIMULATOR_BUNDLE = "dev.scard.impl-simulator";
    /** Where the profile is in that bundle. */
    public static final String ENTRY = "/dev/scard/simulator/profiles/sample-card.json";

    private SampleProfile() {
    }

    /**
     * Copies the sample profile out of the simulator bundle into a temporary file (deleted when the JVM exits).
     *
     * @param simulator the simulator's bundle, {@value #SIMULATOR_BUNDLE}
     * @return the file
     * @throws AssertionError when the bundle has no sample profile
     */
    public static Path copy(Bundle simulator) throws IOException {
        URL entry = simulator.getEntry(ENTRY);
        if (entry == null) {
            throw new AssertionError(simulator.getSymbolicName() + " has no " + ENTRY);
        }
        Path file = Files.createTempFile("scard-sample", ".json");
        try (InputStream in = entry.openStream()) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        file.toFile().deleteOnExit();
        return file;
    }
}
