package dev.scard.remote.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.aries.rsa.spi.Endpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceException;
import org.osgi.service.remoteserviceadmin.EndpointDescription;
import org.osgi.service.remoteserviceadmin.RemoteConstants;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.testsupport.Configs;

/** The provider's server and client over loopback, as Aries RSA's core drives them. */
class ScardTcpProviderTest {

    private final List<ScardTcpProvider> providers = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        providers.forEach(ScardTcpProvider::deactivate);
    }

    /** A provider with a free port and the given configuration values. */
    static ScardTcpProvider activated(List<ScardTcpProvider> into, Object... config) {
        Object[] values = new Object[config.length + 2];
        values[0] = "port";
        values[1] = 0;
        System.arraycopy(config, 0, values, 2, config.length);
        ScardTcpProvider provider = new ScardTcpProvider();
        provider.activate(Configs.of(TransportConfig.class, values));
        into.add(provider);
        return provider;
    }

    private ScardTcpProvider provider(Object... config) {
        return activated(providers, config);
    }

    static Endpoint export(ScardTcpProvider provider, Object service, Map<String, Object> extra) {
        Map<String, Object> properties = new HashMap<>(extra);
        properties.put("objectClass", new String[] {Echo.class.getName()});
        return provider.exportService(service, null, properties, new Class<?>[] {Echo.class});
    }

    static Echo imported(ScardTcpProvider provider, EndpointDescription description) {
        return (Echo) provider.importEndpoint(Echo.class.getClassLoader(), null, new Class<?>[] {Echo.class},
                description);
    }

    private static EndpointDescription description(String id, long timeoutMillis) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("objectClass", new String[] {Echo.class.getName()});
        properties.put(RemoteConstants.ENDPOINT_ID, id);
        properties.put(RemoteConstants.SERVICE_IMPORTED_CONFIGS, ScardTcpProvider.CONFIG_TYPE);
        properties.put(ScardTcpProvider.TIMEOUT_PROPERTY, timeoutMillis);
        return new EndpointDescription(properties);
    }

    @Test
    void callsGoBothWaysAndTheEndpointSaysHowItIsReached() {
        ScardTcpProvider provider = provider();
        EchoService service = new EchoService();
        Endpoint endpoint = export(provider, service, Map.of());
        EndpointDescription description = endpoint.description();
        assertThat(description.getId()).isEqualTo("scard.tcp://127.0.0.1:" + provider.server().port() + "/"
                + Echo.class.getName());
        assertThat(description.getConfigurationTypes()).containsExactly("scard.tcp");
        assertThat(description.getIntents()).containsExactly("osgi.basic");
        assertThat(description.getProperties()).containsEntry(ScardTcpProvider.TLS_PROPERTY, false);

        Echo echo = imported(provider(), description);
        assertThat(echo.transmit(new byte[] {0x00, (byte) 0xA4, 0x04})).containsExactly(0x04, 0xA4, 0x00, 0x90, 0x00);
        assertThat(echo.echo("text")).isEqualTo("text");
        assertThat(echo.echo(42L)).isEqualTo(42L);
        assertThat(echo.echo(null)).isNull();
        assertThat(echo.echo(ShareMode.EXCLUSIVE)).isEqualTo(ShareMode.EXCLUSIVE);
        assertThat(echo.echo(new int[] {1, 2})).isEqualTo(new int[] {1, 2});
        assertThat((Object[]) echo.echo(new String[] {"a", "b"})).containsExactly("a", "b");
        assertThat(echo.transmit(new byte[65_544])).hasSize(65_546);
        assertThat(service.calls).hasValue(8);
        assertThat(echo.toString()).contains(description.getId());
        assertThat(echo).isEqualTo(echo).isNotEqualTo(imported(provider, description));
    }

    @Test
    void bindsToLoopbackByDefault() {
        ScardTcpProvider provider = provider();
        export(provider, new EchoService(), Map.of());
        assertThat(provider.server().address().isLoopbackAddress()).isTrue();
        assertThat(provider.server().address().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(Configs.of(TransportConfig.class).bindAddress()).isEqualTo("127.0.0.1");
        assertThat(Configs.of(TransportConfig.class).port()).isEqualTo(8201);
    }

    @Test
    void oneSocketServesEveryEndpointAndAClosedEndpointIsRefused() throws IOException {
        ScardTcpProvider provider = provider();
        EchoService first = new EchoService();
        EchoService second = new EchoService();
        Endpoint one = export(provider, first, Map.of());
        Endpoint two = export(provider, second, Map.of());
        Endpoint named = export(provider, new EchoService(), Map.of(ScardTcpProvider.KEY_PROPERTY, "lab-2"));
        String base = "scard.tcp://127.0.0.1:" + provider.server().port() + "/";
        assertThat(one.description().getId()).isEqualTo(base + Echo.class.getName());
        assertThat(two.description().getId()).isEqualTo(base + Echo.class.getName() + "-2");
        assertThat(named.description().getId()).isEqualTo(base + "lab-2");
        ScardTcpProvider client = provider();
        Echo toOne = imported(client, one.description());
        Echo toTwo = imported(client, two.description());
        toOne.echo(1);
        toTwo.echo(2);
        toTwo.echo(3);
        assertThat(first.calls).hasValue(1);
        assertThat(second.calls).hasValue(2);

        one.close();
        assertThatThrownBy(() -> toOne.echo(4)).isInstanceOf(ServiceException.class)
                .hasMessageContaining("no endpoint").hasMessageContaining("no longer exported");
        assertThat(toTwo.echo(5)).isEqualTo(5);
        assertThat(first.calls).hasValue(1);
    }

    @Test
    void theSocketClosesWithTheLastEndpointAndOpensAgainWithTheNext() throws IOException {
        ScardTcpProvider provider = provider();
        Endpoint one = export(provider, new EchoService(), Map.of());
        Endpoint two = export(provider, new EchoService(), Map.of());
        int port = provider.server().port();
        one.close();
        assertThat(connects(port)).as("one endpoint left").isTrue();
        two.close();
        assertThat(listening(port)).as("none left").isFalse();

        Endpoint three = export(provider, new EchoService(), Map.of());
        assertThat(imported(provider(), three.description()).echo("again")).isEqualTo("again");
    }

    /**
     * Whether something listens on the loopback port: binding it fails only then (SO_REUSEADDR lets a bind through
     * connections still in TIME_WAIT). A connect attempt would not do: on a port nobody listens on, Linux may pick
     * that very port as the connecting socket's own and connect it to itself.
     */
    private static boolean listening(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean connects(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void theServicesSCardExceptionReachesTheCallerAsItIs() {
        ScardTcpProvider provider = provider();
        Echo echo = imported(provider, export(provider, new EchoService(), Map.of()).description());
        assertThatThrownBy(() -> echo.fail(HResult.SCARD_E_NO_SMARTCARD)).isExactlyInstanceOf(SCardException.class)
                .hasMessage("failed as asked [SCARD_E_NO_SMARTCARD 0x8010000C]")
                .satisfies(e -> assertThat(((SCardException) e).code()).isEqualTo(HResult.SCARD_E_NO_SMARTCARD));
    }

    @Test
    void anyOtherFailureOfTheServiceIsARemoteFailureNamingItsClassOnly() {
        ScardTcpProvider provider = provider();
        Echo echo = imported(provider, export(provider, new EchoService(), Map.of()).description());
        assertThatThrownBy(echo::failOther).isInstanceOf(ServiceException.class)
                .hasMessageContaining("the service failed in failOther with java.lang.IllegalStateException")
                .hasMessageNotContaining("1234")
                .satisfies(e -> assertThat(((ServiceException) e).getType()).isEqualTo(ServiceException.REMOTE));
        assertThat(echo.echo("still there")).isEqualTo("still there");
    }

    @Test
    void anArgumentOutsideTheAllowListIsRefusedByTheServerWhichGoesOnServing() {
        ScardTcpProvider provider = provider();
        EchoService service = new EchoService();
        Echo echo = imported(provider, export(provider, service, Map.of()).description());
        assertThatThrownBy(() -> echo.echo(new HashMap<>(Map.of("k", "v")))).isInstanceOf(ServiceException.class)
                .hasMessageContaining("the call of echo was refused")
                .hasMessageContaining("allow-list")
                .hasMessageContaining("java.util.HashMap");
        // Beyond the depth limit: 30 nested arrays.
        Object[] nested = new Object[1];
        Object[] inner = nested;
        for (int i = 0; i < 30; i++) {
            Object[] next = new Object[1];
            inner[0] = next;
            inner = next;
        }
        assertThatThrownBy(() -> echo.echo(nested)).isInstanceOf(ServiceException.class)
                .hasMessageContaining("allow-list");
        assertThat(service.calls).hasValue(0);
        assertThat(echo.echo("after")).isEqualTo("after");
        assertThat(service.calls).hasValue(1);
    }

    @Test
    void anAnswerOutsideTheAllowListIsRefusedByTheClientWhichGoesOnCalling() {
        ScardTcpProvider provider = provider();
        Echo echo = imported(provider, export(provider, new EchoService(), Map.of()).description());
        assertThatThrownBy(echo::unsafe).isInstanceOf(ServiceException.class)
                .hasMessageContaining("the answer of 127.0.0.1:")
                .hasMessageContaining("to unsafe was refused")
                .hasMessageContaining("java.util.HashMap");
        assertThat(echo.echo("after")).isEqualTo("after");
    }

    @Test
    void anArgumentThatCannotBeSerializedIsRefusedBeforeSending() {
        ScardTcpProvider provider = provider();
        EchoService service = new EchoService();
        Echo echo = imported(provider, export(provider, service, Map.of()).description());
        assertThatThrownBy(() -> echo.echo(new Object())).isInstanceOf(ServiceException.class)
                .hasMessage("an argument of echo cannot be sent: java.lang.Object is not serializable");
        assertThat(service.calls).hasValue(0);
    }

    @Test
    void aServerThatNeverAnswersFailsTheCallWithinItsTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Echo echo = imported(provider(), description("scard.tcp://127.0.0.1:" + silent.getLocalPort() + "/k", 300));
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(() -> echo.echo("x"))
                    .isInstanceOf(ServiceException.class)
                    .hasMessage("no answer from 127.0.0.1:" + silent.getLocalPort()
                            + " to echo within 300 ms (the call timeout)"));
            silent.close();
            acceptor.join(5_000);
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    @Test
    void anInterruptedCallerStopsWaiting() throws Exception {
        ScardTcpProvider provider = provider();
        Echo echo = imported(provider, export(provider, new EchoService(), Map.of()).description());
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<String> call = caller.submit(() -> echo.sleep(30_000));
            Thread.sleep(300);
            call.cancel(true);
            caller.shutdown();
            assertThat(caller.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void aHostThatIsNotThereFailsAtOnce() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Echo echo = imported(provider(), description("scard.tcp://127.0.0.1:" + port + "/k", 5_000));
        assertThatThrownBy(() -> echo.echo("x")).isInstanceOf(ServiceException.class)
                .hasMessage("cannot connect to 127.0.0.1:" + port + " for echo (java.net.ConnectException)");
    }

    @Test
    void aBrokenConnectionFailsItsCallAndTheNextCallConnectsAgain() {
        ScardTcpProvider provider = provider();
        EchoService service = new EchoService();
        Echo echo = imported(provider(), export(provider, service, Map.of()).description());
        assertThat(echo.echo("before")).isEqualTo("before");

        provider.server().closeConnections();
        assertThatThrownBy(() -> echo.echo("during")).isInstanceOf(ServiceException.class)
                .hasMessageContaining("the connection to 127.0.0.1:").hasMessageContaining("broke during echo");
        assertThat(echo.echo("after")).isEqualTo("after");
        assertThat(service.calls).hasValue(2);
    }

    @Test
    void eightThreadsCallAtOnceOverPooledConnections() throws Exception {
        ScardTcpProvider provider = provider();
        Echo echo = imported(provider(), export(provider, new EchoService(), Map.of()).description());
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> calls = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                byte mark = (byte) t;
                calls.add(() -> {
                    for (int i = 0; i < 200; i++) {
                        byte[] answer = echo.transmit(new byte[] {mark, (byte) i});
                        if (!Arrays.equals(answer, new byte[] {(byte) i, mark, (byte) 0x90, 0})) {
                            return false;
                        }
                    }
                    return true;
                });
            }
            for (Future<Boolean> result : threads.invokeAll(calls, 60, TimeUnit.SECONDS)) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(provider.server().connectionCount()).isBetween(1, 8);
    }

    @Test
    void aServiceAskingForAnotherIntentIsNotExported() {
        ScardTcpProvider provider = provider();
        assertThat(export(provider, new EchoService(), Map.of(RemoteConstants.SERVICE_EXPORTED_INTENTS,
                new String[] {"osgi.confidential"}))).isNull();
        assertThat(export(provider, new EchoService(), Map.of(RemoteConstants.SERVICE_EXPORTED_INTENTS,
                "osgi.basic"))).isNotNull();
    }

    @Test
    void aBadConfigurationIsRefusedNamingWhatIsWrong() {
        assertThatThrownBy(() -> provider("bindAddress", "no such host.invalid"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bindAddress 'no such host.invalid'");
        assertThatThrownBy(() -> provider("port", 70_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dev.scard.remote.transport: port 70000 is not 0 to 65535");
        assertThatThrownBy(() -> provider("tls", true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dev.scard.remote.transport: tls=true needs a key store path");
    }

    @Test
    void aStandaloneProviderTakesItsConfigurationFromAMap() {
        ScardTcpProvider server = ScardTcpProvider.standalone(Map.of("port", "0", "maxConnections", 2));
        providers.add(server);
        ScardTcpProvider client = ScardTcpProvider.standalone(Map.of("callTimeoutMillis", 300L));
        providers.add(client);
        Echo echo = imported(client, export(server, new EchoService(), Map.of()).description());
        assertThat(echo.echo("standalone")).isEqualTo("standalone");
        assertThat(server.server().address().getHostAddress()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> ScardTcpProvider.standalone(Map.of("colour", "red")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dev.scard.remote.transport has no property 'colour'");
        assertThatThrownBy(() -> ScardTcpProvider.standalone(Map.of("port", "eighty")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dev.scard.remote.transport: 'port' must be a number");
    }

    @Test
    void aMalformedEndpointIdIsRefusedAtImport() {
        assertThatThrownBy(() -> imported(provider(), description("tcp://127.0.0.1:1/k", 100)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("endpoint id 'tcp://127.0.0.1:1/k' is not of the form scard.tcp://host:port/key");
    }
}
