package dev.scard.console;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
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
 */
final class OnDemandBundles {

    /** The framework property holding the start level of the on-demand bundles. */
    static final String LEVEL_PROPERTY = "scard.ondemand.startlevel";
    /** The framework property holding the PID prefixes that need them. */
    static final String PIDS_PROPERTY = "scard.ondemand.pids";

    private final int level;
    private final List<String> prefixes;

    private OnDemandBundles(int level, List<String> prefixes) {
        this.level = level;
        this.prefixes = prefixes;
    }

    /**
     * The on-demand bundles as the framework properties describe them.
     *
     * @param context a bundle context to read the framework properties through
     * @return null when the properties are absent or the level is not a positive number
     */
    static OnDemandBundles of(BundleContext context) {
        return parse(context.getProperty(LEVEL_PROPERTY), context.getProperty(PIDS_PROPERTY));
    }

    /**
     * Parses the two properties.
     *
     * @param level the start level, e.g. {@code "10"}
     * @param pids the PID prefixes, e.g. {@code "dev.scard.remote., org.apache.aries.rsa."}
     * @return null when either is missing or blank, or the level is not a positive number
     */
    static OnDemandBundles parse(String level, String pids) {
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
        return new OnDemandBundles(parsed, prefixes);
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
     * Raises the framework's start level to {@link #level()} unless it is there already, and waits until the
     * framework has started the bundles (their start failures are the framework's to log).
     *
     * @param context a bundle context
     * @param limitMillis the longest to wait
     * @return true when the level is reached, false when {@code limitMillis} passed first
     * @throws InterruptedException when interrupted while waiting
     */
    boolean raise(BundleContext context, long limitMillis) throws InterruptedException {
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
