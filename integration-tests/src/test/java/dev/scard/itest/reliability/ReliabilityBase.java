package dev.scard.itest.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.itest.support.ExternalProgram;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.itest.support.SampleProfile;
import dev.scard.itest.support.VpcdRig;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.control.SimulatorControl;
import dev.scard.testsupport.Worker;

/**
 * What the reliability tests share: managers of either backend that are detached (with a bound: a detach that hangs
 * is reported, not waited for) and released after the test, card models put into a simulated reader and the sample
 * card put back afterwards, the PC/SC rig ({@link VpcdRig}), the {@code callTimeoutMillis} configuration, and
 * pyscard as "another process".
 */
abstract class ReliabilityBase extends OsgiTestSupport {

    static final String SIM = SCardServiceProperties.BACKEND_SIMULATOR;
    static final String PCSC = SCardServiceProperties.BACKEND_PCSC;
    static final String SIM_READER_0 = "Simulated Reader 0";
    static final String SIM_READER_1 = "Simulated Reader 1";
    static final String PCSC_BUNDLE = "dev.scard.impl-pcsc";
    static final String SIM_BUNDLE = "dev.scard.impl-simulator";
    /** The configuration property that bounds every blocking call of a backend. */
    static final String CALL_TIMEOUT = "callTimeoutMillis";
    /** The backends' configuration PIDs that take {@value #CALL_TIMEOUT}. */
    static final List<String> TIMEOUT_PIDS = List.of("dev.scard.pcsc", "dev.scard.simulator");

    protected SimulatorControl control;

    @BeforeEach
    void reliabilityServices() throws Exception {
        control = awaitService(SimulatorControl.class, null);
    }

    static String filter(String backend) {
        return "(" + SCardServiceProperties.BACKEND + "=" + backend + ")";
    }

    SCardResourceManager resourceManager(String backend) throws InterruptedException {
        return awaitService(SCardResourceManager.class, filter(backend));
    }

    /** A fresh manager of {@code backend}, detached (bounded) and released after the test. */
    ISCardManage manager(String backend) throws InterruptedException {
        ServiceReference<ISCardManage> reference = awaitReference(ISCardManage.class, filter(backend));
        ServiceObjects<ISCardManage> objects = context.getServiceObjects(reference);
        ISCardManage manager = objects.getService();
        assertThat(manager).as("a manager of %s", backend).isNotNull();
        onCleanup(() -> {
            bounded("detach of a manager in the clean-up", BOUND, () -> {
                try {
                    manager.detach();
                } catch (SCardException | IllegalStateException e) {
                    // released or stopped already
                }
                try {
                    objects.ungetService(manager);
                } catch (IllegalStateException | IllegalArgumentException e) {
                    // the backend stopped: the framework released it
                }
                return null;
            });
        });
        return manager;
    }

    /** A manager of {@code backend} attached to {@code reader}. */
    ISCardManage attached(String backend, String reader) throws InterruptedException {
        ISCardManage manager = manager(backend);
        manager.attachByIfd(reader);
        return manager;
    }

    /**
     * Runs {@code task} on a daemon thread and waits at most {@code bound}; a task still running then is left
     * behind (reported on standard error) and false returned.
     */
    static boolean bounded(String what, Duration bound, java.util.concurrent.Callable<?> task)
            throws InterruptedException {
        Worker<?> worker = Worker.start(what, task);
        if (!worker.join(bound)) {
            System.err.println("RELIABILITY: " + what + " did not return within " + bound + " ("
                    + worker.thread().getState() + "); left behind");
            return false;
        }
        return true;
    }

