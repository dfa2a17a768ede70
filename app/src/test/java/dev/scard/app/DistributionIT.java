package dev.scard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the exported distribution ({@code java -jar target/scard.jar}) as a child process with the Java that
 * runs this test, the way a user does, and checks what comes out.
 */
class DistributionIT {

    private static final long TIMEOUT_SECONDS = 60;
    /** The newer JDK the distribution must run on besides the one running this test. */
    private static final int OTHER_JDK_FEATURE = 25;

    private static Path jar;
    private static String java;

    /** The cache home ({@code XDG_CACHE_HOME}) of every start here, so the tests leave the user's cache alone. */
    @TempDir
    static Path cacheHome;

    @TempDir
    Path tmp;

    /** What one run printed and returned. */
    record Run(int exitCode, String out, String err) {
        List<String> outLines() {
            return out.lines().collect(Collectors.toList());
        }

        List<String> errLines() {
            return err.lines().collect(Collectors.toList());
        }

        /** Stack-trace lines anywhere in the output. */
        List<String> stackTraceLines() {
            return Stream.concat(outLines().stream(), errLines().stream())
                .filter(line -> line.matches("\\s+at .*") || line.matches("Caused by: .*"))
                .collect(Collectors.toList());
        }
    }

    @BeforeAll
    static void locate() {
        jar = Distribution.jar();
        java = Distribution.java();
    }

    /** {@code java -jar scard.jar ARGS} with nothing on standard input. */
    private Run command(String... args) {
        return launch(java, null, args);
    }

    /** {@code echo STDIN | java -jar scard.jar}. */
    private Run piped(String stdin) {
        return launch(java, stdin);
    }

    /** Runs the jar with its own temporary folder, so that what it leaves there can be checked. */
    private Run launch(String javaExecutable, String stdin, String... args) {
        return launch(javaExecutable, List.of(), jar, stdin, args);
    }

    /** {@code java JVM_OPTIONS -jar JAR ARGS}, with its own temporary folder. */
    private Run launch(String javaExecutable, List<String> jvmOptions, Path jarFile, String stdin, String... args) {
        return launchCached(javaExecutable, jvmOptions, jarFile, cacheHome, stdin, args);
    }

