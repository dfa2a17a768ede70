package dev.scard.simulator.internal;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.Designate;

import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardException;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.HandleTable;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.control.SimulatorControl;

/**
 * The simulator backend's owner: holds the simulated readers ({@link SimulatorBackend}), the handle table of its
 * resource manager and the event thread. It registers {@link SimulatorControl} for everyone and itself (a
 * bundle-private type) for {@link SimulatorResourceManager} and {@link SimulatorCardManager}, which reference it
 * statically: so all three share one backend, and stopping it first stops them (the resource manager closes its
 * handles, every manager is disposed).
 *
 * <p>Configuration changes ({@code @Modified}) add and remove readers in place: readers that stay keep their cards
 * and connections, so managers attached to them are not disturbed; new readers named in {@code cardInserted} start
 * with the default card. The {@code vpcd} entries ({@code <reader>=<host>:<port>}) say which readers' cards are
 * served to pcscd through vpcd; on every change, readers listed are served at their address again (a reader already
 * served there keeps its connection, one moved or unserved by hand goes back), and readers the configuration served
 * before but no longer lists stop being served, unless {@link #serve} moved them elsewhere meanwhile.
 *
 * <p>On deactivation the cards stay as they are, but every connection is closed, so threads waiting for a
 * transaction wake and fail; then the event thread delivers what is queued and stops. When the bundle stops, the
 * first of the three components to be deactivated already stops the backend (see {@link #stopIfBundleStopping()}).
 *
 * <p>Events go to {@link SCardEventListener} services without a {@code scard.backend} property or with
 * {@code scard.backend=simulator}, and to Event Admin when one is present: {@code READER_ADDED} for every reader
 * when the simulator starts or a reader is configured, {@code READER_REMOVED} when it stops or a reader is dropped,
 * and the card events.
 */
@Component(name = SimulatorComponent.PID, configurationPid = SimulatorComponent.PID, immediate = true,
        service = {SimulatorControl.class, SimulatorComponent.class},
        property = {SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_SIMULATOR,
                "service.ranking:Integer=100"})
@Designate(ocd = SimulatorConfig.class)
public final class SimulatorComponent implements SimulatorControl {

    /** The configuration PID (and component name). */
    public static final String PID = "dev.scard.simulator";

    /** Listeners of every backend or of the simulator only. */
    static final String LISTENER_TARGET = "(|(!(" + SCardServiceProperties.BACKEND + "=*))("
            + SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_SIMULATOR + "))";

    private static final System.Logger LOG = System.getLogger(SimulatorComponent.class.getName());

    private final EventDispatcher events = new EventDispatcher();
    private final SimulatorBackend backend = new SimulatorBackend(List.of(), events);
    private final HandleTable handles = new HandleTable();
    private volatile BooleanSupplier bundleStopping = () -> false;
    /** What the configuration serves, by reader; guarded by this. */
    private Map<String, VpcdAddress> configuredVpcd = Map.of();

    /** A simulator without readers until {@link #activate} configures them. */
    public SimulatorComponent() {
    }

    /**
     * Creates the configured readers and inserts the default card where the configuration says. SCR has bound the
     * listeners by now, so they hear these events.
     */
    @Activate
    void activate(SimulatorConfig config, BundleContext context) {
        Bundle bundle = context.getBundle();
        activateWith(config, () -> bundle.getState() == Bundle.STOPPING);
    }

    /** {@link #activate(SimulatorConfig, BundleContext)} with the bundle-state check given (for tests). */
    void activateWith(SimulatorConfig config, BooleanSupplier bundleStopping) {
        this.bundleStopping = bundleStopping;
        configure(config);
    }

    /** Adds and removes readers as the new configuration says; the readers that stay are not touched. */
    @Modified
    void modified(SimulatorConfig config) {
        configure(config);
    }

    private synchronized void configure(SimulatorConfig config) {
        List<String> readerNames = readerNames(config.readers());
        List<String> added = backend.configureReaders(readerNames);
        for (String readerName : cardReaders(config.cardInserted(), readerNames)) {
            if (added.contains(readerName) && !backend.isCardPresent(readerName)) {
                try {
                    backend.insert(readerName);
                } catch (SCardException e) {
                    // Someone (a listener hearing READER_ADDED, say) inserted a card first: that card stays.
                    LOG.log(Level.INFO, PID + ": reader '" + readerName + "' got a card before the configured one: "
                            + e.getMessage());
                }
            }
        }
        configureVpcd(vpcdEntries(config.vpcd(), readerNames));
    }

    /** Applies the {@code vpcd} entries: stops what the configuration no longer serves, then serves what it does. */
    private void configureVpcd(Map<String, VpcdAddress> wanted) {
        Map<String, VpcdAddress> servedNow = new LinkedHashMap<>();
        for (ServedReader served : backend.served()) {
            servedNow.put(served.readerName(), VpcdAddress.of(served.host(), served.port()));
        }
        for (Map.Entry<String, VpcdAddress> before : configuredVpcd.entrySet()) {
            String readerName = before.getKey();
            boolean stillServedThere = before.getValue().equals(servedNow.get(readerName));
            if (stillServedThere && !before.getValue().equals(wanted.get(readerName))) {
                try {
                    backend.unserve(readerName);
                } catch (SCardException e) {
                    // the reader went away meanwhile: nothing to stop
                }
            }
        }
        for (Map.Entry<String, VpcdAddress> entry : wanted.entrySet()) {
            try {
                backend.serve(entry.getKey(), entry.getValue().host(), entry.getValue().port());
            } catch (SCardException e) {
                LOG.log(Level.WARNING, PID + ": cannot serve reader '" + entry.getKey() + "' to vpcd: "
                        + e.getMessage());
            }
        }
        configuredVpcd = Map.copyOf(wanted);
    }

