package dev.scard.simulator.internal;

import static dev.scard.simulator.internal.SimulatorBackendTest.HEX;
import static dev.scard.simulator.internal.SimulatorBackendTest.R0;
import static dev.scard.simulator.internal.SimulatorBackendTest.R1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.api.trace.CardTraceEvent;
import dev.scard.core.CardManager;
import dev.scard.core.CardTap;
import dev.scard.core.EventDispatcher;
import dev.scard.core.HandleTable;
import dev.scard.core.InterfaceProviders;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.iso7816.CommandPattern;

/**
 * A card profile's {@code secretCommands}: the simulator's connections report them
 * ({@link ReaderConnection#secretCommands()}), so the core's card trace withholds those commands' data as it
 * withholds a PIN's; a card of another profile marks nothing.
 */
class ProfileSecretCommandsTest {

    private static final String KEY_LOAD = "8040000108A1A2A3A4A5A6A7A8";

    @TempDir
    Path tmp;
    private SimulatorComponent simulator;
    private final CardTap tap = new CardTap();
    private final List<CardTraceEvent> heard = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() {
        simulator = new SimulatorComponent();
        simulator.activateWith(SimulatorComponentsTest.config(new String[] {R0, R1}, new String[] {R0}),
                new EventDispatcher("test-events"));
        tap.add(heard::add, Map.of());
    }

    @AfterEach
    void stop() {
        simulator.deactivate();
    }

    private Path profile(String json) throws IOException {
        return Files.writeString(tmp.resolve("card-" + System.nanoTime() + ".json"), json);
    }

    private CardTraceEvent traced(CardManager manager, String command) {
        int before = heard.size();
        manager.transmit(HEX.parseHex(command));
        return heard.stream().skip(before).filter(e -> e.type() == CardTraceEvent.Type.APDU).findFirst()
                .orElseThrow();
    }

    @Test
    void theCommandsAProfileMarksAreWithheldInTheTraceHeaderLcAndResponseKept() throws IOException {
        simulator.insertProfile(R1, profile("{\"name\": \"vendor card\", \"secretCommands\": [\"80 40 * *\","
                + " \"0x 87\"]}"));
        CardManager manager = new CardManager(simulator, new HandleTable(), new InterfaceProviders(), tap);
        manager.attachByIfd(R1, ShareMode.SHARED);

        CardTraceEvent keyLoad = traced(manager, KEY_LOAD);
        assertThat(HEX.formatHex(keyLoad.command())).isEqualTo("8040000108");
        assertThat(keyLoad.withheld()).isEqualTo(8);
        assertThat(HEX.formatHex(keyLoad.response())).as("the card's answer is kept").isEqualTo("6E00");
        CardTraceEvent authenticate = traced(manager, "0387009A0401020304");
        assertThat(HEX.formatHex(authenticate.command())).isEqualTo("0387009A04");
        assertThat(authenticate.withheld()).isEqualTo(4);
        assertThat(traced(manager, "8042000102AABB").withheld()).as("not marked").isZero();
        assertThat(traced(manager, "002000010431323334").withheld()).as("the built-in rule").isEqualTo(4);
        assertThat(heard).extracting(CardTraceEvent::toString).noneMatch(text -> text.contains("A1A2"));
        manager.detach();

        ReaderConnection connection = simulator.backend().connect(R1, ShareMode.SHARED, Set.of(Protocol.T1));
        assertThat(connection.secretCommands()).containsExactly(CommandPattern.parse("80 40"),
                CommandPattern.parse("0x 87"));
        connection.disconnect(dev.scard.api.Disposition.LEAVE);
    }

    @Test
    void aCardOfAnotherProfileMarksNothing() throws IOException {
        simulator.insertProfile(R1, profile("{\"secretCommands\": [\"80 40\"]}"));
        CardManager manager = new CardManager(simulator, new HandleTable(), new InterfaceProviders(), tap);
        manager.attachByIfd(R1, ShareMode.SHARED);
        assertThat(traced(manager, KEY_LOAD).withheld()).isEqualTo(8);
        simulator.remove(R1);
        simulator.insertProfile(R1, profile("{\"name\": \"plain card\"}"));
        manager.reconnect();
        assertThat(traced(manager, KEY_LOAD).withheld()).as("the new card marks nothing").isZero();
        manager.detach();

        ReaderConnection connection = simulator.backend().connect(R0, ShareMode.SHARED, Set.of(Protocol.T1));
        assertThat(connection.secretCommands()).as("the sample card").isEmpty();
        connection.disconnect(dev.scard.api.Disposition.LEAVE);
    }
}
