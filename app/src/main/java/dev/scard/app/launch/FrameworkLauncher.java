package dev.scard.app.launch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Runs the distribution from its unpacked folder ({@link DistributionCache}): starts the OSGi framework, installs the
 * bundles of bnd's {@code launcher.properties} by reference, runs the console on the main thread and ends with its
 * exit status. It takes bnd's launcher's place for every start that has the unpacked folder (bnd's own launcher still
 * runs the jar when the cache cannot be used), and does less on each start:
 * <ul>
 * <li>a bundle is installed once into the kept storage and found there on later starts (installed and marked for
 * starting again on every start, so a bundle stopped or uninstalled by hand is back at the next start; a bundle of
 * another location, installed by hand, is removed);</li>
 * <li>the bundles whose start level is above the framework's beginning level (the remote readers) are not installed
 * at all: their locations go into the framework property {@value #ON_DEMAND_BUNDLES}, and the console installs them
 * when a configuration needs them or the start level is raised to theirs (its {@code OnDemandBundles});</li>
 * <li>nothing is resolved ahead: the framework resolves the bundles it starts.</li>
 * </ul>
 * The properties of {@code launcher.properties} that do not start with {@code launch.} (the bndrun's
 * {@code -runproperties}) become framework properties and, unless the command line set them, system properties, as
 * with bnd's launcher; {@code launch.startlevel.default} is the start level of bundles installed later and
 * {@code -Dlaunch.trace=true} writes each step to standard error. The console is the service
 * {@code java.util.concurrent.Callable} with {@code main.thread=true}; it finds the command line as the
 * {@code launcher.arguments} property of a service this class registers.
 * <p>
 * Runs in a class loader that sees the framework: the application class loader in the second JVM of
 * {@link TunedJvm} (the framework is on its class path), else a loader over the unpacked folder and the framework's
 * jar ({@link ScardLauncher}).
 */
public final class FrameworkLauncher {

    /** The framework property listing the locations of the bundles left for the console to install on demand. */
    public static final String ON_DEMAND_BUNDLES = "scard.ondemand.bundles";
    /** The launcher's service property holding the command line. */
    static final String LAUNCHER_ARGUMENTS = "launcher.arguments";
    /** The file bnd's export writes: the run properties, the bundles and their start levels. */
    static final String PROPERTIES = "launcher.properties";

    private static final String BUNDLES = "launch.bundles";
    private static final String BUNDLE_ATTRIBUTES = "launch.runbundles.attrs";
    private static final String DEFAULT_START_LEVEL = "launch.startlevel.default";
    private static final String LAUNCH_PREFIX = "launch.";
    private static final String MAIN_FILTER = "(&(" + Constants.OBJECTCLASS + "=" + Callable.class.getName()
        + ")(main.thread=true))";
    /** How long the console may take to appear once the framework has started. */
    private static final long CONSOLE_WAIT_SECONDS = 60;
    /** How long stopping the framework may take. */
    private static final long STOP_WAIT_MILLIS = 10_000;
    /** How long the main thread gets to end after someone else stopped the framework. */
    private static final long STOPPED_GRACE_MILLIS = 2_000;

    private FrameworkLauncher() {
    }

    /**
     * Starts the framework with the distribution of {@code folder}, runs the console and stops the framework.
     *
     * @param folder the unpacked distribution folder
     * @param storage the framework storage to keep from one start to the next, or null for a temporary one deleted
     *        at the end
     * @param args the command line after the jar
     * @return the exit status: the console's, or 1 when the distribution could not start
     */
    public static int launch(String folder, String storage, String[] args) {
        Path temporary = null;
        try {
            Path root = Paths.get(folder);
            Properties properties = load(root.resolve(PROPERTIES));
            Path where;
            if (storage != null) {
                where = Paths.get(storage);
            } else {
                temporary = Files.createTempDirectory("osgi.scard.fw");
                where = temporary;
            }
            return run(root, properties, where, args);
        } catch (IOException | BundleException | RuntimeException e) {
            System.err.println("scard: cannot start the distribution: " + e);
            return 1;
        } finally {
            if (temporary != null) {
                FrameworkStorage.deleteTree(temporary);
            }
        }
    }

    private static int run(Path root, Properties properties, Path storage, String[] args)
        throws BundleException, IOException {
        List<Entry> entries = entries(root, properties);
        Map<String, String> config = runProperties(properties);
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        int beginning = number(config.get(Constants.FRAMEWORK_BEGINNING_STARTLEVEL), 1);
        StringBuilder onDemand = new StringBuilder();
        for (Entry entry : entries) {
            if (entry.level > beginning) {
                onDemand.append(onDemand.length() == 0 ? "" : ",").append(entry.location);
            }
        }
        if (onDemand.length() > 0) {
            config.put(ON_DEMAND_BUNDLES, onDemand.toString());
        }

        Framework framework = factory().newFramework(config);
        framework.init();
        trace("framework initialised, storage %s", storage);
        String defaultLevel = properties.getProperty(DEFAULT_START_LEVEL);
        if (defaultLevel != null) {
            framework.adapt(FrameworkStartLevel.class).setInitialBundleStartLevel(number(defaultLevel, 1));
        }
        install(framework.getBundleContext(), entries, beginning);

        Hashtable<String, Object> launcher = new Hashtable<>();
        launcher.put(LAUNCHER_ARGUMENTS, args.clone());
        framework.getBundleContext().registerService(Object.class, new Object(), launcher);

        StopWatcher watcher = new StopWatcher(framework);
        Thread stopper = new Thread(watcher.stopTask(), "scard-framework-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        framework.start();
        trace("framework started");
        Thread watching = new Thread(watcher.watchTask(), "scard-framework-watch");
        watching.setDaemon(true);
        watching.start();
        int status;
        try {
            status = runConsole(framework);
        } finally {
            watcher.stopping = true;
            watcher.stopOnExit();
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException e) {
                // the JVM is ending already: the hook stops nothing more
            }
        }
        return status;
    }

    /** Waits for the console and runs it on this thread. */
    private static int runConsole(Framework framework) {
        BundleContext context = framework.getBundleContext();
        ServiceTracker<Object, Object> tracker;
        try {
            tracker = new ServiceTracker<>(context, context.createFilter(MAIN_FILTER), null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        tracker.open();
        try {
            Object main = tracker.waitForService(TimeUnit.SECONDS.toMillis(CONSOLE_WAIT_SECONDS));
            if (main == null) {
                System.err.println("scard: the console did not start within " + CONSOLE_WAIT_SECONDS
                    + " s; -Dlaunch.trace=true shows the start");
                return 1;
            }
            trace("running the console");
            Object result = ((Callable<?>) main).call();
            return result instanceof Integer ? (Integer) result : 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (Exception e) {
            System.err.println("scard: " + e);
            return 1;
        } finally {
            tracker.close();
        }
    }

    /**
     * Installs the bundles at or below the beginning level that the storage does not hold yet, sets every such
     * bundle's start level and marks it for starting; removes bundles of other locations.
     */
    private static void install(BundleContext context, List<Entry> entries, int beginning) throws BundleException {
        Set<String> ours = new HashSet<>();
        for (Entry entry : entries) {
            ours.add(entry.location);
        }
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getBundleId() != 0 && !ours.contains(bundle.getLocation())) {
                trace("uninstalling %s (not the distribution's)", bundle.getLocation());
                bundle.uninstall();
            }
        }
        for (Entry entry : entries) {
            Bundle bundle = context.getBundle(entry.location);
            if (bundle == null) {
                if (entry.level > beginning) {
                    continue;
                }
                trace("installing %s", entry.location);
                bundle = context.installBundle(entry.location);
            }
            bundle.adapt(BundleStartLevel.class).setStartLevel(entry.level);
            if (bundle.getHeaders("").get(Constants.FRAGMENT_HOST) == null) {
                bundle.start();
            }
        }
    }

    /**
     * The bundles of {@code launch.bundles} with their start levels from {@code launch.runbundles.attrs} (bnd writes
     * both lists in the same order, one entry per bundle).
     */
    static List<Entry> entries(Path root, Properties properties) throws IOException {
        String bundles = properties.getProperty(BUNDLES, "").strip();
        List<String> paths = bundles.isEmpty() ? List.of() : List.of(bundles.split("\\s*,\\s*"));
        List<Integer> levels = levels(properties.getProperty(BUNDLE_ATTRIBUTES, ""));
        if (levels.size() != paths.size()) {
            throw new IOException(PROPERTIES + " names " + paths.size() + " bundles but " + levels.size()
                + " start levels");
        }
        List<Entry> entries = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            Path file = root.resolve(paths.get(i));
            if (!Files.isRegularFile(file)) {
                throw new IOException("no bundle " + file);
            }
            // File.toURI, as bnd's launcher wrote the locations: reference:file:/path
            entries.add(new Entry("reference:" + file.toFile().toURI(), levels.get(i)));
        }
        return entries;
    }

    /**
     * The start level of each entry of {@code launch.runbundles.attrs}: {@code bsn;version="...";startlevel=N},
     * comma-separated (a version's quotes may hold commas); 1 where an entry names none.
     */
    static List<Integer> levels(String attributes) {
        List<Integer> levels = new ArrayList<>();
        if (attributes.isBlank()) {
            return levels;
        }
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i <= attributes.length(); i++) {
            char c = i < attributes.length() ? attributes.charAt(i) : ',';
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                levels.add(level(attributes.substring(start, i)));
                start = i + 1;
            }
        }
        return levels;
    }

    private static int level(String entry) {
        for (String attribute : entry.split(";")) {
            String[] pair = attribute.split("=", 2);
            if (pair.length == 2 && pair[0].strip().equals("startlevel")) {
                return number(pair[1].strip().replace("\"", ""), 1);
            }
        }
        return 1;
    }

    /**
     * The run properties (every key not starting with {@code launch.}) as framework properties; each is also made a
     * system property unless the command line set it, and then the command line's value is the framework's too.
     */
    static Map<String, String> runProperties(Properties properties) {
        Map<String, String> config = new HashMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith(LAUNCH_PREFIX)) {
                continue;
            }
            String value = System.getProperty(key);
            if (value == null) {
                value = properties.getProperty(key);
                System.setProperty(key, value);
            }
            config.put(key, value);
        }
        return config;
    }

    private static Properties load(Path file) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        }
        return properties;
    }

    private static FrameworkFactory factory() {
        Iterator<FrameworkFactory> factories =
            ServiceLoader.load(FrameworkFactory.class, FrameworkLauncher.class.getClassLoader()).iterator();
        if (!factories.hasNext()) {
            throw new IllegalStateException("no OSGi framework on the class path");
        }
        return factories.next();
    }

    private static int number(String text, int fallback) {
        if (text == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static void trace(String format, Object... args) {
        if (Boolean.getBoolean("launch.trace")) {
            System.err.println("[FrameworkLauncher] " + String.format(format, args));
        }
    }

    /** A bundle of the distribution: its location (a {@code reference:file:} URL) and start level. */
    static final class Entry {
        final String location;
        final int level;

        Entry(String location, int level) {
            this.location = location;
            this.level = level;
        }
    }

    /**
     * Stops the framework when the JVM is asked to end, and ends the JVM when someone else stops the framework (Gogo's
     * {@code stop 0}) and the console does not return.
     */
    private static final class StopWatcher {
        private final Framework framework;
        volatile boolean stopping;

        StopWatcher(Framework framework) {
            this.framework = framework;
        }

        /** {@link #stopOnExit()} as a task (a class, not a lambda: no bootstrap cost at start-up). */
        Runnable stopTask() {
            return new Runnable() {
                @Override
                public void run() {
                    stopOnExit();
                }
            };
        }

        /** {@link #exitWhenStoppedElsewhere()} as a task. */
        Runnable watchTask() {
            return new Runnable() {
                @Override
                public void run() {
                    exitWhenStoppedElsewhere();
                }
            };
        }

        /** Stops the framework and waits for it, bounded. */
        void stopOnExit() {
            try {
                if ((framework.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0) {
                    framework.stop();
                }
                framework.waitForStop(STOP_WAIT_MILLIS);
            } catch (BundleException | InterruptedException | RuntimeException e) {
                // the JVM ends anyway
            }
        }

        /** Waits until the framework has stopped; if this launcher did not stop it, ends the JVM after a grace. */
        void exitWhenStoppedElsewhere() {
            try {
                FrameworkEvent event;
                do {
                    event = framework.waitForStop(0);
                } while (event.getType() == FrameworkEvent.WAIT_TIMEDOUT);
                if (stopping) {
                    return;
                }
                Thread.sleep(STOPPED_GRACE_MILLIS);
                if (!stopping) {
                    trace("the framework was stopped: ending");
                    System.exit(0);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
