package dev.scard.app.launch;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.jar.Manifest;

/**
 * The distribution's {@code Main-Class}: runs the distribution from the jar unpacked once into the user's cache folder
 * ({@link DistributionCache}) instead of from inside the jar.
 * <p>
 * bnd's own {@code EmbeddedLauncher} copies the framework and the launcher into two new temporary files on every
 * start, and its launcher then copies every bundle out of the jar into the framework's storage. From the unpacked
 * folder, {@link FrameworkLauncher} installs the bundles by reference ({@code reference:file:...}): nothing is copied
 * at all. The framework's storage is kept from one start to the next by one start at a time ({@link FrameworkStorage});
 * a start that finds it in use gets a fresh temporary storage.
 * <p>
 * Before that, the distribution moves into a second JVM tuned for a short start when it can ({@link TunedJvm}), with
 * the framework on its class path; this one then only waits for it.
 * <p>
 * The system property {@value #CACHE_PROPERTY}{@code =false} turns the cache (and the second JVM) off; when the cache
 * cannot be used (no home folder, a read-only or full disk, a jar that cannot be read), the start goes on as bnd's
 * {@code EmbeddedLauncher} does it, with bnd's launcher, and {@code -Dlaunch.trace=true} says why.
 */
public final class ScardLauncher {

    /** The system property that turns the cache off with {@code false}. */
    public static final String CACHE_PROPERTY = "scard.cache";

    private static final String EMBEDDED_RUNPATH = "Embedded-Runpath";
    private static final String BND_LAUNCHER = "biz.aQute.launcher";
    private static final String FRAMEWORK_FACTORY = "META-INF/services/org.osgi.framework.launch.FrameworkFactory";
    private static final String EMBEDDED_LAUNCHER = "aQute.launcher.pre.EmbeddedLauncher";

    private ScardLauncher() {
    }

    /**
     * Starts the distribution with {@code args} (the console's command line) and ends the JVM with the console's exit
     * status.
     *
     * @param args the command line
     * @throws Throwable whatever the launcher throws
     */
    public static void main(String[] args) throws Throwable {
        Optional<Path> folder;
        if (Boolean.getBoolean(TunedJvm.RELAUNCHED)) {
            TunedJvm.endWithParent();
            folder = relaunchedFolder();
        } else {
            folder = unpacked();
            Optional<Path> jar = runningJar();
            Optional<Path> root = DistributionCache.defaultRoot(System.getenv(), System.getProperty("user.home"));
            if (folder.isPresent() && jar.isPresent() && root.isPresent()) {
                OptionalInt status = TunedJvm.run(jar.get(), folder.get(), root.get(), args);
                if (status.isPresent()) {
                    System.exit(status.getAsInt());
                    return;
                }
            }
        }
        if (folder.isPresent()) {
            List<Path> framework = frameworkJars(folder.get());
            if (!framework.isEmpty()) {
                System.exit(launch(folder.get(), framework, args));
                return;
            }
        }
        invokeMain(ScardLauncher.class.getClassLoader(), EMBEDDED_LAUNCHER, args);
    }