    /** Closes every connection (waiting threads wake and fail) and stops the event thread; cards stay in. */
    @Deactivate
    void deactivate() {
        backend.stop();
        events.close();
    }

    /**
     * Stops the backend at once when the bundle is stopping. The managers and the resource manager call it first
     * thing on deactivation: SCR deactivates them one by one before this component, and a manager whose thread waits
     * for another manager's lock could otherwise not be disposed until that other one is.
     */
    void stopIfBundleStopping() {
        if (bundleStopping.getAsBoolean()) {
            backend.stop();
        }
    }

    /** The simulated readers, shared with the sibling components. */
    SimulatorBackend backend() {
        return backend;
    }

    /** The handles the resource manager issued, shared with every manager for {@code attachByHandle}. */
    HandleTable handles() {
        return handles;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = LISTENER_TARGET)
    void addListener(SCardEventListener listener) {
        events.addListener(listener);
    }

    void removeListener(SCardEventListener listener) {
        events.removeListener(listener);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setEventAdmin(EventAdmin eventAdmin) {
        events.setEventAdmin(eventAdmin);
    }

    void unsetEventAdmin(EventAdmin eventAdmin) {
        events.unsetEventAdmin(eventAdmin);
    }

    // ---------------------------------------------------------------- SimulatorControl

    @Override
    public List<String> readers() {
        return backend.readers();
    }

    @Override
    public boolean isCardPresent(String readerName) {
        return backend.isCardPresent(readerName);
    }

    @Override
    public void insert(String readerName) {
        backend.insert(readerName);
    }

    @Override
    public void insert(String readerName, SimulatedCard card) {
        backend.insert(readerName, card);
    }

    @Override
    public void remove(String readerName) {
        backend.remove(readerName);
    }

    @Override
    public void reset(String readerName) {
        backend.reset(readerName);
    }

    @Override
    public void serve(String readerName, String host, int port) {
        backend.serve(readerName, host, port);
    }

    @Override
    public boolean unserve(String readerName) {
        return backend.unserve(readerName);
    }

    @Override
    public List<ServedReader> served() {
        return backend.served();
    }

    // ---------------------------------------------------------------- configuration

    /** The configured names, trimmed, without blanks and repeats (each skipped one is logged). */
    static List<String> readerNames(String[] configured) {
        Set<String> names = new LinkedHashSet<>();
        for (String name : configured == null ? new String[0] : configured) {
            String trimmed = name == null ? "" : name.trim();
            if (trimmed.isEmpty()) {
                LOG.log(Level.WARNING, PID + ": ignoring a blank reader name");
            } else if (!names.add(trimmed)) {
                LOG.log(Level.WARNING, PID + ": ignoring the repeated reader name '" + trimmed + "'");
            }
        }
        return new ArrayList<>(names);
    }

    /** The configured readers that start with a card, limited to known readers (each unknown one is logged). */
    static Set<String> cardReaders(String[] configured, List<String> readerNames) {
        Set<String> withCard = new LinkedHashSet<>();
        for (String name : configured == null ? new String[0] : configured) {
            String trimmed = name == null ? "" : name.trim();
            if (readerNames.contains(trimmed)) {
                withCard.add(trimmed);
            } else {
                LOG.log(Level.WARNING, PID + ": cardInserted names '" + trimmed
                        + "', which is not a configured reader " + readerNames + "; ignored");
            }
        }
        return withCard;
    }

    /**
     * The {@code vpcd} entries, {@code <reader>=<host>:<port>}, by reader in order: entries that are blank,
     * malformed, name an unknown reader, or repeat a reader or an address are logged and skipped.
     */
    static Map<String, VpcdAddress> vpcdEntries(String[] configured, List<String> readerNames) {
        Map<String, VpcdAddress> entries = new LinkedHashMap<>();
        for (String entry : configured == null ? new String[0] : configured) {
            String trimmed = entry == null ? "" : entry.strip();
            if (trimmed.isEmpty()) {
                continue; // an empty list item, as Config Admin consoles leave them
            }
            int equals = trimmed.lastIndexOf('=');
            String readerName = equals < 0 ? "" : trimmed.substring(0, equals).strip();
            if (readerName.isEmpty()) {
                LOG.log(Level.WARNING, PID + ": vpcd entry '" + trimmed + "' is not <reader name>=<host>:<port> "
                        + "(such as 'Simulated Reader 0=127.0.0.1:35963'); skipped");
                continue;
            }
            if (!readerNames.contains(readerName)) {
                LOG.log(Level.WARNING, PID + ": vpcd entry '" + trimmed + "' names '" + readerName
                        + "', which is not a configured reader " + readerNames + "; skipped");
                continue;
            }
            if (entries.containsKey(readerName)) {
                LOG.log(Level.WARNING, PID + ": vpcd entry '" + trimmed + "' repeats reader '" + readerName
                        + "' (it is served at " + entries.get(readerName) + "); skipped");
                continue;
            }
            VpcdAddress address;
            try {
                address = VpcdAddress.parse(trimmed.substring(equals + 1));
            } catch (SCardException e) {
                LOG.log(Level.WARNING, PID + ": vpcd entry '" + trimmed + "': " + e.getMessage() + "; skipped");
                continue;
            }
            if (entries.containsValue(address)) {
                LOG.log(Level.WARNING, PID + ": vpcd entry '" + trimmed + "' uses the address " + address
                        + " of another entry (vpcd takes one card per port); skipped");
                continue;
            }
            entries.put(readerName, address);
        }
        return entries;
    }
}
