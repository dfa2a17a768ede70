package dev.scard.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Times the distribution from {@code java -jar scard.jar -c 'scard:readers'} to the first line the command prints on
 * standard output, as a user waits for it, side by side with a bare {@code java -version} (to its end) in the same
 * run: the runs take turns, so the load of the machine hits both alike. JMH cannot measure a process start, so this
 * is a plain timer.
 * <p>
 * The distribution gets a cache folder of its own ({@code XDG_CACHE_HOME} set to a new temporary folder): its first
 * start unpacks the jar there (as the first start after a build does) and is reported apart; the measured starts
 * come after it. The peak memory of a start is the sum of the peak resident set sizes ({@code VmHWM} in
 * {@code /proc/<pid>/status}) of its JVMs: the distribution starts a second JVM and waits for it, so both count.
 * The figures are read every {@value #MEMORY_POLL_MILLIS} ms while the start runs (a peak, once reached, stays in
 * {@code VmHWM}), so what grows in the last milliseconds before a process ends can be missed; where there is no
 * {@code /proc}, the memory is "n/a".
 * <p>
 * {@code main} compares several jars (say, this build and the previous release) in one interleaved run and prints
 * the result: {@code java -cp benchmarks.jar dev.scard.benchmarks.StartupTimer RUNS JAR...}.
 */
final class StartupTimer {

    /** The command whose first output line ends a measurement. */
    static final String COMMAND = "scard:readers";
    /** How many measured starts each command gets. */
    static final int RUNS = 11;
    /** The label of the bare JVM's runs. */
    static final String JAVA_VERSION = "java -version";

    /** How often the memory of a running start is read. */
    static final int MEMORY_POLL_MILLIS = 10;

    private static final Path PROC = Path.of("/proc");

    /** What a set of starts of one command took. */
    record Series(String label, List<Long> millis, long maxRssKib) {

        /** The median of the sorted times (the middle one; the lower middle one for an even count). */
        long median() {
            return millis.get((millis.size() - 1) / 2);
        }

        /** The peak resident memory in MiB, or "n/a" without {@code /proc}. */
        String maxRss() {
            return maxRssKib < 0 ? "n/a" : String.format("%.0f MiB", maxRssKib / 1024.0);
        }
    }

    /** A run: the bare JVM, each jar's first start, and each jar's measured starts. */
    record Result(Series javaVersion, Map<Path, Long> firstStartMillis, Map<Path, Series> jars) {
    }

    private StartupTimer() {
    }

    /**
     * Compares the jars named after the run count: {@code StartupTimer RUNS JAR...}.
     *
     * @param args the run count, then one or more distribution jars
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: StartupTimer <runs> <scard.jar>...");
            System.exit(2);
        }
        int runs = Integer.parseInt(args[0]);
        List<Path> jars = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            jars.add(Path.of(args[i]));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Result result = measure(java, jars, runs);
        System.out.println("Start-up, " + runs + " runs of each command taking turns, Java "
            + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
            + Instant.now() + "\n");
        System.out.println("| command | median | runs, sorted (ms) | max RSS | first start |\n|---|---:|---|---:|---:|");
        for (Path jar : jars) {
            System.out.println(row("`java -jar " + jar + " -c '" + COMMAND + "'`", result.jars().get(jar),
                result.firstStartMillis().get(jar) + " ms"));
        }
        System.out.println(row("`" + JAVA_VERSION + "`", result.javaVersion(), "-"));
    }

    /** A table row: the command, the median, the sorted times, the peak memory and the first start. */
    static String row(String command, Series series, String firstStart) {
        return "| " + command + " | " + series.median() + " ms | " + series.millis() + " | " + series.maxRss() + " | "
            + firstStart + " |";
    }

    /**
     * Starts every jar once (its first start, into a cache folder of its own), then {@code runs} times each jar and
     * {@code java -version}, taking turns.
     *
     * @throws IOException when a jar cannot be started, prints nothing or fails
     */
    static Result measure(String javaExecutable, List<Path> jars, int runs) throws IOException, InterruptedException {
        Map<Path, Path> caches = new LinkedHashMap<>();
        Map<Path, Long> first = new LinkedHashMap<>();
        Map<Path, List<Long>> times = new LinkedHashMap<>();
        Map<Path, Long> rss = new LinkedHashMap<>();
        List<Long> javaTimes = new ArrayList<>();
        long javaRss = -1;
        try {
            for (Path jar : jars) {
                caches.put(jar, Files.createTempDirectory("scard-startup-cache"));
                first.put(jar, start(javaExecutable, jar, caches.get(jar))[0]);
                times.put(jar, new ArrayList<>());
                rss.put(jar, -1L);
            }
            for (int run = 0; run < runs; run++) {
                long[] bare = javaVersion(javaExecutable);
                javaTimes.add(bare[0]);
                javaRss = Math.max(javaRss, bare[1]);
                for (Path jar : jars) {
                    long[] timed = start(javaExecutable, jar, caches.get(jar));
                    times.get(jar).add(timed[0]);
                    rss.put(jar, Math.max(rss.get(jar), timed[1]));
                }
            }
        } finally {
            for (Path cache : caches.values()) {
                deleteTree(cache);
            }
        }
        Map<Path, Series> series = new LinkedHashMap<>();
        for (Path jar : jars) {
            series.put(jar, sorted(jar.toString(), times.get(jar), rss.get(jar)));
        }
        return new Result(sorted(JAVA_VERSION, javaTimes, javaRss), first, series);
    }

