package dev.scard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.scard.api.Protocol;

/** Handle values: counted per table, in a space of each backend's own. */
class HandleTableTest {

    @Test
    void theSimulatorsSpaceKeepsItsHandleNumbers() {
        HandleTable table = new HandleTable();
        assertThat(table.register(null, Set.of(Protocol.T1))).isEqualTo(0x1001);
        assertThat(table.register(null, Set.of(Protocol.T1))).isEqualTo(0x1002);
    }

    @Test
    void handlesOfTwoBackendsNeverMeet() {
        HandleTable simulator = new HandleTable(HandleTable.SIMULATOR_SPACE);
        HandleTable pcsc = new HandleTable(HandleTable.PCSC_SPACE);
        long simulated = simulator.register(null, Set.of(Protocol.T1));
        long real = pcsc.register(null, Set.of(Protocol.T1));
        assertThat(real).isEqualTo(0x1_0000_1001L).isNotEqualTo(simulated);
        assertThat(simulator.lookup(real)).as("a PC/SC handle is unknown to the simulator's table").isNull();
        assertThat(pcsc.lookup(simulated)).as("and the other way round").isNull();
        assertThat(pcsc.lookup(real)).isNotNull();
    }

    @Test
    void spacesOutsideTheRangeAreRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> new HandleTable(-1));
        assertThatIllegalArgumentException().isThrownBy(() -> new HandleTable(HandleTable.MAX_SPACE + 1));
        assertThat(new HandleTable(HandleTable.MAX_SPACE).register(null, Set.of())).isPositive();
    }
}
