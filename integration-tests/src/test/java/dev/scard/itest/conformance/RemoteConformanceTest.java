package dev.scard.itest.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.api.ISCardManage;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.itest.support.OffVpcd;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.simulator.control.SimulatorControl;

/**
 * The conformance suite, unchanged, against the remote backend ({@code scard.backend=remote}, bundle
 * {@code dev.scard.impl-remote}) with the export side ({@code dev.scard.remote-host}) in the same framework, serving
 * the simulator's readers: the in-process run, without Remote Services (the host's service is used as a local one).
 * The remote readers are the simulator's two default readers as the host named {@value #HOST} shows them:
 * {@value #READER_WITH_CARD} and {@value #EMPTY_READER}. Cards are inserted, removed and reset on the host's side
 * through the simulator's {@link SimulatorControl}.
 *
 * <p>This class configures the host ({@value RemoteCardHost#HOST_PID}: its secret, the host name, the simulator as
 * its backend, no export) and the client ({@value RemoteCardHost#CLIENT_PID}: the same secret) before its first test,
 * and deletes both after its last, so the other tests never see the remote backend.
 */
@ExtendWith(OffVpcd.class)
public class RemoteConformanceTest extends ISCardManageConformance {

    static final String HOST = "lab";
    static final String SIM_WITH_CARD = "Simulated Reader 0";
    static final String SIM_EMPTY = "Simulated Reader 1";
    static final String READER_WITH_CARD = SIM_WITH_CARD + " @ " + HOST;
    static final String EMPTY_READER = SIM_EMPTY + " @ " + HOST;
    private static final String SECRET = "in-framework remote secret";

    private static boolean configured;

    @Override
    protected String backend() {
        return RemoteCardHost.BACKEND;
    }

    @Override
    protected String cardReader() {
        return READER_WITH_CARD;
    }

    @Override
    protected String emptyReader() {
        return EMPTY_READER;
    }

    @Override
    protected String backendBundle() {
        return "dev.scard.impl-remote";
    }

