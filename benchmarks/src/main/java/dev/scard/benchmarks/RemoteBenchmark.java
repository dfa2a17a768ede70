package dev.scard.benchmarks;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.service.remoteserviceadmin.EndpointDescription;

import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.SessionToken;
import dev.scard.remote.client.internal.RemoteBackend;
import dev.scard.remote.transport.internal.ScardTcpProvider;
import dev.scard.simulator.internal.SimulatorBackend;
import dev.scard.simulator.internal.card.CardProfile;

/**
 * Remote readers against local ones, side by side in one run (issue 13; target: at least 5,000 SELECT round trips per
 * second on one thread over loopback, at least 4 times that with 8 threads on 8 readers).
 *
 * <p>Remote: the core's {@link CardManager} (what {@code ISCardManage} is in the framework) over the remote backend
 * ({@link RemoteBackend#standalone}, {@code scard.backend=remote}), whose one host is a {@link RemoteCardHost}
 * imported through the client of the distribution provider {@code scard.tcp} ({@link ScardTcpProvider#standalone}:
 * pooled connections, one Java-serialized call per operation) from a host in its own JVM over loopback sockets:
 * {@code java -jar scard.jar} configured as an exporting host ({@code dev.scard.remote.host}) with {@value #READERS}
 * simulated readers each holding the sample card. Local: the same sample card in {@value #READERS} simulated readers
 * of this JVM, through the core's {@link CardManager}. Measured, each for the given seconds after a warm-up of the
 * same length, local and remote in turns: SELECT MF round trips on one thread, on {@value #READERS} threads each with
 * its own reader, and attach + detach cycles on one thread; and, for comparison, SELECT MF on one and on
 * {@value #READERS} threads through the imported host service alone (the transport without the backend and the core). The remote calls each operation makes
 * are counted.
 *
 * <p>Arguments: the distribution jar, the results folder (a section is added at the top of {@code remote.md} there),
 * and optionally the seconds per measurement (default 2).
 */
public final class RemoteBenchmark {

    static final int READERS = 8;
    static final String SECRET = "benchmark-secret";
    static final byte[] SELECT_MF = ManagerBenchmark.SELECT_MF;
    static final Protocol[] PROTOCOLS = {Protocol.T0, Protocol.T1};

    private RemoteBenchmark() {
    }

    /** Runs the benchmark; see the class description for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: java -cp benchmarks.jar " + RemoteBenchmark.class.getName()
                + " <app/target/scard.jar> <results folder> [seconds per measurement]");
            System.exit(2);
        }
        Path jar = Path.of(args[0]).toAbsolutePath();
        Path results = Files.createDirectories(Path.of(args[1]));
        double seconds = args.length == 3 ? Double.parseDouble(args[2]) : 2;
        Path work = Files.createTempDirectory("scard-remote-benchmark");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process host = startHost(jar, work, port);
        ScardTcpProvider client = ScardTcpProvider.standalone(Map.of());
        RemoteBackend backend = null;
        try {
            RemoteCardHost imported = (RemoteCardHost) client.importEndpoint(RemoteBenchmark.class.getClassLoader(),
                null, new Class<?>[] {RemoteCardHost.class}, endpoint(port));
            awaitHost(imported, host);
            CallCounter counter = new CallCounter(imported);
            EndpointDescription endpoint = endpoint(port);
            backend = RemoteBackend.standalone(Duration.ofSeconds(30), SECRET.getBytes(StandardCharsets.UTF_8),
                counter.proxy(), 1L, Map.of("service.imported", "true", "endpoint.id", endpoint.getId()));
            awaitReaders(backend);
            String section = measure(backend, imported, counter, seconds);
            Path file = results.resolve("remote.md");
            Files.writeString(file, withSection(file, section), StandardCharsets.UTF_8);
            System.out.println(section);
        } finally {
            if (backend != null) {
                backend.stop();
            }
            client.close();
            host.destroyForcibly();
            host.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The title and introduction of {@code remote.md}, above the runs (newest first). */
    static final String TITLE = "# Remote readers against local ones (RemoteBenchmark)\n\n"
        + "Each run is a section of its own, the newest first; figures of one run are comparable with each other (ratios),"
        + " not with another run's.\n\n";

