package dev.scard.remote.tests;

import dev.scard.testsupport.ScardProcess;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Hosts found through ZooKeeper (Aries RSA's ZooKeeper discovery): a ZooKeeper server embedded in this JVM on a free
 * loopback port, two hosts that publish their exported services there, and a client that has no endpoint of its own
 * and finds both; a host killed goes from the client's readers.
 */
class ZookeeperDiscoveryIT {

    private RemoteRig rig;
    private ZooKeeperServer zookeeper;
    private ServerCnxnFactory connections;
    private int zookeeperPort;

    @BeforeEach
    void zookeeper(TestInfo test) throws Exception {
        String name = getClass().getSimpleName() + "-" + test.getTestMethod().orElseThrow().getName();
        rig = new RemoteRig(name);
        Path data = Files.createTempDirectory("scard-zookeeper");
        File folder = data.toFile();
        zookeeper = new ZooKeeperServer(folder, folder, 2000);
        zookeeperPort = RemoteRig.freePort();
        connections = ServerCnxnFactory.createFactory(new InetSocketAddress("127.0.0.1", zookeeperPort), 60);
        connections.startup(zookeeper);
    }

    @AfterEach
    void end() throws Exception {
        try {
            rig.close();
        } finally {
            connections.shutdown();
            zookeeper.shutdown();
        }
    }

    /** The configuration entry of Aries's ZooKeeper discovery, pointing at this test's server. */
    private String discovery() {
        return ",\n  \"org.apache.aries.rsa.discovery.zookeeper\": { \"zookeeper.host\": \"127.0.0.1\","
            + " \"zookeeper.port\": \"" + zookeeperPort + "\" }\n";
    }

    @Test
    void twoHostsAreFoundThroughZookeeperAndAKilledOneGoes() throws Exception {
        rig.host("host-a", RemoteRig.freePort(), discovery());
        ScardProcess hostB = rig.host("host-b", RemoteRig.freePort(), discovery());
        ScardProcess client = rig.clientWith("client", RemoteRig.SECRET, discovery());

        List<String> readers = RemoteReadersIT.awaitReaders(client, lines ->
            lines.stream().anyMatch(l -> l.startsWith("Simulated Reader 0 @ host-a"))
                && lines.stream().anyMatch(l -> l.startsWith("Simulated Reader 0 @ host-b")));
        assertThat(readers).filteredOn(l -> l.contains(" @ host-")).hasSize(4);

        RemoteReadersIT.commandOutput(client, "scard:attach 'Simulated Reader 0 @ host-b'");
        assertThat(RemoteReadersIT.commandOutput(client, "scard:apdu 00A40000023F00")).contains("SW 9000 success");
        RemoteReadersIT.commandOutput(client, "scard:detach");

        hostB.kill();
        RemoteReadersIT.awaitReaders(client, lines ->
            lines.stream().noneMatch(l -> l.contains("@ host-b"))
                && lines.stream().anyMatch(l -> l.startsWith("Simulated Reader 0 @ host-a")));
    }
}
