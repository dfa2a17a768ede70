package dev.scard.shell;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.scard.simulator.control.ServedReader;
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

    static Void insertProfile(Object control, String reader, Path profile) {
        ((SimulatorControl) control).insertProfile(reader, profile);
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

    static Void serve(Object control, String reader, String host, int port) {
        ((SimulatorControl) control).serve(reader, host, port);
        return null;
    }

    /** The address the reader was served to, or null when it was not served. */
    static String unserve(Object control, String reader) {
        SimulatorControl simulator = (SimulatorControl) control;
        String address = null;
        for (ServedReader served : simulator.served()) {
            if (served.readerName().equals(reader)) {
                address = served.address();
            }
        }
        return simulator.unserve(reader) ? (address == null ? "vpcd" : address) : null;
    }

    /**
     * One row per simulated reader: its name, {@code present} or {@code absent}, where its card is served
     * ({@code -} when it is not) and how far that link got.
     */
    static List<String[]> readers(Object control) {
        SimulatorControl simulator = (SimulatorControl) control;
        Map<String, ServedReader> served = new HashMap<>();
        for (ServedReader s : simulator.served()) {
            served.put(s.readerName(), s);
        }
        List<String[]> rows = new ArrayList<>();
        for (String reader : simulator.readers()) {
            ServedReader link = served.get(reader);
            rows.add(new String[] {reader, simulator.isCardPresent(reader) ? "present" : "absent",
                link == null ? "-" : link.address(), link == null ? "-" : linkState(link)});
        }
        return rows;
    }

    /** How far a served reader's link got, in words. */
    static String linkState(ServedReader link) {
        switch (link.state()) {
            case NO_CARD:
                return "waiting for a card";
            case CONNECTING:
                return link.detail().isEmpty() ? "connecting" : "connecting (" + link.detail() + ")";
            case CONNECTED:
                return "connected, vpcd has not polled yet";
            case SERVING:
                return "serving";
            default:
                return link.state().name();
        }
    }
}