    /** {@code file}'s runs with {@code section} above them, under {@link #TITLE}. */
    static String withSection(Path file, String section) throws IOException {
        String earlier = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        if (earlier.startsWith(TITLE)) {
            earlier = earlier.substring(TITLE.length());
        }
        return TITLE + section + (earlier.isBlank() ? "" : "\n" + earlier);
    }

    /** The host's endpoint on loopback, as a static endpoint description names it. */
    static EndpointDescription endpoint(int port) {
        return new EndpointDescription(Map.of(
            "endpoint.id", "scard.tcp://127.0.0.1:" + port + "/" + RemoteCardHost.class.getName(),
            "objectClass", new String[] {RemoteCardHost.class.getName()},
            "service.imported.configs", "scard.tcp",
            "osgi.basic.timeout", 30_000L));
    }

    private static Process startHost(Path jar, Path work, int port) throws IOException {
        StringBuilder readers = new StringBuilder();
        for (int i = 0; i < READERS; i++) {
            readers.append(i == 0 ? "" : ", ").append('"').append(reader(i)).append('"');
        }
        Path config = work.resolve("host.json");
        Files.writeString(config, "{ \":configurator:resource-version\": 1,\n"
            + "  \"dev.scard.simulator\": { \"readers\": [" + readers + "], \"cardInserted\": [" + readers + "] },\n"
            + "  \"dev.scard.remote.host\": { \"secret\": \"" + SECRET + "\", \"backend\": \"simulator\" },\n"
            + "  \"dev.scard.remote.transport\": { \"port:Integer\": " + port + " } }\n", StandardCharsets.UTF_8);
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Djava.io.tmpdir=" + work, "-jar", jar.toString(), "--config", config.toString())
            .redirectErrorStream(true).redirectOutput(work.resolve("host.log").toFile());
        builder.environment().put("XDG_CACHE_HOME", work.resolve("cache").toString());
        return builder.start(); // standard input stays open: the host's console waits for commands
    }

