package dev.scard.itest.support;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Programs of others (OpenSC's tools, python3 with pyscard) run from an in-framework test as other PC/SC
 * applications: found on the {@code PATH}, started with an environment of the test's choosing, bounded by
 * {@link #TIME_LIMIT}, their standard output and error captured together in order.
 */
public final class ExternalProgram {

    /**
     * The Python of the distribution, where its package python3-pyscard installs pyscard (a {@code python3} earlier
     * on the {@code PATH}, pyenv's say, may not have it).
     */
    public static final String PYTHON = "/usr/bin/python3";

    /** The longest a program may run before it is killed and the test fails. */
    public static final Duration TIME_LIMIT = Duration.ofSeconds(60);

    private ExternalProgram() {
    }

    /**
     * What a program did.
     *
     * @param command the command line
     * @param exitCode its exit code
     * @param output its standard output and standard error, interleaved as written
     */
    public record Result(List<String> command, int exitCode, String output) {

        /** The output's lines, each without leading and trailing white space (OpenSC indents with tabs). */
        public List<String> lines() {
            return output.lines().map(String::strip).toList();
        }

        /**
         * This result, after asserting that the program exited with 0.
         *
         * @throws AssertionError naming the command, its exit code and its output otherwise
         */
        public Result succeeded() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    /** The file of an executable named {@code name} on the {@code PATH}, or null. */
    public static Path find(String name) {
        String path = Objects.requireNonNullElse(System.getenv("PATH"), "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Skips the calling test (fails it under {@code CI=true}, see {@link VpcdRig#skip}) unless every executable is
     * on the {@code PATH}.
     *
     * @param what what cannot be tested, for the message
     * @param install how to install what is missing, for the message
     * @param executables the programs the test runs
     */
    public static void require(String what, String install, String... executables) {
        List<String> missing = Arrays.stream(executables).filter(e -> find(e) == null).toList();
        if (!missing.isEmpty()) {
            VpcdRig.skip(what, missing + " not found on the PATH (" + install + ")");
        }
    }

    /**
     * Skips the calling test (fails it under {@code CI=true}, see {@link VpcdRig#skip}) unless {@link #PYTHON} can
     * import pyscard.
     *
     * @param what what cannot be tested, for the message
     */
    public static void requirePyscard(String what) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON))
                || run(Map.of(), null, PYTHON, "-c", "import smartcard.scard").exitCode() != 0) {
            VpcdRig.skip(what, PYTHON + " cannot import pyscard (apt-get install python3-pyscard)");
        }
    }

    /**
     * Runs a program to its end, at most {@link #TIME_LIMIT}.
     *
     * @param environment variables added to this process's environment
     * @param stdin what the program reads on standard input (then end of input); null: nothing
     * @param command the program and its arguments
     * @return what it did
     * @throws AssertionError when it cannot be started or does not end within the limit (it is killed)
     */
    public static Result run(Map<String, String> environment, String stdin, String... command)
            throws IOException, InterruptedException {
        List<String> line = List.of(command);
        Path output = Files.createTempFile("scard-itest-program", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(line)).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            try (var in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", line) + " did not end within " + TIME_LIMIT
                        + " and was killed; its output:\n" + read(output));
            }
            return new Result(line, process.exitValue(), read(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** A program's output as text; bytes that are not UTF-8 (binary output) become U+FFFD. */
    private static String read(Path output) throws IOException {
        return new String(Files.readAllBytes(output), StandardCharsets.UTF_8);
    }

    /**
     * Copies a resource of the test bundle (next to {@code near}'s class) to a file in {@code dir}.
     *
     * @return the file
     * @throws AssertionError when there is no such resource
     */
    public static Path copyResource(Class<?> near, String name, Path dir) throws IOException {
        try (InputStream in = near.getResourceAsStream(name)) {
            if (in == null) {
                throw new AssertionError("no resource " + name + " next to " + near.getName());
            }
            Path file = dir.resolve(name);
            Files.copy(in, file);
            return file;
        }
    }
}
