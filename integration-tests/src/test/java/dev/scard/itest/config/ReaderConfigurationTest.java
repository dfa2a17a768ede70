package dev.scard.itest.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.SimulatorControl;
import dev.scard.testsupport.Await;

/**
 * Simulated readers as factory configurations ({@value #FACTORY_PID}) through the real Config Admin and SCR:
 * creating a configuration adds the reader with its card, updating applies live, a bad value is logged and changes
 * nothing, deleting removes the reader.
 */
public class ReaderConfigurationTest extends OsgiTestSupport {

    static final String FACTORY_PID = "dev.scard.simulator.reader";
    static final String READER = "Configured Reader";
    /** The ATR of the profile this test writes. */
    static final String OTHER_ATR = "3B021450";
    static final String SAMPLE_ATR = "3B8801534341524453494D99";

    /** The logger the simulator's component logs through (the OSGi Log Service, Felix Log here). */
    private static final String SIMULATOR_LOGGER = "dev.scard.simulator.internal.SimulatorComponent";
    private final List<String> logged = new CopyOnWriteArrayList<>();

    private ConfigurationAdmin configurationAdmin;
    private SimulatorControl control;
    private SCardResourceManager resourceManager;

    @BeforeEach
    void services() throws Exception {
        configurationAdmin = awaitService(ConfigurationAdmin.class, null);
        control = awaitService(SimulatorControl.class, null);
        resourceManager = awaitService(SCardResourceManager.class,
                "(" + SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_SIMULATOR + ")");
        LogReaderService logReader = awaitService(LogReaderService.class, null);
        LogListener listener = entry -> {
            if (SIMULATOR_LOGGER.equals(entry.getLoggerName())) {
                logged.add(entry.getMessage());
            }
        };
        logReader.addLogListener(listener);
        onCleanup(() -> logReader.removeLogListener(listener));
    }

    /** A named factory configuration, deleted after the test. */
    private Configuration configuration(String name) throws Exception {
        Configuration configuration = configurationAdmin.getFactoryConfiguration(FACTORY_PID, name, "?");
        onCleanup(() -> {
            try {
                configuration.delete();
            } catch (IllegalStateException e) {
                // deleted by the test
            }
        });
        return configuration;
    }

    private static Hashtable<String, Object> values(String name, String profile, boolean cardInserted, String vpcd) {
        Hashtable<String, Object> values = new Hashtable<>();
        values.put("name", name);
        values.put("profile", profile);
        values.put("cardInserted", cardInserted);
        values.put("vpcd", vpcd);
        return values;
    }

    private Optional<ReaderInfo> reader(String name) {
        return resourceManager.listReaders().stream().filter(info -> info.name().equals(name)).findFirst();
    }

    private String atr(String name) {
        return reader(name).map(ReaderInfo::atrHex).orElse("(no reader)");
    }

    @Test
    void createUpdateAndDeleteAReader() throws Exception {
        Configuration configuration = configuration("itest");
        configuration.update(values(READER, "", true, ""));
        Await.until("the configured reader with the sample card", BOUND, () -> SAMPLE_ATR.equals(atr(READER)));
        assertThat(control.readers()).startsWith("Simulated Reader 0", "Simulated Reader 1").contains(READER);
        assertThat(control.served()).extracting(ServedReader::readerName).doesNotContain(READER);

        configuration.update(values(READER, "", false, ""));
        Await.until("the card removed", BOUND, () -> reader(READER).isPresent() && !control.isCardPresent(READER));

        Path profile = Files.createTempFile("itest-card", ".json");
        onCleanup(() -> Files.deleteIfExists(profile));
        Files.writeString(profile, "{\"name\": \"other\", \"atr\": \"3B 02 14 50\", \"protocol\": \"T=0\"}");
        configuration.update(values(READER, profile.toString(), true, ""));
        Await.until("a card of the profile", BOUND, () -> OTHER_ATR.equals(atr(READER)));

        configuration.update(values(READER, "", true, "127.0.0.1:35999"));
        // One update changes both; the simulator serves the new address before it swaps the card, so wait for both.
        Await.until("served to vpcd with the sample card instead of the profile's", BOUND,
                () -> SAMPLE_ATR.equals(atr(READER)) && control.served().stream().anyMatch( served -> served.readerName().equals(READER) && served.port() == 35999));

        configuration.delete();
        Await.until("the reader gone", BOUND, () -> reader(READER).isEmpty() && !control.readers().contains(READER));
        assertThat(control.served()).extracting(ServedReader::readerName).doesNotContain(READER);
        assertThat(control.readers()).contains("Simulated Reader 0", "Simulated Reader 1");
    }

    @Test
    void aBadValueIsLoggedAndTheReaderStaysAsItWas() throws Exception {
        Configuration configuration = configuration("itest-bad");
        configuration.update(values(READER, "", true, ""));
        Await.until("the configured reader", BOUND, () -> SAMPLE_ATR.equals(atr(READER)));
        String pid = configuration.getPid();

        configuration.update(values("Simulated Reader 0", "", false, ""));
        String expected = pid + ": name: 'Simulated Reader 0' is already a reader of dev.scard.simulator (its"
                + " readers list); reader '" + READER + "' stays as it was";
        Await.until("the error logged", BOUND, () -> logged.contains(expected));

        configuration.update(values(READER, "/no/such/card.json", false, ""));
        Await.until("the profile error logged", BOUND,
                () -> logged.stream().anyMatch(
                        message -> message.startsWith(pid + ": profile: card profile /no/such/card.json: ")));

        configuration.update(values(READER, "", false, "127.0.0.1"));
        Await.until("the vpcd error logged", BOUND,
                () -> logged.contains(pid + ": vpcd: '127.0.0.1' is not a vpcd address: use <host>:<port>, such as"
                        + " 127.0.0.1:35963 (vpcd's first slot; 35964 is the second); reader '" + READER
                        + "' stays as it was"));

        assertThat(control.readers()).contains(READER);
        assertThat(control.isCardPresent(READER)).isTrue();
        assertThat(atr(READER)).isEqualTo(SAMPLE_ATR);
        assertThat(control.isCardPresent("Simulated Reader 0")).isTrue();

        Configuration clash = configuration("itest-clash");
        clash.update(values(READER, "", true, ""));
        Await.until("the clash logged", BOUND,
                () -> logged.contains(clash.getPid() + ": name: '" + READER + "' is already the reader of the"
                        + " configuration " + pid + "; no reader added"));
        clash.delete();
        configuration.delete();
        Await.until("the reader gone", BOUND, () -> !control.readers().contains(READER));
    }
}
