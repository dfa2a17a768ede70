package dev.scard.remote.transport.internal;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.aries.rsa.provider.tcp.TCPServer;
import org.apache.aries.rsa.provider.tcp.TcpInvocationHandler;

/**
 * A quick side-by-side timing, not a test: SELECT-like round trips per second (a 7-byte command, its 9-byte answer)
 * over {@code scard.tcp} on 1 and 8 threads, and over Aries RSA 1.16.1's own TCP provider as shipped on 1 thread.
 * Run with the module's test class path: {@code java -cp ... dev.scard.remote.transport.internal.TransportTiming
 * [seconds]}.
 */
public final class TransportTiming {

    private static final byte[] SELECT = {0x00, (byte) 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00};

    private TransportTiming() {
    }

    /**
     * Prints the figures.
     *
     * @param args the seconds each measurement runs (default 3)
     * @throws Exception when a measurement fails
     */
    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 3;
        List<ScardTcpProvider> providers = new ArrayList<>();
        ScardTcpProvider server = ScardTcpProviderTest.activated(providers);
        Echo echo = ScardTcpProviderTest.imported(ScardTcpProviderTest.activated(providers),
                ScardTcpProviderTest.export(server, new EchoService(), Map.of()).description());
        report("scard.tcp, 1 thread", rate(echo, 1, 1));
        report("scard.tcp, 1 thread", rate(echo, 1, seconds));
        report("scard.tcp, 8 threads", rate(echo, 8, seconds));
        providers.forEach(ScardTcpProvider::deactivate);

        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        try (TCPServer aries = new TCPServer(new EchoService(), "127.0.0.1", port, 8)) {
            Echo ariesEcho = (Echo) Proxy.newProxyInstance(Echo.class.getClassLoader(), new Class<?>[] {Echo.class},
                    new TcpInvocationHandler(Echo.class.getClassLoader(), "127.0.0.1", port, 10_000));
            report("aries.tcp 1.16.1, 1 thread", rate(ariesEcho, 1, 1));
            report("aries.tcp 1.16.1, 1 thread", rate(ariesEcho, 1, seconds));
        }
    }

    private static double rate(Echo echo, int threads, long seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Future<Long>> counts = new ArrayList<>();
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                counts.add(pool.submit(() -> {
                    long calls = 0;
                    while (System.nanoTime() < end) {
                        if (echo.transmit(SELECT).length != SELECT.length + 2) {
                            throw new IllegalStateException("a wrong answer");
                        }
                        calls++;
                    }
                    return calls;
                }));
            }
            long total = 0;
            for (Future<Long> count : counts) {
                total += count.get();
            }
            return total / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void report(String what, double perSecond) {
        System.out.printf("%-30s %,10.0f round trips/s  %8.1f us each%n", what, perSecond, 1e6 / perSecond);
    }
}
