package dev.scard.itest.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/**
 * The base of every in-framework test: bounded waits for services, and clean-up of everything a test took
 * (services it got, threads it started, whatever else it registered with {@link #onCleanup}), last taken
 * first released, after each test, even a failed one.
 */
@ExtendWith(BundleContextExtension.class)
@ExtendWith(ServiceExtension.class)
public abstract class OsgiTestSupport {

    /** How long a test waits at most for a service, a thread or a state it expects. */
    protected static final Duration BOUND = Duration.ofSeconds(10);

    @InjectBundleContext
    protected BundleContext context;

    private final Deque<Cleanup> cleanups = new ArrayDeque<>();
    private final List<Worker<?>> workers = new ArrayList<>();

    /** One clean-up step; it may throw, the others still run. */
    @FunctionalInterface
    protected interface Cleanup {
        void run() throws Exception;
    }

    /** Registers a clean-up step, run after the test before the ones registered earlier. */
    protected void onCleanup(Cleanup cleanup) {
        cleanups.push(cleanup);
    }

    @AfterEach
    protected final void releaseEverything() throws Exception {
        Exception first = null;
        while (!cleanups.isEmpty()) {
            try {
                cleanups.pop().run();
            } catch (Exception | AssertionError e) {
                if (first == null) {
                    first = new Exception("clean-up failed", e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        List<String> stuck = new ArrayList<>();
        for (Worker<?> worker : workers) {
            if (!worker.join(BOUND)) {
                stuck.add(worker.thread().getName() + " (" + worker.thread().getState() + ")");
                worker.thread().interrupt();
            }
        }
        workers.clear();
        if (first != null) {
            throw first;
        }
        assertThat(stuck).as("test threads still running after everything was released").isEmpty();
    }

    /**
     * Starts a task on its own thread. After the test (and its clean-up) the thread must have ended, or the
     * test fails: a caller left waiting is a leak.
     */
    protected <T> Worker<T> inBackground(String name, Callable<T> task) {
        Worker<T> worker = Worker.start(name, task);
        workers.add(worker);
        return worker;
    }

    /** The best-ranked service reference of {@code type} matching {@code filter}, waiting at most {@link #BOUND}. */
    protected <S> ServiceReference<S> awaitReference(Class<S> type, String filter) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (true) {
            Collection<ServiceReference<S>> references = references(type, filter);
            if (!references.isEmpty()) {
                return Collections.max(references);
            }
            if (System.nanoTime() > deadline) {
                return fail("no %s service matching %s within %s", type.getName(), filter, BOUND);
            }
            Thread.sleep(10);
        }
    }

    /** The service references of {@code type} matching {@code filter} at this moment. */
    protected <S> Collection<ServiceReference<S>> references(Class<S> type, String filter) {
        try {
            return context.getServiceReferences(type, filter);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(filter, e);
        }
    }

    /** Gets a (singleton or bundle scope) service, ungot after the test. */
    protected <S> S getService(ServiceReference<S> reference) {
        S service = context.getService(reference);
        assertThat(service).as("service %s", reference).isNotNull();
        onCleanup(() -> {
            try {
                context.ungetService(reference);
            } catch (IllegalStateException e) {
                // the service or our context is gone already
            }
        });
        return service;
    }

    /** The best-ranked service of {@code type} matching {@code filter}, ungot after the test. */
    protected <S> S awaitService(Class<S> type, String filter) throws InterruptedException {
        return getService(awaitReference(type, filter));
    }

    /** The installed bundle with this symbolic name. */
    protected Bundle bundle(String symbolicName) {
        for (Bundle bundle : context.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        return fail("no bundle %s installed", symbolicName);
    }
}
