package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceReference;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.control.SimulatorControl;

class SimCommandsTest {

    private FakeRegistry registry;
    private FakeControl control;
    private ServiceReference<SimulatorControl> ref;
    private SimCommands commands;

    /** Two readers, the first with a card. */
    private static final class FakeControl implements SimulatorControl {
        final Map<String, Boolean> readers = new LinkedHashMap<>();
        final List<String> calls = new ArrayList<>();

        FakeControl() {
            readers.put("Simulated Reader 0", true);
            readers.put("Simulated Reader 1", false);
        }

        private void known(String reader) {
            if (!readers.containsKey(reader)) {
                throw new SCardException(HResult.E_INVALIDARG, "unknown reader '" + reader + "'");
            }
        }

        @Override
        public List<String> readers() {
            return new ArrayList<>(readers.keySet());
        }

        @Override
        public boolean isCardPresent(String reader) {
            known(reader);
            return readers.get(reader);
        }

        @Override
        public void insert(String reader) {
            known(reader);
            if (readers.get(reader)) {
                throw new SCardException(HResult.E_FAIL, "reader '" + reader + "' holds a card");
            }
            readers.put(reader, true);
            calls.add("insert " + reader);
        }

        @Override
        public void insert(String reader, SimulatedCard card) {
            insert(reader);
        }

        @Override
        public void remove(String reader) {
            known(reader);
            if (!readers.get(reader)) {
                throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + reader + "'");
            }
            readers.put(reader, false);
            calls.add("remove " + reader);
        }

        @Override
        public void reset(String reader) {
            known(reader);
            calls.add("reset " + reader);
        }
    }

    @BeforeEach
    void setUp() {
        registry = new FakeRegistry();
        control = new FakeControl();
        ref = registry.register(SimulatorControl.class, control, Map.of());
        commands = new SimCommands(registry.context);
    }

    @Test
    void failsClearlyWithoutTheSimulator() {
        assertThatIllegalStateException().isThrownBy(() -> commands.insert("Simulated Reader 1"))
                .withMessage(SimCommands.NO_SIMULATOR + " [SCARD_E_NO_SERVICE 0x8010001D]");
        assertThatIllegalStateException().isThrownBy(() -> commands.readers())
                .withMessage(SimCommands.NO_SIMULATOR + " [SCARD_E_NO_SERVICE 0x8010001D]");
    }

    @Test
    void insertsRemovesAndResets() {
        commands.bindSimulator(ref);
        assertThat(commands.insert("Simulated", "Reader", "1")).isEqualTo("Inserted a card into 'Simulated Reader 1'");
        assertThat(commands.remove("Simulated Reader 0")).isEqualTo("Removed the card from 'Simulated Reader 0'");
        assertThat(commands.reset("Simulated Reader 1")).isEqualTo("Reset the card in 'Simulated Reader 1'");
        assertThat(control.calls).containsExactly("insert Simulated Reader 1", "remove Simulated Reader 0",
                "reset Simulated Reader 1");
        assertThat(registry.singletonGets).isEqualTo(3).isEqualTo(registry.singletonUngets);
    }

    @Test
    void listsTheSimulatedReaders() {
        commands.bindSimulator(ref);
        assertThat(commands.readers()).isEqualTo(String.join("\n",
                "Reader              Card",
                "Simulated Reader 0  present",
                "Simulated Reader 1  absent"));
        control.readers.clear();
        assertThat(commands.readers()).isEqualTo("No simulated readers");
    }

    @Test
    void letsTheSimulatorsErrorsThrough() {
        commands.bindSimulator(ref);
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.remove("Simulated Reader 1"))
                .withMessage("no card in reader 'Simulated Reader 1' [SCARD_E_NO_SMARTCARD 0x8010000C]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.insert("Nope"))
                .withMessage("unknown reader 'Nope' [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.reset())
                .withMessage("no reader given (sim:readers lists them)" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void forgetsTheSimulatorWhenItGoes() {
        commands.bindSimulator(ref);
        commands.unbindSimulator(ref);
        assertThatIllegalStateException().isThrownBy(() -> commands.reset("Simulated Reader 0"))
                .withMessage(SimCommands.NO_SIMULATOR + " [SCARD_E_NO_SERVICE 0x8010001D]");
    }

    @Test
    void keepsTheNewerSimulatorWhenTheOldOneIsUnboundAfterIt() {
        ServiceReference<SimulatorControl> newer = registry.register(SimulatorControl.class, control, Map.of());
        commands.bindSimulator(ref);
        commands.bindSimulator(newer); // greedy rebinding binds the better service first ...
        commands.unbindSimulator(ref); // ... then unbinds the old one
        assertThat(commands.reset("Simulated Reader 0")).isEqualTo("Reset the card in 'Simulated Reader 0'");
    }

    @Test
    void saysSoWhenTheServiceIsGoneBetweenBindAndUse() {
        commands.bindSimulator(ref);
        registry.unregister(ref);
        assertThatIllegalStateException().isThrownBy(() -> commands.reset("Simulated Reader 0"))
                .withMessage(SimCommands.NO_SIMULATOR + " [SCARD_E_NO_SERVICE 0x8010001D]");
    }
}
