package dev.scard.shell;

import static dev.scard.api.SCardServiceProperties.SERVICES_PID_PREFIX;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.shell.text.CommandText;
import dev.scard.shell.text.CommandUsage;

/**
 * {@code scard:backends} and {@code scard:use}: which backends run, which one is the default, and switching it.
 *
 * <p><b>The default backend</b> is the one whose {@link SCardResourceManager} and {@link ISCardManage} rank best;
 * consumers that inject them with dynamic greedy references are bound to it. Each backend's services take the
 * configuration PID {@value SCardServiceProperties#SERVICES_PID_PREFIX}{@code <backend>}: {@code scard:use <backend>}
 * writes {@code service.ranking=}{@value #DEFAULT_RANKING} (an Integer) into the chosen backend's configuration and
 * deletes the other backends' configurations, so they go back to their built-in ranking (simulator 100, pcsc 50).
 * Config Admin persists the choice. The backends then register their services once more while they are the
 * default, marked {@value SCardServiceProperties#DEFAULT}{@code =<backend>} and without {@code scard.backend}, which
 * is what moves greedy consumers (a ranking changed in place does not: Felix SCR rebinds a greedy reference only when a
 * better service is registered or the bound one goes away). Consumers that target a backend by filter, and this
 * shell's attachments, stay where they are.
 *
 * <p>The Config Admin service is optional: the reference is optional and dynamic, so without it
 * {@code scard:backends} works (showing the built-in rankings) and {@code scard:use} fails with a clear message.
 * (Its API package, org.osgi.service.cm, is imported as usual: every Config Admin implementation exports it.)
 */
@Component(service = BackendCommands.class, immediate = true)
@GogoCommand(scope = "scard", function = {"backends", "use"})
public class BackendCommands {

    /** The ranking {@code scard:use} gives the chosen backend: above every built-in ranking. */
    static final int DEFAULT_RANKING = 1000;
    /** How long {@code scard:use} waits for a running backend to become the best-ranked one. */
    static final long SWITCH_WAIT_MILLIS = 5_000;
    /**
     * How long {@code scard:backends} waits for the backends to list their readers: an unresponsive backend (a
     * pcscd that accepts but never answers) must not hang the console.
     */
    static final long LIST_TIMEOUT_MILLIS = 3_000;

    static final String NO_CONFIG_ADMIN = "scard:use needs Config Admin (org.osgi.service.cm), which is not running:"
            + " install and start a Config Admin bundle";

    private final BundleContext context;
    private final AtomicReference<ConfigurationAdmin> configAdmin = new AtomicReference<>();
    /** {@link #SWITCH_WAIT_MILLIS}, shorter in tests. */
    long switchWaitMillis = SWITCH_WAIT_MILLIS;
    /** {@link #LIST_TIMEOUT_MILLIS}, shorter in tests. */
    long listTimeoutMillis = LIST_TIMEOUT_MILLIS;
    private static final AtomicInteger LISTERS = new AtomicInteger();

    /** Commands over the services of {@code context}'s framework. */
    @Activate
    public BackendCommands(BundleContext context) {
        this.context = context;
    }

    /** Config Admin, when there is one (greedy: the best-ranked one). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindConfigAdmin")
    void bindConfigAdmin(ConfigurationAdmin admin) {
        configAdmin.set(admin);
    }

    /** Forgets Config Admin unless another one was bound meanwhile. */
    void unbindConfigAdmin(ConfigurationAdmin admin) {
        configAdmin.compareAndSet(admin, null);
    }

    // --------------------------------------------------------------------------------------------- backends

    // ------------------------------------------------------------------------------------------ Gogo entries

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String BACKENDS_SUMMARY = "list the backends: state (active, and which one is the default that consumers"
            + " without a backend filter get), service ranking (configured by scard:use or built in) and reader count";
    /** The command's usage line, options and arguments. */
    static final String BACKENDS_DETAILS = "Usage: scard:backends\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE;
    static final String BACKENDS_USAGE = BACKENDS_SUMMARY + "\n" + BACKENDS_DETAILS;

    static final CommandUsage BACKENDS = CommandUsage.of("scard:backends", BACKENDS_USAGE);

