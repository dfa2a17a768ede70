package dev.scard.simulator.internal;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

import dev.scard.simulator.internal.card.CardProfile;

/**
 * Reads the sample card profile ahead, for start-up time: when the bundle starts, a daemon thread of its own
 * ({@value #THREAD_NAME}) parses the profile ({@link CardProfile#readSampleAhead()}) and ends, and {@link #start}
 * returns at once. The framework starts the bundles one after the other, and SCR, which activates
 * {@link SimulatorComponent} (whose default card is of the sample profile), starts well after this bundle; the parse,
 * some 30-40 ms of cold code, now overlaps the other bundles' start on the machine's other core instead of delaying
 * the component's activation. A {@link CardProfile#sample()} called before the parse has finished waits for it.
 *
 * <p>Nothing else changes: the profile is read once, by whichever thread comes first, and a profile that cannot be
 * read fails the first {@link CardProfile#sample()} (the component's activation) as it did when that call read it.
 * The thread prints and logs nothing. {@link #stop} leaves a parse still running to finish (interrupting it could
 * fail the read of the profile's resource, and that failure would be kept); it is one bounded parse.
 */
public final class Activator implements BundleActivator {

    /** The name of the thread that reads the sample profile ahead. */
    static final String THREAD_NAME = "scard-simulator-profile-warmup";

    /** What the thread runs. */
    private final Runnable readAhead;
    /** The thread of the last {@link #start}; guarded by this. */
    private Thread thread;

    /** Creates the activator (the framework does). */
    public Activator() {
        this(CardProfile::readSampleAhead);
    }

    /** An activator whose thread runs {@code readAhead} (tests). */
    Activator(Runnable readAhead) {
        this.readAhead = readAhead;
    }

    /**
     * Starts the thread that reads the sample profile and returns without waiting for it; does nothing while the
     * thread of an earlier start still runs.
     *
     * @param context the bundle's context (not used)
     */
    @Override
    public synchronized void start(BundleContext context) {
        if (thread != null && thread.isAlive()) {
            return;
        }
        thread = new Thread(readAhead, THREAD_NAME);
        thread.setDaemon(true);
        // CardProfile.readSampleAhead throws nothing; should the thread fail all the same (the bundle's classes
        // gone, say), it fails again, and is reported, where the sample is asked for: this thread prints nothing.
        thread.setUncaughtExceptionHandler((failed, e) -> {
        });
        thread.start();
    }

    /**
     * Does nothing: a parse still running finishes and its thread ends.
     *
     * @param context the bundle's context (not used)
     */
    @Override
    public void stop(BundleContext context) {
        // Nothing to stop: the thread does one bounded parse (see the class's description).
    }

    /** The thread of the last {@link #start}, or null (tests). */
    synchronized Thread thread() {
        return thread;
    }
}
