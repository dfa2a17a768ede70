package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;

/**
 * The commands as Gogo's own runtime calls them: argument coercion (numbers that Gogo would turn into longs,
 * several words, options), the session it injects, and the {@code _main} entry of {@code attach-handle}.
 */
class GogoSessionTest {

    private static final String ATR = "3B8880010102030405060708";
    private static final String[] SCARD_FUNCTIONS = {"readers", "attach", "connect", "disconnect", "detach",
        "reconnect", "lock", "unlock", "status", "apdu"};

    private ThreadIOImpl threadIO;
    private CommandProcessorImpl processor;
    private FakeBackend simulator;
    private CommandSession session;

    @BeforeEach
    void setUp() {
        FakeRegistry registry = new FakeRegistry();
        simulator = new FakeBackend("simulator", "Simulated Reader 0", "Simulated Reader 1");
        Map<String, Object> props = Map.of(SCardServiceProperties.BACKEND, "simulator", Constants.SERVICE_RANKING, 0);
        registry.register(SCardResourceManager.class, simulator, props);
        registry.registerPrototype(ISCardManage.class, simulator::newManager, props);
        ScardCommands commands = new ScardCommands(registry.context);

        threadIO = new ThreadIOImpl();
        threadIO.start();
        processor = new CommandProcessorImpl(threadIO);
        for (String function : SCARD_FUNCTIONS) {
            processor.addCommand("scard", commands, function);
        }
        processor.addCommand("scard", new AttachHandleCommand(commands), "attach-handle");
        session = newSession();
    }

    private CommandSession newSession() {
        return processor.createSession(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new ByteArrayOutputStream());
    }

    @AfterEach
    void tearDown() {
        processor.stop();
        threadIO.stop();
    }

    private Object run(String line) throws Exception {
        return session.execute(line);
    }

    @Test
    void listsReaders() throws Exception {
        assertThat(run("scard:readers")).asString().startsWith("Reader ").contains("Simulated Reader 1");
        assertThat(run("scard:readers -b simulator")).asString().contains("Simulated Reader 0");
    }

    @Test
    void attachesByAQuotedOrUnquotedNameWithOptions() throws Exception {
        assertThat(run("scard:attach 'Simulated Reader 0'"))
                .isEqualTo("Attached to 'Simulated Reader 0' (shared, T1, ATR " + ATR + ")");
        assertThat(run("scard:detach")).isEqualTo("Detached from 'Simulated Reader 0'");
        assertThat(run("scard:attach -p t1 Simulated Reader 0 exclusive"))
                .isEqualTo("Attached to 'Simulated Reader 0' (exclusive, T1, ATR " + ATR + ")");
        assertThat(simulator.calls).containsExactly("attach Simulated Reader 0 SHARED [T0, T1]",
                "attach Simulated Reader 0 EXCLUSIVE [T1]");
    }

    @Test
    void keepsTheAttachmentAcrossCommandsOfOneSessionOnly() throws Exception {
        run("scard:attach \"Simulated Reader 0\"");
        assertThat(run("scard:status")).asString().startsWith("Reader:   Simulated Reader 0\n");
        CommandSession other = newSession();
        assertThatIllegalStateException().isThrownBy(() -> other.execute("scard:status"))
                .withMessage(ScardCommands.NOT_ATTACHED + " [SCARD_E_INVALID_HANDLE 0x80100003]");
    }

    @Test
    void sendsHexBytesAsTyped() throws Exception {
        run("scard:attach 'Simulated Reader 0'");
        // Gogo would read 00 and 04 as the number 0 and 4; the command must see the typed text.
        assertThat(run("scard:apdu 00 A4 04 00 02 3F 00")).isEqualTo("SW 9000 success");
        assertThat(run("scard:apdu 00:B0:00:00:10")).isEqualTo("SW 9000 success");
        assertThat(run("scard:apdu '00 B0 0000 00'")).isEqualTo("SW 9000 success");
        assertThat(run("scard:apdu 0010 1E10")).isEqualTo("SW 9000 success");
        assertThat(simulator.calls).containsSubsequence("transmit 00A40400023F00", "transmit 00B0000010",
                "transmit 00B0000000", "transmit 00101E10");
    }

    @Test
    void reportsBadInputAsIllegalArgument() throws Exception {
        run("scard:attach 'Simulated Reader 0'");
        assertThatIllegalArgumentException().isThrownBy(() -> run("scard:apdu 00 12G4"))
                .withMessage("APDU word 2 is not hexadecimal: character 3 is 'G'" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> run("scard:lock soon"))
                .withMessageStartingWith("'soon' is not a timeout");
        assertThatIllegalArgumentException().isThrownBy(() -> run("scard:attach-handle abc"))
                .withMessage("'abc' is not a handle number" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void takesTimeoutsAndDispositions() throws Exception {
        run("scard:attach 'Simulated Reader 0'");
        assertThat(run("scard:lock 500")).isEqualTo("Locked 'Simulated Reader 0'");
        assertThat(run("scard:unlock reset")).isEqualTo("Unlocked 'Simulated Reader 0' (reset)");
        assertThat(run("scard:lock 2s")).isEqualTo("Locked 'Simulated Reader 0'");
        assertThat(run("scard:unlock")).isEqualTo("Unlocked 'Simulated Reader 0' (leave)");
        assertThat(run("scard:reconnect unpower")).asString().startsWith("Reconnected to 'Simulated Reader 0'"
                + " (unpower, T1");
        assertThat(simulator.calls).containsSubsequence("lock PT0.5S", "unlock RESET", "lock PT2S", "unlock LEAVE",
                "reconnect UNPOWER");
    }

    @Test
    void connectsAttachesByHandleAndDisconnects() throws Exception {
        assertThat(run("scard:connect 'Simulated Reader 0'")).asString().startsWith("Handle 1 connected to");
        assertThat(run("scard:attach-handle $handle"))
                .isEqualTo("Attached to 'Simulated Reader 0' via handle 1 (shared, T1, ATR " + ATR + ")");
        assertThat(run("scard:detach")).asString().endsWith("; handle 1 stays open, scard:disconnect 1 closes it");
        assertThat(run("scard:disconnect -b simulator 1 eject"))
                .isEqualTo("Disconnected handle 1 from 'Simulated Reader 0' (eject)");
        assertThatIllegalArgumentException().isThrownBy(() -> run("scard:attach-handle -b simulator 1"))
                .withMessageStartingWith("no handle 1 opened in this session")
                .withMessageEndingWith("[E_INVALIDARG 0x80070057]");
    }
}
