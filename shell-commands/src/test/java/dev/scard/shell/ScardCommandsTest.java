package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.lang.reflect.Proxy;
import java.util.Map;

import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;

/** The commands' behaviour over an in-memory registry with two backends. */
class ScardCommandsTest {

    private static final String ATR = "3B8880010102030405060708";

    private FakeRegistry registry;
    private FakeBackend simulator;
    private FakeBackend pcsc;
    private ServiceReference<ISCardManage> simulatorManagers;
    private ScardCommands commands;
    private CommandSession session;

    @BeforeEach
    void setUp() {
        registry = new FakeRegistry();
        simulator = new FakeBackend("simulator", "Simulated Reader 0", "Simulated Reader 1");
        simulator.readers.put("Simulated Reader 1", false);
        pcsc = new FakeBackend("pcsc", "Virtual PCD 00 00");
        registry.register(SCardResourceManager.class, pcsc, props("pcsc", 0));
        registry.register(SCardResourceManager.class, simulator, props("simulator", 10));
        simulatorManagers = registry.registerPrototype(ISCardManage.class, simulator::newManager,
                props("simulator", 10));
        registry.registerPrototype(ISCardManage.class, pcsc::newManager, props("pcsc", 0));
        commands = new ScardCommands(registry.context);
        session = newSession();
    }

    private static Map<String, Object> props(String backend, int ranking) {
        return Map.of(SCardServiceProperties.BACKEND, backend, Constants.SERVICE_RANKING, ranking);
    }

