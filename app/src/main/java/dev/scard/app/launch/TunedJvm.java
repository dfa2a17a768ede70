package dev.scard.app.launch;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Runs the distribution in a second JVM started with options that {@code java -jar} cannot take from the jar: a class
 * data sharing archive of the classes a start loads, the client compiler only, the serial collector, and the framework
 * on the class path (so that the archive holds its classes whole). Together they take about 40% off the time to the
 * first output, side by side with one JVM, the second JVM's cost (about a bare JVM start) included.
 * <p>
 * The archive is the file {@code cds-<key>.jsa} in the cache folder ({@code ~/.cache/scard}), where the key covers the
 * Java installation and build, the class path, the jar's size and modification time and the JVM options: the JVM
 * uses an archive only with the same Java and the same class path, so another Java or a rebuilt or copied jar gets an
 * archive of its own. The first start without one writes it when its JVM ends ({@code -XX:ArchiveClassesAtExit})
 * into a name of its own and renames it into place in one step, so two first starts at once never see a half-written
 * archive; a JVM that cannot use an archive (damaged, or from another build) starts without it, silently. Archives
 * unused for {@link DistributionCache#UNUSED_LIMIT} are removed when a new one is written.
 * <p>
 * The first JVM only waits: both share standard input, output and error, the second's exit status is the first's, a
 * Ctrl-C reaches the second (the terminal sends it to both; the first ignores it), and ending the first ends the
 * second. The second JVM gets the first's JVM options. Nothing of this happens, and the distribution runs in the first
 * JVM as before, with {@code -D}{@value #PROPERTY}{@code =false}, with the cache off, when no archive exists and the
 * cache folder cannot take one (not writable, or less than 256 MiB free: a JVM that fails to write its archive ends
 * with exit status 1), when the JVM is not HotSpot, when the command line was not {@code java ... -jar JAR ...},
 * when {@code JAVA_TOOL_OPTIONS}, {@code JDK_JAVA_OPTIONS} or {@code _JAVA_OPTIONS} is set (the second JVM would
 * apply them again), with a debugger or agent option (it would run twice), with class data sharing options of the
 * user's own, or when the second JVM cannot be started.
 * <p>
 * This class runs in the first JVM before anything else, so it keeps to classes the JDK's own archive holds: no
 * lambdas, no string concatenation by {@code invokedynamic} (the module compiles with {@code -XDstringConcat=inline}).
 */
public final class TunedJvm {

    /** The system property that turns the second JVM off with {@code false}. */
    public static final String PROPERTY = "scard.relaunch";
    /** The system property on the second JVM's command line: it runs the distribution itself. */
    public static final String RELAUNCHED = "scard.relaunched";
    /** The system property on the second JVM's command line that names the unpacked folder. */
    public static final String FOLDER = "scard.unpacked";
    /** The class the second JVM runs. */
    private static final String MAIN_CLASS = "dev.scard.app.launch.ScardLauncher";
    /** How often the second JVM checks that the first is still there. */
    private static final long PARENT_CHECK_MILLIS = 250;
    /** The prefix of every archive's name in the cache folder. */
    public static final String ARCHIVE_PREFIX = "cds-";
    /** The suffix of every archive's name. */
    public static final String ARCHIVE_SUFFIX = ".jsa";

    /** The free space an archive needs, with room to spare (an archive takes about 11 MB). */
    private static final long MIN_FREE_BYTES = 256L << 20;
    /** How long the first JVM, asked to end, waits for the second to end. */
    private static final long STOP_WAIT_SECONDS = 10;
    /** How old a use mark may get before a start refreshes it. */
    private static final Duration TOUCH_AFTER = Duration.ofHours(1);
    /** Environment variables the second JVM would apply again (with a second "Picked up" line on standard error). */
    private static final String[] OPTION_VARIABLES = {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"};
    /** JVM options that must not run twice or that decide class data sharing themselves. */
    private static final String[] KEEP_IN_PROCESS = {"-agentlib", "-agentpath", "-javaagent", "-Xrun", "-Xdebug",
        "-Xshare", "-XX:SharedArchiveFile", "-XX:ArchiveClassesAtExit", "-XX:+AutoCreateSharedArchive",
        "-XX:DumpLoadedClassList", "-XX:SharedClassListFile", "-XX:AOT", "-XX:Flags", "-XX:VMOptionsFile"};

    private TunedJvm() {
    }

    /**
     * Runs the distribution in the tuned second JVM and waits for it.
     *
     * @param jar the running jar
     * @param folder the jar's unpacked folder
     * @param root the {@code scard} folder in the user's cache home
     * @param args the command line after the jar
     * @return the second JVM's exit status; empty when the distribution is to run in this JVM
     */
    static OptionalInt run(Path jar, Path folder, Path root, String[] args) {
        Optional<List<String>> options = jvmOptions(args);
        if (options.isEmpty()) {
            return OptionalInt.empty();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (!Files.isExecutable(java)) {
            ScardLauncher.trace("one JVM: no %s", java);
            return OptionalInt.empty();
        }
        Path archive;
        String classPath;
        try {
            classPath = classPath(jar, folder);
            archive = root.resolve(archiveName(jar, classPath, options.get()));
            Files.createDirectories(root);
        } catch (IOException | RuntimeException e) {
            ScardLauncher.trace("one JVM: %s", e);
            return OptionalInt.empty();
        }
        boolean reuse = Files.isRegularFile(archive);
        Path written = root.resolve(archive.getFileName().toString() + "." + ProcessHandle.current().pid() + ".tmp");
        if (!reuse && !canWrite(root, written)) {
            return OptionalInt.empty();
        }
        List<String> command =
            command(java, options.get(), reuse ? archive : null, reuse ? null : written, classPath, folder, args);
        ScardLauncher.trace("second JVM: %s", command);
        Process child;
        try {
            child = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException | RuntimeException e) {
            ScardLauncher.trace("one JVM: %s", e);
            deleteQuietly(written);
            return OptionalInt.empty();
        }
        // After the start, so that the second JVM does not inherit anything of it: a Ctrl-C is for the second JVM (the
        // terminal sends it to both), this one waits for it to end.
        ignoreInterrupts();
        Runtime.getRuntime().addShutdownHook(new Thread(new Stopper(child), "scard-relaunch-stop"));
        int status = waitFor(child);
        if (reuse) {
            touch(archive);
        } else {
            keep(written, archive, root);
        }
        return OptionalInt.of(status);
    }

    /**
     * The first JVM's options when the distribution may run in a second JVM: everything before {@code -jar} on its
     * command line; empty when it is to run in this JVM.
     */
    private static Optional<List<String>> jvmOptions(String[] args) {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            ScardLauncher.trace("one JVM (-D%s=false)", PROPERTY);
            return Optional.empty();
        }
        String vm = System.getProperty("java.vm.name", "");
        if (!vm.contains("HotSpot") && !vm.contains("OpenJDK")) {
            ScardLauncher.trace("one JVM: %s", vm);
            return Optional.empty();
        }
        Map<String, String> environment = System.getenv();
        for (String variable : OPTION_VARIABLES) {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                ScardLauncher.trace("one JVM: %s is set", variable);
                return Optional.empty();
            }
        }
        Optional<String[]> line = ProcessHandle.current().info().arguments();
        if (line.isEmpty()) {
            ScardLauncher.trace("one JVM: the command line is not known");
            return Optional.empty();
        }
        return jvmOptions(line.get(), args);
    }

    /**
     * The JVM options of a command line {@code OPTIONS -jar JAR ARGS} (without the executable) whose {@code ARGS}
     * are {@code args}; empty when it is another command line or has an option that keeps the distribution in one
     * JVM.
     *
     * @param line the command line after the executable
     * @param args the arguments the main class got
     * @return the options before {@code -jar}
     */
    static Optional<List<String>> jvmOptions(String[] line, String[] args) {
        int jarAt = line.length - args.length - 2;
        if (jarAt < 0 || !"-jar".equals(line[jarAt])
            || !Arrays.equals(line, jarAt + 2, line.length, args, 0, args.length)) {
            ScardLauncher.trace("one JVM: not started as java ... -jar JAR ...");
            return Optional.empty();
        }
        List<String> options = new ArrayList<>();
        for (int i = 0; i < jarAt; i++) {
            for (String prefix : KEEP_IN_PROCESS) {
                if (line[i].startsWith(prefix)) {
                    ScardLauncher.trace("one JVM: %s", line[i]);
                    return Optional.empty();
                }
            }
            options.add(line[i]);
        }
        return Optional.of(options);
    }

    /**
     * The second JVM's class path: the framework's jars from the unpacked folder, then the jar. With the framework
     * loaded by the application class loader, the archive holds its classes whole: the JVM neither reads nor
     * inflates them from the jar again (for a class of a loader of its own, it still reads the bytes to compare).
     *
     * @param jar the distribution jar
     * @param folder its unpacked folder
     * @return the class path
     * @throws IOException when the unpacked folder's manifest cannot be read
     */
    static String classPath(Path jar, Path folder) throws IOException {
        List<Path> framework = ScardLauncher.frameworkJars(folder);
        if (framework.isEmpty()) {
            throw new IOException("no framework in " + folder);
        }
        StringBuilder path = new StringBuilder();
        for (Path entry : framework) {
            path.append(entry.toAbsolutePath()).append(java.io.File.pathSeparatorChar);
        }
        return path.append(jar.toAbsolutePath()).toString();
    }

    /**
     * The second JVM's command line: the tuning options, then the first JVM's options (so that the user's win), the
     * marker properties, the class path and the main class with {@code ARGS}.
     *
     * @param java the {@code java} executable
     * @param options the first JVM's options
     * @param archive the archive to use, or null
     * @param written the archive to write at the end, or null
     * @param classPath the class path ({@link #classPath})
     * @param folder the unpacked folder
     * @param args the arguments after the jar
     * @return the command line
     */
    static List<String> command(Path java, List<String> options, Path archive, Path written, String classPath,
        Path folder, String[] args) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        if (archive != null) {
            command.add("-XX:SharedArchiveFile=" + archive);
        }
        if (written != null) {
            command.add("-XX:ArchiveClassesAtExit=" + written);
        }
        // An archive another JVM cannot use, and the classes it cannot archive, are no news for the user.
        command.add("-Xlog:cds=off,cds+dynamic=off");
        command.add("-XX:TieredStopAtLevel=1");
        if (!choosesCollector(options)) {
            command.add("-XX:+UseSerialGC");
        }
        command.addAll(options);
        // What the jar's Enable-Native-Access gives a java -jar start (JNA in the PC/SC backend loads native code):
        // the attribute counts only for the jar of -jar. JDK 17 knows the option too.
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-D" + RELAUNCHED + "=true");
        command.add("-D" + FOLDER + "=" + folder);
        command.add("-cp");
        command.add(classPath);
        command.add(MAIN_CLASS);
        command.addAll(Arrays.asList(args));
        return command;
    }

    /**
     * Whether the second JVM can write its archive to {@code written}: the file is created here (empty, the JVM
     * overwrites it) and the file system has room. A JVM that cannot write its archive ends with exit status 1, so
     * without that certainty the distribution runs in this JVM.
     */
    private static boolean canWrite(Path root, Path written) {
        try {
            if (Files.getFileStore(root).getUsableSpace() < MIN_FREE_BYTES) {
                ScardLauncher.trace("one JVM: less than %d MiB free in %s", MIN_FREE_BYTES >> 20, root);
                return false;
            }
            Files.deleteIfExists(written);
            Files.createFile(written);
            return true;
        } catch (IOException | RuntimeException e) {
            ScardLauncher.trace("one JVM: cannot write %s: %s", written, e);
            return false;
        }
    }

    private static boolean choosesCollector(List<String> options) {
        for (String option : options) {
            if (option.startsWith("-XX:+Use") && option.endsWith("GC")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The archive's name: {@code cds-<key>.jsa}, the key a hash of what decides whether a JVM can use the archive:
     * the Java installation and build, the class path, the jar's size and modification time, and the JVM options.
     *
     * @param jar the jar on the class path
     * @param classPath the whole class path
     * @param options the JVM options
     * @return the file name
     * @throws IOException when the jar cannot be read
     */
    static String archiveName(Path jar, String classPath, List<String> options) throws IOException {
        StringBuilder identity = new StringBuilder();
        identity.append(System.getProperty("java.home")).append('\n')
            .append(System.getProperty("java.vm.version")).append('\n')
            .append(System.getProperty("java.vm.name")).append('\n')
            .append(classPath).append('\n')
            .append(Files.size(jar)).append('\n')
            .append(Files.getLastModifiedTime(jar).toMillis()).append('\n');
        for (String option : options) {
            identity.append(option).append('\n');
        }
        return ARCHIVE_PREFIX + DistributionCache.fingerprint(identity) + ARCHIVE_SUFFIX;
    }

    private static void ignoreInterrupts() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), new sun.misc.SignalHandler() {
                @Override
                public void handle(sun.misc.Signal signal) {
                    // The second JVM got it too and decides.
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // No such signal here: nothing to ignore.
        }
    }

    /** The second JVM's exit status, waiting as long as it runs. */
    private static int waitFor(Process child) {
        while (true) {
            try {
                return child.waitFor();
            } catch (InterruptedException e) {
                // Only the end of the second JVM ends the wait.
            }
        }
    }

    /** Ends the second JVM when the first is asked to end (a kill, a hang-up), and waits a bounded time for it. */
    private static final class Stopper implements Runnable {
        private final Process child;

        Stopper(Process child) {
            this.child = child;
        }

        @Override
        public void run() {
            if (!child.isAlive()) {
                return;
            }
            child.destroy();
            try {
                if (!child.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.destroyForcibly();
            }
        }
    }

    /**
     * In the second JVM: ends it when the first JVM is gone (killed outright, it could not end the second), so that
     * no distribution runs on without a user.
     */
    static void endWithParent() {
        final Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        if (parent.isEmpty()) {
            return;
        }
        // A thread that looks now and then, not ProcessHandle.onExit(): that one's futures cost a start milliseconds.
        Thread watch = new Thread(new Runnable() {
            @Override
            public void run() {
                try {
                    while (parent.get().isAlive()) {
                        Thread.sleep(PARENT_CHECK_MILLIS);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                ScardLauncher.trace("the first JVM is gone: ending");
                System.exit(1);
            }
        }, "scard-parent-watch");
        watch.setDaemon(true);
        watch.start();
    }

    /** Moves the archive the second JVM wrote into place (atomically), and removes archives long unused. */
    private static void keep(Path written, Path archive, Path root) {
        try {
            if (Files.isRegularFile(written) && Files.size(written) > 0) {
                Files.move(written, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                ScardLauncher.trace("class data sharing archive %s", archive);
            }
        } catch (IOException | RuntimeException e) {
            ScardLauncher.trace("no class data sharing archive: %s", e);
        } finally {
            deleteQuietly(written);
        }
        removeUnused(root, archive);
    }

    /** Deletes a file if it is there; one left behind is removed with the unused ones later. */
    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // removed with the unused ones later
        }
    }

    /** Removes archives (and archives being written) of the cache folder unused for the limit. */
    static void removeUnused(Path root, Path keep) {
        long limit = System.currentTimeMillis() - DistributionCache.UNUSED_LIMIT.toMillis();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(root, ARCHIVE_PREFIX + "*")) {
            for (Path file : files) {
                String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                if (file.equals(keep) || !(name.endsWith(ARCHIVE_SUFFIX) || name.endsWith(".tmp"))) {
                    continue;
                }
                try {
                    if (Files.getLastModifiedTime(file).toMillis() < limit) {
                        Files.deleteIfExists(file);
                    }
                } catch (IOException e) {
                    // gone already
                }
            }
        } catch (IOException e) {
            // nothing to tidy
        }
    }

    /** Records a use of the archive, at most once per {@link #TOUCH_AFTER}. */
    private static void touch(Path archive) {
        try {
            long now = System.currentTimeMillis();
            if (now - Files.getLastModifiedTime(archive).toMillis() > TOUCH_AFTER.toMillis()) {
                Files.setLastModifiedTime(archive, FileTime.fromMillis(now));
            }
        } catch (IOException e) {
            // read-only: fine
        }
    }
}
