package dev.scard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.scard.api.Protocol;

/** Handle values: random, in a space of each backend's own; handles: visible to their owner only. */
class HandleTableTest {

    private static final long SPACE_SIZE = 1L << HandleTable.RANDOM_BITS;

    @Test
    void valuesAreRandomPositiveAndNotSequential() {
        HandleTable table = new HandleTable();
        List<Long> values = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            values.add(table.register(null, Set.of(Protocol.T1)));
        }
        assertThat(new HashSet<>(values)).as("every value once").hasSize(values.size());
        assertThat(values).allSatisfy(v -> assertThat(v).isPositive().isLessThan(SPACE_SIZE));
        assertThat(values).doesNotContain(0x1001L, 0x1002L);
        long sequentialSteps = 0;
        for (int i = 1; i < values.size(); i++) {
            if (values.get(i) - values.get(i - 1) == 1) {
                sequentialSteps++;
            }
        }
        assertThat(sequentialSteps).as("no value follows from the one before").isZero();
        assertThat(values.stream().filter(v -> v < 0x1_0000_0000L).count())
                .as("values spread over 48 bits, not small counters").isLessThan(5);
    }

    @Test
    void handlesOfTwoBackendsNeverMeet() {
        HandleTable simulator = new HandleTable(HandleTable.SIMULATOR_SPACE);
        HandleTable pcsc = new HandleTable(HandleTable.PCSC_SPACE);
        for (int i = 0; i < 100; i++) {
            long simulated = simulator.register(null, Set.of(Protocol.T1));
            long real = pcsc.register(null, Set.of(Protocol.T1));
            assertThat(simulated).isPositive().isLessThan(SPACE_SIZE);
            assertThat(real).isGreaterThan(SPACE_SIZE).isLessThan(2 * SPACE_SIZE);
            assertThat(simulator.lookup(real)).as("a PC/SC handle is unknown to the simulator's table").isNull();
            assertThat(pcsc.lookup(simulated)).as("and the other way round").isNull();
            assertThat(pcsc.lookup(real)).isNotNull();
        }
    }

    @Test
    void spacesOutsideTheRangeAreRejectedAndTheLastKeepsValuesPositive() {
        assertThatIllegalArgumentException().isThrownBy(() -> new HandleTable(-1));
        assertThatIllegalArgumentException().isThrownBy(() -> new HandleTable(HandleTable.MAX_SPACE + 1));
        HandleTable last = new HandleTable(HandleTable.MAX_SPACE);
        for (int i = 0; i < 100; i++) {
            assertThat(last.register(null, Set.of())).isPositive();
        }
    }

    @Test
    void aForeignOwnersHandleIsUnknownToAView() {
        HandleTable table = new HandleTable();
        Object bundleA = new Object();
        Object bundleB = new Object();
        HandleTable a = table.scopedTo(() -> bundleA);
        HandleTable b = table.scopedTo(() -> bundleB);

        long ofA = a.register(null, Set.of(Protocol.T1));
        assertThat(a.lookup(ofA)).as("the owner sees its handle").isNotNull();
        assertThat(table.scopedTo(() -> bundleA).lookup(ofA)).as("through any view of the owner").isNotNull();
        assertThat(b.lookup(ofA)).as("another owner does not").isNull();
        assertThat(b.remove(ofA, connection -> fail("closed another owner's handle"))).as("nor removes it").isFalse();
        assertThat(b.removeAll(connection -> fail("closed another owner's handle"))).isZero();
        assertThat(b.size()).isZero();
        assertThat(a.size()).isEqualTo(1);
        assertThat(a.lookup(ofA)).as("still open").isNotNull();
        assertThat(table.lookup(ofA)).as("the backend's own table sees every handle").isNotNull();

        long ofB = table.register(null, Set.of(Protocol.T1), bundleB);
        assertThat(b.lookup(ofB)).isNotNull();
        assertThat(a.lookup(ofB)).isNull();
        assertThat(table.lookup(ofB)).isNotNull();
        assertThat(table.size()).isEqualTo(2);

        a.removeAll(connection -> { });
        assertThat(a.size()).isZero();
        assertThat(table.lookup(ofA)).isNull();
        assertThat(b.lookup(ofB)).as("the other owner's handle stays").isNotNull();
    }

    @Test
    void aViewFollowsItsOwnerWhenItIsHandedOver() {
        HandleTable table = new HandleTable();
        Object backend = new Object();
        Object consumer = new Object();
        Object[] owner = {backend};
        HandleTable view = table.scopedTo(() -> owner[0]);
        long ofConsumer = table.scopedTo(() -> consumer).register(null, Set.of(Protocol.T1));
        assertThat(view.lookup(ofConsumer)).isNull();
        owner[0] = consumer;
        assertThat(view.lookup(ofConsumer)).isNotNull();
    }
}
