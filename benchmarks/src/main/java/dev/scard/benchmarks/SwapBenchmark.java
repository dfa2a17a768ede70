package dev.scard.benchmarks;

import static dev.scard.api.SCardServiceProperties.SERVICES_PID_PREFIX;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.apache.felix.framework.FrameworkFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;

/**
 * How long consumers take to see a new default backend (issue 5, target at most 100 ms): an embedded Apache Felix
 * runs the distribution's bundles (taken from {@code app/target/scard.jar}, without its console) plus a bundle of
 * {@value #CONSUMERS} consumer components ({@link SwapProbeConsumer}: dynamic greedy references to
 * {@code ISCardManage} and {@code SCardResourceManager}, no backend filter). The default backend is switched back and
 * forth between the simulator and PC/SC, {@value #WARMUP} times unmeasured, then {@link #SWITCHES} times measured,
 * once by {@code scard:use} in a Gogo session and once through the Config Admin API as {@code scard:use} does it
 * (write the new backend's {@code service.ranking}, then delete the other configuration). A switch's time runs from
 * its start until the last consumer has both references bound to the new backend; the time {@code scard:use} takes
 * to return is reported too. PC/SC does not need pcscd here: its services are registered either way.
 *
 * <p>Arguments: the distribution jar, the results folder ({@code swap.md} is written there), and optionally the
 * number of measured switches per method.
 */
public final class SwapBenchmark {

    /** Consumer components in the probe bundle. */
    static final int CONSUMERS = 10;
    /** Unmeasured switches per method before the measured ones. */
    static final int WARMUP = 20;
    /** Measured switches per method unless the third argument says otherwise. */
    static final int SWITCHES = 200;
    /** How long one switch may take before the benchmark gives up. */
    static final long SWITCH_BOUND_MILLIS = 10_000;
    static final String[] BACKENDS = {"simulator", "pcsc"};

    private final Map<String, String> bound = new HashMap<>();
    private final Map<String, Long> boundAt = new HashMap<>();
    private final BundleContext context;

    private SwapBenchmark(BundleContext context) {
        this.context = context;
    }

    /** Runs the benchmark; see the class description for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: java -cp benchmarks.jar " + SwapBenchmark.class.getName()
                    + " <app/target/scard.jar> <results folder> [switches]");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path results = Path.of(args[1]);
        int switches = args.length == 3 ? Integer.parseInt(args[2]) : SWITCHES;
        Files.createDirectories(results);
        Path work = Files.createTempDirectory("scard-swap-benchmark");
        try {
            String report = run(jar, work, switches);
            Files.writeString(results.resolve("swap.md"), report, StandardCharsets.UTF_8);
            System.out.println(report);
        } finally {
            deleteTree(work);
        }
    }

    private static String run(Path jar, Path work, int switches) throws Exception {
        List<Path> bundles = extractBundles(jar, work.resolve("bundles"));
        bundles.add(probeBundle(work.resolve("probe.jar")));
        Map<String, String> configuration = new HashMap<>();
        configuration.put(Constants.FRAMEWORK_STORAGE, work.resolve("framework").toString());
        configuration.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        configuration.put("felix.log.level", "1");
        Framework framework = new FrameworkFactory().newFramework(configuration);
        framework.init();
        try {
            BundleContext context = framework.getBundleContext();
            SwapBenchmark benchmark = new SwapBenchmark(context);
            Dictionary<String, Object> probe = new Hashtable<>();
            probe.put("swap.probe", Boolean.TRUE);
            BiConsumer<String, Long> reporter = benchmark::report;
            context.registerService(BiConsumer.class, reporter, probe);
            List<Bundle> installed = new ArrayList<>();
            for (Path bundle : bundles) {
                installed.add(context.installBundle(bundle.toUri().toString()));
            }
            framework.start();
            for (Bundle bundle : installed) {
                if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    bundle.start();
                }
            }
            benchmark.awaitAll("simulator", SWITCH_BOUND_MILLIS * 3);
            Object shell = benchmark.shellSession();

            List<Double> byShell = new ArrayList<>();
            List<Double> shellReturns = new ArrayList<>();
            List<Double> byConfigAdmin = new ArrayList<>();
            int turn = 0;
            for (int i = 0; i < WARMUP + switches; i++, turn++) {
                String target = BACKENDS[(turn + 1) % 2];
                long start = System.nanoTime();
                benchmark.execute(shell, "scard:use " + target);
                long returned = System.nanoTime();
                long seen = benchmark.awaitAll(target, SWITCH_BOUND_MILLIS);
                if (i >= WARMUP) {
                    byShell.add(millis(seen - start));
                    shellReturns.add(millis(returned - start));
                }
            }
            for (int i = 0; i < WARMUP + switches; i++, turn++) {
                String target = BACKENDS[(turn + 1) % 2];
                long start = System.nanoTime();
                benchmark.useThroughConfigAdmin(target);
                long seen = benchmark.awaitAll(target, SWITCH_BOUND_MILLIS);
                if (i >= WARMUP) {
                    byConfigAdmin.add(millis(seen - start));
                }
            }
            return report(switches, byShell, shellReturns, byConfigAdmin);
        } finally {
            framework.stop();
            framework.waitForStop(TimeUnit.SECONDS.toMillis(30));
        }
    }

    // ------------------------------------------------------------------------------------------ measurement

    /** Called by the consumers (on SCR's threads) with {@code <instance>|<reference>|<backend>}. */
    private synchronized void report(String key, Long nanos) {
        int bar = key.lastIndexOf('|');
        bound.put(key.substring(0, bar), key.substring(bar + 1));
        boundAt.put(key.substring(0, bar), nanos);
        notifyAll();
    }

