package dev.scard.karaf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An unpacked Apache Karaf distribution run as a child process: configured for the test, started with
 * {@code bin/karaf server} on a JDK 17, driven through {@code bin/client -b} (commands on standard input, one
 * SSH session per call) or {@code bin/client} on a pseudo-terminal (typing, for help and completion) and stopped with {@code bin/stop}, then by signals if it does not go.
 *
 * <p>Configuration written before the start (docs/building.md, item 9): the console user {@code karaf/karaf} (the
 * admin group) and the user {@code viewer/viewer} with the roles {@code viewer} and {@code ssh} only (for the command
 * ACLs) in {@code etc/users.properties}; SSH on 127.0.0.1 and a free port; free RMI ports (JMX), so a Karaf already running
 * on the machine does not clash; pax-url-mvn with {@code localRepository} set to the given Maven repository and no
 * remote repositories, so every {@code mvn:} URL resolves from that repository or Karaf's {@code system/} folder and
 * nothing is downloaded. The {@code data/} folder (bundle cache, Config Admin store, logs) and the command ACL files
 * our features write to {@code etc/} are deleted first: every run starts from the distribution as shipped.
 *
 * <p>Every console session is appended to {@code karaf-console.txt} next to the distribution (in {@code target/}).
 */
final class Karaf {

    /** What one {@code bin/client} call printed (standard output and error, ANSI colours removed) and its exit code. */
    record ClientResult(int exitCode, String output) {
    }

    /**
     * What one interactive session ({@link #terminal}) printed after each piece of typing (ANSI escapes and carriage
     * returns removed; the terminal's bell stays), and the exit code of the client.
     */
    record TerminalResult(int exitCode, List<String> outputs) {

        /** What the terminal showed after piece {@code i} was typed, until the next piece. */
        String output(int i) {
            return outputs.get(i);
        }
    }

    /** The marker line {@link #session} prints before each command's output. */
    private static final String STEP = "scard-it-step-";
    /** The console user with only the viewer (and ssh) roles; its password is its name. */
    static final String VIEWER = "viewer";
    /** The command scopes whose ACL files ({@code etc/org.apache.karaf.command.acl.<scope>.cfg}) our features ship. */
    static final List<String> ACL_SCOPES = List.of("scard", "sim");
    /** ANSI control sequences (CSI) and the keypad mode switches ESC = and ESC > an interactive console sends. */
    private static final Pattern ANSI = Pattern.compile("\u001B(\\[[0-9;?]*[A-Za-z~]|[=>])");
    /** The prompt of Karaf's console, after {@link #clean}. */
    static final String PROMPT = "@root()> ";
    /** How long an interactive session's output must stay unchanged before the next piece is typed. */
    private static final long QUIET_MILLIS = 1500;
    private static final long CLIENT_TIMEOUT_SECONDS = 120;
    /**
     * JVM options for Karaf and its client: the C1 compiler only and the serial collector start short-lived JVMs
     * faster (a client call took 2.4 s instead of 3.7 s on a loaded 2-core machine); Karaf behaves the same.
     */
    private static final String FAST_START = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    private final Path home;
    private final Path javaHome;
    private final int sshPort;
    private final Path serverLog;
    /** Every console session of the run (commands and output), next to the distribution: karaf-console.txt. */
    private final Path transcript;
    private Process process;
    private List<ProcessHandle> started = List.of();
    private Thread shutdownHook;

    private Karaf(Path home, Path javaHome, int sshPort, Path serverLog) {
        this.home = home;
        this.javaHome = javaHome;
        this.sshPort = sshPort;
        this.serverLog = serverLog;
        this.transcript = home.resolveSibling("karaf-console.txt");
    }

