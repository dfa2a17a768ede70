package dev.scard.console;

import java.io.BufferedReader;
import java.io.Console;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.admin.LoggerAdmin;

/**
 * The distribution's main program. The bnd launcher calls {@link #call()} on the JVM main thread (this is
 * a {@link Callable} registered with {@code main.thread=true}) once every bundle has started and it has
 * registered the command line as the {@code launcher.arguments} service property; when {@code call()}
 * returns, the launcher stops the framework and exits with the returned status.
 * <p>
 * It stands in for gogo.shell and gogo.jline (which grab the terminal themselves), so it provides the
 * {@code shell.implementation} capability that gogo.runtime requires.
 * <p>
 * Before the first command it applies the initial configuration file ({@link InitialConfiguration}: the
 * {@code --config} option, else {@code -Dscard.config}, else {@code scard.json} beside the jar) through Config
 * Admin, and waits (bounded) until Config Admin has told its listeners of every change, so that the commands see
 * the configured readers. A bad file is reported on standard error in one line and nothing from it is applied; the
 * commands run all the same, and the exit status stays theirs.
 * <p>
 * The error contract is the same in every mode ({@link CommandRunner}): a failure, in any stage of a pipeline
 * or in a background job ({@code &}), is one {@code Error:} line on standard error and makes the exit status 1;
 * {@code exit N} exits with N. In the {@code -c} and standard-input modes the console waits for the background
 * jobs before it exits.
 * <p>
 * Before the first command it makes {@link ConsoleLog} a listener of the OSGi Log Service, which writes every
 * bundle's log records (one line each, WARNING and above unless {@code -v} or {@code --log-level}; above the prompt
 * when interactive, or into the file of {@code --log-file}).
 */
@Capability(namespace = "org.apache.felix.gogo", name = "shell.implementation", version = "1.0.0")
@Component(service = Callable.class, immediate = true, property = "main.thread=true")
public final class ConsoleMain implements Callable<Integer> {

    /**
     * The session variable that tells commands whether someone at a terminal can interrupt them (Ctrl-C):
     * {@code false} in the {@code -c} and standard-input modes, {@code true} at the prompt. {@code scard:watch}
     * needs a duration where it is {@code false}.
     */
    static final String INTERACTIVE = ".interactive";

    /** The launcher's service property that holds {@code main}'s arguments. */
    static final String LAUNCHER_ARGUMENTS = "launcher.arguments";

    /**
     * How long the service registry must stay still before the first command runs. Short: every bundle has started
     * (the console starts last) and the initial configuration's delivery is awaited by its events, so this only
     * covers services that components register just after a configuration change.
     */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(8);
    /** The longest the console waits for the service registry to settle. */
    private static final long SETTLE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(2);
    /**
     * The PID of the configuration the console updates, after the initial configuration, to know when every
     * configuration listener has handled that (deleted again at once; it configures nothing).
     */
    static final String DELIVERY_MARKER_PID = "dev.scard.console.delivered";
    /** The longest the console waits for Config Admin to deliver the initial configuration. */
    private static final long DELIVERY_LIMIT_MILLIS = 2_000;
    /** The longest the console waits for the bundles of {@link OnDemandBundles} to start. */
    private static final long ON_DEMAND_LIMIT_MILLIS = 30_000;

    @Reference
    private CommandProcessor processor;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configurationAdmin;

    /** The Log Service's records, which {@link ConsoleLog} writes (Felix Log; none: no log lines). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile LogReaderService logReader;

    /** Sets the loggers' level to the console's ({@code -v}, {@code --log-level}). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile LoggerAdmin loggerAdmin;

    private volatile String[] arguments = new String[0];
    private volatile long lastServiceEvent = System.nanoTime();
    private BundleContext context;
    private ServiceListener settleListener;
    private FrameworkListener onDemandInstaller;

    /**
     * Binds the launcher's registration of the command line (a service registered as
     * {@code java.lang.Object} with the {@code launcher.arguments} property).
     *
     * @param launcher the launcher's service
     */
    @Reference(service = Object.class, target = "(" + LAUNCHER_ARGUMENTS + "=*)")
    void bindLauncher(ServiceReference<Object> launcher) {
        this.arguments = toStrings(launcher.getProperty(LAUNCHER_ARGUMENTS));
    }

