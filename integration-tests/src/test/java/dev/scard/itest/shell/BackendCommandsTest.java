package dev.scard.itest.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Dictionary;
import java.util.List;
import java.util.regex.Pattern;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.itest.support.BackendConfig;
import dev.scard.itest.support.GogoShell;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.itest.support.VpcdRig;
import dev.scard.simulator.control.SimulatorControl;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Worker;

/**
 * {@code scard:backends}, {@code scard:use} and {@code scard:watch} in real Gogo sessions, and what a shell attachment
 * does when the default backend changes or its backend goes away.
 */
public class BackendCommandsTest extends OsgiTestSupport {

    private static final String READER_0 = "Simulated Reader 0";
    private static final String READER_1 = "Simulated Reader 1";
    /** One event line of scard:watch. */
    private static final Pattern EVENT_LINE = Pattern.compile(
            "\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  [A-Z_]+ +[a-z]+ +'[^']+'(  ATR [0-9A-F]+)?");

    private ConfigurationAdmin cm;

    @BeforeEach
    void builtInDefaultBeforeAndAfter() throws Exception {
        cm = awaitService(ConfigurationAdmin.class, null);
        awaitService(CommandProcessor.class, null);
        awaitServiceMatching("(&(osgi.command.scope=scard)(osgi.command.function=use))");
        awaitServiceMatching("(&(osgi.command.scope=scard)(osgi.command.function=watch))");
        onCleanup(() -> {
            for (String name : new String[] {"dev.scard.impl-simulator", "dev.scard.impl-pcsc"}) {
                Bundle bundle = bundle(name);
                if (bundle.getState() != Bundle.ACTIVE) {
                    bundle.start();
                }
            }
            BackendConfig.clear(cm);
            BackendConfig.awaitDefault(context, "simulator", BOUND);
            SimulatorControl control = awaitService(SimulatorControl.class, null);
            if (!control.isCardPresent(READER_0)) {
                control.insert(READER_0);
            }
            if (control.isCardPresent(READER_1)) {
                control.remove(READER_1);
            }
        });
        BackendConfig.clear(cm);
        BackendConfig.awaitDefault(context, "simulator", BOUND);
    }

    private GogoShell shell() throws InterruptedException {
        GogoShell shell = new GogoShell(awaitService(CommandProcessor.class, null));
        onCleanup(shell::close);
        return shell;
    }

