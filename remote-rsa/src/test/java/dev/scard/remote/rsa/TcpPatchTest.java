package dev.scard.remote.rsa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Collections;
import java.util.Optional;

import org.apache.aries.rsa.provider.tcp.TCPServer;
import org.apache.aries.rsa.provider.tcp.TcpInvocationHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The patched server and client of Aries RSA's TCP provider (the copies {@link BundlePatch#ariesTcp} weaves in; here they come
 * first on the class path): the server listens on the published address only, and a client's broken connection does
 * not cost it a thread.
 */
class TcpPatchTest {

    private TCPServer server;
    private int port;
    private TcpStreamFilterTest.Echo client;

    @BeforeEach
    void start() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        // One thread: in 1.16.1 each broken connection ended a thread, so one was enough to stop the server.
        server = new TCPServer(new TcpStreamFilterTest.CountingEcho(), "127.0.0.1", port, 1);
        client = (TcpStreamFilterTest.Echo) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {TcpStreamFilterTest.Echo.class},
            new TcpInvocationHandler(getClass().getClassLoader(), "127.0.0.1", port, 5000));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void brokenConnectionsDoNotStopTheServer() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                new ObjectOutputStream(socket.getOutputStream()).flush(); // the stream header, then a reset
                socket.setSoLinger(true, 0);
            }
        }
        assertThat(client.echo("still served")).isEqualTo("still served");
    }

    @Test
    void theServerListensOnThePublishedAddressOnly() throws Exception {
        Optional<InetAddress> other = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
            .flatMap(nic -> Collections.list(nic.getInetAddresses()).stream())
            .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
            .findFirst();
        assumeThat(other).as("a non-loopback address of this machine").isPresent();
        assertThatThrownBy(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(other.get(), port), 2000);
            }
        }).isInstanceOf(ConnectException.class);
        assertThat(client.echo("on loopback")).isEqualTo("on loopback");
    }
}