    @Activate
    void activate(BundleContext bundleContext) {
        this.context = bundleContext;
        this.lastServiceEvent = System.nanoTime();
        // Components whose configuration Config Admin delivers asynchronously register their services
        // (and so their commands) a little after their bundle started: note when the registry last moved.
        ServiceListener listener = this::serviceChanged;
        bundleContext.addServiceListener(listener);
        this.settleListener = listener;
        OnDemandBundles onDemand = OnDemandBundles.of(bundleContext);
        if (onDemand != null) {
            onDemandInstaller = onDemand.installer(bundleContext, rootStream(System.err, FileDescriptor.err));
            bundleContext.addFrameworkListener(onDemandInstaller);
        }
    }

    @Deactivate
    void deactivate() {
        ServiceListener listener = settleListener;
        if (listener != null) {
            try {
                context.removeServiceListener(listener);
            } catch (IllegalStateException e) {
                // the bundle is already stopping
            }
        }
        FrameworkListener installer = onDemandInstaller;
        if (installer != null) {
            try {
                context.removeFrameworkListener(installer);
            } catch (IllegalStateException e) {
                // the bundle is already stopping
            }
        }
    }

    private void serviceChanged(ServiceEvent event) {
        if (event.getServiceReference().getBundle() != context.getBundle()) {
            lastServiceEvent = System.nanoTime();
        }
    }

    /**
     * Runs the mode chosen by the command line and the terminal.
     *
     * @return the exit status: 0 success, 1 a command failed, 2 a usage error
     */
    @Override
    public Integer call() {
        PrintStream out = rootStream(System.out, FileDescriptor.out);
        PrintStream err = rootStream(System.err, FileDescriptor.err);
        ConsoleArguments args = ConsoleArguments.parse(arguments);
        ConsoleLog log = null;
        try {
            if (args.mode() == ConsoleArguments.Mode.COMMAND || args.mode() == ConsoleArguments.Mode.STDIN) {
                try {
                    log = ConsoleLog.install(args.logLevel(), args.logFile() == null ? null : Path.of(args.logFile()),
                            err, logReader, loggerAdmin);
                } catch (IOException | RuntimeException e) {
                    err.println("scard: cannot write the log file " + args.logFile() + ": " + e.getMessage());
                    return CommandRunner.USAGE;
                }
            }
            switch (args.mode()) {
                case HELP:
                    out.println(ConsoleArguments.USAGE);
                    return CommandRunner.OK;
                case USAGE_ERROR:
                    err.println("scard: " + args.error());
                    err.println(ConsoleArguments.USAGE);
                    return CommandRunner.USAGE;
                case COMMAND:
                    applyInitialConfiguration(args, err);
                    awaitSettled();
                    return runCommand(args.command(), out, err);
                case STDIN:
                default:
                    applyInitialConfiguration(args, err);
                    awaitSettled();
                    if (isInteractiveTerminal()) {
                        return new InteractiveConsole(processor, log).run();
                    }
                    return runStandardInput(out, err);
            }
        } catch (Exception | LinkageError e) {
            // Never let the launcher print a stack trace and exit with 127.
            err.println(Results.errorLine(e));
            return CommandRunner.FAILED;
        } finally {
            if (log != null) {
                log.close();
            }
            out.flush();
            err.flush();
        }
    }

    private int runCommand(String program, PrintStream out, PrintStream err) {
        CommandSession session = CommandRunner.createSession(processor, rootInput(), out, err);
        session.put(INTERACTIVE, Boolean.FALSE);
        try {
            return new CommandRunner(session, out, err).runCommand(program);
        } finally {
            session.close();
        }
    }

