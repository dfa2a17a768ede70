package dev.scard.remote.rsa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.aries.rsa.provider.tcp.TCPServer;
import org.apache.aries.rsa.provider.tcp.TcpInvocationHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceException;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * The allow-list at work in Aries RSA's own TCP server and client (1.16.1), over loopback in this JVM: what the list
 * allows goes through both ways; an object outside it is rejected before the service sees it (a call) or before the
 * caller gets it (an answer), and so is an array beyond the limit; other streams of the JVM are left alone.
 */
class TcpStreamFilterTest {

    /** The service the test exports with the provider's own server. */
    public interface Echo {
        /**
         * @param value anything
         * @return the value
         */
        Object echo(Object value);

        /** @return an object of a class outside the allow-list */
        Object smuggle();
    }

    /** A serializable class outside the allow-list. */
    static final class Smuggled implements Serializable {
        private static final long serialVersionUID = 1L;
        final String payload = "payload";
    }

    /** The exported service (public: the provider calls it by reflection): counts the calls that reach it. */
    public static final class CountingEcho implements Echo {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public Object echo(Object value) {
            calls.incrementAndGet();
            return value;
        }

        @Override
        public Object smuggle() {
            calls.incrementAndGet();
            return new Smuggled();
        }
    }

    private final CountingEcho service = new CountingEcho();
    private final AtomicInteger calls = service.calls;
    private TCPServer server;
    private Echo client;

    @BeforeAll
    static void install() {
        assertThat(TcpStreamFilter.install())
            .isIn(TcpStreamFilter.Installation.INSTALLED, TcpStreamFilter.Installation.ALREADY_INSTALLED);
        assertThat(TcpStreamFilter.install()).isEqualTo(TcpStreamFilter.Installation.ALREADY_INSTALLED);
    }

    @BeforeEach
    void start() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        server = new TCPServer(service, "127.0.0.1", port, 2);
        client = (Echo) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Echo.class},
            new TcpInvocationHandler(getClass().getClassLoader(), "127.0.0.1", port, 5000));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void whatTheListAllowsGoesThroughBothWays() {
        assertThat(client.echo("hello")).isEqualTo("hello");
        byte[] extendedApdu = new byte[65544];
        extendedApdu[65543] = 7;
        assertThat((byte[]) client.echo(extendedApdu)).isEqualTo(extendedApdu);
        assertThat(client.echo(List.of("Reader 0", "Reader 1"))).isEqualTo(List.of("Reader 0", "Reader 1"));
        assertThat(client.echo(HResult.SCARD_W_REMOVED_CARD)).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        // An answer that is a Throwable is thrown by the provider's client: our exception arrives with its code.
        assertThatThrownBy(() -> client.echo(new SCardException(HResult.SCARD_E_SHARING_VIOLATION, "held by another")))
            .isInstanceOfSatisfying(SCardException.class,
                e -> assertThat(e.code()).isEqualTo(HResult.SCARD_E_SHARING_VIOLATION));
        assertThat(calls).hasValue(5);
    }

    @Test
    void anArgumentOutsideTheListNeverReachesTheService() {
        assertThatThrownBy(() -> client.echo(new Smuggled()))
            .isInstanceOf(ServiceException.class)
            .hasMessageContaining("method: echo");
        assertThatThrownBy(() -> client.echo(new HashMap<>()))
            .isInstanceOf(ServiceException.class);
        assertThat(calls).hasValue(0);
        assertThat(client.echo("still served")).isEqualTo("still served");
    }

    @Test
    void anAnswerOutsideTheListNeverReachesTheCaller() {
        assertThatThrownBy(() -> client.smuggle())
            .isInstanceOf(ServiceException.class)
            .hasRootCauseInstanceOf(InvalidClassException.class)
            .rootCause().hasMessageContaining("REJECTED");
        assertThat(calls).hasValue(1);
    }

    @Test
    void anArrayBeyondTheLimitIsRejected() {
        assertThatThrownBy(() -> client.echo(new byte[131073])).isInstanceOf(ServiceException.class);
        assertThat(calls).hasValue(0);
    }

    @Test
    void otherStreamsOfTheJvmAreLeftAlone() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new Smuggled());
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(((Smuggled) in.readObject()).payload).isEqualTo("payload");
        }
    }
}
