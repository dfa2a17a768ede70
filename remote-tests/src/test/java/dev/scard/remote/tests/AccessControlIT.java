package dev.scard.remote.tests;

import dev.scard.testsupport.ScardProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.osgi.framework.ServiceException;
import org.osgi.service.remoteserviceadmin.EndpointDescription;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.RemoteReader;
import dev.scard.remote.transport.internal.ScardTcpProvider;

/**
 * Who gets through to a host's cards, with a host in its own JVM and the client of the distribution provider
 * {@code scard.tcp} in this one (standalone): the secret opens, a wrong or missing one is refused with
 * {@code E_ACCESSDENIED} on every call that takes it, and a serialized object outside the allow-list, sent by hand as
 * any program on the network could, never reaches the host's service (the host logs what it refused and goes on
 * serving).
 */
class AccessControlIT {

    private RemoteRig rig;
    private int port;
    private ScardTcpProvider client;

    @BeforeEach
    void host(TestInfo test) throws Exception {
        rig = new RemoteRig(getClass().getSimpleName() + "-" + test.getTestMethod().orElseThrow().getName());
        port = RemoteRig.freePort();
        rig.host("host-a", port, "");
    }

    @AfterEach
    void end() throws Exception {
        if (client != null) {
            client.close();
        }
        rig.close();
    }

    private RemoteCardHost client() {
        client = ScardTcpProvider.standalone(Map.of());
        return (RemoteCardHost) client.importEndpoint(getClass().getClassLoader(), null,
            new Class<?>[] {RemoteCardHost.class}, new EndpointDescription(Map.of(
                "endpoint.id", RemoteRig.endpointId(port),
                "objectClass", new String[] {RemoteRig.INTERFACE},
                "service.imported.configs", "scard.tcp",
                "osgi.basic.timeout", 15_000L)));
    }

    /**
     * A call of {@code listReaders} whose argument is a {@code HashMap}, written by hand as the {@code scard.tcp} wire
     * has it (a length-prefixed frame: the endpoint's key, the method, the serialized arguments), which no client of
     * the provider would send (the method takes a {@code byte[]}).
     *
     * @return the host's answer: its status byte, then its message
     */
    private String smuggle() throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        DataOutputStream fields = new DataOutputStream(request);
        fields.writeUTF(RemoteRig.INTERFACE);
        fields.writeUTF("listReaders([B)");
        ObjectOutputStream arguments = new ObjectOutputStream(fields);
        arguments.writeObject(new Object[] {new HashMap<String, String>()});
        arguments.flush();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(request.size());
            request.writeTo(out);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            return response[0] + " " + new DataInputStream(
                new ByteArrayInputStream(response, 1, response.length - 1)).readUTF();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theSecretOpensAndAnythingElseIsRefused() throws Exception {
        RemoteCardHost host = awaitHost(client());
        assertThat(host.listReaders(bytes(RemoteRig.SECRET)).readers()).extracting(RemoteReader::name)
            .containsExactly(RemoteRig.READER_0, RemoteRig.READER_1);

        assertThatThrownBy(() -> host.listReaders(bytes("not-the-secret")))
            .isInstanceOfSatisfying(SCardException.class, e -> assertThat(e.code()).isEqualTo(HResult.E_ACCESSDENIED))
            .hasMessageNotContaining("not-the-secret").hasMessageNotContaining(RemoteRig.SECRET);
        assertThatThrownBy(() -> host.listReaders(new byte[0]))
            .isInstanceOfSatisfying(SCardException.class, e -> assertThat(e.code()).isEqualTo(HResult.E_ACCESSDENIED));
        assertThatThrownBy(() -> host.open(bytes("not-the-secret"), RemoteRig.READER_0, dev.scard.api.ShareMode.SHARED,
            new dev.scard.api.Protocol[] {dev.scard.api.Protocol.T1}))
            .isInstanceOfSatisfying(SCardException.class, e -> assertThat(e.code()).isEqualTo(HResult.E_ACCESSDENIED));
        assertThatThrownBy(() -> host.events(bytes("not-the-secret"), 0, 0))
            .isInstanceOfSatisfying(SCardException.class, e -> assertThat(e.code()).isEqualTo(HResult.E_ACCESSDENIED));
    }

    @Test
    void anObjectOutsideTheAllowListNeverReachesTheHostsService() throws Exception {
        RemoteCardHost host = awaitHost(client());

        assertThat(smuggle()).as("a failure (status 2) naming what the allow-list refused")
            .startsWith("2 ").contains("the call of listReaders was refused")
            .contains("java.util.HashMap is not in the allow-list of remote calls");
        rig.hostProcess().awaitLine(line -> line.contains("refused") && line.contains("java.util.HashMap"),
            Duration.ofSeconds(10));
        // Had the map reached the service, the call would have failed with a ClassCastException, not on the stream:
        // the host logs one refusal, and serves the next call as before.
        assertThat(host.listReaders(bytes(RemoteRig.SECRET)).readers()).hasSize(2);
    }

    /** The host's export can lag its console by a moment: the first listing is retried for up to 10 s. */
    private static RemoteCardHost awaitHost(RemoteCardHost host) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                host.listReaders(bytes(RemoteRig.SECRET));
                return host;
            } catch (ServiceException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