    private int runStandardInput(PrintStream out, PrintStream err) {
        // The commands come from standard input, so a command that reads its input gets end-of-input.
        InputStream nothing = InputStream.nullInputStream();
        CommandSession session = CommandRunner.createSession(processor, nothing, out, err);
        session.put(INTERACTIVE, Boolean.FALSE);
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(rootInput(), inputCharset()));
            return new CommandRunner(session, out, err).runLines(lines);
        } finally {
            session.close();
        }
    }

    /**
     * Applies the initial configuration file, if there is one, and waits until Config Admin has delivered it.
     * Problems go to {@code err} as one line each; they do not stop the console.
     */
    private void applyInitialConfiguration(ConsoleArguments args, PrintStream err) throws InterruptedException {
        Optional<Path> file;
        try {
            file = InitialConfiguration.locate(args.config(), System.getProperty(InitialConfiguration.PROPERTY),
                System.getProperty("java.class.path"));
        } catch (InitialConfiguration.Problem e) {
            err.println("scard: configuration file " + e.getMessage() + "; nothing was applied");
            return;
        }
        if (file.isEmpty()) {
            return;
        }
        String shown = file.get().toString();
        try {
            List<InitialConfiguration.Entry> entries =
                InitialConfiguration.parse(InitialConfiguration.read(file.get()));
            startOnDemandBundles(entries, shown, err);
            ConfigurationAdmin admin = configurationAdmin;
            if (admin == null) {
                err.println("scard: configuration file " + shown + ": Config Admin is not running; nothing was"
                    + " applied");
                return;
            }
            applyAndAwaitDelivery(admin, entries);
        } catch (InitialConfiguration.Problem e) {
            err.println("scard: configuration file " + shown + ": " + e.getMessage()
                + "; nothing from it was applied");
        } catch (IOException | RuntimeException e) {
            err.println("scard: configuration file " + shown + ": Config Admin refused a configuration: "
                + e.getMessage());
        }
    }

    /**
     * Starts the bundles the distribution keeps for configurations that need them ({@link OnDemandBundles}) when
     * {@code entries} configure one of their PIDs, and waits for them (bounded).
     */
    private void startOnDemandBundles(List<InitialConfiguration.Entry> entries, String shown, PrintStream err)
        throws InterruptedException {
        OnDemandBundles onDemand = OnDemandBundles.of(context);
        if (onDemand == null || !onDemand.neededBy(entries.stream().map(InitialConfiguration.Entry::pid).toList())) {
            return;
        }
        try {
            if (!onDemand.raise(context, ON_DEMAND_LIMIT_MILLIS)) {
                err.println("scard: configuration file " + shown + ": the bundles it needs (start level "
                    + onDemand.level() + ") did not start within " + ON_DEMAND_LIMIT_MILLIS / 1000 + " s; it is"
                    + " applied anyway");
            }
        } catch (BundleException e) {
            err.println("scard: configuration file " + shown + ": the bundles it needs (start level "
                + onDemand.level() + ") did not all install: " + e.getMessage() + "; it is applied anyway");
        }
        lastServiceEvent = System.nanoTime();
    }

    /** Waits until {@code delivered} holds every one of {@code pids}, or until {@code deadline}. */
    private static void awaitDelivery(Set<String> delivered, List<String> pids, long deadline)
        throws InterruptedException {
        synchronized (delivered) {
            while (!delivered.containsAll(pids)) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return;
                }
                delivered.wait(left);
            }
        }
    }

    /**
     * Writes the configurations, then waits until Config Admin has sent the event of every one that changed and
     * every configuration listener has handled them.
     */
    private void applyAndAwaitDelivery(ConfigurationAdmin admin, List<InitialConfiguration.Entry> entries)
        throws IOException, InterruptedException {
        Set<String> delivered = new HashSet<>();
        ConfigurationListener listener = event -> {
            if (event.getType() == ConfigurationEvent.CM_UPDATED) {
                synchronized (delivered) {
                    delivered.add(event.getPid());
                    delivered.notifyAll();
                }
            }
        };
        ServiceRegistration<ConfigurationListener> registration =
            context.registerService(ConfigurationListener.class, listener, null);
        try {
            List<String> changed = InitialConfiguration.apply(admin, entries);
            long deadline = System.currentTimeMillis() + DELIVERY_LIMIT_MILLIS;
            awaitDelivery(delivered, changed, deadline);
            if (!changed.isEmpty()) {
                // Config Admin calls every configuration listener (SCR among them, which takes a configuration up and
                // activates its components there and then) for one event before it sends the next. So once an update
                // made after these has come back, every listener has handled them, and what a component logged
                // while taking one up ("no reader added") is in the Log Service before the first command runs.
                Configuration marker = admin.getConfiguration(DELIVERY_MARKER_PID, "?");
                marker.update(new Hashtable<>(Map.of(DELIVERY_MARKER_PID, "delivered")));
                awaitDelivery(delivered, List.of(DELIVERY_MARKER_PID), deadline);
                marker.delete();
            }
        } finally {
            registration.unregister();
            lastServiceEvent = System.nanoTime();
        }
    }

    /** Waits until no other bundle has registered or unregistered a service for a moment (bounded). */
    private void awaitSettled() throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_LIMIT_NANOS;
        while (true) {
            long now = System.nanoTime();
            long quietFor = now - lastServiceEvent;
            if (quietFor >= QUIET_NANOS || now - deadline >= 0) {
                return;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(QUIET_NANOS - quietFor, deadline - now) + 1);
        }
    }

    /**
     * Whether standard input and output are a terminal. Until JDK 21, {@link System#console()} is
     * {@code null} otherwise; from JDK 22 it may exist anyway, and {@code Console.isTerminal()} tells.
     */
    static boolean isInteractiveTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return Boolean.TRUE.equals(isTerminal.invoke(console));
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The stream behind Gogo's thread-switching {@code System.out}/{@code System.err}. A session must not be
     * given those: while a command runs they write into the session itself.
     */
    static PrintStream rootStream(PrintStream stream, FileDescriptor fallback) {
        Object root = root(stream);
        if (root instanceof PrintStream print) {
            return print;
        }
        if (root == stream && isGogoStream(stream)) {
            return new PrintStream(new FileOutputStream(fallback), true, Charset.defaultCharset());
        }
        return stream;
    }

    private static InputStream rootInput() {
        InputStream in = System.in;
        Object root = root(in);
        if (root instanceof InputStream stream) {
            return stream;
        }
        return isGogoStream(in) ? new FileInputStream(FileDescriptor.in) : in;
    }

    private static Object root(Object stream) {
        if (!isGogoStream(stream)) {
            return stream;
        }
        try {
            Method getRoot = stream.getClass().getMethod("getRoot");
            return getRoot.invoke(stream);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return stream;
        }
    }

    private static boolean isGogoStream(Object stream) {
        return stream != null && stream.getClass().getName().startsWith("org.apache.felix.gogo.runtime.threadio.");
    }

    private static Charset inputCharset() {
        String name = System.getProperty("stdin.encoding");
        if (name != null) {
            try {
                return Charset.forName(name);
            } catch (RuntimeException e) {
                // fall through to the default
            }
        }
        return Charset.defaultCharset();
    }

    static String[] toStrings(Object value) {
        if (value instanceof String[] strings) {
            return strings.clone();
        }
        if (value instanceof Collection<?> collection) {
            return collection.stream().map(String::valueOf).toArray(String[]::new);
        }
        return value == null ? new String[0] : new String[] {String.valueOf(value)};
    }
}
