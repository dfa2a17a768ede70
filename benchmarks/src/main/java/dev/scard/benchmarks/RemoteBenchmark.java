package dev.scard.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.aries.rsa.provider.tcp.TcpInvocationHandler;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.SessionToken;
import dev.scard.simulator.internal.SimulatorBackend;
import dev.scard.simulator.internal.card.CardProfile;

/**
 * Remote readers against local ones, side by side in one run (issue 13; target: at least 5,000 SELECT round trips per
 * second on one thread over loopback, at least 4 times that with 8 threads on 8 readers).
 *
 * <p>Remote: a host, {@code java -jar scard.jar} in its own JVM configured as an exporting host
 * ({@code dev.scard.remote.host}) with {@value #READERS} simulated readers each holding the sample card, called from
 * this JVM through Aries RSA's own TCP client with the distribution's patch ({@link #patchedClient}; the transport
 * the {@code remote} backend uses: one TCP connection and one Java-serialized call per operation). Local: the same sample card in {@value #READERS} simulated readers of this
 * JVM, through the core's {@link CardManager} (what {@code ISCardManage} is in the framework). Measured, each for the
 * given seconds after a warm-up of the same length, local and remote in turns: SELECT MF round trips on one thread,
 * on {@value #READERS} threads each with its own reader, and attach + detach cycles (remote: open + close of a
 * session) on one thread.
 *
 * <p>Arguments: the distribution jar, the results folder ({@code remote.md} is written there), and optionally the
 * seconds per measurement (default 2).
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
        try {
            RemoteCardHost remote = (RemoteCardHost) Proxy.newProxyInstance(RemoteBenchmark.class.getClassLoader(),
                new Class<?>[] {RemoteCardHost.class}, patchedClient("127.0.0.1", port, 30_000));
            awaitHost(remote, host);
            RemoteCardHost unpatched = (RemoteCardHost) Proxy.newProxyInstance(
                RemoteBenchmark.class.getClassLoader(), new Class<?>[] {RemoteCardHost.class},
                new TcpInvocationHandler(RemoteBenchmark.class.getClassLoader(), "127.0.0.1", port, 30_000));
            String report = measure(remote, unpatched, seconds);
            Files.writeString(results.resolve("remote.md"), report, StandardCharsets.UTF_8);
            System.out.println(report);
        } finally {
            host.destroyForcibly();
            host.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process startHost(Path jar, Path work, int port) throws IOException {
        StringBuilder readers = new StringBuilder();
        for (int i = 0; i < READERS; i++) {
            readers.append(i == 0 ? "" : ", ").append('"').append(reader(i)).append('"');
        }
        Path config = work.resolve("host.json");
        Files.writeString(config, "{ \":configurator:resource-version\": 1,\n"
            + "  \"dev.scard.simulator\": { \"readers\": [" + readers + "], \"cardInserted\": [" + readers + "] },\n"
            + "  \"dev.scard.remote.host\": { \"secret\": \"" + SECRET + "\", \"port:Integer\": " + port
            + ", \"backend\": \"simulator\" } }\n", StandardCharsets.UTF_8);
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

    /**
     * Aries RSA's TCP client as the distribution runs it: the patched classes its bundle gets woven in
     * ({@code dev.scard.remote-rsa}'s {@code aries-tcp-patch/*.bytes}: TCP_NODELAY, a bounded connect) are defined by
     * a class loader of their own in front of this one; the rest of Aries comes from here.
     */
    static InvocationHandler patchedClient(String host, int port, int timeoutMillis) throws Exception {
        ClassLoader parent = RemoteBenchmark.class.getClassLoader();
        ClassLoader patched = new ClassLoader(parent) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                synchronized (getClassLoadingLock(name)) {
                    String prefix = "org.apache.aries.rsa.provider.tcp.";
                    Class<?> loaded = findLoadedClass(name);
                    if (loaded == null && name.startsWith(prefix) && name.indexOf('.', prefix.length()) < 0) {
                        try (InputStream in = parent.getResourceAsStream(
                            "aries-tcp-patch/" + name.substring(prefix.length()) + ".bytes")) {
                            if (in != null) {
                                byte[] bytes = in.readAllBytes();
                                loaded = defineClass(name, bytes, 0, bytes.length);
                            }
                        } catch (IOException e) {
                            throw new ClassNotFoundException(name, e);
                        }
                    }
                    return loaded != null ? loaded : super.loadClass(name, resolve);
                }
            }
        };
        Class<?> handler = patched.loadClass(TcpInvocationHandler.class.getName());
        return (InvocationHandler) handler.getConstructor(ClassLoader.class, String.class, int.class, int.class)
            .newInstance(parent, host, port, timeoutMillis);
    }

    static String reader(int i) {
        return "Bench Reader " + i;
    }

    private static String measure(RemoteCardHost remote, RemoteCardHost unpatched, double seconds) throws Exception {
        byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
        SimulatorBackend backend = SimulatorBackend.standalone(readerNames());
        for (int i = 0; i < READERS; i++) {
            backend.insert(reader(i), CardProfile.sample().newCard());
        }
        HandleTable handles = new HandleTable();

        // Round trips on one thread, then on READERS threads, then attach + detach: local and remote in turns.
        double local1 = roundTrips(1, seconds, i -> localSelect(backend, handles, i));
        double remote1 = roundTrips(1, seconds, i -> remoteSelect(remote, secret, i));
        double local8 = roundTrips(READERS, seconds, i -> localSelect(backend, handles, i));
        double remote8 = roundTrips(READERS, seconds, i -> remoteSelect(remote, secret, i));
        double localCycles = roundTrips(1, seconds, i -> {
            CardManager manager = new CardManager(backend, handles);
            return () -> {
                manager.attachByIfd(reader(i), ShareMode.SHARED);
                manager.detach();
            };
        });
        double remoteCycles = roundTrips(1, seconds, i -> () -> {
            SessionToken token = remote.open(secret, reader(i), ShareMode.SHARED, PROTOCOLS).token();
            remote.close(token, Disposition.LEAVE);
        });
        double unpatched1 = roundTrips(1, seconds, i -> remoteSelect(unpatched, secret, i));

        String when = LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
        StringBuilder out = new StringBuilder();
        out.append("# Remote readers against local ones (RemoteBenchmark)\n\n")
            .append("Run ").append(when).append(" UTC, JDK ").append(System.getProperty("java.version")).append(", ")
            .append(Runtime.getRuntime().availableProcessors()).append(" cores (shared with other builds), load ")
            .append(loadAverage()).append("; ").append(fmt(seconds)).append(" s per measurement after a warm-up of ")
            .append("the same length; local and remote in turns in one run.\n\n")
            .append("Remote: a host JVM (`java -jar scard.jar` with `dev.scard.remote.host`, ").append(READERS)
            .append(" simulated readers with the sample card) over loopback, called through Aries RSA 1.16.1's TCP ")
            .append("client as the distribution patches it (one TCP connection and one serialized call per operation, ")
            .append("TCP_NODELAY). Local: the same sample card ")
            .append("in simulated readers of this JVM through the core's `CardManager`.\n\n")
            .append("| measurement | local | remote | remote / local | target |\n|---|---:|---:|---:|---|\n")
            .append(row("SELECT MF round trips/s, 1 thread", local1, remote1, "remote ≥ 5,000/s: "
                + (remote1 >= 5000 ? "met" : "not met")))
            .append(row("SELECT MF round trips/s, " + READERS + " threads × " + READERS + " readers", local8, remote8,
                "remote ≥ 4 × 1 thread (" + fmt(4 * remote1) + "/s): " + (remote8 >= 4 * remote1 ? "met" : "not met")))
            .append(row("attach + detach/s, 1 thread (remote: open + close)", localCycles, remoteCycles, "—"))
            .append(row("SELECT MF round trips/s, 1 thread, Aries's client without the patch (no TCP_NODELAY)", local1,
                unpatched1, "—"))
            .append("\nOverhead per APDU on one thread: ")
            .append(fmt(1e6 / remote1 - 1e6 / local1)).append(" µs (remote ").append(fmt(1e6 / remote1))
            .append(" µs, local ").append(String.format(Locale.ROOT, "%.2f", 1e6 / local1)).append(" µs).\n");
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

    private static Work localSelect(SimulatorBackend backend, HandleTable handles, int i) {
        CardManager manager = new CardManager(backend, handles);
        manager.attachByIfd(reader(i), ShareMode.SHARED);
        return () -> manager.transmit(SELECT_MF);
    }

    private static Work remoteSelect(RemoteCardHost remote, byte[] secret, int i) {
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
