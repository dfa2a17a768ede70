package dev.scard.console;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

/**
 * Bundles the distribution starts only when the initial configuration needs them: they sit at a start level above the
 * framework's beginning one, and the console raises the framework to that level before it applies a configuration
 * file that configures one of their PIDs.
 * <p>
 * The distribution names the level and the PIDs in two framework properties: {@value #LEVEL_PROPERTY} (a number) and
 * {@value #PIDS_PROPERTY} (a comma-separated list of PID prefixes, each ending at a dot or a whole PID). In the
 * distribution these are the remote-reader bundles (Aries RSA, its discovery, ZooKeeper and Netty, the host, the
 * client backend and the transport): idle without a {@code dev.scard.remote.*} or {@code org.apache.aries.rsa.*}
 * configuration, they cost about a sixth of a start. Without the properties (Karaf, the in-framework tests) nothing
 * happens here. Gogo's {@code frameworklevel N} raises the level by hand.
 * <p>
 * The distribution's launcher does not even install them: it names their locations in a third framework property,
 * {@value #BUNDLES_PROPERTY} (comma-separated), and they are installed here, at the on-demand level and marked for
 * starting, before the level is raised ({@link #raise}), or when someone raises it by hand ({@link #installer}).
 */
final class OnDemandBundles {

    /** The framework property holding the start level of the on-demand bundles. */
    static final String LEVEL_PROPERTY = "scard.ondemand.startlevel";
    /** The framework property holding the PID prefixes that need them. */
    static final String PIDS_PROPERTY = "scard.ondemand.pids";
    /** The framework property holding the locations of those the launcher left uninstalled. */
    static final String BUNDLES_PROPERTY = "scard.ondemand.bundles";

    private final int level;
    private final List<String> prefixes;
    private final List<String> locations;

    private OnDemandBundles(int level, List<String> prefixes, List<String> locations) {
        this.level = level;
        this.prefixes = prefixes;
        this.locations = locations;
    }

    /**
     * The on-demand bundles as the framework properties describe them.
     *
     * @param context a bundle context to read the framework properties through
     * @return null when the properties are absent or the level is not a positive number
     */
    static OnDemandBundles of(BundleContext context) {
        return parse(context.getProperty(LEVEL_PROPERTY), context.getProperty(PIDS_PROPERTY),
            context.getProperty(BUNDLES_PROPERTY));
    }

    /**
     * Parses the two properties.
     *
     * @param level the start level, e.g. {@code "10"}
     * @param pids the PID prefixes, e.g. {@code "dev.scard.remote., org.apache.aries.rsa."}
     * @param bundles the locations of the bundles to install, comma-separated; null or blank when they are installed
     * @return null when the level or the PIDs are missing or blank, or the level is not a positive number
     */
    static OnDemandBundles parse(String level, String pids, String bundles) {
        if (level == null || pids == null || pids.isBlank()) {
            return null;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(level.strip());
        } catch (NumberFormatException e) {
            return null;
        }
        if (parsed < 1) {
            return null;
        }
        List<String> prefixes = List.of(pids.strip().split("\\s*,\\s*"));
        List<String> locations =
            bundles == null || bundles.isBlank() ? List.of() : List.of(bundles.strip().split("\\s*,\\s*"));
        return new OnDemandBundles(parsed, prefixes, locations);
    }

    /** The start level of the on-demand bundles. */
    int level() {
        return level;
    }

