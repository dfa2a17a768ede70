package dev.scard.remote.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import dev.scard.testsupport.KeyStores;
import dev.scard.testsupport.ScardProcess;

/**
 * Mutual TLS between real JVMs: a host whose transport ({@code dev.scard.remote.transport}) has {@code tls=true} and
 * trusts one client's certificate; that client lists and uses its readers, a client with a certificate the host does
 * not trust sees none (the host logs the refusal), and no store password is printed on either side.
 */
class MutualTlsIT {

    private static final String PASSWORD = "remote-tests-store-password";

    @TempDir
    Path stores;

    private RemoteRig rig;
    private RemoteRig.Host host;
    private KeyStores keys;

    @BeforeEach
    void rig(TestInfo test) throws Exception {
        rig = new RemoteRig(getClass().getSimpleName() + "-" + test.getTestMethod().orElseThrow().getName());
        host = new RemoteRig.Host("tls-host", RemoteRig.freePort());
        keys = new KeyStores(stores, PASSWORD);
        keys.key("host");
        keys.key("trusted");
        keys.key("stranger");
        keys.trust("host-trust", "trusted");
        keys.trust("client-trust", "host");
    }

    @AfterEach
    void end() throws Exception {
        rig.close();
    }

    /** The TLS members of a {@code dev.scard.remote.transport} configuration, each with a leading comma. */
    private String tls(String key, String trust) {
        return ", \"tls\": true, \"keyStore\": \"" + keys.store(key) + "\", \"keyStorePassword\": \"" + PASSWORD
            + "\", \"trustStore\": \"" + keys.store(trust) + "\", \"trustStorePassword\": \"" + PASSWORD + "\"";
    }

    private ScardProcess client(String name, String key) throws Exception {
        return rig.clientWith(name, RemoteRig.SECRET, "\"port:Integer\": 0" + tls(key, "client-trust"),
            ",\n  " + RemoteRig.endpoint(host.port(), host.name()));
    }

    @Test
    void onlyAClientWithATrustedCertificateReachesTheHostsReaders() throws Exception {
        ScardProcess hostProcess = rig.host(host.name(), host.port(), tls("host", "host-trust"), "");
        String reader0 = host.reader(RemoteRig.READER_0);

        ScardProcess trusted = client("trusted", "trusted");
        RemoteReadersIT.awaitReaders(trusted, lines -> lines.stream().anyMatch(l -> l.startsWith(reader0)));
        trusted.run("scard:use remote");
        assertThat(trusted.run("scard:attach '" + reader0 + "'")).hasSize(1).allMatch(l -> l.startsWith("Attached"));
        assertThat(trusted.run("scard:apdu 00A40000023F00")).contains("SW 9000 success");
        assertThat(trusted.run("scard:detach")).containsExactly("Detached from '" + reader0 + "'");

        ScardProcess stranger = client("stranger", "stranger");
        hostProcess.awaitLine(l -> l.contains("refused a TLS connection"), RemoteReadersIT.SEEN);
        assertThat(stranger.run("scard:readers")).noneMatch(l -> l.contains("@ " + host.name()));

        for (ScardProcess process : new ScardProcess[] {hostProcess, trusted, stranger}) {
            assertThat(process.transcript()).noneMatch(l -> l.contains(PASSWORD));
        }
    }
}
