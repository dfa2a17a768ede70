package dev.scard.remote.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.aries.rsa.spi.Endpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.ServiceException;
import org.osgi.service.remoteserviceadmin.EndpointDescription;

import dev.scard.testsupport.KeyStores;

/**
 * Mutual TLS: key stores made at test time with the JDK's {@code keytool} ({@link KeyStores}); the server trusts the
 * client "trusted" only, the clients trust the server.
 */
class MutualTlsTest {

    private static final String PASSWORD = "test-store-password";

    @TempDir
    static Path stores;

    private final List<ScardTcpProvider> providers = new ArrayList<>();

    @BeforeAll
    static void makeStores() throws Exception {
        KeyStores keys = new KeyStores(stores, PASSWORD);
        keys.key("server");
        keys.key("trusted");
        keys.key("stranger");
        // The server trusts "trusted"; every client trusts the server.
        keys.trust("server-trust", "trusted");
        keys.trust("client-trust", "server");
    }

    private static String store(String name) {
        return stores.resolve(name + ".p12").toString();
    }

    @AfterEach
    void stop() {
        providers.forEach(ScardTcpProvider::deactivate);
    }

    private ScardTcpProvider tls(String keys, String trusted) {
        return ScardTcpProviderTest.activated(providers, "tls", true, "keyStore", store(keys), "keyStorePassword",
                PASSWORD, "trustStore", store(trusted), "trustStorePassword", PASSWORD, "connectTimeoutMillis", 5_000L);
    }

    @Test
    void aClientWithATrustedCertificateCallsAndOneWithoutIsRefused() {
        EchoService service = new EchoService();
        Endpoint endpoint = ScardTcpProviderTest.export(tls("server", "server-trust"), service, Map.of());
        assertThat(endpoint.description().getProperties()).containsEntry(ScardTcpProvider.TLS_PROPERTY, true);

        Echo trusted = ScardTcpProviderTest.imported(tls("trusted", "client-trust"), endpoint.description());
        assertThat(trusted.transmit(new byte[] {1, 2})).containsExactly(2, 1, 0x90, 0);

        Echo stranger = ScardTcpProviderTest.imported(tls("stranger", "client-trust"), endpoint.description());
        assertThatThrownBy(() -> stranger.echo("x")).isInstanceOf(ServiceException.class)
                .hasMessageContaining("127.0.0.1:")
                .satisfies(e -> assertThat(((ServiceException) e).getType()).isEqualTo(ServiceException.REMOTE));
        assertThat(service.calls).hasValue(1);
        assertThat(trusted.echo("again")).isEqualTo("again");

        // A description written by hand without scard.tcp.tls: a client configured for TLS uses it all the same.
        Map<String, Object> plain = new HashMap<>(endpoint.description().getProperties());
        plain.remove(ScardTcpProvider.TLS_PROPERTY);
        Echo byHand = ScardTcpProviderTest.imported(tls("trusted", "client-trust"), new EndpointDescription(plain));
        assertThat(byHand.echo("by hand")).isEqualTo("by hand");
    }

    @Test
    void aClientWithoutTlsCannotImportATlsEndpoint() {
        Endpoint endpoint = ScardTcpProviderTest.export(tls("server", "server-trust"), new EchoService(), Map.of());
        ScardTcpProvider plain = ScardTcpProviderTest.activated(providers);
        assertThatThrownBy(() -> ScardTcpProviderTest.imported(plain, endpoint.description()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("endpoint " + endpoint.description().getId()
                        + " needs TLS, but dev.scard.remote.transport has tls=false here");
    }

    @Test
    void aServerThatIsNotTrustedIsRefusedByTheClient() {
        EchoService service = new EchoService();
        // The server presents "stranger", which the clients' trust store does not hold.
        Endpoint endpoint = ScardTcpProviderTest.export(tls("stranger", "server-trust"), service, Map.of());
        Echo client = ScardTcpProviderTest.imported(tls("trusted", "client-trust"), endpoint.description());
        assertThatThrownBy(() -> client.echo("x")).isInstanceOf(ServiceException.class)
                .hasMessageContaining("cannot connect to 127.0.0.1:")
                .hasMessageContaining("javax.net.ssl.SSLHandshakeException");
        assertThat(service.calls).hasValue(0);
    }

    @Test
    void aWrongStorePasswordIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> ScardTcpProviderTest.activated(providers, "tls", true, "keyStore", store("server"),
                "keyStorePassword", "wrong-password", "trustStore", store("server-trust"), "trustStorePassword",
                PASSWORD)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dev.scard.remote.transport: the key store '" + store("server")
                        + "' cannot be opened (wrong password, or not a PKCS12 or JKS key store)")
                .hasMessageNotContaining("wrong-password");
        assertThat(Files.exists(Path.of(store("server")))).isTrue();
    }
}
