package dev.scard.simulator.internal;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.log.BundleLog;
import dev.scard.core.log.Log;
import dev.scard.core.spi.Backend;
import dev.scard.core.spi.EventChannel;
import dev.scard.core.spi.EventChannels;
import dev.scard.core.spi.ForwardingBackend;
import dev.scard.simulator.control.ReplayMatch;
import dev.scard.simulator.control.ReplayStatus;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.control.SimulatorControl;
import dev.scard.simulator.control.VpcdAddress;

/**
 * The simulator backend's component: holds the simulated readers ({@link SimulatorBackend}) and registers them as
 * the {@link Backend} service {@code scard.backend=simulator} (ranked 100), which the core bundle turns into the
 * simulator's {@code ISCardManage} and {@code SCardResourceManager}, and as {@link SimulatorControl} for the
 * {@code sim:} commands and tests, and as itself (a bundle-private type) for the reader configurations
 * ({@link SimulatedReaderComponent}). Its events go out through the core's {@link EventChannels}.
 *
 * <p>Configuration changes ({@code @Modified}) add and remove readers in place: readers that stay keep their cards
 * and connections, so managers attached to them are not disturbed; new readers named in {@code cardInserted} start
 * with the default card. The {@code vpcd} entries ({@code <reader>=<host>:<port>}) say which readers' cards are
 * served to pcscd through vpcd; on every change, readers listed are served at their address again (a reader already
 * served there keeps its connection, one moved or unserved by hand goes back), and readers the configuration served
 * before but no longer lists stop being served, unless {@link #serve} moved them elsewhere meanwhile.
 *
 * <p><b>Reader configurations.</b> Besides the readers of its own configuration (the singleton PID {@value #PID},
 * which keeps defining the default readers), each factory configuration of {@value #READER_FACTORY_PID} adds one
 * reader ({@link SimulatedReaderComponent}, {@link SimulatedReaderConfig}): {@link #applyReader} and
 * {@link #removeReader}. The readers are listed in this order: this configuration's, then the configured readers by
 * name. A reader name belongs to one configuration: a reader configuration naming an existing reader is refused
 * (logged, nothing added) and stays refused until it is updated; a name in this configuration's {@code readers} that
 * a reader configuration holds is skipped (logged) and comes back with the next change of this configuration once
 * that reader is gone.
 *
 * <p>On deactivation (its services are unregistered first, so the core has disposed the managers and closed the
 * handles by then) the cards stay as they are, but every connection is closed, so threads waiting for a
 * transaction wake and fail; then the event channel delivers what is queued and closes.
 *
 * <p>Events: {@code READER_ADDED} for every reader when the simulator starts or a reader is configured,
 * {@code READER_REMOVED} when it stops or a reader is dropped, and the card events.
 */
@Component(name = SimulatorComponent.PID, configurationPid = SimulatorComponent.PID, immediate = true,
        service = {SimulatorControl.class, Backend.class, SimulatorComponent.class},
        property = {SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_SIMULATOR,
                "service.ranking:Integer=100"})
@Designate(ocd = SimulatorConfig.class)
public final class SimulatorComponent implements SimulatorControl, ForwardingBackend {

    /**
     * The log of the simulator bundle: its {@code LoggerFactory} service, bound by this component; every class
     * of the bundle logs through it ({@link BundleLog#logger(Class)}). First of the static fields: the others use it.
     */
    static final BundleLog LOGS = new BundleLog();
    private static final Log LOG = LOGS.logger(SimulatorComponent.class);

    /** The configuration PID (and component name). */
    public static final String PID = SCardServiceProperties.SIMULATOR_PID;

    /** The factory PID of reader configurations, one reader each (and the name of their component). */
    public static final String READER_FACTORY_PID = SCardServiceProperties.SIMULATOR_READER_FACTORY_PID;

    /** An event channel that drops every event: the simulator's until {@link #activateWith} gives it one. */
    private static final EventChannel NO_CHANNEL = new EventChannel() {
        @Override
        public void publish(SCardEvent event) {
        }

        @Override
        public void close() {
        }
    };

