package dev.scard.simulator.internal;

import static dev.scard.simulator.internal.SimulatorBackendTest.ATR;
import static dev.scard.simulator.internal.SimulatorBackendTest.R0;
import static dev.scard.simulator.internal.SimulatorBackendTest.R1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.simulator.control.ServedReader.State;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.VpcdAddress;

/** The vpcd address format and the {@code vpcd} configuration entries, applied live by the component. */
class VpcdConfigTest {

    SimulatorComponent simulator;

    @AfterEach
    void stop() {
        if (simulator != null) {
            simulator.deactivate();
        }
    }

    @Test
    void addressesParse() {
        assertThat(VpcdAddress.parse("127.0.0.1:35963")).isEqualTo(new VpcdAddress("127.0.0.1", 35963));
        assertThat(VpcdAddress.parse(" localhost:35964 ")).isEqualTo(new VpcdAddress("localhost", 35964));
        assertThat(VpcdAddress.parse("[::1]:35963")).isEqualTo(new VpcdAddress("::1", 35963));
        assertThat(VpcdAddress.parse("[::1]:35963")).hasToString("[::1]:35963");
        assertThat(VpcdAddress.of("::1", 1)).hasToString("[::1]:1");
    }

    @Test
    void badAddressesSayWhatIsWrong() {
        assertBad("35963", "'35963' is not a vpcd address: use <host>:<port>, such as 127.0.0.1:35963");
        assertBad("host:", "'host:' is not a vpcd address");
        assertBad(":35963", "':35963' is not a vpcd address");
        assertBad("", "'' is not a vpcd address");
        assertBad(null, "'' is not a vpcd address");
        assertBad("host:x1", "'x1' in 'host:x1' is not a port number");
        assertBad("host:+1", "'+1' in 'host:+1' is not a port number");
        assertBad("h".repeat(100_000) + ":1", "a vpcd address of 100002 characters is too long");
        assertBad("host:0", "'0' in 'host:0' is not a port number from 1 to 65535");
        assertBad("host:65536", "'65536' in 'host:65536' is not a port number from 1 to 65535");
        assertBad("host:99999999999", "'99999999999' in 'host:99999999999' is not a port number from 1 to 65535");
        assertBad("::1:35963", "'::1:35963': write an IPv6 address in brackets, such as [::1]:35963");
        assertBad("ho st:1", "'ho st' is not a host name or IP address");
        assertBad("a/b:1", "'a/b' is not a host name or IP address");
        assertBad("[]:1", "'[]' is not a host name or IP address");
    }

    static void assertBad(String text, String message) {
        assertThatThrownBy(() -> VpcdAddress.parse(text)).isInstanceOfSatisfying(SCardException.class, e -> {
            assertThat(e.code()).isEqualTo(HResult.E_INVALIDARG);
            assertThat(e.getMessage()).startsWith(message);
        });
    }

    @Test
    void entriesParseAndBadOnesAreSkipped() {
        Map<String, VpcdAddress> entries = SimulatorComponent.vpcdEntries(new String[] {
            R0 + "=127.0.0.1:35963",
            " ",
            null,
            "no equals sign",
            "=127.0.0.1:1",
            "Unknown Reader=127.0.0.1:2",
            R0 + "=127.0.0.1:3", // repeats R0
            R1 + "=127.0.0.1:35963", // repeats the address
            R1 + "=nonsense",
            R1 + " = localhost:35964 ",
        }, List.of(R0, R1));
        assertThat(entries).containsExactly(entry(R0, new VpcdAddress("127.0.0.1", 35963)),
                entry(R1, new VpcdAddress("localhost", 35964)));
        assertThat(SimulatorComponent.vpcdEntries(null, List.of(R0))).isEmpty();
    }

    SimulatorComponent activate(String... vpcd) {
        simulator = new SimulatorComponent();
        simulator.activateWith(SimulatorComponentsTest.config(new String[] {R0, R1}, new String[] {R0}, vpcd));
        return simulator;
    }

    void modify(String... vpcd) {
        simulator.modified(SimulatorComponentsTest.config(new String[] {R0, R1}, new String[] {R0}, vpcd));
    }

    @Test
    void nothingIsServedByDefault() {
        assertThat(activate().served()).isEmpty();
    }

    @Test
    void theConfigurationServesReadersAndChangesApplyLive() throws Exception {
        try (FakeVpcd vpcd = new FakeVpcd(); FakeVpcd other = new FakeVpcd()) {
            String at = R0 + "=127.0.0.1:" + vpcd.port();
            activate(at, R1 + "=127.0.0.1:" + other.port());
            assertThat(simulator.served()).extracting(ServedReader::readerName).containsExactly(R0, R1);
            vpcd.accept();
            assertThat(vpcd.atr()).isEqualTo(ATR);
            VpcdLink link = simulator.backend().link(R0);
            assertThat(link.awaitState(State.SERVING, 1000)).isTrue();
            assertThat(simulator.backend().link(R1).awaitState(State.NO_CARD, 1000)).isTrue();

            modify(at); // R0 unchanged: keeps its connection; R1 no longer served
            assertThat(simulator.backend().link(R0)).isSameAs(link);
            assertThat(vpcd.atr()).isEqualTo(ATR);
            assertThat(simulator.served()).extracting(ServedReader::readerName).containsExactly(R0);

            simulator.serve(R1, "127.0.0.1", other.port()); // served by hand: the configuration leaves it alone
            modify(R0 + "=127.0.0.1:" + other.port() + "x");
            assertThat(vpcd.closedByCard(1000)).isTrue();
            assertThat(simulator.served()).extracting(ServedReader::readerName).containsExactly(R1);

            modify();
            assertThat(simulator.served()).extracting(ServedReader::readerName).containsExactly(R1);
            assertThat(simulator.unserve(R1)).isTrue();
            assertThat(simulator.served()).isEmpty();
        }
    }

    @Test
    void deactivationClosesTheConnections() throws Exception {
        try (FakeVpcd vpcd = new FakeVpcd()) {
            activate(R0 + "=127.0.0.1:" + vpcd.port());
            vpcd.accept();
            assertThat(vpcd.atr()).isEqualTo(ATR);
            VpcdLink link = simulator.backend().link(R0);
            simulator.deactivate();
            simulator = null;
            assertThat(vpcd.closedByCard(1000)).isTrue();
            assertThat(link.isAlive()).isFalse();
        }
    }
}
