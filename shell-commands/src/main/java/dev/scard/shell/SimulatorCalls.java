package dev.scard.shell;

import java.util.ArrayList;
import java.util.List;

import dev.scard.simulator.control.SimulatorControl;

/**
 * The only class that names the simulator's control API, so that {@link SimCommands} loads without it.
 * Each method takes the service as an {@code Object} and casts it.
 */
final class SimulatorCalls {

    private SimulatorCalls() {
    }

    static Void insert(Object control, String reader) {
        ((SimulatorControl) control).insert(reader);
        return null;
    }

    static Void remove(Object control, String reader) {
        ((SimulatorControl) control).remove(reader);
        return null;
    }

    static Void reset(Object control, String reader) {
        ((SimulatorControl) control).reset(reader);
        return null;
    }

    /** One row per simulated reader: its name and {@code present} or {@code absent}. */
    static List<String[]> readers(Object control) {
        SimulatorControl simulator = (SimulatorControl) control;
        List<String[]> rows = new ArrayList<>();
        for (String reader : simulator.readers()) {
            rows.add(new String[] {reader, simulator.isCardPresent(reader) ? "present" : "absent"});
        }
        return rows;
    }
}
