package dev.scard.shell;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Dictionary;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The live loop of the commands that print what happens as it happens ({@code scard:watch}, {@code scard:trace}):
 * registers the command's listener for as long as it runs, prints what the listener queued on the command's own
 * thread, and ends when the duration has elapsed, on Ctrl-C (an interrupt), when the console can no longer be written
 * to ({@link PrintStream#checkError()}: the session's connection closed) or when the command's component is
 * deactivated (the bundle stopping: {@link #deactivate()} interrupts every running loop). The listener is
 * unregistered however the loop ends, and what it queued until then is printed. One per command component.
 */
final class LiveCommand {

    /** How long the loop waits for the queue at most before it looks at the console and the component again. */
    private static final long SLICE = TimeUnit.SECONDS.toNanos(1);

    private final BundleContext context;
    /** The threads running the loop now (guarded by itself): {@link #deactivate} interrupts them. */
    private final Set<Thread> running = new HashSet<>();
    /** Set when the component is deactivated (the bundle stopping): no loop runs on after it. */
    private volatile boolean deactivated;

    /** @param context registers the listeners */
    LiveCommand(BundleContext context) {
        this.context = context;
    }

    /**
     * Ends every running loop: the bundle is stopping (or the component is disabled), and a command must not keep a
     * console thread, and a listener of a stopped bundle, waiting for ever.
     */
    void deactivate() {
        synchronized (running) {
            deactivated = true;
            running.forEach(Thread::interrupt);
        }
    }

    /** How many loops run now (for tests). */
    int running() {
        synchronized (running) {
            return running.size();
        }
    }

    /**
     * Runs the loop on the calling thread.
     *
     * @param console the session's console
     * @param type the listener's service interface
     * @param listener queues what it hears into {@code queue}; registered with {@code properties} while the loop
     *        runs
     * @param properties the listener's service properties (its filter)
     * @param queue what the listener queued
     * @param print prints one queued element to the console
     * @param starting the first line's start ({@code "Tracing reader 'R'"}); the loop adds until when
     * @param limit how long, or null: until interrupted
     * @param doing the activity for the line of a loop that stopped early ({@code "tracing"}: "Stopped tracing
     *        (interrupted) after 2 s: ...")
     * @param done the activity for the summary of a loop that ran its duration ({@code "Traced"}: "Traced 5 s: ...")
     * @param summary what was printed, for the last line, once everything was
     * @return the last line: printed to the console too when the loop stopped early
     * @throws IllegalStateException when the component is deactivated already
     */
    <L, E> String run(PrintStream console, Class<L> type, L listener, Dictionary<String, Object> properties,
            BlockingQueue<E> queue, Consumer<E> print, String starting, Duration limit, String doing, String done,
            Supplier<String> summary) {
        Thread self = Thread.currentThread();
        synchronized (running) {
            if (deactivated) {
                throw new IllegalStateException("the shell commands are stopping");
            }
            running.add(self);
        }
        long start = System.nanoTime();
        String stopped = null; // why it ended early: null when the duration elapsed
        try {
            ServiceRegistration<L> registration = context.registerService(type, listener, properties);
            try {
                console.println(starting + (limit == null ? " until Ctrl-C"
                        : " for " + WatchCommand.describe(limit) + " (Ctrl-C stops)"));
                console.flush();
                long length = limit == null ? 0 : saturatedNanos(limit); // no deadline: no arithmetic on one
                while (true) {
                    if (deactivated) {
                        stopped = "the shell commands stopped";
                        break;
                    }
                    if (console.checkError()) {
                        stopped = "the console is closed"; // nobody sees the output: the session ended
                        break;
                    }
                    long wait = SLICE;
                    if (limit != null) {
                        long left = length - (System.nanoTime() - start);
                        if (left <= 0) {
                            break;
                        }
                        wait = Math.min(left, SLICE);
                    }
                    E next = queue.poll(wait, TimeUnit.NANOSECONDS);
                    if (next != null) {
                        print.accept(next);
                    }
                }
            } catch (InterruptedException e) {
                // Ctrl-C, or deactivate: the end of the command, not an error
                stopped = deactivated ? "the shell commands stopped" : "interrupted";
            } finally {
                try {
                    registration.unregister();
                } catch (IllegalStateException e) {
                    // this bundle is stopping, which unregistered it already
                }
            }
        } finally {
            synchronized (running) {
                running.remove(self);
                if (deactivated) {
                    Thread.interrupted(); // an interrupt of deactivate is not for the console's next command
                }
            }
        }
        for (E late; (late = queue.poll()) != null;) {
            print.accept(late);
        }
        console.flush();
        if (stopped != null) {
            String line = "Stopped " + doing + " (" + stopped + ") after "
                    + WatchCommand.describe(Duration.ofNanos(System.nanoTime() - start)) + ": " + summary.get();
            console.println(line);
            console.flush();
            return line;
        }
        return done + " " + WatchCommand.describe(limit) + ": " + summary.get();
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }
}
