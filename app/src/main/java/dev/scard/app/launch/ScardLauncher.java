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
import java.util.Properties;
import java.util.jar.Manifest;

/**
 * The distribution's {@code Main-Class}: starts bnd's launcher from the jar unpacked once into the user's cache
 * folder ({@link DistributionCache}) instead of from inside the jar.
 * <p>
 * bnd's own {@code EmbeddedLauncher} copies the framework and the launcher into two new temporary files on every
 * start, and its launcher then copies every bundle out of the jar into the framework's storage. From the unpacked
 * folder, the launcher's class loader finds the bundles as plain files, so the launcher installs them by reference
 * ({@code reference:file:...}): nothing is copied at all. The framework's storage is kept from one start to the next
 * by one start at a time ({@link FrameworkStorage}); a start that finds it in use gets a fresh temporary storage.
 * <p>
 * Before all that, the distribution moves into a second JVM tuned for a short start when it can ({@link TunedJvm}); this
 * one then only waits for it.
 * <p>
 * The system property {@value #CACHE_PROPERTY}{@code =false} turns the cache (and the second JVM) off; when the cache cannot be used
 * (no home folder, a read-only or full disk, a jar that cannot be read), the start goes on as bnd's
 * {@code EmbeddedLauncher} does it, and {@code -Dlaunch.trace=true} says why.
 */
public final class ScardLauncher {

    /** The system property that turns the cache off with {@code false}. */
    public static final String CACHE_PROPERTY = "scard.cache";

    private static final String EMBEDDED_RUNPATH = "Embedded-Runpath";
    private static final String LAUNCHER_PROPERTIES = "launcher.properties";
    private static final String LAUNCH_BUNDLES = "launch.bundles";
    private static final String LAUNCHER = "aQute.launcher.Launcher";
    private static final String EMBEDDED_LAUNCHER = "aQute.launcher.pre.EmbeddedLauncher";

    private ScardLauncher() {
    }

    /**
     * Starts the distribution with {@code args} (the console's command line); returns only when the framework has
     * stopped (bnd's launcher usually ends the JVM itself with the exit status).
     *
     * @param args the command line
     * @throws Throwable whatever the launcher throws
     */
    public static void main(String[] args) throws Throwable {
        if (Boolean.getBoolean(TunedJvm.RELAUNCHED)) {
            TunedJvm.endWithParent();
        } else if (cacheOn()) {
            Optional<Path> jar = runningJar();
            Optional<Path> root = DistributionCache.defaultRoot(System.getenv(), System.getProperty("user.home"));
            if (jar.isPresent() && root.isPresent()) {
                OptionalInt status = TunedJvm.run(jar.get(), root.get(), args);
                if (status.isPresent()) {
                    System.exit(status.getAsInt());
                    return;
                }
            }
        }
        Optional<Path> folder = unpacked();
        if (folder.isPresent()) {
            ClassLoader loader = launcherLoader(folder.get());
            if (loader != null) {
                keepStorage(folder.get());
                invokeMain(loader, LAUNCHER, args);
                return;
            }
        }
        invokeMain(ScardLauncher.class.getClassLoader(), EMBEDDED_LAUNCHER, args);
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

    /**
     * Points bnd's launcher at the kept framework storage of the unpacked folder ({@link FrameworkStorage}) when this
     * start gets it; otherwise the launcher uses a fresh temporary storage, as by default.
     */
    private static void keepStorage(Path folder) {
        int bundles;
        try (InputStream in = Files.newInputStream(folder.resolve(LAUNCHER_PROPERTIES))) {
            Properties properties = new Properties();
            properties.load(in);
            String list = properties.getProperty(LAUNCH_BUNDLES, "").strip();
            bundles = list.isEmpty() ? 0 : list.split("\\s*,\\s*").length;
        } catch (IOException e) {
            trace("fresh framework storage: %s", e);
            return;
        }
        Optional<Path> storage = FrameworkStorage.acquire(folder, bundles);
        if (storage.isEmpty()) {
            trace("fresh framework storage: the kept one is in use or cannot be used");
            return;
        }
        trace("framework storage %s", storage.get());
        System.setProperty("launch.keep", "true");
        System.setProperty("launch.storage.dir", storage.get().toString());
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
     * A class loader over the unpacked folder and its embedded run path (the framework and bnd's launcher), whose
     * parent is the platform class loader: so the launcher's {@code getResource("jar/...")} finds the unpacked
     * bundle as a file, not the entry inside the jar; null when the folder has no run path.
     */
    private static ClassLoader launcherLoader(Path folder) throws IOException {
        Manifest manifest;
        try (InputStream in = Files.newInputStream(folder.resolve("META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in);
        }
        String runpath = manifest.getMainAttributes().getValue(EMBEDDED_RUNPATH);
        if (runpath == null || runpath.isBlank()) {
            trace("cache not used: no %s in the manifest", EMBEDDED_RUNPATH);
            return null;
        }
        List<URL> urls = new ArrayList<>();
        urls.add(folder.toUri().toURL());
        for (String path : runpath.split("\\s*,\\s*")) {
            urls.add(folder.resolve(path).toUri().toURL());
        }
        return new URLClassLoader("scard-launcher", urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
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