    /** {@code java JVM_OPTIONS -jar JAR ARGS} with the cache home given, with its own temporary folder. */
    private Run launchCached(String javaExecutable, List<String> jvmOptions, Path jarFile, Path cache, String stdin,
        String... args) {
        ProcessBuilder builder = Distribution.command(javaExecutable, tmp, cache, jvmOptions, jarFile, args);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<String> out = collect(process.getInputStream());
        CompletableFuture<String> err = collect(process.getErrorStream());
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the process may have exited without reading its input
        }
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                fail("scard.jar %s did not exit within %d s; output so far:%n%s%n%s", String.join(" ", args),
                    TIMEOUT_SECONDS, out.getNow(""), err.getNow(""));
            }
            return new Run(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompletableFuture<String> collect(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static List<String> errorLines(Run run) {
        return run.errLines().stream().filter(line -> line.startsWith("Error:")).collect(Collectors.toList());
    }

    @Test
    void lbListsTheConsoleBundleAndExitsZero() {
        Run run = command("-c", "lb");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("SCard console").contains("Apache Felix Declarative Services");

        Run symbolic = command("-c", "lb -s");
        assertThat(symbolic.exitCode()).as(symbolic.err()).isZero();
        assertThat(symbolic.out()).contains("dev.scard.console");
    }

    @Test
    void bundleArgumentsAreConvertedFromIdsAndNames() {
        Run run = command("-c", "stop org.apache.felix.eventadmin; lb -s");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.outLines()).anySatisfy(line -> assertThat(line)
            .contains("Resolved").contains("org.apache.felix.eventadmin"));

        Run headers = command("-c", "headers 0");
        assertThat(headers.exitCode()).as(headers.err()).isZero();
        assertThat(headers.out()).contains("Bundle-SymbolicName");
    }

    @Test
    void unknownCommandIsOneErrorLineExitOneAndNoStackTrace() {
        Run run = command("-c", "nosuchcommand");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(errorLines(run)).containsExactly("Error: Command not found: nosuchcommand");
        assertThat(run.stackTraceLines()).isEmpty();
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aCommandThatThrowsShowsItsMessage() {
        Run run = command("-c", "sleep soon");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(errorLines(run)).containsExactly("Error: sleep: 'soon' is not a number of seconds");
        assertThat(run.stackTraceLines()).isEmpty();
    }

    @Test
    void resultsArePrintedAndStdoutCarriesNothingElse() {
        Run run = command("-c", "echo first; echo second");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.outLines()).containsExactly("first", "second");
    }

    @Test
    void statementsAfterAFailureDoNotRun() {
        Run run = command("-c", "echo before; nosuchcommand; echo after");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.outLines()).containsExactly("before");
        assertThat(errorLines(run)).hasSize(1);
    }

    @Test
    void pipedCommandsAllRunAndPrint() {
        Run run = piped("echo first\necho second\n");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.outLines()).containsExactly("first", "second");
    }

    @Test
    void pipedCommandsGoOnAfterAnErrorAndExitOne() {
        Run run = piped("echo first\nnosuchcommand\necho second\n");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.outLines()).containsExactly("first", "second");
        assertThat(errorLines(run)).containsExactly("Error: Command not found: nosuchcommand");
        assertThat(run.stackTraceLines()).isEmpty();
    }

    /** One error line as the scard: and sim: commands print them: a message, then the contract's code. */
    private static final String CODED_ERROR = "Error: .+ \\[[A-Z_]+ 0x[0-9A-F]{8}\\]";

    @Test
    void aFailingStageOfAPipelineIsOneCodedErrorLineAndExitOne() {
        Run run = command("-c", "sim:insert bogus | scard:readers");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(errorLines(run)).singleElement().asString().matches(CODED_ERROR).contains("bogus");
        assertThat(run.err()).doesNotContain("gogo:");

        Run plain = command("-c", "sim:insert bogus");
        assertThat(errorLines(run)).as("the same line as the command alone").isEqualTo(errorLines(plain));

        Run piped = piped("sim:insert bogus | scard:readers\necho after\n");
        assertThat(piped.exitCode()).as(piped.err()).isEqualTo(1);
        assertThat(errorLines(piped)).isEqualTo(errorLines(plain));
        assertThat(piped.outLines()).last().isEqualTo("after");
    }

    @Test
    void aFailingBackgroundJobIsAwaitedAndIsOneCodedErrorLineAndExitOne() {
        Run run = command("-c", "sim:insert bogus &");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(errorLines(run)).singleElement().asString().matches(CODED_ERROR).contains("bogus");

        Run piped = piped("sim:insert bogus &\necho after\n");
        assertThat(piped.exitCode()).as(piped.err()).isEqualTo(1);
        assertThat(errorLines(piped)).isEqualTo(errorLines(run));

        Run late = command("-c", "late = { sleep 0.5; sim:insert bogus }; late &; echo first");
        assertThat(late.exitCode()).as("the console waited for the job: " + late.err()).isEqualTo(1);
        assertThat(late.outLines()).containsExactly("first");
        assertThat(errorLines(late)).isEqualTo(errorLines(run));
    }

    @Test
    void theTourOfHandlesWorksWithRandomHandles() {
        Run run = piped(String.join("\n", "scard:connect 'Simulated Reader 0'", "scard:attach-handle $handle",
            "scard:apdu 0084000004", "scard:detach", "scard:disconnect $handle", ""));
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(errorLines(run)).isEmpty();
        String handle = run.outLines().get(0).replaceAll("^Handle (\\d+) connected.*", "$1");
        assertThat(Long.parseLong(handle)).isPositive().isNotEqualTo(4097L);
        assertThat(run.outLines()).contains("Attached to 'Simulated Reader 0' via handle " + handle
            + " (shared, T1, ATR 3B8801534341524453494D99)", "Disconnected handle " + handle
            + " from 'Simulated Reader 0' (leave)");
    }

    @Test
    void exitGivesItsCodeInEveryMode() {
        assertThat(command("-c", "exit 3").exitCode()).isEqualTo(3);
        Run run = command("-c", "echo before; exit 4; echo after");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(4);
        assertThat(run.outLines()).containsExactly("before");
        assertThat(piped("echo x\nexit 3\necho y\n").exitCode()).isEqualTo(3);
    }

    @Test
    void watchWithoutDurationIsRefusedWhereNoCtrlCCanEndIt() {
        Run run = command("-c", "scard:watch");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(errorLines(run)).singleElement().asString().matches(CODED_ERROR)
            .contains("needs a duration in a non-interactive session").endsWith("[E_INVALIDARG 0x80070057]");
        assertThat(piped("scard:watch\n").exitCode()).isEqualTo(1);

        Run unknown = command("-c", "scard:watch -b nothing 1");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(errorLines(unknown)).containsExactly(
            "Error: unknown backend 'nothing' (known backends: pcsc, simulator) [E_INVALIDARG 0x80070057]");

        Run timed = command("-c", "scard:watch -b simulator 0.2");
        assertThat(timed.exitCode()).as(timed.err()).isZero();
        // nothing happens meanwhile; the simulator's readers and card as they are come first (as to every listener)
        assertThat(timed.outLines()).last().isEqualTo("Watched 200 ms: 3 events");
        assertThat(String.join("\n", timed.outLines())).containsPattern("READER_ADDED +simulator +'Simulated Reader 0'")
            .containsPattern("CARD_INSERTED +simulator +'Simulated Reader 0' +ATR 3B8801534341524453494D99")
            .containsPattern("READER_ADDED +simulator +'Simulated Reader 1'");
    }

    @Test
    void emptyInputExitsZero() {
        Run run = piped("");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEmpty();
    }

    @Test
    void helpAndUsageErrors() {
        Run help = command("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).startsWith("Usage: java -jar scard.jar");

        Run bogus = command("--bogus");
        assertThat(bogus.exitCode()).isEqualTo(2);
        assertThat(bogus.err()).contains("unknown option: --bogus").contains("Usage:");
        assertThat(bogus.out()).isEmpty();
    }

    @Test
    void leavesNoFrameworkStorageBehind() throws IOException {
        assertThat(command("-c", "lb").exitCode()).isZero();
        assertThat(command("-c", "nosuchcommand").exitCode()).isEqualTo(1);
        assertThat(piped("echo x\n").exitCode()).isZero();
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                .as("framework storage (osgi.*.fw) or unpacked jars left in java.io.tmpdir")
                .isEmpty();
        }
    }

    // ---------------------------------------------------------------- start-up: the cache folder

    /** The folders in {@code <cache>/scard} whose names start with {@code prefix}. */
    private static List<Path> cacheEntries(Path cache, String prefix) throws IOException {
        Path root = cache.resolve("scard");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(root)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted()
                .collect(Collectors.toList());
        }
    }

    @Test
    void laterStartsReuseTheUnpackedJarAndTheFrameworkStorage() throws IOException {
        Path cache = tmp.resolve("cache-reuse");
        Run first = launchCached(java, List.of(), jar, cache, null, "-c", "lb -l");
        assertThat(first.exitCode()).as(first.err()).isZero();
        List<Path> unpacked = cacheEntries(cache, "dist-");
        assertThat(unpacked).as("one unpacked folder").hasSize(1);
        assertThat(cacheEntries(cache, "storage-")).as("the kept storage and its lock file").hasSize(2);
        assertThat(first.out()).as("bundles installed by reference from the unpacked folder")
            .contains("reference:file:" + unpacked.get(0) + "/jar/");
        Path marker = unpacked.get(0).resolve(".complete");
        long unpackedAt = Files.getLastModifiedTime(unpacked.get(0).resolve("launcher.properties")).toMillis();

        Run stop = launchCached(java, List.of(), jar, cache, null, "-c", "stop org.apache.felix.eventadmin");
        assertThat(stop.exitCode()).as(stop.err()).isZero();
        Run second = launchCached(java, List.of(), jar, cache, null, "-c", "lb -s");
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.outLines()).as("a bundle stopped in one start is started again in the next")
            .anySatisfy(line -> assertThat(line).contains("Active").contains("org.apache.felix.eventadmin"));
        assertThat(second.outLines().stream().filter(line -> line.matches("\\s*\\d+\\|.*"))).as("bundles")
            .hasSize(first.outLines().stream().filter(line -> line.matches("\\s*\\d+\\|.*")).toList().size());
        assertThat(cacheEntries(cache, "dist-")).as("still one unpacked folder").isEqualTo(unpacked);
        assertThat(Files.getLastModifiedTime(unpacked.get(0).resolve("launcher.properties")).toMillis())
            .as("not unpacked again").isEqualTo(unpackedAt);
        assertThat(marker).isRegularFile();
        try (Stream<Path> storage = Files.list(cacheEntries(cache, "storage-").get(0))) {
            assertThat(storage.map(p -> p.getFileName().toString())).as("no running marker after a clean exit")
                .doesNotContain("scard.running");
        }
    }

    @Test
    void distributionsStartingAtOnceAllRunAndShareOneUnpackedFolder() throws Exception {
        Path cache = tmp.resolve("cache-concurrent");
        List<CompletableFuture<Run>> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> launchCached(java, List.of(), jar, cache, null, "-c",
                "scard:readers")));
        }
        for (CompletableFuture<Run> future : runs) {
            Run run = future.get(2 * TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).contains("Simulated Reader 0");
        }
        assertThat(cacheEntries(cache, "dist-")).hasSize(1);
        assertThat(cacheEntries(cache, ".unpacking-")).as("no half-written folder left").isEmpty();
    }

    @Test
    void aDamagedCacheOrAStorageLeftByAKilledStartIsBuiltAgain() throws IOException {
        Path cache = tmp.resolve("cache-damaged");
        assertThat(launchCached(java, List.of(), jar, cache, null, "-c", "lb").exitCode()).isZero();
        Path unpacked = cacheEntries(cache, "dist-").get(0);
        Path bundle;
        try (Stream<Path> jars = Files.list(unpacked.resolve("jar"))) {
            bundle = jars.filter(p -> p.getFileName().toString().startsWith("impl-simulator")).findFirst()
                .orElseThrow();
        }
        Files.write(bundle, new byte[] {1, 2, 3});
        Path storage = cacheEntries(cache, "storage-").stream().filter(Files::isDirectory).findFirst().orElseThrow();
        Files.writeString(storage.resolve("scard.running"), "4711\n");

        Run run = launchCached(java, List.of(), jar, cache, null, "-c", "scard:readers");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Simulated Reader 0");
        assertThat(Files.size(bundle)).as("the damaged bundle unpacked again").isGreaterThan(3);
        assertThat(storage.resolve("scard.running")).doesNotExist();
    }

    @Test
    void aConfigurationDoesNotOutliveItsStart() throws IOException {
        Path cache = tmp.resolve("cache-config");
        Path file = labConfiguration("lab.json");
        Run configured = launchCached(java, List.of(), jar, cache, null, "--config", file.toString(), "-c",
            "scard:readers");
        assertThat(configured.exitCode()).as(configured.err()).isZero();
        assertThat(configured.out()).contains("Lab Reader");
        Run next = launchCached(java, List.of(), jar, cache, null, "-c", "scard:readers");
        assertThat(next.exitCode()).as(next.err()).isZero();
        assertThat(next.out()).contains("Simulated Reader 0").doesNotContain("Lab Reader");
    }

    @Test
    void withTheCacheOffNothingIsWrittenThere() throws IOException {
        Path cache = tmp.resolve("cache-off");
        Run run = launchCached(java, List.of("-Dscard.cache=false"), jar, cache, null, "-c", "scard:readers");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Simulated Reader 0");
        assertThat(cache.resolve("scard")).as("(JNA keeps its own folder in the cache home)").doesNotExist();
    }

    @Test
    void laterStartsRunInASecondJvmWithTheClassDataSharingArchiveTheFirstWrote() throws IOException {
        Path cache = tmp.resolve("cache-cds");
        List<String> traced = List.of("-Dlaunch.trace=true");
        Run first = launchCached(java, traced, jar, cache, null, "-c", "exit 3");
        assertThat(first.exitCode()).as("the second JVM's exit status: " + first.err()).isEqualTo(3);
        assertThat(first.err()).contains("second JVM:").contains("-XX:ArchiveClassesAtExit=");
        List<Path> archives = cacheEntries(cache, "cds-");
        assertThat(archives).as("one archive, nothing half-written left").hasSize(1);
        assertThat(archives.get(0).getFileName().toString()).endsWith(".jsa");

        Run second = launchCached(java, traced, jar, cache, null, "-c", "scard:readers");
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.err()).contains("-XX:SharedArchiveFile=" + archives.get(0)).doesNotContain("[cds");
        assertThat(second.out()).contains("Simulated Reader 0").doesNotContain("[cds");
        assertThat(cacheEntries(cache, "cds-")).as("the same archive, used").isEqualTo(archives);

        Files.write(archives.get(0), new byte[] {1, 2, 3});
        Run damaged = launchCached(java, List.of(), jar, cache, null, "-c", "scard:readers");
        assertThat(damaged.exitCode()).as(damaged.err()).isZero();
        assertThat(damaged.out()).as("a damaged archive is passed over in silence").contains("Simulated Reader 0")
            .doesNotContain("[cds").doesNotContain("shared archive");
        assertThat(damaged.err()).doesNotContain("[cds").doesNotContain("shared archive");
    }

    @Test
    void withTheSecondJvmOffOneJvmRunsAndWritesNoArchive() throws IOException {
        Path cache = tmp.resolve("cache-one-jvm");
        Run run = launchCached(java, List.of("-Dscard.relaunch=false", "-Dlaunch.trace=true"), jar, cache, null,
            "-c", "scard:readers");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Simulated Reader 0");
        assertThat(run.err()).contains("one JVM (-Dscard.relaunch=false)").doesNotContain("second JVM:");
        assertThat(cacheEntries(cache, "cds-")).isEmpty();
        assertThat(cacheEntries(cache, "dist-")).as("the cache itself is still used").hasSize(1);

        Run ownSharing = launchCached(java, List.of("-Xshare:auto", "-Dlaunch.trace=true"), jar, cache, null,
            "-c", "scard:readers");
        assertThat(ownSharing.exitCode()).as(ownSharing.err()).isZero();
        assertThat(ownSharing.err()).as("class data sharing options of the user's own keep one JVM")
            .contains("one JVM: -Xshare:auto").doesNotContain("second JVM:");
        assertThat(cacheEntries(cache, "cds-")).isEmpty();
    }

    @Test
    void pcscIsLoadedOnlyWhenUsedOrListenedTo() {
        Run simulatorOnly = command("-c", "sim:readers");
        assertThat(simulatorOnly.exitCode()).as(simulatorOnly.err()).isZero();
        assertThat(simulatorOnly.err()).as("the PC/SC backend's line, written when it starts").doesNotContain(
            "dev.scard.pcsc:");

        Run used = command("-c", "scard:readers");
        assertThat(used.exitCode()).as(used.err()).isZero();
        assumeNoPcscd();
        assertThat(used.out()).contains("Backend 'pcsc'").contains("SCARD_E_NO_SERVICE");
        assertThat(used.err()).contains("dev.scard.pcsc: PC/SC backend registered, but its calls fail");

        Run listened = command("-c", "scard:watch 1");
        assertThat(listened.exitCode()).as(listened.err()).isZero();
        assertThat(listened.err()).as("a listener for every backend starts PC/SC's event monitor")
            .contains("dev.scard.pcsc: PC/SC backend registered, but its calls fail");
    }

    /** Skips the rest of a test that expects no pcscd where one runs (its line is then a debug line, not shown). */
    private static void assumeNoPcscd() {
        if (Files.exists(Paths.get("/run/pcscd/pcscd.comm"))) {
            abort("pcscd runs here");
        }
    }

    @Test
    void theSimulatedReaderIsListed() throws IOException {
        assertThat(contains("jar/shell-commands")).as("shell-commands in the distribution").isTrue();
        assertThat(contains("jar/impl-simulator")).as("impl-simulator in the distribution").isTrue();
        Run run = command("-c", "scard:readers");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Simulated Reader 0");
    }

    // ---------------------------------------------------------------- the initial configuration file

    /** A configuration file that adds a reader with the sample card, served nowhere. */
    private Path labConfiguration(String fileName) throws IOException {
        return Files.writeString(tmp.resolve(fileName), String.join("\n",
            "{",
            "  // one more simulated reader",
            "  \"dev.scard.simulator.reader~lab\": { \"name\": \"Lab Reader\", \"cardInserted\": true }",
            "}"));
    }

    private static String line(Run run, String reader) {
        return run.outLines().stream().filter(l -> l.startsWith(reader)).findFirst().orElse("(no line for " + reader
            + " in:\n" + run.out() + ")");
    }

    @Test
    void theSampleConfigurationBesideTheJarGivesTheDefaultReaders() throws IOException {
        Path sample = jar.resolveSibling("scard.json");
        assertThat(sample).as("the build copies app/config/scard.json beside the jar").isRegularFile();
        assertThat(Files.readString(sample)).isEqualTo(Files.readString(Paths.get("config", "scard.json")));
        Run run = command("-c", "scard:readers");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).doesNotContain("scard: configuration file");
        assertThat(line(run, "Simulated Reader 0")).contains("simulator").contains("present")
            .contains("3B8801534341524453494D99");
        assertThat(line(run, "Simulated Reader 1")).contains("simulator").contains("absent");
    }

    @Test
    void aConfigurationFileGivenByOptionAddsAReader() throws IOException {
        Path file = labConfiguration("lab.json");
        Run run = command("--config", file.toString(), "-c", "scard:readers");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(line(run, "Lab Reader")).contains("simulator").contains("present")
            .contains("3B8801534341524453494D99");
        assertThat(run.out()).contains("Simulated Reader 0").contains("Simulated Reader 1");
        assertThat(run.err()).doesNotContain("scard: configuration file");

        Run piped = launch(java, List.of(), jar, "sim:readers\n", "--config", file.toString());
        assertThat(piped.exitCode()).as(piped.err()).isZero();
        assertThat(line(piped, "Lab Reader")).contains("present");
    }

    @Test
    void theSystemPropertyNamesTheFileAndScardJsonBesideTheJarIsTheDefault() throws IOException {
        Path file = labConfiguration("by-property.json");
        Run run = launch(java, List.of("-Dscard.config=" + file), jar, null, "-c", "scard:readers");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(line(run, "Lab Reader")).contains("present");

        // a copy of the jar with its own scard.json beside it
        Path folder = Files.createDirectories(tmp.resolve("dist"));
        Path copy = Files.copy(jar, folder.resolve("scard.jar"));
        Files.copy(file, folder.resolve("scard.json"));
        Run beside = launch(java, List.of(), copy, null, "-c", "scard:readers");
        assertThat(beside.exitCode()).as(beside.err()).isZero();
        assertThat(line(beside, "Lab Reader")).contains("present");

        Run none = launch(java, List.of(), copy, null, "--config", "", "-c", "scard:readers");
        assertThat(none.exitCode()).as(none.err()).isZero();
        assertThat(none.out()).doesNotContain("Lab Reader").contains("Simulated Reader 0");
    }

    @Test
    void aBadFileIsReportedInOneLineAndTheSimulatorStartsWithItsDefaults() throws IOException {
        Path bad = Files.writeString(tmp.resolve("bad.json"),
            "{\n  \"dev.scard.simulator.reader~lab\": { \"name\": \"Lab Reader\",, }\n}\n");
        Run run = command("--config", bad.toString(), "-c", "scard:readers");
        assertThat(run.exitCode()).as("the commands still run and succeed").isZero();
        assertThat(run.errLines()).contains("scard: configuration file " + bad + ": line 2, column 60: not valid"
            + " JSON: Unexpected character (',' (code 44)): was expecting double-quote to start field name; nothing"
            + " from it was applied");
        assertThat(run.stackTraceLines()).isEmpty();
        assertThat(run.out()).doesNotContain("Lab Reader");
        assertThat(line(run, "Simulated Reader 0")).contains("present");

        Run missing = command("--config", tmp.resolve("missing.json").toString(), "-c", "scard:readers");
        assertThat(missing.exitCode()).isZero();
        // the console's own lines: without pcscd the PC/SC backend also logs that it cannot reach it
        assertThat(missing.errLines().stream().filter(line -> line.startsWith("scard: ")))
            .containsExactly("scard: configuration file " + tmp.resolve("missing.json")
                + ": does not exist; nothing from it was applied");
        assertThat(missing.stackTraceLines()).isEmpty();
        assertThat(missing.out()).contains("Simulated Reader 0");
    }

    @Test
    void aBadValueIsLoggedByTheSimulatorAndTheRestIsApplied() throws IOException {
        Path file = Files.writeString(tmp.resolve("bad-value.json"), String.join("\n",
            "{",
            "  \"dev.scard.simulator.reader~lab\": { \"name\": \"Lab Reader\", \"profile\": \"no/such/card.json\" },",
            "  \"dev.scard.simulator.reader~aux\": { \"name\": \"Aux Reader\", \"cardInserted\": false }",
            "}"));
        Run run = command("--config", file.toString(), "-c", "scard:readers");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("dev.scard.simulator.reader~lab: profile: card profile no/such/card.json: no"
            + " such file (relative to ");
        assertThat(run.out()).doesNotContain("Lab Reader");
        assertThat(line(run, "Aux Reader")).contains("absent");
        assertThat(line(run, "Simulated Reader 0")).contains("present");
        assertThat(run.stackTraceLines()).isEmpty();
    }

    @Test
    void runsOnEveryConfiguredJdk() throws IOException {
        List<String> others = otherJavas();
        for (String other : others) {
            Run ok = launch(other, null, "-c", "lb -s");
            assertThat(ok.exitCode()).as(other + ": " + ok.err()).isZero();
            assertThat(ok.out()).as(other).contains("dev.scard.console");

            // JNA loads native code when PC/SC is used: the jar's Enable-Native-Access allows it without a warning.
            Run readers = launch(other, null, "-c", "scard:readers");
            assertThat(readers.exitCode()).as(other + ": " + readers.err()).isZero();
            assertThat(readers.err()).as(other).doesNotContain("restricted method").doesNotContain("native access")
                .doesNotContain("enable-native-access");

            Run failing = launch(other, "nosuchcommand\n");
            assertThat(failing.exitCode()).as(other).isEqualTo(1);
            assertThat(errorLines(failing)).as(other).containsExactly("Error: Command not found: nosuchcommand");
            assertThat(failing.stackTraceLines()).as(other).isEmpty();
        }
    }

    /**
     * The other JDKs to run the distribution on: {@code -Dscard.it.javas=<java>,<java>} when given (each must be
     * there), otherwise the JDK {@value #OTHER_JDK_FEATURE} found under {@code -Dscard.it.jvmDir} (default
     * {@code /usr/lib/jvm}). None found: the calling test is skipped with one line on standard error, or fails
     * under {@code CI=true}.
     */
    private static List<String> otherJavas() throws IOException {
        String configured = System.getProperty("scard.it.javas", "").strip();
        if (!configured.isEmpty()) {
            List<String> javas = Arrays.stream(configured.split(",")).map(String::strip)
                .filter(path -> !path.isEmpty()).collect(Collectors.toList());
            assertThat(javas).as("-Dscard.it.javas names executables").allSatisfy(
                path -> assertThat(Paths.get(path)).isExecutable());
            return javas;
        }
        Path jvmDir = Paths.get(System.getProperty("scard.it.jvmDir", "/usr/lib/jvm"));
        List<String> found = new ArrayList<>();
        if (Files.isDirectory(jvmDir)) {
            try (Stream<Path> homes = Files.list(jvmDir)) {
                homes.filter(home -> !Files.isSymbolicLink(home)).sorted()
                    .filter(home -> featureVersion(home) == OTHER_JDK_FEATURE)
                    .map(home -> home.resolve("bin").resolve("java"))
                    .filter(Files::isExecutable)
                    .findFirst().ifPresent(java -> found.add(java.toString()));
            }
        }
        if (found.isEmpty()) {
            String why = "no JDK " + OTHER_JDK_FEATURE + " under " + jvmDir + " (a folder with a 'release' file saying"
                + " JAVA_VERSION=\"" + OTHER_JDK_FEATURE + "...\"); name one with -Dscard.it.javas=<path to java>";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("DistributionIT cannot run the distribution on JDK " + OTHER_JDK_FEATURE + " (CI=true): " + why);
            }
            System.err.println("### DistributionIT SKIPPED the run on JDK " + OTHER_JDK_FEATURE + ": " + why
                + "; with CI=true this fails ###");
            abort(why);
        }
        return found;
    }

    /** The feature version in a JDK folder's {@code release} file ({@code JAVA_VERSION="25.0.1"}: 25), or -1. */
    static int featureVersion(Path javaHome) {
        try {
            for (String line : Files.readAllLines(javaHome.resolve("release"), StandardCharsets.UTF_8)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String version = line.substring("JAVA_VERSION=".length()).replace("\"", "").strip();
                    String feature = version.split("[.+-]")[0];
                    return feature.matches("\\d+") ? Integer.parseInt(feature) : -1;
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
        return -1;
    }

    private static boolean contains(String prefix) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().anyMatch(entry -> entry.getName().startsWith(prefix));
        }
    }
}