    /**
     * Whether a configuration of one of {@code pids} needs the on-demand bundles: the PID equals a prefix, or starts
     * with a prefix that ends with a dot.
     *
     * @param pids the PIDs (factory PIDs for factory configurations) of a configuration file
     * @return true when one of them needs them
     */
    boolean neededBy(Collection<String> pids) {
        for (String pid : pids) {
            for (String prefix : prefixes) {
                if (pid.equals(prefix) || (prefix.endsWith(".") && pid.startsWith(prefix))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Installs those of the bundles the framework does not hold yet (all of them first, then each is marked for
     * starting, so that a bundle's dependencies are there when it starts), at {@link #level()}. Below that level a
     * start only marks the bundle; at it, the bundle starts at once.
     *
     * @param context a bundle context
     * @return how many were installed
     * @throws BundleException the first failure to install or start one (the others are still tried)
     */
    int installMissing(BundleContext context) throws BundleException {
        List<Bundle> installed = new ArrayList<>();
        BundleException failure = null;
        for (String location : locations) {
            if (context.getBundle(location) != null) {
                continue;
            }
            try {
                Bundle bundle = context.installBundle(location);
                bundle.adapt(BundleStartLevel.class).setStartLevel(level);
                installed.add(bundle);
            } catch (BundleException | RuntimeException e) {
                failure = failure != null ? failure : asBundleException(location, e);
            }
        }
        for (Bundle bundle : installed) {
            if (bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null) {
                continue;
            }
            try {
                bundle.start();
            } catch (BundleException | RuntimeException e) {
                failure = failure != null ? failure : asBundleException(bundle.getLocation(), e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return installed.size();
    }

    private static BundleException asBundleException(String location, Exception e) {
        return e instanceof BundleException ? (BundleException) e
            : new BundleException(location + ": " + e.getMessage(), e);
    }

    /**
     * A framework listener that installs the missing bundles, on a thread of its own, when the start level is raised
     * to {@link #level()} or above by someone else (Gogo's {@code frameworklevel}): {@link #installIfRaised}.
     *
     * @param context a bundle context
     * @param err where a failure is reported
     * @return the listener, for the caller to add and remove
     */
    FrameworkListener installer(BundleContext context, PrintStream err) {
        return event -> {
            if (event.getType() != FrameworkEvent.STARTLEVEL_CHANGED || locations.isEmpty()) {
                return;
            }
            Thread thread = new Thread(() -> installIfRaised(context, err), "scard-ondemand-install");
            thread.setDaemon(true);
            thread.start();
        };
    }

    /**
     * Installs the missing bundles when the framework's start level is {@link #level()} or above; a failure is one
     * line on {@code err}, unless the framework is stopping meanwhile (an {@code exit} right after
     * {@code frameworklevel}: nothing to report).
     *
     * @param context a bundle context
     * @param err where a failure is reported
     */
    void installIfRaised(BundleContext context, PrintStream err) {
        try {
            if (context.getBundle(0).adapt(FrameworkStartLevel.class).getStartLevel() < level) {
                return;
            }
            installMissing(context);
        } catch (BundleException | IllegalStateException e) {
            if (running(context)) {
                err.println("scard: the bundles of start level " + level + " did not all start: " + e.getMessage());
            }
        }
    }

    /** Whether the framework and the context's bundle are still active. */
    private static boolean running(BundleContext context) {
        try {
            return context.getBundle(0).getState() == Bundle.ACTIVE && context.getBundle().getState() == Bundle.ACTIVE;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /**
     * Installs the missing bundles ({@link #installMissing}), raises the framework's start level to {@link #level()}
     * unless it is there already, and waits until the framework has started the bundles (their start failures are
     * the framework's to log).
     *
     * @param context a bundle context
     * @param limitMillis the longest to wait
     * @return true when the level is reached, false when {@code limitMillis} passed first
     * @throws InterruptedException when interrupted while waiting
     * @throws BundleException when a bundle could not be installed
     */
    boolean raise(BundleContext context, long limitMillis) throws InterruptedException, BundleException {
        installMissing(context);
        FrameworkStartLevel startLevel = context.getBundle(0).adapt(FrameworkStartLevel.class);
        if (startLevel.getStartLevel() >= level) {
            return true;
        }
        CountDownLatch reached = new CountDownLatch(1);
        FrameworkListener listener = event -> {
            if (event.getType() == FrameworkEvent.STARTLEVEL_CHANGED) {
                reached.countDown();
            }
        };
        startLevel.setStartLevel(level, listener);
        return reached.await(limitMillis, TimeUnit.MILLISECONDS) || startLevel.getStartLevel() >= level;
    }
}