    /**
     * {@code scard:backends}.
     *
     * @param session the Gogo session
     * @param words the options and arguments, as {@link #BACKENDS_USAGE} says
     * @return the backend table, or null after {@code --help}
     */
    @Descriptor(BACKENDS_SUMMARY)
    public Object backends(CommandSession session, @Descriptor(BACKENDS_DETAILS) CharSequence... words) {
        return BACKENDS.run(session, words, w -> backends());
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String USE_SUMMARY = "make a backend the default for consumers that do not choose one (persisted"
            + " through Config Admin: service.ranking=1000 in dev.scard.service.<backend>, the other backends back to"
            + " their built-in ranking); attachments that are open stay on their backend";
    /** The command's usage line, options and arguments. */
    static final String USE_DETAILS = "Usage: scard:use [--] <backend>\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <backend>  the backend, as scard:backends lists it (simulator, pcsc)\n";
    static final String USE_USAGE = USE_SUMMARY + "\n" + USE_DETAILS;

    static final CommandUsage USE = CommandUsage.of("scard:use", USE_USAGE);

    /**
     * {@code scard:use}.
     *
     * @param session the Gogo session
     * @param words the options and arguments, as {@link #USE_USAGE} says
     * @return what changed, or null after {@code --help}
     */
    @Descriptor(USE_SUMMARY)
    public Object use(CommandSession session, @Descriptor(USE_DETAILS) CharSequence... words) {
        return USE.run(session, words, w -> use(w.argument(0)));
    }

    /**
     * {@code scard:backends}: one row per running backend (its own resource manager, {@code scard.backend}) with
     * its state ({@code active}, {@code active, default} for the backend of the best-ranked resource manager), its
     * ranking ({@code (configured)} when a {@code dev.scard.service.<backend>} configuration exists) and how many
     * readers it lists, then one row per configured backend that is not running. A backend that cannot list its
     * readers shows {@code -} and a line under the table says why; so does one that has not listed them within
     * {@value #LIST_TIMEOUT_MILLIS} ms ({@code timed out}), listed on a thread of its own so that an unresponsive
     * backend cannot hang the console.
     */
    String backends() {
        List<ServiceReference<SCardResourceManager>> running = ownResourceManagers("");
        Map<String, Object> configured = configuredRankings();
        String defaultBackend = defaultBackend(SCardResourceManager.class);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Backend", "State", "Ranking", "Readers"});
        List<String> problems = new ArrayList<>();
        Set<String> shown = new TreeSet<>();
        // the backends list their readers at the same time, each on a thread of its own, and the console waits
        // for them LIST_TIMEOUT_MILLIS at most: a backend that does not answer shows "-" and "timed out"
        ExecutorService listers = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "scard-backends-" + LISTERS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<String>> counts = new ArrayList<>();
            for (ServiceReference<SCardResourceManager> ref : running) {
                counts.add(listers.submit(() -> readerCount(ref)));
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(listTimeoutMillis);
            for (int i = 0; i < running.size(); i++) {
                ServiceReference<SCardResourceManager> ref = running.get(i);
                String name = backendOf(ref);
                shown.add(name);
                String readers = "-";
                try {
                    readers = counts.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    problems.add("Backend '" + name + "': timed out listing its readers (no answer in "
                            + WatchCommand.describe(Duration.ofMillis(listTimeoutMillis)) + ")");
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    problems.add("Backend '" + name + "': " + (cause instanceof SCardException
                            || cause instanceof IllegalStateException ? cause.getMessage()
                                    : "listing its readers failed (" + cause + ")"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    problems.add("Backend '" + name + "': interrupted while listing its readers");
                }
                rows.add(new String[] {name, name.equals(defaultBackend) ? "active, default" : "active",
                    ranking(ref.getProperty(Constants.SERVICE_RANKING),
                            configured.containsKey(SERVICES_PID_PREFIX + name)),
                    readers});
            }
        } finally {
            listers.shutdownNow(); // a backend still listing is interrupted; its thread ends when the call returns
        }
        for (Map.Entry<String, Object> entry : configured.entrySet()) {
            String name = entry.getKey().substring(SERVICES_PID_PREFIX.length());
            if (!shown.contains(name)) {
                rows.add(new String[] {name, "not running", ranking(entry.getValue(), true), "-"});
            }
        }
        if (rows.size() == 1) {
            return "No backends (no smart-card backend is running)";
        }
        StringBuilder out = new StringBuilder(CommandText.table(rows));
        for (String problem : problems) {
            out.append('\n').append(problem);
        }
        return out.toString();
    }

    /** The number of readers of the backend, on a lister thread: the service is got and released there. */
    private String readerCount(ServiceReference<SCardResourceManager> ref) {
        SCardResourceManager rm = context.getService(ref);
        if (rm == null) {
            throw new IllegalStateException("stopped while listing");
        }
        try {
            return String.valueOf(rm.listReaders().size());
        } finally {
            context.ungetService(ref);
        }
    }

    // -------------------------------------------------------------------------------------------------- use

    /**
     * {@code scard:use <backend>}: makes {@code backend} the default (see the class description); waits up to
     * {@value #SWITCH_WAIT_MILLIS} ms for a running backend to rank best.
     *
     * @throws IllegalArgumentException for a backend that is not known ({@code E_INVALIDARG}, naming the known ones)
     * @throws IllegalStateException without Config Admin ({@code SCARD_E_NO_SERVICE}), or when the configuration
     *         could not be stored or did not take effect in time ({@code E_FAIL})
     */
    String use(String backend) {
        String name = backend == null ? "" : backend.strip();
        Set<String> known = knownBackends();
        if (!known.contains(name)) {
            throw ShellFailures.badInput((name.isEmpty() ? "no backend named" : "unknown backend '"
                    + CommandUsage.shown(name) + "'")
                    + " (known backends: " + String.join(", ", known) + ")");
        }
        ConfigurationAdmin admin = configAdmin.get();
        if (admin == null) {
            throw ShellFailures.unavailable(NO_CONFIG_ADMIN);
        }
        List<String> removed;
        try {
            removed = BackendConfigurations.use(admin, SERVICES_PID_PREFIX, SERVICES_PID_PREFIX + name,
                    DEFAULT_RANKING);
        } catch (IOException e) {
            throw new IllegalStateException(SCardException.format(HResult.E_FAIL,
                    "Config Admin could not store the configuration " + SERVICES_PID_PREFIX + name + ": "
                            + e.getMessage()));
        }
        String written = "service.ranking=" + DEFAULT_RANKING + " in " + SERVICES_PID_PREFIX + name
                + (removed.isEmpty() ? "" : "; removed " + String.join(", ", removed));
        if (ownResourceManagers(name).isEmpty()) {
            return "Default backend: " + name + " (" + written + "); '" + name + "' is not running: it becomes"
                    + " the default when it starts";
        }
        awaitDefault(name);
        return "Default backend: " + name + " (" + written + ")";
    }

    // ------------------------------------------------------------------------------------------- internals

    /** Waits until the best-ranked resource manager and manager are the backend's, at most a few seconds. */
    private void awaitDefault(String name) {
        long deadline = System.nanoTime() + switchWaitMillis * 1_000_000L;
        while (!name.equals(defaultBackend(SCardResourceManager.class))
                || !name.equals(defaultBackend(ISCardManage.class))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(SCardException.format(HResult.E_FAIL, "the configuration is stored,"
                        + " but '" + name + "' did not become the best-ranked backend within " + switchWaitMillis
                        + " ms (scard:backends shows the rankings)"));
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(SCardException.format(HResult.E_FAIL, "interrupted while waiting"
                        + " for '" + name + "' to become the default; the configuration is stored"));
            }
        }
    }

    /** The {@code service.ranking} of each backend configuration by PID; empty without Config Admin. */
    private Map<String, Object> configuredRankings() {
        ConfigurationAdmin admin = configAdmin.get();
        if (admin == null) {
            return Map.of();
        }
        try {
            return BackendConfigurations.rankings(admin, SERVICES_PID_PREFIX);
        } catch (IOException | RuntimeException e) {
            return Map.of(); // not readable: the built-in rankings are all there is to show
        }
    }

    /** Backends scard:use accepts: the running ones, the configured ones and the two this project ships. */
    private Set<String> knownBackends() {
        Set<String> known = new TreeSet<>(List.of(SCardServiceProperties.BACKEND_SIMULATOR,
                SCardServiceProperties.BACKEND_PCSC));
        for (ServiceReference<SCardResourceManager> ref : ownResourceManagers("")) {
            known.add(backendOf(ref));
        }
        for (String pid : configuredRankings().keySet()) {
            known.add(pid.substring(SERVICES_PID_PREFIX.length()));
        }
        return known;
    }

    /**
     * The backend of the best-ranked service of {@code type}: its {@value SCardServiceProperties#DEFAULT} or
     * {@code scard.backend} property; null when there is none.
     */
    private String defaultBackend(Class<?> type) {
        ServiceReference<?> best = null;
        for (ServiceReference<?> ref : references(type, null)) {
            if (best == null || ref.compareTo(best) > 0) {
                best = ref;
            }
        }
        if (best == null) {
            return null;
        }
        Object marked = best.getProperty(SCardServiceProperties.DEFAULT);
        return marked != null ? String.valueOf(marked) : backendOf(best);
    }

    /** The backends' own resource managers (with {@code scard.backend}), best-ranked first; "" for all. */
    private List<ServiceReference<SCardResourceManager>> ownResourceManagers(String backend) {
        List<ServiceReference<SCardResourceManager>> refs = new ArrayList<>();
        for (ServiceReference<?> ref : references(SCardResourceManager.class,
                "(" + SCardServiceProperties.BACKEND + "=" + (backend.isEmpty() ? "*" : escape(backend)) + ")")) {
            @SuppressWarnings("unchecked")
            ServiceReference<SCardResourceManager> typed = (ServiceReference<SCardResourceManager>) ref;
            refs.add(typed);
        }
        refs.sort((a, b) -> b.compareTo(a));
        return refs;
    }

    private Collection<? extends ServiceReference<?>> references(Class<?> type, String filter) {
        try {
            return context.getServiceReferences(type, filter);
        } catch (InvalidSyntaxException e) {
            throw ShellFailures.badInput("bad backend name: " + e.getMessage());
        }
    }

    /** A ranking as scard:backends shows it: the number, marked when it comes from a configuration. */
    static String ranking(Object value, boolean configured) {
        String shown = value == null ? "0" : String.valueOf(value);
        return configured ? shown + " (configured)" : shown;
    }

    private static String escape(String value) {
        StringBuilder escaped = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }

    private static String backendOf(ServiceReference<?> ref) {
        Object backend = ref.getProperty(SCardServiceProperties.BACKEND);
        if (backend instanceof String[]) {
            return String.join(",", Arrays.asList((String[]) backend));
        }
        return String.valueOf(backend);
    }
}
