package dev.scard.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Times the distribution from {@code java -jar scard.jar -c 'scard:readers'} to the first line the command
 * prints, as a user waits for it. JMH cannot measure a process start, so this is a plain timer; it runs the
 * same command several times after one warm-up run (which fills the OS file cache) and reports every run.
 */
final class StartupTimer {

    /** The command whose first output line ends a measurement. */
    static final String COMMAND = "scard:readers";

    private StartupTimer() {
    }

    /**
     * Starts the jar {@code runs + 1} times and returns the wall times of the last {@code runs}, sorted.
     *
     * @throws IOException when the jar cannot be started or prints nothing
     */
    static List<Long> measureMillis(String javaExecutable, Path jar, int runs) throws IOException, InterruptedException {
        List<Long> times = new ArrayList<>();
        for (int run = 0; run <= runs; run++) {
            long millis = timeToFirstLine(javaExecutable, jar);
            if (run > 0) {
                times.add(millis);
            }
        }
        Collections.sort(times);
        return times;
    }

    private static long timeToFirstLine(String javaExecutable, Path jar) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(javaExecutable, "-jar", jar.toString(), "-c", COMMAND);
        builder.redirectErrorStream(true);
        long start = System.nanoTime();
        Process process = builder.start();
        try (BufferedReader output = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String first = output.readLine();
            long elapsed = System.nanoTime() - start;
            if (first == null) {
                throw new IOException(jar + " printed nothing for " + COMMAND);
            }
            while (output.readLine() != null) {
                // Drain, so the process can end.
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException(jar + " did not end within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IOException(jar + " exited with " + process.exitValue() + "; first line: " + first);
            }
            return TimeUnit.NANOSECONDS.toMillis(elapsed);
        } finally {
            process.destroyForcibly();
        }
    }
}
