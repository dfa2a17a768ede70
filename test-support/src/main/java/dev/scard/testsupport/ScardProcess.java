package dev.scard.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One distribution ({@code java -jar scard.jar --config FILE}) as a child process, driven through its console's
 * standard input: each {@link #run} writes one command line, then an {@code echo} of a marker, and collects the lines
 * (standard output and error, merged in order) up to the marker, within a bound. Everything the process printed is
 * kept in {@link #transcript()} and written to a log file beside its configuration.
 *
 * <p>{@link #close()} ends it: standard input closed (the console then exits), and killed when it has not ended
 * within a few seconds; {@link #kill()} kills it at once (SIGKILL), as a crash would.
 */
public final class ScardProcess implements AutoCloseable {

    /** How long one console command may take, unless the caller says otherwise. */
    public static final Duration COMMAND_BOUND = Duration.ofSeconds(30);

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final List<String> lines = new ArrayList<>();
    private final Path log;
    private int markers;

    private ScardProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::read, name + " output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts the distribution with a configuration file.
     *
     * @param name what to call it in messages and in the log file's name
     * @param work the test's folder (cache, temporary files, the log)
     * @param config the initial configuration file
     * @param jvmOptions options before {@code -jar}
     * @return the running process
     * @throws IOException when the process cannot be started
     */
    public static ScardProcess start(String name, Path work, Path config, String... jvmOptions) throws IOException {
        Path jar = distribution();
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Djava.io.tmpdir=" + tmp);
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-jar", jar.toString(), "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).directory(work.toFile());
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().put("XDG_CACHE_HOME", Files.createDirectories(work.resolve("cache")).toString());
        return new ScardProcess(name, builder.start(), work.resolve(name + ".log"));
    }

    /**
     * The distribution's jar: the system property {@code scard.jar}, else {@code app/target/scard.jar} in the working
     * folder or the nearest folder above it that has one.
     *
     * @return the jar
     * @throws IllegalStateException when there is none (build the app module first)
     */
    public static Path distribution() {
        String property = System.getProperty("scard.jar");
        if (property != null && !property.isBlank()) {
            Path jar = Path.of(property).toAbsolutePath().normalize();
            if (Files.isRegularFile(jar)) {
                return jar;
            }
            throw new IllegalStateException("no distribution at " + jar + " (scard.jar): build the app module first");
        }
        for (Path folder = Path.of("").toAbsolutePath(); folder != null; folder = folder.getParent()) {
            Path jar = folder.resolve("app/target/scard.jar");
            if (Files.isRegularFile(jar)) {
                return jar;
            }
        }
        throw new IllegalStateException("no app/target/scard.jar above " + Path.of("").toAbsolutePath()
            + ": build the app module first");
    }

    /** @return the process's id */
    public long pid() {
        return process.pid();
    }

    /** @return whether it is still running */
    public boolean alive() {
        return process.isAlive();
    }

    /**
     * Runs one console command and returns what it printed.
     *
     * @param command one line for the console
     * @return the lines it printed (output and errors), without the marker
     */
    public List<String> run(String command) {
        return run(command, COMMAND_BOUND);
    }

    /**
     * Runs one console command and returns what it printed, waiting at most {@code bound}.
     *
     * @param command one line for the console
     * @param bound the longest it may take
     * @return the lines it printed (output and errors), without the marker
     */
    public List<String> run(String command, Duration bound) {
        String marker = "__done_" + (++markers) + "__";
        int from;
        synchronized (lines) {
            from = lines.size();
        }
        try {
            stdin.write(command + "\necho " + marker + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + " does not take commands any more (" + transcriptTail() + ")", e);
        }
        List<String> printed = awaitLine(from, marker::equals, bound);
        return printed.subList(0, printed.size() - 1);
    }

    /**
     * Waits for a line (from the start of the process) that matches.
     *
     * @param matches what to wait for
     * @param bound how long at most
     * @return every line from the start up to and with the first match
     */
    public List<String> awaitLine(Predicate<String> matches, Duration bound) {
        return awaitLine(0, matches, bound);
    }

    private List<String> awaitLine(int from, Predicate<String> matches, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (lines) {
            int next = from;
            while (true) {
                for (; next < lines.size(); next++) {
                    if (matches.test(lines.get(next))) {
                        return new ArrayList<>(lines.subList(from, next + 1));
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && next == lines.size()) {
                    throw new AssertionError(name + ": no expected line within " + bound.toMillis() + " ms"
                        + (process.isAlive() ? "" : " (it ended)") + "; it printed:\n" + String.join("\n",
                            lines.subList(from, lines.size())));
                }
                try {
                    lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(name + ": interrupted while waiting", e);
                }
            }
        }
    }

    /** @return everything it printed so far */
    public List<String> transcript() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    private String transcriptTail() {
        List<String> all = transcript();
        return String.join(" | ", all.subList(Math.max(0, all.size() - 5), all.size()));
    }

    /** Kills it at once (SIGKILL, as a crash), and waits until it is gone (bounded). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not end within 10 s of SIGKILL");
        }
    }

    /** Ends it: standard input closed, then killed when it has not exited within 10 s; writes its log. */
    @Override
    public void close() throws InterruptedException {
        try {
            stdin.close();
        } catch (IOException e) {
            // it ended already
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try {
            Files.write(log, transcript(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            // the log is a help, not a result
        }
    }

    private void read() {
        try (BufferedReader out = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        synchronized (lines) {
            lines.notifyAll();
        }
    }
}