    private static CommandSession newSession() {
        Map<String, Object> variables = new java.util.HashMap<>();
        return (CommandSession) Proxy.newProxyInstance(ScardCommandsTest.class.getClassLoader(),
                new Class<?>[] {CommandSession.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "put":
                            return variables.put((String) args[0], args[1]);
                        case "get":
                            return variables.get((String) args[0]);
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    private static String[] words(String... words) {
        return words;
    }

    @Test
    void listsTheReadersOfEveryBackendBestRankedFirst() {
        assertThat(commands.readers("")).isEqualTo(String.join("\n",
                "Reader              Backend    Card     Exclusive  ATR",
                "Simulated Reader 0  simulator  present  no         " + ATR,
                "Simulated Reader 1  simulator  absent   no         -",
                "Virtual PCD 00 00   pcsc       present  no         " + ATR));
        assertThat(registry.singletonGets).isEqualTo(registry.singletonUngets);
    }

    @Test
    void listsTheReadersOfOneBackend() {
        assertThat(commands.readers("pcsc")).isEqualTo(String.join("\n",
                "Reader             Backend  Card     Exclusive  ATR",
                "Virtual PCD 00 00  pcsc     present  no         " + ATR));
        assertThatIllegalArgumentException().isThrownBy(() -> commands.readers("nfc"))
                .withMessage("unknown backend 'nfc' (running: pcsc, simulator)" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void listsTheOtherBackendsWhenOneFails() {
        pcsc.listFailure = new SCardException(HResult.SCARD_E_NO_SERVICE, "pcscd is not running");
        assertThat(commands.readers("")).endsWith("\nBackend 'pcsc': pcscd is not running"
                + " [SCARD_E_NO_SERVICE 0x8010001D]").contains("Simulated Reader 0");
    }

    @Test
    void saysWhenNoBackendRuns() {
        ScardCommands alone = new ScardCommands(new FakeRegistry().context);
        assertThat(alone.readers("")).isEqualTo("No readers (no smart-card backend is running)");
        assertThatIllegalStateException().isThrownBy(() -> alone.attach(session, "", "t0,t1", words("R")))
                .withMessage("no smart-card backend is running (no SCardResourceManager service)" + " [SCARD_E_NO_SERVICE 0x8010001D]");
    }

    @Test
    void attachesThroughTheBackendThatOwnsTheReader() {
        assertThat(commands.attach(session, "", "t0,t1", words("Virtual PCD 00 00")))
                .isEqualTo("Attached to 'Virtual PCD 00 00' (shared, T1, ATR " + ATR + ")");
        assertThat(pcsc.managers).hasSize(1);
        assertThat(simulator.managers).isEmpty();
        assertThat(pcsc.calls).containsExactly("attach Virtual PCD 00 00 SHARED [T0, T1]");
    }

    @Test
    void joinsTheWordsOfAnUnquotedReaderNameAndReadsTheShareMode() {
        assertThat(commands.attach(session, "", "t1", words("Simulated", "Reader", "0", "exclusive")))
                .isEqualTo("Attached to 'Simulated Reader 0' (exclusive, T1, ATR " + ATR + ")");
        assertThat(simulator.calls).containsExactly("attach Simulated Reader 0 EXCLUSIVE [T1]");
    }

    @Test
    void attachesToAReaderWithoutCard() {
        assertThat(commands.attach(session, "", "t0,t1", words("Simulated Reader 1")))
                .isEqualTo("Attached to 'Simulated Reader 1' (shared, no card: a reader attachment; insert a card,"
                        + " then scard:reconnect)");
        assertThat(commands.status(session)).contains("State:    ABSENT (1)", "Protocol: UNDEFINED (0)");
    }

    @Test
    void rejectsUnknownReadersAndShareModes() {
        assertThatIllegalArgumentException().isThrownBy(() -> commands.attach(session, "", "t0,t1", words("Nope")))
                .withMessage("unknown reader 'Nope' (scard:readers lists the readers)" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> commands.attach(session, "", "t0,t1", words("Simulated Reader 0", "direct")))
                .withMessage("unknown share mode 'direct' (use shared or exclusive)" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> commands.attach(session, "", "t9", words("Simulated Reader 0")))
                .withMessage("unknown protocol 't9' in 't9' (use t0, t1, raw or any)" + " [E_INVALIDARG 0x80070057]");
        assertThat(registry.outstanding).isEmpty();
    }

    @Test
    void eachSessionHasItsOwnManager() {
        CommandSession other = newSession();
        commands.attach(session, "", "t0,t1", words("Simulated Reader 0"));
        commands.attach(other, "", "t0,t1", words("Simulated Reader 1"));
        assertThat(simulator.managers).hasSize(2);
        assertThat(commands.status(session)).startsWith("Reader:   Simulated Reader 0\n");
        assertThat(commands.status(other)).startsWith("Reader:   Simulated Reader 1\n");
        assertThat(registry.outstanding).hasSize(2);
    }

    @Test
    void attachWhileAttachedKeepsTheAttachment() {
        commands.attach(session, "", "t0,t1", words("Simulated Reader 0"));
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> commands.attach(session, "", "t0,t1", words("Simulated Reader 1")))
                .withMessageEndingWith("[E_FAIL 0x80004005]");
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> commands.attach(session, "", "t0,t1", words("Virtual PCD 00 00")))
                .withMessage("this session is attached to 'Simulated Reader 0' (simulator); run scard:detach first"
                        + " [E_FAIL 0x80004005]");
        assertThat(commands.status(session)).startsWith("Reader:   Simulated Reader 0\n");
        assertThat(registry.outstanding).hasSize(1);
        assertThat(pcsc.managers).isEmpty();
    }

    @Test
    void detachReleasesTheManagerSoAnotherBackendCanBeUsed() {
        commands.attach(session, "", "t0,t1", words("Simulated Reader 0"));
        assertThat(commands.detach(session)).isEqualTo("Detached from 'Simulated Reader 0'");
        assertThat(registry.outstanding).isEmpty();
        assertThat(commands.detach(session)).isEqualTo("Not attached");
        commands.attach(session, "", "t0,t1", words("Virtual PCD 00 00"));
        assertThat(pcsc.managers).hasSize(1);
    }

    @Test
    void commandsThatNeedAnAttachmentSaySo() {
        assertThatIllegalStateException().isThrownBy(() -> commands.status(session))
                .withMessage(ScardCommands.NOT_ATTACHED + " [SCARD_E_INVALID_HANDLE 0x80100003]");
        assertThatIllegalStateException().isThrownBy(() -> commands.apdu(session, "00A40400"))
                .withMessage(ScardCommands.NOT_ATTACHED + " [SCARD_E_INVALID_HANDLE 0x80100003]");
        assertThatIllegalStateException().isThrownBy(() -> commands.lock(session))
                .withMessage(ScardCommands.NOT_ATTACHED + " [SCARD_E_INVALID_HANDLE 0x80100003]");
        assertThatIllegalStateException().isThrownBy(() -> commands.unlock(session))
                .withMessage(ScardCommands.NOT_ATTACHED + " [SCARD_E_INVALID_HANDLE 0x80100003]");
        assertThatIllegalStateException().isThrownBy(() -> commands.reconnect(session))
                .withMessage(ScardCommands.NOT_ATTACHED + " [SCARD_E_INVALID_HANDLE 0x80100003]");
    }

    @Test
    void sendsApdusAndShowsTheAnswer() {
        simulator.card = apdu -> new byte[] {0x4F, 0x4B, (byte) 0x90, 0x00};
        commands.attach(session, "", "t0,t1", words("Simulated Reader 0"));
        assertThat(commands.apdu(session, "00", "A4", "04:00", "02 3F00"))
                .isEqualTo("Data: 4F 4B\nText: \"OK\"\nSW 9000 success");
        assertThat(simulator.calls).contains("transmit 00A40400023F00");
        simulator.card = apdu -> new byte[] {0x6A, (byte) 0x82};
        assertThat(commands.apdu(session, "00B00000")).isEqualTo("SW 6A82 file or application not found");
    }

    @Test
    void checksApduInputBeforeAnythingElse() {
        assertThatIllegalArgumentException().isThrownBy(() -> commands.apdu(session, "12G4"))
                .withMessage("APDU word 1 is not hexadecimal: character 3 is 'G'" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.apdu(session))
                .withMessage("no APDU given" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void letsApiFailuresThroughWithTheirCode() {
        commands.attach(session, "", "t0,t1", words("Simulated Reader 1"));
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.apdu(session, "00A40400"))
                .withMessage("no card in reader 'Simulated Reader 1' [SCARD_E_NO_SMARTCARD 0x8010000C]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.unlock(session))
                .withMessageEndingWith("[SCARD_E_NOT_TRANSACTED 0x80100016]");
    }

    @Test
    void reconnectsLocksAndUnlocks() {
        commands.attach(session, "", "t0,t1", words("Simulated Reader 0"));
        assertThat(commands.reconnect(session, "reset"))
                .isEqualTo("Reconnected to 'Simulated Reader 0' (reset, T1, ATR " + ATR + ")");
        assertThat(commands.reconnect(session)).isEqualTo("Reconnected to 'Simulated Reader 0' (leave, T1, ATR "
                + ATR + ")");
        assertThat(commands.lock(session, "2s")).isEqualTo("Locked 'Simulated Reader 0'");
        assertThat(commands.unlock(session, "unpower")).isEqualTo("Unlocked 'Simulated Reader 0' (unpower)");
        assertThat(commands.lock(session)).isEqualTo("Locked 'Simulated Reader 0'");
        assertThat(commands.unlock(session)).isEqualTo("Unlocked 'Simulated Reader 0' (leave)");
        assertThat(simulator.calls).containsSubsequence("reconnect RESET", "reconnect LEAVE", "lock PT2S",
                "unlock UNPOWER", "lock", "unlock LEAVE");
    }

    @Test
    void rejectsBadWordsForReconnectLockAndUnlock() {
        commands.attach(session, "", "t0,t1", words("Simulated Reader 0"));
        assertThatIllegalArgumentException().isThrownBy(() -> commands.reconnect(session, "eject"))
                .withMessage("the disposition 'eject' is not allowed here (use leave, reset or unpower)" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.unlock(session, "later"))
                .withMessage("unknown disposition 'later' (use leave, reset, unpower or eject)" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.lock(session, "2x"))
                .withMessageStartingWith("'2x' is not a timeout");
    }

    @Test
    void statusShowsTheContractNumbers() {
        commands.attach(session, "", "t0,t1", words("Simulated Reader 0"));
        assertThat(commands.status(session)).isEqualTo(String.join("\n",
                "Reader:   Simulated Reader 0",
                "Backend:  simulator",
                "State:    SPECIFIC_MODE (6)",
                "Protocol: T1 (2)",
                "ATR:      " + ATR));
    }

    @Test
    void connectsAttachesByHandleAndDisconnects() {
        assertThat(commands.connect(session, "", "t0,t1", words("Simulated Reader 0")))
                .isEqualTo("Handle 1 connected to 'Simulated Reader 0' (shared, T1); scard:attach-handle 1"
                        + " attaches to it, scard:disconnect 1 closes it");
        assertThat(commands.attachHandle(session, "", "1"))
                .isEqualTo("Attached to 'Simulated Reader 0' via handle 1 (shared, T1, ATR " + ATR + ")");
        assertThat(commands.status(session)).contains("Handle:   1");
        assertThat(commands.detach(session))
                .isEqualTo("Detached from 'Simulated Reader 0'; handle 1 stays open, scard:disconnect 1 closes it");
        assertThat(simulator.handles).containsKey(1L);
        assertThat(commands.disconnect(session, "", "1", "reset"))
                .isEqualTo("Disconnected handle 1 from 'Simulated Reader 0' (reset)");
        assertThat(simulator.calls).contains("disconnect 1 RESET");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.disconnect(session, "simulator", "1"))
                .withMessage("no handle 1 opened in this session on backend 'simulator' (scard:connect opens one;"
                        + " a handle belongs to the session that opened it) [E_INVALIDARG 0x80070057]");
    }

    @Test
    void theNewHandleIsInTheSessionVariableHandle() {
        commands.connect(session, "", "t0,t1", words("Simulated Reader 0"));
        assertThat(session.get("handle")).isEqualTo(1L);
        commands.connect(session, "", "t0,t1", words("Virtual PCD 00 00"));
        assertThat(session.get("handle")).isEqualTo(1L); // the fake PC/SC backend counts from 1 too
        commands.connect(session, "simulator", "t0,t1", words("Simulated Reader 0"));
        assertThat(session.get("handle")).isEqualTo(2L);
    }

    @Test
    void anotherSessionCannotAttachToOrDisconnectAHandle() {
        CommandSession other = newSession();
        commands.connect(session, "", "t0,t1", words("Simulated Reader 0"));
        String notHers = "no handle 1 opened in this session (scard:connect opens one; a handle belongs to the"
                + " session that opened it) [E_INVALIDARG 0x80070057]";
        assertThatIllegalArgumentException().isThrownBy(() -> commands.attachHandle(other, "", "1"))
                .withMessage(notHers);
        assertThatIllegalArgumentException().isThrownBy(() -> commands.disconnect(other, "", "1"))
                .withMessage(notHers);
        assertThatIllegalArgumentException().isThrownBy(() -> commands.attachHandle(other, "simulator", "1"))
                .withMessageStartingWith("no handle 1 opened in this session on backend 'simulator'");
        assertThat(registry.outstanding).as("no manager was got for the refused attach").isEmpty();
        assertThat(simulator.handles).containsKey(1L);
        assertThat(simulator.calls).noneMatch(call -> call.startsWith("disconnect"));

        assertThat(commands.attachHandle(session, "", "1")).startsWith("Attached to 'Simulated Reader 0' via handle 1");
        assertThat(commands.disconnect(session, "", "1")).isEqualTo("Disconnected handle 1 from 'Simulated Reader 0'"
                + " (leave)");
    }

    @Test
    void asksForTheBackendOfAnAmbiguousHandle() {
        commands.connect(session, "", "t0,t1", words("Simulated Reader 0"));
        commands.connect(session, "", "t0,t1", words("Virtual PCD 00 00"));
        assertThatIllegalArgumentException().isThrownBy(() -> commands.attachHandle(session, "", "1"))
                .withMessage("handle 1 exists on several backends [pcsc, simulator]; name one with -b" + " [E_INVALIDARG 0x80070057]");
        assertThat(commands.attachHandle(session, "pcsc", "1")).startsWith("Attached to 'Virtual PCD 00 00'");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.disconnect(session, "", "7"))
                .withMessageStartingWith("no handle 7 opened in this session (");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.disconnect(session, "", "x1"))
                .withMessage("'x1' is not a handle number" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> commands.disconnect(session, "", "1", "drop"))
                .withMessage("unknown disposition 'drop' (use leave, reset, unpower or eject)" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void aFailedAttachByHandleReleasesTheManager() {
        commands.connect(session, "", "t0,t1", words("Virtual PCD 00 00"));
        pcsc.handles.remove(1L); // the backend dropped it meanwhile
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> commands.attachHandle(session, "pcsc", "1"))
                .withMessage("unknown handle 1 [E_INVALIDARG 0x80070057]");
        assertThat(registry.outstanding).isEmpty();
        assertThatIllegalStateException().isThrownBy(() -> commands.status(session))
                .withMessage(ScardCommands.NOT_ATTACHED + " [SCARD_E_INVALID_HANDLE 0x80100003]");
    }

    @Test
    void anAttachmentWhoseBackendStoppedIsDropped() {
        commands.attach(session, "", "t0,t1", words("Simulated Reader 0"));
        registry.unregister(simulatorManagers);
        assertThatIllegalStateException().isThrownBy(() -> commands.status(session))
                .withMessage("not attached: the 'simulator' backend stopped; run scard:attach again" + " [SCARD_E_INVALID_HANDLE 0x80100003]");
        assertThatIllegalStateException().isThrownBy(() -> commands.status(session))
                .withMessage(ScardCommands.NOT_ATTACHED + " [SCARD_E_INVALID_HANDLE 0x80100003]");
    }

    @Test
    void deactivateReleasesEveryManagerAndClosesShellHandles() {
        commands.attach(session, "", "t0,t1", words("Simulated Reader 0"));
        commands.attach(newSession(), "", "t0,t1", words("Virtual PCD 00 00"));
        commands.connect(session, "", "t0,t1", words("Simulated Reader 0"));
        assertThat(registry.outstanding).hasSize(2);
        commands.deactivate();
        assertThat(registry.outstanding).isEmpty();
        assertThat(simulator.handles).isEmpty();
        assertThat(simulator.calls).contains("disconnect 1 LEAVE");
        assertThat(simulator.managers.get(0).isAttached()).isFalse();
    }

    @Test
    void managersOfForgottenSessionsAreReleased() throws InterruptedException {
        commands.attach(newSession(), "", "t0,t1", words("Simulated Reader 0"));
        assertThat(registry.outstanding).hasSize(1);
        for (int i = 0; i < 100 && !registry.outstanding.isEmpty(); i++) {
            System.gc();
            Thread.sleep(20);
            commands.detach(session); // any command releases what forgotten sessions held
        }
        assertThat(registry.outstanding).isEmpty();
    }
}