    /** The line of {@code output} that starts with {@code word}. */
    private static String line(String output, String word) {
        return Arrays.stream(output.split("\n")).filter(l -> l.startsWith(word + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line for '" + word + "' in:\n" + output));
    }

    // ---- scard:backends and scard:use ---------------------------------------------------------------------

    @Test
    void backendsShowsStateRankingAndReadersAndUseSwitchesTheDefaultPersistently() throws Exception {
        GogoShell shell = shell();
        String before = shell.run("scard:backends");
        assertThat(before.split("\n")[0]).matches("Backend +State +Ranking +Readers");
        assertThat(line(before, "simulator")).matches("simulator +active, default +100 +2");
        assertThat(line(before, "pcsc")).matches("pcsc +active +50 +(\\d+|-)");
        if (line(before, "pcsc").endsWith("-")) {
            assertThat(before).as("a PC/SC backend without pcscd says why")
                    .containsPattern("Backend 'pcsc': .*\\[SCARD_E_NO_SERVICE 0x8010001D\\]");
        }

        assertThat(shell.run("scard:use pcsc"))
                .isEqualTo("Default backend: pcsc (service.ranking=1000 in dev.scard.service.pcsc)");
        String after = shell.run("scard:backends");
        assertThat(line(after, "simulator")).matches("simulator +active +100 +2");
        assertThat(line(after, "pcsc")).matches("pcsc +active, default +1000 \\(configured\\) +(\\d+|-)");
        assertThat(BackendConfig.defaultBackend(context, dev.scard.api.ISCardManage.class)).isEqualTo("pcsc");

        assertThat(shell.run("scard:use simulator")).isEqualTo("Default backend: simulator (service.ranking=1000"
                + " in dev.scard.service.simulator; removed dev.scard.service.pcsc)");
        assertThat(shell.run("scard:use simulator")).as("again: nothing to remove")
                .isEqualTo("Default backend: simulator (service.ranking=1000 in dev.scard.service.simulator)");
        Configuration[] stored = cm.listConfigurations("(service.pid=dev.scard.service.*)");
        assertThat(stored).hasSize(1);
        assertThat(stored[0].getPid()).isEqualTo("dev.scard.service.simulator");
        Dictionary<String, Object> properties = stored[0].getProperties();
        assertThat(properties.get(Constants.SERVICE_RANKING)).isEqualTo(1000);
        assertThat(line(shell.run("scard:backends"), "simulator"))
                .matches("simulator +active, default +1000 \\(configured\\) +2");
    }

    @Test
    void useRejectsAnUnknownBackendAndStoresNothing() throws Exception {
        GogoShell shell = shell();
        assertThat(shell.fails("scard:use nosuch")).isEqualTo("unknown backend 'nosuch' (known backends: pcsc,"
                + " simulator) [E_INVALIDARG 0x80070057]");
        assertThat(shell.fails("scard:use ''")).startsWith("no backend named (known backends: pcsc, simulator)");
        assertThat(cm.listConfigurations("(service.pid=dev.scard.service.*)")).isNull();
    }

    @Test
    void useOfAStoppedBackendIsStoredAndAppliesWhenItStarts() throws Exception {
        GogoShell shell = shell();
        Bundle pcsc = bundle("dev.scard.impl-pcsc");
        pcsc.stop();
        assertThat(shell.run("scard:use pcsc")).isEqualTo("Default backend: pcsc (service.ranking=1000 in"
                + " dev.scard.service.pcsc); 'pcsc' is not running: it becomes the default when it starts");
        String backends = shell.run("scard:backends");
        assertThat(line(backends, "simulator")).matches("simulator +active, default +100 +2");
        assertThat(line(backends, "pcsc")).matches("pcsc +not running +1000 \\(configured\\) +-");
        pcsc.start();
        BackendConfig.awaitDefault(context, "pcsc", BOUND);
        loadPcsc();
        assertThat(line(shell.run("scard:backends"), "pcsc")).startsWith("pcsc").contains("active, default");
    }

    /**
     * Has the PC/SC backend load its library before a command that lists its readers: it loads at its first use,
     * and without pcscd it then logs one notice, which would otherwise land on the error stream of the shell session
     * whose command happened to be first (Gogo gives each command's thread its session's streams).
     */
    private void loadPcsc() throws InterruptedException {
        try {
            awaitService(SCardResourceManager.class, "(scard.backend=pcsc)").listReaders();
        } catch (SCardException e) {
            // no pcscd here: the notice is logged, outside any shell session
        }
    }

    // ---- attachments across a switch ------------------------------------------------------------------------

    @Test
    void aShellAttachmentStaysOnItsBackendAcrossASwitchAndEndsCleanlyWhenTheBackendStops() throws Exception {
        GogoShell shell = shell();
        shell.run("scard:attach '" + READER_0 + "'");
        shell.run("scard:use pcsc");
        assertThat(shell.run("scard:status")).contains("Backend:  simulator");
        assertThat(shell.run("scard:apdu 00A40000023F00")).contains("SW 9000");

        Bundle simulator = bundle("dev.scard.impl-simulator");
        simulator.stop();
        assertThat(shell.fails("scard:status")).isEqualTo("not attached: the 'simulator' backend stopped; run"
                + " scard:attach again [SCARD_E_INVALID_HANDLE 0x80100003]");
        assertThat(shell.fails("scard:status")).startsWith("not attached: run scard:attach");
        simulator.start();
        awaitService(SimulatorControl.class, null);
        BackendConfig.awaitDefault(context, "pcsc", BOUND);
        assertThat(shell.run("scard:attach '" + READER_0 + "'")).startsWith("Attached to '" + READER_0 + "'");
        assertThat(shell.run("scard:status")).contains("Backend:  simulator");
        shell.run("scard:detach");

        VpcdRig.require("attaching to the default PC/SC backend from the shell");
        VpcdRig.requireServing("attaching to the default PC/SC backend from the shell",
                awaitService(SimulatorControl.class, null),
                awaitService(dev.scard.api.SCardResourceManager.class, "(scard.backend=pcsc)"));
        assertThat(shell.run("scard:attach '" + VpcdRig.CARD_READER + "'"))
                .startsWith("Attached to '" + VpcdRig.CARD_READER + "'");
        assertThat(shell.run("scard:status")).contains("Backend:  pcsc");
        assertThat(shell.run("scard:apdu 00A40000023F00")).contains("SW 9000");
    }

    // ---- scard:watch ------------------------------------------------------------------------------------------

    @Test
    void watchPrintsTheEventsOfAGivenDurationAndNoMore() throws Exception {
        GogoShell shell = shell();
        SimulatorControl control = awaitService(SimulatorControl.class, null);
        Worker<String> watching = inBackground("scard:watch", () -> shell.run("scard:watch -b simulator 2"));
        awaitWatching(shell);
        control.insert(READER_1);
        control.reset(READER_1);
        control.remove(READER_1);
        String summary = watching.get(BOUND);
        String[] lines = shell.console().split("\n");
        assertThat(lines[0]).isEqualTo("Watching reader and card events of 'simulator' for 2 s (Ctrl-C stops)");
        for (int i = 1; i < lines.length; i++) {
            assertThat(lines[i]).matches(EVENT_LINE);
        }
        // first the readers and cards that are there (as every listener hears them), then what happened
        List<String> state = List.of(lines).subList(1, lines.length - 3);
        assertThat(state).allMatch(l -> l.contains("  READER_ADDED    simulator  ")
                || l.contains("  CARD_INSERTED   simulator  "));
        assertThat(state).anyMatch(l -> l.endsWith("  READER_ADDED    simulator  'Simulated Reader 0'"))
                .anyMatch(l -> l.endsWith("  READER_ADDED    simulator  'Simulated Reader 1'"))
                .noneMatch(l -> l.contains("CARD_INSERTED   simulator  'Simulated Reader 1'"));
        assertThat(lines[lines.length - 3]).contains("  CARD_INSERTED   simulator  'Simulated Reader 1'  ATR 3B");
        assertThat(lines[lines.length - 2]).contains("  CARD_RESET      simulator  'Simulated Reader 1'  ATR 3B");
        assertThat(lines[lines.length - 1]).endsWith("  CARD_REMOVED    simulator  'Simulated Reader 1'");
        assertThat(summary).isEqualTo("Watched 2 s: " + (lines.length - 1) + " events");
        assertThat(shellListeners()).as("the listener is gone with the command").isEmpty();
    }

    @Test
    void watchWithoutDurationRunsUntilInterrupted() throws Exception {
        GogoShell shell = shell();
        Worker<String> watching = inBackground("scard:watch", () -> shell.run("scard:watch"));
        awaitWatching(shell);
        awaitService(SimulatorControl.class, null).insert(READER_1);
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!shell.console().contains("CARD_INSERTED   simulator  'Simulated Reader 1'")) {
            assertThat(System.nanoTime()).as("the event is printed while the command runs").isLessThan(deadline);
            Thread.sleep(5);
        }
        shell.interrupt(); // what Ctrl-C does
        // Gogo ends an interrupted command with InterruptedException and drops its value: the summary is printed
        assertThat(watching.failure(BOUND)).hasRootCauseInstanceOf(InterruptedException.class);
        // the command's own thread ends a moment after Gogo gave up waiting for it
        deadline = System.nanoTime() + BOUND.toNanos();
        while (!shell.console().contains("Stopped watching") || !shellListeners().isEmpty()) {
            assertThat(System.nanoTime()).as("scard:watch ends after the interrupt").isLessThan(deadline);
            Thread.sleep(5);
        }
        String[] lines = shell.console().split("\n");
        assertThat(lines[0]).isEqualTo("Watching reader and card events of every backend until Ctrl-C");
        assertThat(lines).anyMatch(l -> l.matches(EVENT_LINE.pattern()) && l.contains("  CARD_INSERTED   simulator"
                + "  'Simulated Reader 1'  ATR 3B"));
        assertThat(lines[lines.length - 1])
                .matches("Stopped watching \\(interrupted\\) after [0-9.]+ m?s: [1-9]\\d* events?");
        assertThat(shellListeners()).isEmpty();
    }

    @Test
    void watchRejectsBadDurations() throws Exception {
        GogoShell shell = shell();
        assertThat(shell.fails("scard:watch 0")).startsWith("watch duration '0' is zero").endsWith("[E_INVALIDARG"
                + " 0x80070057]");
        assertThat(shell.fails("scard:watch -5")).contains("negative").endsWith("[E_INVALIDARG 0x80070057]");
        assertThat(shell.fails("scard:watch soon")).isEqualTo("'soon' is not a timeout (e.g. 500ms, 2s, 1.5s, 1m"
                + " or plain milliseconds) [E_INVALIDARG 0x80070057]");
        assertThat(shellListeners()).isEmpty();
    }

    /** Event listeners the shell registered (scard:watch's), now. */
    private java.util.Collection<ServiceReference<SCardEventListener>> shellListeners() {
        Bundle shellBundle = bundle("dev.scard.shell-commands");
        return references(SCardEventListener.class, null).stream()
                .filter(ref -> ref.getBundle() == shellBundle).toList();
    }

    /**
     * Waits until scard:watch printed its first line, which it does once its listener is registered (and bound by
     * the backends: that happens while the service is registered). Seeing the registration in the registry is not
     * enough: another thread can see it there before the backends were told.
     */
    private void awaitWatching(GogoShell shell) throws InterruptedException {
        Await.until("scard:watch started", BOUND,
                () -> shell.console().startsWith("Watching reader and card events"));
        assertThat(shellListeners()).hasSize(1);
    }
}