    /**
     * Waits until every consumer has both references bound to {@code backend}.
     *
     * @return when the last of them was bound ({@link System#nanoTime()})
     */
    private synchronized long awaitAll(String backend, long boundMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMillis);
        while (bound.size() < CONSUMERS * 2 || bound.values().stream().anyMatch(b -> !b.equals(backend))) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("consumers not all on " + backend + " within " + boundMillis
                        + " ms: " + bound);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return Collections.max(boundAt.values());
    }

    // ---------------------------------------------------------------------------------------------- switching

    /** A Gogo session (the services' classes are the bundles', so everything goes by reflection). */
    private Object shellSession() throws Exception {
        Object processor = awaitService("org.apache.felix.service.command.CommandProcessor");
        Method create = method(processor, "org.apache.felix.service.command.CommandProcessor", "createSession",
                InputStream.class, OutputStream.class, OutputStream.class);
        return create.invoke(processor, new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new ByteArrayOutputStream());
    }

    private void execute(Object session, String command) throws Exception {
        Method execute = method(session, "org.apache.felix.service.command.CommandSession", "execute",
                CharSequence.class);
        try {
            Object result = execute.invoke(session, command);
            if (!String.valueOf(result).startsWith("Default backend: ")) {
                throw new IllegalStateException(command + " answered " + result);
            }
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(command + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** What scard:use does, through the Config Admin API: the new ranking first, then the others deleted. */
    private void useThroughConfigAdmin(String backend) throws Exception {
        String api = "org.osgi.service.cm.ConfigurationAdmin";
        Object admin = awaitService(api);
        Object chosen = method(admin, api, "getConfiguration", String.class, String.class)
                .invoke(admin, SERVICES_PID_PREFIX + backend, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(Constants.SERVICE_RANKING, 1000);
        method(chosen, "org.osgi.service.cm.Configuration", "update", Dictionary.class).invoke(chosen, properties);
        Object[] all = (Object[]) method(admin, api, "listConfigurations", String.class)
                .invoke(admin, "(service.pid=" + SERVICES_PID_PREFIX + "*)");
        for (Object other : all == null ? new Object[0] : all) {
            Method getPid = method(other, "org.osgi.service.cm.Configuration", "getPid");
            if (!getPid.invoke(other).equals(SERVICES_PID_PREFIX + backend)) {
                method(other, "org.osgi.service.cm.Configuration", "delete").invoke(other);
            }
        }
    }

    private Object awaitService(String type) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            ServiceReference<?> ref = context.getServiceReference(type);
            Object service = ref == null ? null : context.getService(ref);
            if (service != null) {
                return service;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + type + " service within 30 s");
            }
            Thread.sleep(10);
        }
    }

    /** A public interface method of a service object from a bundle (its class itself may not be accessible). */
    private static Method method(Object target, String interfaceName, String name, Class<?>... parameters)
            throws NoSuchMethodException {
        for (Class<?> type = target.getClass(); type != null; type = type.getSuperclass()) {
            for (Class<?> candidate : type.getInterfaces()) {
                Class<?> found = find(candidate, interfaceName);
                if (found != null) {
                    return found.getMethod(name, parameters);
                }
            }
        }
        throw new NoSuchMethodException(interfaceName + "." + name + " on " + target.getClass());
    }

    private static Class<?> find(Class<?> type, String name) {
        if (type.getName().equals(name)) {
            return type;
        }
        for (Class<?> parent : type.getInterfaces()) {
            Class<?> found = find(parent, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------- bundles

    /** The distribution's bundles (its launch list), without its console (which would read standard input). */
    private static List<Path> extractBundles(Path jar, Path into) throws IOException {
        Files.createDirectories(into);
        List<Path> bundles = new ArrayList<>();
        try (JarFile distribution = new JarFile(jar.toFile())) {
            Properties launch = new Properties();
            try (InputStream in = distribution.getInputStream(distribution.getEntry("launcher.properties"))) {
                launch.load(in);
            }
            for (String entry : launch.getProperty("launch.bundles").split(",")) {
                String name = entry.trim();
                if (name.isEmpty() || name.contains("/console-")) {
                    continue;
                }
                Path target = into.resolve(name.substring(name.lastIndexOf('/') + 1));
                try (InputStream in = distribution.getInputStream(distribution.getEntry(name))) {
                    Files.copy(in, target);
                }
                bundles.add(target);
            }
        }
        return bundles;
    }

    /** A bundle with {@value #CONSUMERS} {@link SwapProbeConsumer} components. */
    private static Path probeBundle(Path target) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        main.putValue(Constants.BUNDLE_SYMBOLICNAME, "dev.scard.benchmarks.swap-probe");
        main.putValue(Constants.BUNDLE_VERSION, "1.0.0");
        main.putValue(Constants.IMPORT_PACKAGE, "dev.scard.api;version=\"[1.0,2)\"");
        main.putValue("Service-Component", "OSGI-INF/*.xml");
        String classFile = SwapProbeConsumer.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target), manifest);
                InputStream probe = SwapBenchmark.class.getClassLoader().getResourceAsStream(classFile)) {
            out.putNextEntry(new JarEntry(classFile));
            probe.transferTo(out);
            out.closeEntry();
            for (int i = 0; i < CONSUMERS; i++) {
                out.putNextEntry(new JarEntry("OSGI-INF/probe-" + i + ".xml"));
                out.write(component("swap.probe." + i).getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return target;
    }

    private static String component(String name) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.4.0\" name=\"" + name + "\""
                + " immediate=\"true\">\n"
                + "  <implementation class=\"" + SwapProbeConsumer.class.getName() + "\"/>\n"
                + "  <reference name=\"reporter\" interface=\"java.util.function.BiConsumer\""
                + " target=\"(swap.probe=true)\" bind=\"setReporter\" unbind=\"unsetReporter\"/>\n"
                + "  <reference name=\"manager\" interface=\"dev.scard.api.ISCardManage\" policy=\"dynamic\""
                + " policy-option=\"greedy\" bind=\"bindManager\" unbind=\"unbindManager\"/>\n"
                + "  <reference name=\"resourceManager\" interface=\"dev.scard.api.SCardResourceManager\""
                + " policy=\"dynamic\" policy-option=\"greedy\" bind=\"bindResourceManager\""
                + " unbind=\"unbindResourceManager\"/>\n"
                + "</scr:component>\n";
    }

    // ----------------------------------------------------------------------------------------------- report

    private static String report(int switches, List<Double> byShell, List<Double> shellReturns,
            List<Double> byConfigAdmin) {
        StringBuilder text = new StringBuilder();
        text.append("# Swap benchmark: how long consumers take to see a new default backend\n\n")
                .append("Run ").append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Java ").append(System.getProperty("java.version")).append(" (")
                .append(System.getProperty("java.vm.name")).append("), by `").append(SwapBenchmark.class.getName())
                .append("` (`benchmarks/run.sh`)").append(loadAverage()).append(".\n\n")
                .append("An embedded Apache Felix 7.0.5 runs the distribution's bundles (SCR 2.2.18, Config Admin"
                        + " 1.9.26, both backends, the shell commands) and ").append(CONSUMERS)
                .append(" consumer components with dynamic greedy references to `ISCardManage` and"
                        + " `SCardResourceManager` (no backend filter). The default backend alternates simulator ->"
                        + " pcsc -> simulator ...; ").append(WARMUP).append(" switches per method warm up unmeasured,"
                        + " then ").append(switches).append(" are measured. A switch's time runs from its start"
                        + " until the last consumer has both references bound to the new backend (PC/SC's services"
                        + " are registered with or without pcscd, so it does not matter here). Target: at most"
                        + " 100 ms.\n\n")
                .append("| switch by | switches | median | p95 | max |\n|---|---:|---:|---:|---:|\n");
        row(text, "`scard:use <backend>` in a Gogo session", byShell);
        row(text, "Config Admin API (as scard:use: write the new ranking, delete the other configuration)",
                byConfigAdmin);
        text.append("\n`scard:use` itself returns once the new backend ranks best: median ")
                .append(format(percentile(shellReturns, 50))).append(", p95 ")
                .append(format(percentile(shellReturns, 95))).append(".\n");
        return text.toString();
    }

    /** ", load average a b c" from /proc/loadavg (Linux), or nothing. */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return "; load average " + fields[0] + " " + fields[1] + " " + fields[2] + " at the end";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static void row(StringBuilder text, String label, List<Double> millis) {
        text.append("| ").append(label).append(" | ").append(millis.size()).append(" | ")
                .append(format(percentile(millis, 50))).append(" | ").append(format(percentile(millis, 95)))
                .append(" | ").append(format(percentile(millis, 100))).append(" |\n");
    }

    /** The nearest-rank percentile. */
    static double percentile(List<Double> values, int percent) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static String format(double millis) {
        return String.format(Locale.ROOT, "%.1f ms", millis);
    }

    private static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