    /**
     * Runs {@link FrameworkLauncher} with the kept framework storage when this start gets it (else a temporary one).
     * In the second JVM the framework is on the class path and the launcher is called directly; otherwise it runs in
     * a class loader over the unpacked folder and the framework's jar, whose parent is the platform class loader.
     */
    private static int launch(Path folder, List<Path> framework, String[] args) throws Throwable {
        Optional<Path> storage = FrameworkStorage.acquire(folder);
        String kept = storage.isPresent() ? storage.get().toString() : null;
        trace("%s", kept != null ? "framework storage " + kept : "fresh framework storage: the kept one is in use");
        if (ScardLauncher.class.getClassLoader().getResource(FRAMEWORK_FACTORY) != null) {
            // Linked only here, where the framework's classes are on this class path.
            return FrameworkLauncher.launch(folder.toString(), kept, args);
        }
        List<URL> urls = new ArrayList<>();
        urls.add(folder.toUri().toURL());
        for (Path jar : framework) {
            urls.add(jar.toUri().toURL());
        }
        ClassLoader loader =
            new URLClassLoader("scard-launcher", urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
        Class<?> launcher = Class.forName(FrameworkLauncher.class.getName(), true, loader);
        MethodHandle launch = MethodHandles.publicLookup().findStatic(launcher, "launch",
            MethodType.methodType(int.class, String.class, String.class, String[].class));
        return (int) launch.invoke(folder.toString(), kept, args);
    }

    /**
     * In the second JVM: the unpacked folder the first JVM prepared ({@value TunedJvm#FOLDER}); when that is missing,
     * the folder is looked up again.
     */
    private static Optional<Path> relaunchedFolder() {
        String given = System.getProperty(TunedJvm.FOLDER);
        if (given != null && Files.isRegularFile(Paths.get(given, FrameworkLauncher.PROPERTIES))) {
            return Optional.of(Paths.get(given));
        }
        return unpacked();
    }

    /** The unpacked folder of the running jar, or empty when the cache is off or cannot be used. */
    private static boolean cacheOn() {
        return !"false".equalsIgnoreCase(System.getProperty(CACHE_PROPERTY));
    }

    private static Optional<Path> unpacked() {
        if (!cacheOn()) {
            trace("cache off (-D%s=false)", CACHE_PROPERTY);
            return Optional.empty();
        }
        Optional<Path> jar = runningJar();
        Optional<Path> root = DistributionCache.defaultRoot(System.getenv(), System.getProperty("user.home"));
        if (jar.isEmpty() || root.isEmpty()) {
            trace("cache not used: %s", jar.isEmpty() ? "not started from a jar" : "no cache folder");
            return Optional.empty();
        }
        try {
            Path folder = new DistributionCache(jar.get(), root.get()).prepare();
            trace("bundles from %s", folder);
            return Optional.of(folder);
        } catch (IOException | RuntimeException e) {
            trace("cache not used: %s", e);
            return Optional.empty();
        }
    }

    private static Optional<Path> runningJar() {
        CodeSource source = ScardLauncher.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return Optional.empty();
        }
        try {
            Path path = Paths.get(source.getLocation().toURI());
            return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The OSGi framework's jars in the unpacked folder: the manifest's embedded run path without bnd's launcher;
     * empty when the folder has none.
     *
     * @param folder the unpacked folder
     * @return the jars, in the run path's order
     * @throws IOException when the manifest cannot be read
     */
    static List<Path> frameworkJars(Path folder) throws IOException {
        Manifest manifest;
        try (InputStream in = Files.newInputStream(folder.resolve("META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in);
        }
        String runpath = manifest.getMainAttributes().getValue(EMBEDDED_RUNPATH);
        List<Path> jars = new ArrayList<>();
        if (runpath == null || runpath.isBlank()) {
            trace("cache not used: no %s in the manifest", EMBEDDED_RUNPATH);
            return jars;
        }
        for (String path : runpath.split(",")) {
            Path jar = folder.resolve(path.strip());
            if (!jar.getFileName().toString().startsWith(BND_LAUNCHER)) {
                jars.add(jar);
            }
        }
        return jars;
    }

    private static void invokeMain(ClassLoader loader, String className, String[] args) throws Throwable {
        Class<?> main = Class.forName(className, true, loader);
        MethodHandle handle = MethodHandles.publicLookup()
            .findStatic(main, "main", MethodType.methodType(void.class, String[].class));
        handle.invoke(args);
    }

    /** Writes a line to standard error with {@code -Dlaunch.trace=true}. */
    static void trace(String format, Object... args) {
        if (Boolean.getBoolean("launch.trace")) {
            System.err.println("[ScardLauncher] " + String.format(format, args));
        }
    }
}