    /** Milliseconds since {@code startNanos}. */
    static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Whether the PC/SC rig (pcscd, vpcd, the simulator's cards served) is there; skips or fails (CI) otherwise. */
    void requirePcsc(String what) throws InterruptedException {
        VpcdRig.require(what);
        VpcdRig.requireServing(what, control, resourceManager(PCSC));
    }

    /**
     * Puts {@code card} into the simulated {@code reader} (taking out what is there), and after the test the sample
     * card back if the reader held a card before, or nothing. When the reader is served to a running pcscd, waits
     * until pcscd has seen the card go and the new one come: pcscd powers a new card up, and a power-up after the
     * card's first command would reset it under the test's feet.
     */
    void insertModel(String reader, SimulatedCard card) throws Exception {
        boolean hadCard = control.isCardPresent(reader);
        if (hadCard) {
            control.remove(reader);
            awaitPcscdIfServed(reader, false);
        }
        onCleanup(() -> restoreReader(reader, hadCard));
        control.insert(reader, card);
        awaitPcscdIfServed(reader, true);
    }

    /**
     * Puts a fresh sample card into {@code reader} (or empties it), waiting for pcscd where it watches. An emptied
     * reader is left remembering a sample card, as a reader that never held a card does: otherwise the test's model
     * would come back with the next {@code insert(reader)} of another test (the conformance suite's, say).
     */
    void restoreReader(String reader, boolean withCard) throws Exception {
        SimulatorControl now = awaitService(SimulatorControl.class, null);
        if (now.isCardPresent(reader)) {
            now.remove(reader);
            awaitPcscdIfServed(reader, false);
        }
        now.insertProfile(reader, sampleProfile());
        awaitPcscdIfServed(reader, true);
        if (!withCard) {
            now.remove(reader);
            awaitPcscdIfServed(reader, false);
        }
    }

    /** When {@code reader} is served to a running pcscd, waits until pcscd shows its card (or none). */
    void awaitPcscdIfServed(String reader, boolean cardPresent) throws Exception {
        SimulatorControl now = awaitService(SimulatorControl.class, null);
        boolean served = now.served().stream().anyMatch(s -> s.readerName().equals(reader));
        if (served && VpcdRig.missing() == null) {
            VpcdRig.awaitPcscd(resourceManager(PCSC), VpcdRig.VPCD_READER.get(reader), cardPresent);
        }
    }

    private Path sampleProfile() throws IOException {
        return SampleProfile.copy(bundle(SIM_BUNDLE));
    }

    /**
     * Waits until the backend component of {@code pid}, where it runs, shows {@code millis} as its
     * {@value #CALL_TIMEOUT} service property: Config Admin and SCR apply an update asynchronously, and a call begun
     * before that would still get the old timeout.
     */
    private void awaitApplied(String pid, long millis) throws Exception {
        String component = "(component.name=" + pid + ")";
        String applied = "(&" + component + "(" + CALL_TIMEOUT + "=" + millis + "))";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (context.getServiceReferences((String) null, applied) == null) {
            if (context.getServiceReferences((String) null, component) == null) {
                return; // that backend does not run here
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(pid + " did not apply " + CALL_TIMEOUT + "=" + millis + " within 10 s");
            }
            Thread.sleep(10);
        }
    }

    /** Sets {@value #CALL_TIMEOUT} in both backends' PIDs; the previous values come back after the test. */
    void callTimeout(long millis) throws Exception {
        ConfigurationAdmin cm = awaitService(ConfigurationAdmin.class, null);
        for (String pid : TIMEOUT_PIDS) {
            Configuration configuration = cm.getConfiguration(pid, "?");
            Dictionary<String, Object> old = configuration.getProperties();
            Dictionary<String, Object> properties = new Hashtable<>();
            if (old != null) {
                for (String key : java.util.Collections.list(old.keys())) {
                    properties.put(key, old.get(key));
                }
            }
            Object previous = properties.get(CALL_TIMEOUT);
            properties.put(CALL_TIMEOUT, millis);
            configuration.update(properties);
            awaitApplied(pid, millis);
            onCleanup(() -> {
                Dictionary<String, Object> back = configuration.getProperties();
                if (back == null) {
                    return;
                }
                if (previous == null) {
                    back.remove(CALL_TIMEOUT);
                } else {
                    back.put(CALL_TIMEOUT, previous);
                }
                configuration.update(back);
            });
        }
        Thread.sleep(200); // Config Admin delivers asynchronously; the backends apply it in place
    }

    /** The open file descriptors of this process. */
    static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** Live threads of this process. */
    static int liveThreads() {
        return Thread.getAllStackTraces().size();
    }

    /**
     * Runs a pyscard script as another PC/SC application; the script prints its result. Skips (fails under CI) when
     * pyscard is not installed.
     *
     * @return what the script printed (stdout and stderr), trimmed
     */
    static String pyscard(String what, String script) throws Exception {
        ExternalProgram.requirePyscard(what);
        return ExternalProgram.run(Map.of(), null, ExternalProgram.PYTHON, "-c", script).output().trim();
    }

    /** The Python prologue of the pyscard scripts: a context, {@code reader} and the protocols. */
    static String pyscardPrologue(String reader) {
        return "from smartcard.scard import *\n"
                + "hr, ctx = SCardEstablishContext(SCARD_SCOPE_USER)\n"
                + "assert hr == SCARD_S_SUCCESS, SCardGetErrorMessage(hr)\n"
                + "reader = '" + reader + "'\n"
                + "protocols = SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1\n";
    }
}