    private static Series sorted(String label, List<Long> millis, long maxRssKib) {
        List<Long> copy = new ArrayList<>(millis);
        Collections.sort(copy);
        return new Series(label, List.copyOf(copy), maxRssKib);
    }

    /** {@code java -jar JAR -c COMMAND}: milliseconds to the first output line, and the peak memory in KiB (or -1). */
    private static long[] start(String javaExecutable, Path jar, Path cacheHome)
        throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(javaExecutable, "-jar", jar.toString(), "-c", COMMAND);
        builder.environment().put("XDG_CACHE_HOME", cacheHome.toString());
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().remove("_JAVA_OPTIONS");
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        long begin = System.nanoTime();
        Process process = builder.start();
        PeakMemory memory = PeakMemory.watch(process);
        try (BufferedReader output = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String firstLine = output.readLine();
            long elapsed = System.nanoTime() - begin;
            if (firstLine == null) {
                throw new IOException(jar + " printed nothing for " + COMMAND);
            }
            while (output.readLine() != null) {
                // Drain, so the process can end.
            }
            awaitSuccess(process, jar + " " + COMMAND);
            return new long[] {TimeUnit.NANOSECONDS.toMillis(elapsed), memory.stop()};
        } finally {
            memory.stop();
            process.destroyForcibly();
        }
    }

    /** {@code java -version}: milliseconds to its end, and the peak memory in KiB (or -1). */
    private static long[] javaVersion(String javaExecutable) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(javaExecutable, "-version");
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        long begin = System.nanoTime();
        Process process = builder.start();
        PeakMemory memory = PeakMemory.watch(process);
        try {
            awaitSuccess(process, JAVA_VERSION);
            long elapsed = System.nanoTime() - begin;
            return new long[] {TimeUnit.NANOSECONDS.toMillis(elapsed), memory.stop()};
        } finally {
            memory.stop();
        }
    }

    /**
     * Reads the peak resident set size ({@code VmHWM}) of a process and of every process it starts while it runs, on
     * a thread of its own.
     */
    static final class PeakMemory implements Runnable {
        private final Process process;
        private final Map<Long, Long> peakKib = new ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean stopped;

        private PeakMemory(Process process) {
            this.process = process;
            this.thread = new Thread(this, "startup-memory");
            this.thread.setDaemon(true);
        }

        /** Starts reading the memory of {@code process} and its descendants, where there is {@code /proc}. */
        static PeakMemory watch(Process process) {
            PeakMemory memory = new PeakMemory(process);
            if (Files.isDirectory(PROC)) {
                memory.thread.start();
            }
            return memory;
        }

        @Override
        public void run() {
            while (!stopped && process.isAlive()) {
                read(process.toHandle());
                process.descendants().forEach(this::read);
                try {
                    Thread.sleep(MEMORY_POLL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void read(ProcessHandle handle) {
            long kib = vmHwmKib(handle.pid());
            if (kib > 0) {
                peakKib.merge(handle.pid(), kib, Math::max);
            }
        }

        /** Stops reading; the sum of the processes' peaks in KiB, or -1 when none could be read. */
        long stop() throws InterruptedException {
            stopped = true;
            if (thread.isAlive()) {
                thread.join(1000);
            }
            return peakKib.isEmpty() ? -1 : peakKib.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * {@code VmHWM} of {@code /proc/<pid>/status} in KiB, or -1: the process has ended, there is no such file, or it
     * has one thread only. A JVM has many threads; a process with one is a helper ({@code ldconfig}, which JNA runs) or a
     * child between its fork and its exec, whose figures are still its parent's, so it would be counted twice.
     */
    static long vmHwmKib(long pid) {
        long kib = -1;
        int threads = 0;
        try {
            for (String line : Files.readAllLines(PROC.resolve(Long.toString(pid)).resolve("status"),
                StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmHWM:")) {
                    kib = Long.parseLong(line.substring("VmHWM:".length()).replace("kB", "").strip());
                } else if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.substring("Threads:".length()).strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return threads > 1 ? kib : -1;
    }

    private static void awaitSuccess(Process process, String what) throws IOException, InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(what + " did not end within 60 s");
        }
        if (process.exitValue() != 0) {
            throw new IOException(what + " exited with " + process.exitValue());
        }
    }

    private static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