    @Reference
    private EventChannels eventChannels;
    /** Where the readers' events go; set once at activation, before the first reader exists. */
    private volatile EventChannel events = NO_CHANNEL;
    private final SimulatorBackend backend = new SimulatorBackend(List.of(), event -> events.publish(event));
    /** What the configuration serves, by reader; guarded by this. */
    private Map<String, VpcdAddress> configuredVpcd = Map.of();
    /** The readers of this component's configuration that are in the backend, in order; guarded by this. */
    private List<String> ownReaders = List.of();
    /** The readers of reader configurations, by configuration PID; guarded by this. */
    private final Map<String, ConfiguredReader> configuredReaders = new LinkedHashMap<>();

    /** A simulator without readers until {@link #activate} configures them. */
    public SimulatorComponent() {
    }

    /**
     * Binds the bundle's {@code LoggerFactory} (the OSGi Log Service: Felix Log, Pax Logging), which the bundle's
     * classes log through from now on ({@link #LOGS}); optional: without one they log to {@link System.Logger}.
     *
     * @param loggerFactory the bundle's own logger factory
     */
    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC)
    void bindLoggerFactory(LoggerFactory loggerFactory) {
        LOGS.bind(loggerFactory);
    }

    /**
     * Unbinds the logger factory: the bundle's classes log to {@link System.Logger} until another is bound.
     *
     * @param loggerFactory the factory that goes
     */
    void unbindLoggerFactory(LoggerFactory loggerFactory) {
        LOGS.unbind(loggerFactory);
    }

    /**
     * Opens the simulator's event channel, creates the configured readers and inserts the default card where the
     * configuration says; the listeners hear these events.
     */
    @Activate
    void activate(SimulatorConfig config) {
        activateWith(config, eventChannels.open(SCardServiceProperties.BACKEND_SIMULATOR));
    }

    /** {@link #activate(SimulatorConfig)} with the event channel given (tests). */
    void activateWith(SimulatorConfig config, EventChannel channel) {
        this.events = channel;
        configure(config);
    }

    /** {@link #activate(SimulatorConfig)} without events (tests). */
    void activateWith(SimulatorConfig config) {
        configure(config);
    }

    /** Adds and removes readers as the new configuration says; the readers that stay are not touched. */
    @Modified
    void modified(SimulatorConfig config) {
        configure(config);
    }

    private synchronized void configure(SimulatorConfig config) {
        long callTimeoutMillis = config.callTimeoutMillis();
        if (callTimeoutMillis < 1 || callTimeoutMillis > SimulatorBackend.MAX_CALL_TIMEOUT_MILLIS) {
            LOG.log(Level.ERROR, PID + ": callTimeoutMillis: must be 1 to " + SimulatorBackend.MAX_CALL_TIMEOUT_MILLIS
                    + ", not " + callTimeoutMillis + "; the call timeout stays " + backend.callTimeout().toMillis()
                    + " ms");
        } else {
            backend.setCallTimeout(Duration.ofMillis(callTimeoutMillis));
        }
        List<String> configured = readerNames(config.readers());
        List<String> readerNames = new ArrayList<>();
        for (String readerName : configured) {
            ConfiguredReader holder = configuredReader(readerName);
            if (holder == null) {
                readerNames.add(readerName);
            } else {
                LOG.log(Level.ERROR, PID + ": readers: '" + readerName + "' is the reader of the configuration "
                        + holder.pid + "; skipped");
            }
        }
        ownReaders = List.copyOf(readerNames);
        List<String> added = configureReaders();
        for (String readerName : cardReaders(config.cardInserted(), configured)) {
            if (readerNames.contains(readerName) && added.contains(readerName)
                    && !backend.isCardPresent(readerName)) {
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

    /** Makes the backend's readers this configuration's, then the reader configurations' by name; returns the added. */
    private List<String> configureReaders() {
        List<String> names = new ArrayList<>(ownReaders);
        configuredReaders.values().stream().map(reader -> reader.name).sorted().forEach(names::add);
        return backend.configureReaders(names);
    }

    /** The reader configuration holding this reader name, or null. */
    private ConfiguredReader configuredReader(String readerName) {
        for (ConfiguredReader reader : configuredReaders.values()) {
            if (reader.name.equals(readerName)) {
                return reader;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- reader configurations

    /**
     * Creates or updates the reader of one reader configuration ({@value #READER_FACTORY_PID}). Every value is
     * checked first; one bad value (a blank name, the name of another reader, a profile that cannot be read or is not
     * valid, a malformed vpcd address or one another reader is served to) is logged as one error naming the
     * configuration and the field, and nothing changes: a new reader is not added, an existing one stays as it was
     * (with its card, connections and vpcd link) until the next update.
     *
     * <p>A new reader ({@code READER_ADDED}) gets a fresh card of the profile when {@code cardInserted} says so, and
     * is served to vpcd when an address is given. An update changes only what changed:
     * <ul>
     * <li>a new name removes the reader (its connections are closed: calls fail with
     * {@code SCARD_E_INVALID_HANDLE}, threads waiting on it wake) and adds one with the new name, with the same
     * card model unless the profile changed too;</li>
     * <li>a changed profile (path, or the file's content) replaces the card in one step under the reader's locks
     * (nothing, a {@code sim:insert} say, comes in between): the card in the reader is removed
     * ({@code CARD_REMOVED}; connections see {@code SCARD_W_REMOVED_CARD}, a transaction on it ends) and a fresh
     * card of the new profile is inserted when {@code cardInserted} is true; connections reconnect to reach it;</li>
     * <li>a changed {@code cardInserted} inserts the configuration's card (the same model, with its state) into an
     * empty reader or removes the card, as {@code sim:insert} and {@code sim:remove} do;</li>
     * <li>the reader is served at its vpcd address again (a link already there keeps its connection); a changed
     * address is served first, and only then is the old link replaced, so an address the backend refuses leaves the
     * old link running; an emptied address stops the old link if it is still there.</li>
     * </ul>
     * The configuration's new values are stored only once every step succeeded; a step that fails (the vpcd address
     * taken meanwhile, a card that does not power up) is logged and undoes the steps before it.
     * Cards inserted or removed by hand meanwhile are left alone when neither the profile nor {@code cardInserted}
     * changed.
     *
     * @param pid the configuration's PID, which names it in messages
     * @param config its values
     * @return null when the configuration was applied, else the error as logged
     */
    synchronized String applyReader(String pid, SimulatedReaderConfig config) {
        ConfiguredReader before = configuredReaders.get(pid);
        ConfiguredReader next;
        try {
            next = check(pid, config, before);
        } catch (BadValue e) {
            return logError(pid + ": " + e.field + ": " + e.getMessage() + "; "
                    + (before == null ? "no reader added" : "reader '" + before.name + "' stays as it was"));
        }
        boolean sameProfile = before != null && before.profile.sameAs(next.profile);
        if (sameProfile) {
            next.card = before.card;
        }
        if (before == null || !before.name.equals(next.name)) {
            return addReader(pid, before, next);
        }
        // The same reader: configuredReaders keeps `before` until every step succeeded. The new vpcd address first:
        // the backend checks it (not served to another reader) before it replaces the reader's old link, so a
        // refused address leaves the old link running.
        String stays = "; reader '" + before.name + "' stays as it was";
        if (next.vpcd != null) {
            try {
                backend.serve(next.name, next.vpcd.host(), next.vpcd.port());
            } catch (SCardException e) {
                return logError(pid + ": vpcd: cannot serve reader '" + next.name + "' at " + next.vpcd + ": "
                        + CardProfiles.detail(e) + stays);
            }
        }
        try {
            if (!sameProfile) {
                // One step under the reader's locks: no sim:insert or sim:remove between removal and insertion.
                backend.replace(next.name, next.card(), next.cardInserted);
            } else if (next.cardInserted != before.cardInserted) {
                boolean present = backend.isCardPresent(next.name);
                if (next.cardInserted && !present) {
                    backend.insert(next.name, next.card());
                } else if (!next.cardInserted && present) {
                    backend.remove(next.name);
                }
            }
        } catch (SCardException e) {
            restoreVpcd(before, next);
            return logError(pid + ": profile: the card of " + next.profile + " could not be put into reader '"
                    + next.name + "': " + CardProfiles.detail(e) + stays);
        }
        if (before.vpcd != null && next.vpcd == null) {
            unserveIfStillAt(next.name, before.vpcd);
        }
        configuredReaders.put(pid, next);
        return null;
    }

    /**
     * Adds the reader of a new configuration, or of one whose reader name changed (the old reader goes, its card
     * model moves to the new one unless the profile changed). If a step fails the configuration is put back as it
     * was: a new one adds no reader; a renamed one gets its old reader back with its card model and vpcd address.
     */
    private String addReader(String pid, ConfiguredReader before, ConfiguredReader next) {
        String stays = before == null ? "no reader added" : "reader '" + before.name + "' stays as it was";
        boolean beforePresent = before != null && backend.readers().contains(before.name)
                && backend.isCardPresent(before.name);
        configuredReaders.put(pid, next);
        try {
            configureReaders();
        } catch (SCardException e) {
            putBack(pid, before, false);
            return logError(pid + ": the simulator has stopped; " + stays);
        }
        try {
            if (next.cardInserted) {
                backend.insert(next.name, next.card());
            }
        } catch (SCardException e) {
            putBack(pid, before, beforePresent);
            return logError(pid + ": profile: the card of " + next.profile + " could not be put into reader '"
                    + next.name + "': " + CardProfiles.detail(e) + "; " + stays);
        }
        if (next.vpcd != null) {
            try {
                backend.serve(next.name, next.vpcd.host(), next.vpcd.port());
            } catch (SCardException e) {
                putBack(pid, before, beforePresent);
                return logError(pid + ": vpcd: cannot serve reader '" + next.name + "' at " + next.vpcd + ": "
                        + CardProfiles.detail(e) + "; " + stays);
            }
        }
        return null;
    }

    /** Puts a configuration back after a failed {@link #addReader} (best effort: the simulator may have stopped). */
    private void putBack(String pid, ConfiguredReader before, boolean cardWasPresent) {
        if (before == null) {
            configuredReaders.remove(pid);
        } else {
            configuredReaders.put(pid, before);
        }
        try {
            configureReaders();
            if (before != null) {
                if (cardWasPresent && before.card != null && !backend.isCardPresent(before.name)) {
                    backend.insert(before.name, before.card);
                }
                if (before.vpcd != null) {
                    backend.serve(before.name, before.vpcd.host(), before.vpcd.port());
                }
            }
        } catch (SCardException e) {
            LOG.log(Level.WARNING, pid + ": could not put reader configuration back: " + CardProfiles.detail(e));
        }
    }

    /** After a failed update: the reader goes back to its old vpcd address (or to none) if the update moved it. */
    private void restoreVpcd(ConfiguredReader before, ConfiguredReader next) {
        if (next.vpcd == null || next.vpcd.equals(before.vpcd)) {
            return;
        }
        try {
            if (before.vpcd != null) {
                backend.serve(before.name, before.vpcd.host(), before.vpcd.port());
            } else {
                unserveIfStillAt(next.name, next.vpcd);
            }
        } catch (SCardException e) {
            LOG.log(Level.WARNING, next.pid + ": could not serve reader '" + before.name + "' at " + before.vpcd
                    + " again: " + CardProfiles.detail(e));
        }
    }

    /**
     * Removes the reader of a reader configuration that was deleted (or whose component stops): its connections are
     * closed (calls fail with {@code SCARD_E_INVALID_HANDLE}), its vpcd link ends, {@code READER_REMOVED} goes out.
     * Nothing happens for a configuration that was refused.
     */
    synchronized void removeReader(String pid) {
        if (configuredReaders.remove(pid) == null) {
            return;
        }
        try {
            configureReaders();
        } catch (SCardException e) {
            // the simulator has stopped: the reader went with it
        }
    }

    /** The card model a reader configuration made, or null (for tests). */
    synchronized SimulatedCard configuredCard(String pid) {
        ConfiguredReader reader = configuredReaders.get(pid);
        return reader == null ? null : reader.card;
    }

    /** The readers of reader configurations, by configuration PID (for tests). */
    synchronized Map<String, String> configuredReaderNames() {
        Map<String, String> names = new LinkedHashMap<>();
        configuredReaders.forEach((pid, reader) -> names.put(pid, reader.name));
        return names;
    }

    /** Checks every value of a reader configuration before anything changes. */
    private ConfiguredReader check(String pid, SimulatedReaderConfig config, ConfiguredReader before)
            throws BadValue {
        String name = strip(config.name());
        if (name.isEmpty()) {
            throw new BadValue("name", "no reader name given (the name must not be blank)");
        }
        if (ownReaders.contains(name)) {
            throw new BadValue("name", "'" + name + "' is already a reader of " + PID + " (its readers list)");
        }
        ConfiguredReader holder = configuredReader(name);
        if (holder != null && !holder.pid.equals(pid)) {
            throw new BadValue("name", "'" + name + "' is already the reader of the configuration " + holder.pid);
        }
        String profileText = strip(config.profile());
        ReplayMatch match = replayMatch(config.replayMatch());
        int statusWord = replayStatusWord(config.replayStatusWord());
        CardProfiles.Profile profile;
        try {
            profile = profileText.isEmpty() ? CardProfiles.sample()
                    : CardProfiles.load(profileText, match, statusWord);
        } catch (SCardException e) {
            throw new BadValue("profile", CardProfiles.detail(e));
        }
        String vpcdText = strip(config.vpcd());
        VpcdAddress vpcd = null;
        if (!vpcdText.isEmpty()) {
            try {
                vpcd = VpcdAddress.parse(vpcdText);
            } catch (SCardException e) {
                throw new BadValue("vpcd", CardProfiles.detail(e));
            }
            String own = before == null ? null : before.name;
            for (ServedReader served : backend.served()) {
                if (!served.readerName().equals(own) && VpcdAddress.of(served.host(), served.port()).equals(vpcd)) {
                    throw new BadValue("vpcd", "reader '" + served.readerName() + "' is already served to vpcd at "
                            + vpcd + " (vpcd takes one card per port; its second slot listens on 35964)");
                }
            }
        }
        return new ConfiguredReader(pid, name, profile, config.cardInserted(), vpcd);
    }

    /** The {@code replayMatch} value: {@code order} (also when empty) or {@code command}, in any case. */
    private static ReplayMatch replayMatch(String value) throws BadValue {
        String text = strip(value).toLowerCase(Locale.ROOT);
        return switch (text) {
            case "", "order" -> ReplayMatch.ORDER;
            case "command" -> ReplayMatch.COMMAND;
            default -> throw new BadValue("replayMatch", "must be 'order' or 'command'");
        };
    }

    /** The {@code replayStatusWord} value: four hex digits ({@code 6D00} when empty). */
    private static int replayStatusWord(String value) throws BadValue {
        String text = strip(value);
        if (text.isEmpty()) {
            return SimulatorControl.DEFAULT_UNANSWERED_STATUS_WORD;
        }
        if (!text.matches("[0-9A-Fa-f]{4}")) {
            throw new BadValue("replayStatusWord", "must be a status word of four hex digits, such as 6D00");
        }
        return Integer.parseInt(text, 16);
    }

    /** Stops serving a reader if it is still served at {@code address} (not moved by hand meanwhile). */
    private void unserveIfStillAt(String readerName, VpcdAddress address) {
        for (ServedReader served : backend.served()) {
            if (served.readerName().equals(readerName)
                    && VpcdAddress.of(served.host(), served.port()).equals(address)) {
                try {
                    backend.unserve(readerName);
                } catch (SCardException e) {
                    // the reader went away meanwhile: nothing to stop
                }
            }
        }
    }

    private static String logError(String message) {
        LOG.log(Level.ERROR, message);
        return message;
    }

    private static String strip(String value) {
        return value == null ? "" : value.strip();
    }

    /** A configuration value that cannot be applied, and the field it is in. */
    private static final class BadValue extends Exception {
        private static final long serialVersionUID = 1L;
        final String field;

        BadValue(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
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

    /** Closes every connection (waiting threads wake and fail) and closes the event channel; cards stay in. */
    @Deactivate
    void deactivate() {
        backend.stop();
        events.close();
    }

    /** The simulated readers (tests). */
    SimulatorBackend backend() {
        return backend;
    }

    // ---------------------------------------------------------------- Backend

    /** {@inheritDoc} The Backend service's calls go to the backend this component holds. */
    @Override
    public Backend delegate() {
        return backend;
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
    public void insertProfile(String readerName, Path profile) {
        backend.insertProfile(readerName, profile);
    }

    @Override
    public void insertTrace(String readerName, Path trace, ReplayMatch match, int unansweredStatusWord) {
        backend.insertTrace(readerName, trace, match, unansweredStatusWord);
    }

    @Override
    public List<ReplayStatus> replays() {
        return backend.replays();
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
