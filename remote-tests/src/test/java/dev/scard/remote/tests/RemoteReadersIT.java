package dev.scard.remote.tests;

import dev.scard.testsupport.ScardProcess;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Remote readers between real JVMs over loopback, through the consoles of the distribution: hosts
 * ({@code dev.scard.remote.host}) and clients ({@code dev.scard.remote.client} with static discovery (dev.scard.remote-rsa)),
 * as the README's demo runs them. A client lists and uses a host's readers; a host killed in the middle of a session
 * makes the client's calls fail at once with the contract's error, and a new host is used again without restarting
 * the client; a client killed while it holds the card's lock loses it within the host's lease, and another client gets
 * it; a client without the secret sees no reader.
 */
class RemoteReadersIT {

    /** How long a client may take to see a host's readers appear or go (its event poll, the import). */
    static final Duration SEEN = Duration.ofSeconds(30);

    private RemoteRig rig;
    private RemoteRig.Host hostA;

    @BeforeEach
    void rig(TestInfo test) throws Exception {
        rig = new RemoteRig(getClass().getSimpleName() + "-" + test.getTestMethod().orElseThrow().getName());
        hostA = new RemoteRig.Host("host-a", RemoteRig.freePort());
    }

    @AfterEach
    void end() throws Exception {
        rig.close();
    }

    @Test
    void aClientListsAndUsesAHostsReaders() throws Exception {
        rig.host(hostA.name(), hostA.port(), "");
        ScardProcess client = rig.client("client", RemoteRig.SECRET, hostA);
        String reader0 = hostA.reader(RemoteRig.READER_0);
        List<String> readers = awaitReaders(client, lines -> lines.stream().anyMatch(l -> l.startsWith(reader0)));
        assertThat(readers).anyMatch(l -> l.matches("Simulated Reader 0 @ host-a +remote +present +no +3B8801534341524453494D99"))
            .anyMatch(l -> l.matches("Simulated Reader 1 @ host-a +remote +absent +no +-"));

        assertThat(commandOutput(client, "scard:attach '" + reader0 + "'"))
            .containsExactly("Attached to '" + reader0 + "' (shared, T1, ATR 3B8801534341524453494D99)");
        assertThat(commandOutput(client, "scard:apdu 00A40000023F00")).contains("SW 9000 success");
        assertThat(commandOutput(client, "scard:status")).contains("Backend:  remote", "State:    SPECIFIC_MODE (6)");
        assertThat(commandOutput(client, "scard:detach")).containsExactly("Detached from '" + reader0 + "'");
    }

    @Test
    void aHostKilledMidSessionFailsTheCallsAtOnceAndANewHostIsUsedAgain() throws Exception {
        ScardProcess host = rig.host(hostA.name(), hostA.port(), "");
        ScardProcess client = rig.client("client", RemoteRig.SECRET, hostA);
        String reader0 = hostA.reader(RemoteRig.READER_0);
        awaitReaders(client, lines -> lines.stream().anyMatch(l -> l.startsWith(reader0)));
        commandOutput(client, "scard:attach '" + reader0 + "'");
        assertThat(commandOutput(client, "scard:apdu 00A40000023F00")).contains("SW 9000 success");

        host.kill();
        long start = System.nanoTime();
        List<String> failed = commandOutput(client, "scard:apdu 00A40000023F00", Duration.ofSeconds(10));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(failed).as("the call on the dead host's reader").hasSize(1);
        assertThat(failed.get(0)).startsWith("Error: ")
            .containsAnyOf("[SCARD_E_NO_SERVICE 0x8010001D]", "[SCARD_E_SERVICE_STOPPED 0x8010001E]");
        assertThat(millis).as("it fails at once, not after a timeout (ms)").isLessThan(5000);

        // A new host on the same address: the client sees its readers again, without a restart.
        rig.host(hostA.name(), hostA.port(), "");
        awaitReaders(client, lines -> lines.stream().anyMatch(l -> l.startsWith(reader0) && l.contains("present")));
        commandOutput(client, "scard:detach");
        assertThat(commandOutput(client, "scard:attach '" + reader0 + "'")).hasSize(1).allMatch(l -> l.startsWith("Attached"));
        assertThat(commandOutput(client, "scard:apdu 00A40000023F00")).contains("SW 9000 success");
    }

