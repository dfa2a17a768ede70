package dev.scard.remote.tests;

import dev.scard.testsupport.ScardProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;

import org.apache.aries.rsa.provider.tcp.TcpInvocationHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.osgi.framework.ServiceException;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.remote.api.RemoteReader;

/**
 * Who gets through to a host's cards, with a host in its own JVM and Aries RSA's own TCP client in this one (what any
 * program on the network could use): the secret opens, a wrong or missing one is refused with {@code E_ACCESSDENIED}
 * on every call that takes it, and a serialized object outside the allow-list never reaches the host's service (the
 * host logs what it refused and goes on serving).
 */
class AccessControlIT {

    /** A call shaped like {@code listReaders}, with an argument the allow-list does not allow. */
    public interface Smuggler {
        /**
         * @param anything not a secret
         * @return never
         */
        Object listReaders(Object anything);
    }

    private RemoteRig rig;
    private int port;

    @BeforeEach
    void host(TestInfo test) throws Exception {
        rig = new RemoteRig(getClass().getSimpleName() + "-" + test.getTestMethod().orElseThrow().getName());
        port = RemoteRig.freePort();
        rig.host("host-a", port, "");
    }

    @AfterEach
    void end() throws Exception {
        rig.close();
    }

    private <T> T client(Class<T> type) throws Exception {
        return type.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type},
            new TcpInvocationHandler(getClass().getClassLoader(), "127.0.0.1", port, 15_000)));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theSecretOpensAndAnythingElseIsRefused() throws Exception {
        RemoteCardHost host = awaitHost(client(RemoteCardHost.class));
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
        RemoteCardHost host = awaitHost(client(RemoteCardHost.class));
        Smuggler smuggler = client(Smuggler.class);

        assertThatThrownBy(() -> smuggler.listReaders(new HashMap<String, String>()))
            .as("the host reads no further and answers nothing").isInstanceOf(ServiceException.class);
        rig.hostProcess().awaitLine(line -> line.contains("refused") && line.contains("java.util.HashMap"),
            Duration.ofSeconds(10));
        // Had the map reached the service, the call would have failed on the method, not on the stream: the host
        // logs one refusal, and serves the next call as before.
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