    private static void awaitHost(RemoteCardHost remote, Process host) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                remote.listReaders(SECRET.getBytes(StandardCharsets.UTF_8));
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline || !host.isAlive()) {
                    throw new IllegalStateException("the host did not serve within 60 s", e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** Waits until the remote backend lists the host's readers. */
    private static void awaitReaders(RemoteBackend backend) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (backend.listReaders().size() < READERS) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the remote backend did not list the host's " + READERS
                    + " readers within 60 s");
            }
            Thread.sleep(100);
        }
    }

    static String reader(int i) {
        return "Bench Reader " + i;
    }

    /** Reader {@code i} as the remote backend names it: the host of the endpoint after " @ ". */
    static String remoteReader(int i) {
        return reader(i) + " @ 127.0.0.1";
    }

    /**
     * Counts the calls to the host service by method, but for those of the backend's own threads (event polls,
     * lease renewals, listings), so that what one operation costs in remote calls can be shown.
     */
    static final class CallCounter {
        private static final Set<String> BACKGROUND = Set.of("events", "renew", "listReaders");
        private final RemoteCardHost target;
        private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

        CallCounter(RemoteCardHost target) {
            this.target = target;
        }

        /** The host service, counting. */
        RemoteCardHost proxy() {
            InvocationHandler handler = (proxy, method, args) -> {
                if (!BACKGROUND.contains(method.getName())) {
                    counts.computeIfAbsent(method.getName(), name -> new LongAdder()).increment();
                }
                try {
                    return method.invoke(target, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            };
            return (RemoteCardHost) Proxy.newProxyInstance(RemoteCardHost.class.getClassLoader(),
                new Class<?>[] {RemoteCardHost.class}, handler);
        }

        /** The calls counted while {@code work} ran {@code times} times, per run: "1 (transmit)". */
        String perRun(Work work, int times) throws Exception {
            counts.clear();
            for (int i = 0; i < times; i++) {
                work.run();
            }
            long total = 0;
            StringBuilder names = new StringBuilder();
            for (Map.Entry<String, LongAdder> entry : new TreeMap<>(counts).entrySet()) {
                long count = entry.getValue().sum();
                total += count;
                names.append(names.length() == 0 ? "" : ", ").append(entry.getKey());
                if (count != times) {
                    names.append(" ×").append(String.format(Locale.ROOT, "%.2f", (double) count / times));
                }
            }
            return String.format(Locale.ROOT, "%.2f", (double) total / times).replaceAll("\\.00$", "")
                + " (" + names + ")";
        }
    }

    private static String measure(RemoteBackend remoteBackend, RemoteCardHost imported, CallCounter counter,
            double seconds) throws Exception {
        byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
        SimulatorBackend backend = SimulatorBackend.standalone(readerNames());
        for (int i = 0; i < READERS; i++) {
            backend.insert(reader(i), CardProfile.sample().newCard());
        }
        HandleTable handles = new HandleTable();
        HandleTable remoteHandles = new HandleTable();

        // Round trips on one thread, then on READERS threads, then attach + detach: local and remote in turns.
        double local1 = roundTrips(1, seconds, i -> select(new CardManager(backend, handles), reader(i)));
        double remote1 = roundTrips(1, seconds, i -> select(new CardManager(remoteBackend, remoteHandles),
            remoteReader(i)));
        double transport1 = roundTrips(1, seconds, i -> transportSelect(imported, secret, i));
        double local8 = roundTrips(READERS, seconds, i -> select(new CardManager(backend, handles), reader(i)));
        double remote8 = roundTrips(READERS, seconds, i -> select(new CardManager(remoteBackend, remoteHandles),
            remoteReader(i)));
        double transport8 = roundTrips(READERS, seconds, i -> transportSelect(imported, secret, i));
        double localCycles = roundTrips(1, seconds, i -> cycle(new CardManager(backend, handles), reader(i)));
        double remoteCycles = roundTrips(1, seconds, i -> cycle(new CardManager(remoteBackend, remoteHandles),
            remoteReader(i)));

        // What one operation costs in remote calls (outside the measured spans).
        CardManager counted = new CardManager(remoteBackend, remoteHandles);
        String cycleCalls = counter.perRun(cycle(counted, remoteReader(0)), 100);
        String selectCalls = counter.perRun(select(counted, remoteReader(0)), 100);
        counted.detach();

        String when = LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
        StringBuilder out = new StringBuilder();
        out.append("## ").append(when).append(" UTC: through the remote backend\n\n")
            .append("JDK ").append(System.getProperty("java.version")).append(", ")
            .append(Runtime.getRuntime().availableProcessors()).append(" cores (shared with other builds), load ")
            .append(loadAverage()).append(" after the run; ").append(fmt(seconds))
            .append(" s per measurement after a warm-up of the same length; local and remote in turns in one run.\n\n")
            .append("Remote: `ISCardManage` of the remote backend (the core's `CardManager` over impl-remote's ")
            .append("`RemoteBackend`, `scard.backend=remote`), whose host is imported through the distribution ")
            .append("provider scard.tcp (pooled connections, one serialized call per remote call, TCP_NODELAY) from a ")
            .append("host in a second JVM over loopback sockets (`java -jar scard.jar` with `dev.scard.remote.host`, ")
            .append(READERS).append(" simulated readers with the sample card). Local: the same sample card in ")
            .append("simulated readers of this JVM through the core's `CardManager`.\n\n")
            .append("| measurement | local | remote | remote / local | target |\n|---|---:|---:|---:|---|\n")
            .append(row("SELECT MF round trips/s, 1 thread", local1, remote1, "remote ≥ 5,000/s: "
                + (remote1 >= 5000 ? "met" : "not met")))
            .append(row("SELECT MF round trips/s, " + READERS + " threads × " + READERS + " readers", local8, remote8,
                "remote ≥ 20,000/s (4 × the 5,000 target): " + (remote8 >= 20_000 ? "met" : "not met")
                + "; ≥ 4 × this run's 1 thread (" + fmt(4 * remote1) + "/s): "
                + (remote8 >= 4 * remote1 ? "met" : "not met")))
            .append(row("attach + detach/s, 1 thread", localCycles, remoteCycles, "—"))
            .append("\nOverhead per APDU on one thread: ")
            .append(fmt(1e6 / remote1 - 1e6 / local1)).append(" µs (remote ").append(fmt(1e6 / remote1))
            .append(" µs, local ").append(String.format(Locale.ROOT, "%.2f", 1e6 / local1)).append(" µs).\n\n")
            .append("The transport alone (the imported `RemoteCardHost` called directly, no backend or core): ")
            .append(fmt(transport1)).append(" SELECT/s on one thread (").append(fmt(1e6 / transport1))
            .append(" µs each), ").append(fmt(transport8)).append(" on ").append(READERS).append(" threads × ")
            .append(READERS).append(" readers; the remote backend and the core add ").append(fmt(1e6 / remote1 - 1e6 / transport1))
            .append(" µs per APDU (a hand-over to the backend's call thread, the bound on every call).\n\n")
            .append("Remote calls per operation: SELECT ").append(selectCalls).append("; attach + detach ")
            .append(cycleCalls).append(".\n");
        return out.toString();
    }

    private static List<String> readerNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < READERS; i++) {
            names.add(reader(i));
        }
        return names;
    }

    /** One thread's work: made once per thread (its session or attachment), run repeatedly. */
    interface Work {
        /** One operation. */
        void run() throws Exception;
    }

    /** Makes thread {@code i}'s work. */
    interface WorkFactory {
        Work create(int thread) throws Exception;
    }

    /** Attaches {@code manager} to {@code reader}; the work is a SELECT MF. */
    private static Work select(CardManager manager, String reader) {
        manager.attachByIfd(reader, ShareMode.SHARED);
        return () -> manager.transmit(SELECT_MF);
    }

    /** The work is an attach of {@code manager} to {@code reader} and its detach. */
    private static Work cycle(CardManager manager, String reader) {
        return () -> {
            manager.attachByIfd(reader, ShareMode.SHARED);
            manager.detach();
        };
    }

    private static Work transportSelect(RemoteCardHost remote, byte[] secret, int i) {
        SessionToken token = remote.open(secret, reader(i), ShareMode.SHARED, PROTOCOLS).token();
        return () -> remote.transmit(token, SELECT_MF);
    }

    /** Operations per second over all threads: a warm-up, then the measured span (each bounded by its length). */
    private static double roundTrips(int threads, double seconds, WorkFactory factory) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Work> works = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                works.add(factory.create(i));
            }
            long span = (long) (seconds * 1e9);
            run(pool, works, span);
            long[] counts = run(pool, works, span);
            long total = 0;
            for (long count : counts) {
                total += count;
            }
            return total / seconds;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private static long[] run(ExecutorService pool, List<Work> works, long spanNanos) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Long>> futures = new ArrayList<>();
        for (Work work : works) {
            Callable<Long> loop = () -> {
                start.await();
                long end = System.nanoTime() + spanNanos;
                long count = 0;
                while (System.nanoTime() < end) {
                    work.run();
                    count++;
                }
                return count;
            };
            futures.add(pool.submit(loop));
        }
        start.countDown();
        long[] counts = new long[works.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = futures.get(i).get(spanNanos / 1_000_000 + 60_000, TimeUnit.MILLISECONDS);
        }
        return counts;
    }

    private static String row(String what, double local, double remote, String target) {
        return "| " + what + " | " + fmt(local) + " | " + fmt(remote) + " | "
            + String.format(Locale.ROOT, "%.4f", remote / local) + " | " + target + " |\n";
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