    /** Configures the host and the client before the first test and waits for the remote readers. */
    @BeforeEach
    void hostAndClientConfigured() throws Exception {
        if (!configured) {
            ConfigurationAdmin cm = awaitService(ConfigurationAdmin.class, null);
            Dictionary<String, Object> host = new Hashtable<>();
            host.put("secret", SECRET);
            host.put("hostName", HOST);
            host.put("backend", SCardServiceProperties.BACKEND_SIMULATOR);
            host.put("export", false);
            cm.getConfiguration(RemoteCardHost.HOST_PID, "?").update(host);
            Dictionary<String, Object> client = new Hashtable<>();
            client.put("secret", SECRET);
            cm.getConfiguration(RemoteCardHost.CLIENT_PID, "?").update(client);
            configured = true;
            awaitReference(RemoteCardHost.class, "(" + RemoteCardHost.HOST_NAME_PROPERTY + "=" + HOST + ")");
            SCardResourceManager remote = awaitService(SCardResourceManager.class, backendFilter());
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (remote.listReaders().stream().map(ReaderInfo::name).noneMatch(READER_WITH_CARD::equals)) {
                assertThat(System.nanoTime()).as("the remote readers appear").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
        restoreReaders();
    }

    /** Deletes both configurations, waiting until the remote backend's services are gone. */
    @AfterAll
    static void hostAndClientOff() throws Exception {
        if (!configured) {
            return;
        }
        configured = false;
        BundleContext context = FrameworkUtil.getBundle(RemoteConformanceTest.class).getBundleContext();
        ServiceReference<ConfigurationAdmin> reference = context.getServiceReference(ConfigurationAdmin.class);
        ConfigurationAdmin cm = context.getService(reference);
        try {
            for (String pid : new String[] {RemoteCardHost.CLIENT_PID, RemoteCardHost.HOST_PID}) {
                Configuration[] configurations = cm.listConfigurations("(service.pid=" + pid + ")");
                for (Configuration configuration : configurations == null ? new Configuration[0] : configurations) {
                    configuration.delete();
                }
            }
        } finally {
            context.ungetService(reference);
        }
        long deadline = System.nanoTime() + BOUND.toNanos();
        String filter = "(" + SCardServiceProperties.BACKEND + "=" + RemoteCardHost.BACKEND + ")";
        while (!context.getServiceReferences(ISCardManage.class, filter).isEmpty()
                || context.getServiceReference(RemoteCardHost.class) != null) {
            assertThat(System.nanoTime()).as("the remote services go").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** Looked up on every use: a test may stop and restart a bundle, which replaces the service. */
    private SimulatorControl control() throws InterruptedException {
        return awaitService(SimulatorControl.class, null);
    }

    /** The host's name of a remote reader. */
    private static String onHost(String reader) {
        assertThat(reader).endsWith(" @ " + HOST);
        return reader.substring(0, reader.length() - (" @ " + HOST).length());
    }

    @Override
    protected void insertCard(String reader) throws Exception {
        control().insert(onHost(reader));
    }

    @Override
    protected void removeCard(String reader) throws Exception {
        control().remove(onHost(reader));
    }

    @Override
    protected void resetCardFromOutside(String reader) throws Exception {
        control().reset(onHost(reader));
    }

    @Override
    protected void restoreReaders() throws Exception {
        SimulatorControl control = control();
        if (!control.isCardPresent(SIM_WITH_CARD)) {
            control.insert(SIM_WITH_CARD);
        }
        if (control.isCardPresent(SIM_EMPTY)) {
            control.remove(SIM_EMPTY);
        }
    }

    // ---- the remote backend's own behaviour ----------------------------------------------------------------

    @Test
    void theHostIsRegisteredWithoutItsSecretAndTheRemoteReadersCarryTheHostsName() throws Exception {
        ServiceReference<RemoteCardHost> host = awaitReference(RemoteCardHost.class, null);
        for (String key : host.getPropertyKeys()) {
            assertThat(String.valueOf(host.getProperty(key))).as("service property %s", key).doesNotContain(SECRET);
        }
        assertThat(host.getProperty("service.exported.interfaces")).as("export=false").isNull();
        ServiceReference<ISCardManage> manager = awaitReference(ISCardManage.class, backendFilter());
        for (String key : manager.getPropertyKeys()) {
            assertThat(String.valueOf(manager.getProperty(key))).as("service property %s", key).doesNotContain(SECRET);
        }
        assertThat(resourceManager().listReaders()).extracting(ReaderInfo::name)
                .containsExactly(READER_WITH_CARD, EMPTY_READER);
    }

    @Test
    void theHostsCardEventsReachTheRemoteBackendsListenersUnderTheRemoteNames() throws Exception {
        BlockingQueue<SCardEvent> seen = new LinkedBlockingQueue<>();
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(SCardServiceProperties.BACKEND, RemoteCardHost.BACKEND);
        ServiceRegistration<SCardEventListener> listener = context.registerService(SCardEventListener.class,
                seen::add, properties);
        onCleanup(listener::unregister);

        insertCard(EMPTY_READER);
        resetCardFromOutside(EMPTY_READER);
        removeCard(EMPTY_READER);
        // Events of earlier tests' card changes may still be on their way: look for these three, in this order.
        List<SCardEvent.Type> expected = List.of(SCardEvent.Type.CARD_INSERTED, SCardEvent.Type.CARD_RESET,
                SCardEvent.Type.CARD_REMOVED);
        List<SCardEvent> events = new ArrayList<>();
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!endsWith(events, expected)) {
            SCardEvent event = seen.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(event).as("the events %s within %s (so far %s)", expected, BOUND, events).isNotNull();
            assertThat(event.backend()).isEqualTo(RemoteCardHost.BACKEND);
            assertThat(event.readerName()).isIn(READER_WITH_CARD, EMPTY_READER);
            if (event.readerName().equals(EMPTY_READER)) {
                events.add(event);
            }
        }
        List<SCardEvent> last = events.subList(events.size() - 3, events.size());
        assertThat(last.get(0).atrHex()).isNotEmpty().isEqualTo(last.get(1).atrHex());
        assertThat(last.get(2).atrHex()).isEmpty();
        assertThat(last.get(0).topic()).isEqualTo("dev/scard/card/INSERTED");
    }

    private static boolean endsWith(List<SCardEvent> events, List<SCardEvent.Type> types) {
        if (events.size() < types.size()) {
            return false;
        }
        List<SCardEvent> tail = events.subList(events.size() - types.size(), events.size());
        for (int i = 0; i < types.size(); i++) {
            if (tail.get(i).type() != types.get(i)) {
                return false;
            }
        }
        return true;
    }
}
