package dev.scard.itest.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The reliability suite's figures, one table row per measurement, appended to {@code target/reliability-figures.md}
 * (created with its header by the first row of a run) and printed, so CI output shows them.
 */
final class Figures {

    /** The figures file, under the module's {@code target} folder. */
    static final Path FILE = target().resolve("reliability-figures.md");
    private static long startNanos;
    private static boolean started;

    private Figures() {
    }

    /** The module's target folder: the framework runs in a folder below it, or in the module's folder. */
    private static Path target() {
        Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (p.getFileName() != null && p.getFileName().toString().equals("target")) {
                return p;
            }
        }
        Path target = here.resolve("target");
        return Files.isDirectory(target) ? target : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * Records one measurement.
     *
     * @param test what was measured (test and backend)
     * @param figures the figures, one line
     */
    static synchronized void record(String test, String figures) {
        if (!started) {
            startNanos = System.nanoTime();
        }
        long at = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
        String row = "| " + at + " | " + test + " | " + figures.replace("|", "/").replace("\n", " ") + " |\n";
        System.out.println("RELIABILITY " + test + ": " + figures + (started ? "" : " (figures in " + FILE + ")"));
        try {
            if (!started) {
                started = true;
                Files.writeString(FILE, "# Reliability figures\n\nRun " + Instant.now() + ", Java "
                        + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " processors.\n\n"
                        + "s: seconds since the first measurement of the run (the suite's duration so far).\n\n"
                        + "| s | measurement | figures |\n|---|---|---|\n", StandardCharsets.UTF_8);
            }
            Files.writeString(FILE, row, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + FILE.toAbsolutePath(), e);
        }
    }
}
