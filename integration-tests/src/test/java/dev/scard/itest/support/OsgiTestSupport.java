package dev.scard.itest.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.test.common.service.ServiceConfiguration;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import dev.scard.testsupport.Await;
import dev.scard.testsupport.Worker;
import dev.scard.testsupport.Workers;

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
    private final Workers workers = new Workers();

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
        try {
            workers.assertAllEnded(BOUND);
        } catch (AssertionError stuck) {
            if (first == null) {
                throw stuck;
            }
            first.addSuppressed(stuck);
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Starts a task on its own thread. After the test (and its clean-up) the thread must have ended, or the
     * test fails: a caller left waiting is a leak.
     */
    protected <T> Worker<T> inBackground(String name, Callable<T> task) {
        return workers.start(name, task);
    }

    /**
     * The best-ranked service reference of {@code type} matching {@code filter} (none: any), waiting at most
     * {@link #BOUND} for one through osgi-test's {@link ServiceAware} (what {@code @InjectService} uses), for the
     * services a test waits for after it changed the framework (backends restarted, configurations applied).
     */
    protected <S> ServiceReference<S> awaitReference(Class<S> type, String filter) throws InterruptedException {
        try (ServiceConfiguration<S> services = new ServiceConfiguration<>(type, filter == null ? "" : filter,
                new String[0], 1, BOUND.toMillis()).init(context)) {
            return services.getServiceReference();
        }
    }

    /**
     * Waits at most {@link #BOUND} until some service matching {@code filter} is registered, whatever its class
     * (the Gogo commands, for example, which are registered under their own classes).
     */
    protected void awaitServiceMatching(String filter) throws InterruptedException {
        Await.until("a service matching " + filter, BOUND, () -> {
            try {
                return context.getAllServiceReferences(null, filter) != null;
            } catch (InvalidSyntaxException e) {
                throw new IllegalArgumentException(filter, e);
            }
        });
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