    @Test
    void aClientKilledWhileHoldingTheLockLosesItWithinTheLease() throws Exception {
        rig.host(hostA.name(), hostA.port(), "");
        ScardProcess holder = rig.client("holder", RemoteRig.SECRET, hostA);
        ScardProcess other = rig.client("other", RemoteRig.SECRET, hostA);
        String reader0 = hostA.reader(RemoteRig.READER_0);
        awaitReaders(holder, lines -> lines.stream().anyMatch(l -> l.startsWith(reader0)));
        awaitReaders(other, lines -> lines.stream().anyMatch(l -> l.startsWith(reader0)));
        commandOutput(holder, "scard:attach '" + reader0 + "'");
        assertThat(commandOutput(holder, "scard:lock")).containsExactly("Locked '" + reader0 + "'");
        commandOutput(other, "scard:attach '" + reader0 + "'");
        List<String> refused = commandOutput(other, "scard:lock 200ms");
        assertThat(refused).as("held by the other client").hasSize(1);
        assertThat(refused.get(0)).startsWith("Error: ");

        holder.kill();
        long start = System.nanoTime();
        // The lease is 8 s and the host sweeps every quarter of it: the lock is free within 10 s of the kill.
        assertThat(commandOutput(other, "scard:lock 10s", Duration.ofSeconds(20))).containsExactly("Locked '" + reader0 + "'");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("ms until the second client had the lock").isLessThanOrEqualTo(10_500);
        assertThat(commandOutput(other, "scard:apdu 00A40000023F00")).contains("SW 9000 success");
        assertThat(commandOutput(other, "scard:unlock")).hasSize(1);
    }

    @Test
    void aClientWithoutTheSecretSeesNoReader() throws Exception {
        ScardProcess host = rig.host(hostA.name(), hostA.port(), "");
        ScardProcess client = rig.client("client", "not-the-secret", hostA);
        client.awaitLine(l -> l.contains("refused the client's secret") && l.contains("E_ACCESSDENIED"), SEEN);
        String reader0 = hostA.reader(RemoteRig.READER_0);
        assertThat(commandOutput(client, "scard:readers")).noneMatch(l -> l.contains("@ host-a"));
        assertThat(commandOutput(client, "scard:attach '" + reader0 + "'")).hasSize(1).allMatch(l -> l.startsWith("Error: "));
        assertThat(client.transcript()).noneMatch(l -> l.contains("not-the-secret"));
        assertThat(host.transcript()).noneMatch(l -> l.contains("not-the-secret") || l.contains(RemoteRig.SECRET));
    }

    /**
     * Runs a console command and returns what it printed, without the log lines ({@code WARNING: ...}) that the
     * client's own threads (its event polls) may print meanwhile: they are not the command's output.
     */
    static List<String> commandOutput(ScardProcess process, String command) {
        return commandOutput(process, command, ScardProcess.COMMAND_BOUND);
    }

    /** {@link #commandOutput(ScardProcess, String)} within the given bound. */
    static List<String> commandOutput(ScardProcess process, String command, Duration bound) {
        return process.run(command, bound).stream()
            .filter(line -> !line.startsWith("WARNING: ") && !line.startsWith("INFO: "))
            .collect(java.util.stream.Collectors.toList());
    }

    /** Lists the client's readers until they satisfy {@code ready}, within {@link #SEEN}. */
    static List<String> awaitReaders(ScardProcess client, Predicate<List<String>> ready) throws InterruptedException {
        long deadline = System.nanoTime() + SEEN.toNanos();
        while (true) {
            List<String> lines = commandOutput(client, "scard:readers");
            if (ready.test(lines)) {
                return lines;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the client's readers never became as expected within " + SEEN + ":\n"
                    + RemoteRig.text(lines));
            }
            Thread.sleep(250);
        }
    }
}