    /**
     * A copy of the unpacked distribution {@code distribution} in {@code target} (deleted first), for a second Karaf
     * beside the first: each copy has its own {@code etc/}, {@code data/} (not copied: {@link #prepare} starts without
     * it) and console transcript (next to its home).
     */
    static Path copy(Path distribution, Path target) throws IOException {
        deleteRecursively(target);
        try (Stream<Path> walk = Files.walk(distribution)) {
            for (Path from : walk.filter(p -> !p.startsWith(distribution.resolve("data")))
                    .collect(Collectors.toList())) {
                Path to = target.resolve(distribution.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return target;
    }

    /**
     * Configures the distribution in {@code home} for a run against the Maven repository {@code repository} and
     * returns it, not started.
     */
    static Karaf prepare(Path home, Path repository, Path javaHome) throws IOException {
        if (!Files.isExecutable(home.resolve("bin/karaf"))) {
            throw new IllegalStateException("no Karaf distribution in " + home
                    + " (the build unpacks org.apache.karaf:apache-karaf:tar.gz there in pre-integration-test)");
        }
        deleteRecursively(home.resolve("data"));
        Files.deleteIfExists(home.resolve("karaf.pid"));
        Files.deleteIfExists(home.resolveSibling("karaf-console.txt"));
        for (String scope : ACL_SCOPES) {
            Files.deleteIfExists(home.resolve("etc/org.apache.karaf.command.acl." + scope + ".cfg"));
        }

        int ssh = freePort();
        setProperty(home.resolve("etc/users.properties"), "karaf", "karaf,_g_:admingroup");
        setProperty(home.resolve("etc/users.properties"), "_g_\\:admingroup",
                "group,admin,manager,viewer,systembundles,ssh");
        setProperty(home.resolve("etc/users.properties"), VIEWER, VIEWER + ",_g_:viewergroup");
        setProperty(home.resolve("etc/users.properties"), "_g_\\:viewergroup", "group,viewer,ssh");
        setProperty(home.resolve("etc/org.apache.karaf.shell.cfg"), "sshHost", "127.0.0.1");
        setProperty(home.resolve("etc/org.apache.karaf.shell.cfg"), "sshPort", String.valueOf(ssh));
        setProperty(home.resolve("etc/org.apache.karaf.management.cfg"), "rmiRegistryPort",
                String.valueOf(freePort()));
        setProperty(home.resolve("etc/org.apache.karaf.management.cfg"), "rmiServerPort", String.valueOf(freePort()));
        Path mvnCfg = home.resolve("etc/org.ops4j.pax.url.mvn.cfg");
        setProperty(mvnCfg, "org.ops4j.pax.url.mvn.localRepository", repository.toAbsolutePath().toString());
        setProperty(mvnCfg, "org.ops4j.pax.url.mvn.repositories", "");
        return new Karaf(home, javaHome, ssh, home.resolve("server.log"));
    }

    /** The SSH port of the console. */
    int sshPort() {
        return sshPort;
    }

    /**
     * Starts {@code bin/karaf server} and waits until the console answers a command over SSH; fails (with the
     * server's output) when Karaf exits or does not answer within {@code timeoutSeconds}.
     */
    void start(long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(serverLog.toFile()));
        Map<String, String> env = builder.environment();
        env.put("JAVA_HOME", javaHome.toString());
        env.put("KARAF_EXEC", "exec"); // the script execs java: the process we hold is Karaf's JVM itself
        env.remove("JAVA_OPTS");
        env.put("EXTRA_JAVA_OPTS", FAST_START);
        process = builder.start();
        shutdownHook = new Thread(this::kill, "karaf-test-kill");
        Runtime.getRuntime().addShutdownHook(shutdownHook);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!portOpen(sshPort)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Karaf exited with code " + process.exitValue()
                        + " before its SSH console opened");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Karaf's SSH console did not open port " + sshPort + " within "
                        + timeoutSeconds + " s");
            }
            Thread.sleep(200);
        }
        awaitConsole();
        started = Stream.concat(Stream.of(process.toHandle()), process.descendants()).collect(Collectors.toList());
    }

    /**
     * Waits until the console answers a command: after the start (the SSH port opens before the shell and JAAS are
     * ready) and after Karaf refreshed its shell bundles. The client retries its login for about 30 s.
     */
    void awaitConsole() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            ClientResult ready = client(List.of("echo scard-karaf-ready"), 30);
            if (ready.exitCode() == 0 && ready.output().contains("scard-karaf-ready")) {
                return;
            }
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("Karaf's console did not answer (bin/client exit code "
                        + ready.exitCode() + "):\n" + ready.output());
            }
            Thread.sleep(500); // a session that ended while Karaf restarted its shell: once more
        }
    }

    /**
     * Runs {@code commands} in one console session of the admin user {@code karaf} ({@code bin/client -b}, commands
     * on standard input).
     */
    ClientResult client(List<String> commands) throws IOException, InterruptedException {
        return client("karaf", commands, 0);
    }

    /** Runs {@code commands} in one console session of {@code user} (whose password is its name). */
    ClientResult client(String user, List<String> commands) throws IOException, InterruptedException {
        return client(user, commands, 0);
    }

    private ClientResult client(List<String> commands, int retries) throws IOException, InterruptedException {
        return client("karaf", commands, retries);
    }

    private ClientResult client(String user, List<String> commands, int retries)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/client").toString(),
                "-u", user, "-p", user, "-h", "127.0.0.1", "-a", String.valueOf(sshPort)));
        if (retries > 0) {
            command.addAll(List.of("-r", String.valueOf(retries), "-d", "1"));
        }
        command.add("-b");
        Path out = Files.createTempFile(home.getParent(), "karaf-client-", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(out.toFile()));
            builder.environment().put("JAVA_HOME", javaHome.toString());
            builder.environment().remove("JAVA_OPTS");
            builder.environment().put("EXTRA_JAVA_OPTS", FAST_START);
            Process client = builder.start();
            try (OutputStream stdin = client.getOutputStream()) {
                stdin.write((String.join("\n", commands) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            if (!client.waitFor(CLIENT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                client.descendants().forEach(ProcessHandle::destroyForcibly);
                client.destroyForcibly();
                throw new IllegalStateException("bin/client did not finish within " + CLIENT_TIMEOUT_SECONDS
                        + " s; it printed:\n" + clean(Files.readString(out)));
            }
            ClientResult result = new ClientResult(client.exitValue(),
                    clean(Files.readString(out, StandardCharsets.UTF_8)));
            Files.writeString(transcript, "$ bin/client -u " + user + " -b <<EOF\n" + String.join("\n", commands) + "\nEOF\n"
                    + result.output() + (result.output().endsWith("\n") ? "" : "\n") + "(exit code "
                    + result.exitCode() + ")\n\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            return result;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** One console session's output ({@link #session}), split by step: what each command printed. */
    record Session(int exitCode, String output, List<String> steps) {

        /** What step {@code i} printed, trimmed; fails when the session ended before it. */
        String step(int i) {
            assertThat(i).as("step %d ran; the session printed:\n%s", i, output).isLessThan(steps.size());
            return steps.get(i);
        }
    }

    /**
     * Runs {@code commands} in one console session of {@code user} ({@link #client(String, List)}), with a marker line
     * before each so that its output can be split by command; a failing command ends the session and is the last step.
     */
    Session session(String user, String... commands) throws IOException, InterruptedException {
        List<String> script = new ArrayList<>();
        for (int i = 0; i < commands.length; i++) {
            script.add("echo " + STEP + i);
            script.add(commands[i]);
        }
        script.add("echo " + STEP + "end");
        ClientResult result = client(user, script);

        List<String> steps = new ArrayList<>();
        StringBuilder current = null;
        for (String line : result.output().split("\n", -1)) {
            if (line.startsWith(STEP)) {
                if (current != null) {
                    steps.add(current.toString().strip());
                }
                current = line.equals(STEP + "end") ? null : new StringBuilder();
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        if (current != null) {
            steps.add(current.toString().strip()); // the step that failed and ended the session
        }
        return new Session(result.exitCode(), result.output(), steps);
    }

    /**
     * Types {@code keystrokes} into an interactive console session of {@code user}, piece after piece, as a person at
     * a terminal would: Karaf's own {@code bin/client} (no {@code -b}) runs under util-linux {@code script}, which gives
     * it a pseudo-terminal of 250 columns (so no line is wrapped) and TERM=xterm. The first piece is typed when the
     * prompt shows; each next one when the output has not changed for {@value #QUIET_MILLIS} ms and, after a piece
     * that ends with Enter ({@code \r}), the prompt is back. The last piece should end the session ({@code logout}).
     */
    TerminalResult terminal(String user, List<String> keystrokes) throws IOException, InterruptedException {
        Path script = Path.of("/usr/bin/script");
        if (!Files.isExecutable(script)) {
            throw new IllegalStateException("the interactive console test needs util-linux's " + script
                    + " (it gives bin/client a pseudo-terminal)");
        }
        String client = "stty cols 250 rows 50; exec '" + home.resolve("bin/client") + "' -u " + user + " -p " + user
                + " -h 127.0.0.1 -a " + sshPort;
        Path out = Files.createTempFile(home.getParent(), "karaf-terminal-", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(script.toString(), "-qfec", client, "/dev/null")
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(out.toFile()));
            builder.environment().put("JAVA_HOME", javaHome.toString());
            builder.environment().remove("JAVA_OPTS");
            builder.environment().put("EXTRA_JAVA_OPTS", FAST_START);
            builder.environment().put("TERM", "xterm");
            Process terminal = builder.start();
            List<String> outputs = new ArrayList<>();
            try (OutputStream stdin = terminal.getOutputStream()) {
                awaitOutput(terminal, out, 0, true);
                for (String piece : keystrokes) {
                    long before = Files.size(out);
                    stdin.write(piece.getBytes(StandardCharsets.UTF_8));
                    stdin.flush();
                    awaitOutput(terminal, out, before, piece.endsWith("\r"));
                    byte[] all = Files.readAllBytes(out);
                    outputs.add(clean(new String(all, (int) before, all.length - (int) before,
                            StandardCharsets.UTF_8)));
                }
                if (!terminal.waitFor(30, TimeUnit.SECONDS)) {
                    terminal.descendants().forEach(ProcessHandle::destroyForcibly);
                    terminal.destroyForcibly();
                    throw new IllegalStateException("the interactive session did not end within 30 s of the last"
                            + " piece typed; it printed:\n" + clean(Files.readString(out)));
                }
            }
            TerminalResult result = new TerminalResult(terminal.exitValue(), outputs);
            StringBuilder log = new StringBuilder("$ script -qfec 'bin/client -u " + user + "' /dev/null\n");
            for (int i = 0; i < keystrokes.size(); i++) {
                log.append("[typed ").append(visible(keystrokes.get(i))).append("]\n").append(outputs.get(i))
                        .append('\n');
            }
            Files.writeString(transcript, log + "(exit code " + result.exitCode() + ")\n\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return result;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * Waits (at most {@link #CLIENT_TIMEOUT_SECONDS}) until the terminal's output after {@code offset} has stayed
     * unchanged for {@link #QUIET_MILLIS} and, when {@code prompt}, shows the prompt; or until the session ended.
     */
    private static void awaitOutput(Process terminal, Path out, long offset, boolean prompt)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLIENT_TIMEOUT_SECONDS);
        long size = -1;
        long changed = System.nanoTime();
        while (terminal.isAlive()) {
            long now = Files.size(out);
            if (now != size) {
                size = now;
                changed = System.nanoTime();
            } else if (System.nanoTime() - changed > TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS)) {
                byte[] all = Files.readAllBytes(out);
                if (!prompt || clean(new String(all, (int) offset, all.length - (int) offset,
                        StandardCharsets.UTF_8)).contains(PROMPT)) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the interactive session showed " + (prompt ? "no prompt" : "no"
                        + " quiet moment") + " within " + CLIENT_TIMEOUT_SECONDS + " s; it printed:\n"
                        + clean(Files.readString(out)));
            }
            Thread.sleep(100);
        }
    }

    /** Control characters of typed text, readable in the transcript: Tab as {@code <tab>}, Enter as {@code <enter>}. */
    private static String visible(String typed) {
        return typed.replace("\t", "<tab>").replace("\r", "<enter>").replace("\u0015", "<ctrl-u>");
    }

    /**
     * Stops Karaf: {@code bin/stop}, then SIGTERM, then SIGKILL to Karaf and anything it started, each after a
     * grace period. Returns true when no process of this Karaf is left.
     */
    boolean stop() throws InterruptedException {
        if (process == null) {
            return true;
        }
        List<ProcessHandle> all = new ArrayList<>(started);
        process.descendants().forEach(all::add);
        all.add(process.toHandle());
        if (process.isAlive()) {
            try {
                ProcessBuilder stop = new ProcessBuilder(home.resolve("bin/stop").toString())
                        .directory(home.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(serverLog.toFile()));
                stop.environment().put("JAVA_HOME", javaHome.toString());
                Process stopper = stop.start();
                if (!stopper.waitFor(30, TimeUnit.SECONDS)) {
                    stopper.destroyForcibly();
                }
            } catch (IOException e) {
                System.err.println("[karaf-test] bin/stop failed: " + e);
            }
            process.waitFor(30, TimeUnit.SECONDS);
        }
        if (alive(all)) {
            System.err.println("[karaf-test] Karaf did not stop within 30 s of bin/stop: SIGTERM");
            all.forEach(ProcessHandle::destroy);
            waitGone(all, 15);
        }
        if (alive(all)) {
            System.err.println("[karaf-test] Karaf did not stop on SIGTERM: SIGKILL");
            all.forEach(ProcessHandle::destroyForcibly);
            waitGone(all, 15);
        }
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already: the hook runs anyway
            }
        }
        return !alive(all);
    }

    /** Karaf's log, {@code data/log/karaf.log}. */
    Path log() {
        return home.resolve("data/log/karaf.log");
    }

    /** What Karaf logged since {@code karaf.log} was {@code offset} bytes long. */
    String logSince(long offset) throws IOException {
        byte[] all = Files.readAllBytes(log());
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                StandardCharsets.UTF_8);
    }

    /** The size of {@code karaf.log} now (0 before Karaf wrote it), for {@link #logSince}. */
    long logSize() throws IOException {
        return Files.exists(log()) ? Files.size(log()) : 0;
    }

    /**
     * Writes {@code etc/<pid>.cfg}, the configuration Karaf's file install gives Config Admin at start and whenever the
     * file changes ({@code <factory pid>-<name>.cfg}: a factory configuration). Values are strings, as in every
     * {@code .cfg} file; Declarative Services converts them to the types components read.
     */
    void writeConfig(String pid, Map<String, String> properties) throws IOException {
        StringBuilder text = new StringBuilder();
        properties.forEach((key, value) -> text.append(key).append(" = ").append(value).append('\n'));
        Files.writeString(home.resolve("etc/" + pid + ".cfg"), text, StandardCharsets.ISO_8859_1);
    }

    /** A file of the distribution, relative to its home: {@code etc/users.properties}. */
    Path file(String relative) {
        return home.resolve(relative);
    }

    /** The last {@code lines} lines of Karaf's log and of its server output, for failure reports. */
    String logTail(int lines) {
        return "---- last " + lines + " lines of " + home.resolve("data/log/karaf.log") + "\n"
                + tail(home.resolve("data/log/karaf.log"), lines)
                + "\n---- last " + lines + " lines of " + serverLog + "\n" + tail(serverLog, lines);
    }

    private void kill() {
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    // ------------------------------------------------------------------------------------------- JDK for Karaf

    /**
     * The JDK Karaf runs on: {@code configured} when set; else this JVM when it is a 17; else a JDK 17 under
     * {@code /usr/lib/jvm} or {@code /Library/Java/JavaVirtualMachines}. Karaf 4.4.10 does not start on JDK 25.
     */
    static Path javaHome(String configured) {
        if (configured != null && !configured.isBlank()) {
            Path home = Path.of(configured.strip());
            if (!Files.isExecutable(home.resolve("bin/java"))) {
                throw new IllegalStateException("scard.karaf.javaHome=" + configured + " has no bin/java");
            }
            return home;
        }
        if (Runtime.version().feature() == 17) {
            return Path.of(System.getProperty("java.home"));
        }
        for (Path root : List.of(Path.of("/usr/lib/jvm"), Path.of("/Library/Java/JavaVirtualMachines"))) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> candidates = Files.list(root)) {
                Optional<Path> jdk17 = candidates
                        .map(p -> Files.isDirectory(p.resolve("Contents/Home")) ? p.resolve("Contents/Home") : p)
                        .filter(p -> Files.isExecutable(p.resolve("bin/java")))
                        .filter(Karaf::isJava17)
                        .sorted(Comparator.comparing(Path::toString))
                        .findFirst();
                if (jdk17.isPresent()) {
                    return jdk17.get();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("Karaf 4.4.10 needs a JDK 17 (it does not start on JDK 25) and this build runs"
                + " on " + Runtime.version() + ": none found under /usr/lib/jvm; run the build on JDK 17 or set"
                + " -Dscard.karaf.javaHome=<a JDK 17 home>");
    }

    private static boolean isJava17(Path home) {
        try {
            return Files.readAllLines(home.resolve("release")).stream()
                    .anyMatch(line -> line.startsWith("JAVA_VERSION=\"17"));
        } catch (IOException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /**
     * Sets {@code key = value} in a Java properties file: replaces the (uncommented) line of {@code key}, with its
     * continuation lines, or appends the line when the key is not set.
     */
    static void setProperty(Path file, String key, String value) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        List<String> out = new ArrayList<>();
        Pattern keyLine = Pattern.compile("^\\s*" + Pattern.quote(key) + "\\s*[=:].*$");
        boolean replaced = false;
        boolean continuation = false;
        for (String line : lines) {
            if (continuation) {
                continuation = line.endsWith("\\");
                continue;
            }
            if (!replaced && keyLine.matcher(line).matches()) {
                out.add(key + " = " + value);
                replaced = true;
                continuation = line.endsWith("\\");
                continue;
            }
            out.add(line);
        }
        if (!replaced) {
            out.add(key + " = " + value);
        }
        Files.write(file, out, StandardCharsets.ISO_8859_1);
    }

    static String clean(String text) {
        return ANSI.matcher(text).replaceAll("").replace("\r", "");
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** A TCP port free on the loopback address now. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Whether something accepts connections on {@code port} of the loopback address. */
    static boolean portOpen(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean alive(List<ProcessHandle> processes) {
        return processes.stream().anyMatch(ProcessHandle::isAlive);
    }

    private static void waitGone(List<ProcessHandle> processes, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (alive(processes) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }
}
