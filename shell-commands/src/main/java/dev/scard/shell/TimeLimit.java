package dev.scard.shell;

import java.time.Duration;

/**
 * A time limit for a command that runs on the session's thread and ends when that thread is interrupted (as Ctrl-C
 * does): when the limit passes, a watchdog interrupts the thread. Closing it stops the watchdog and clears an
 * interrupt that was the watchdog's, so that the console's next command does not see it; {@link #expired()} tells
 * whether the limit ended the command. Use it in a try-with-resources around the command.
 */
final class TimeLimit implements AutoCloseable {

    private final Thread watchdog;
    private volatile boolean expired;
    private volatile boolean closed;

    /** Starts the watchdog for the calling thread; a null limit starts none (only Ctrl-C ends the command). */
    TimeLimit(Duration limit) {
        if (limit == null) {
            watchdog = null;
            return;
        }
        Thread target = Thread.currentThread();
        long nanos = limit.toNanos();
        watchdog = new Thread(() -> {
            long end = System.nanoTime() + nanos;
            try {
                for (long left = nanos; left > 0; left = end - System.nanoTime()) {
                    Thread.sleep(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                return; // closed before the limit
            }
            synchronized (this) {
                if (!closed) {
                    expired = true;
                    target.interrupt();
                }
            }
        }, "scard time limit");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** Whether the limit passed and interrupted the command. */
    boolean expired() {
        return expired;
    }

    @Override
    public void close() {
        if (watchdog == null) {
            return;
        }
        synchronized (this) {
            closed = true;
        }
        watchdog.interrupt();
        if (expired) {
            Thread.interrupted(); // the watchdog's interrupt, not the user's
        }
    }
}
