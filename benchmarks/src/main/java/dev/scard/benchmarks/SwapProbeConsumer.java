package dev.scard.benchmarks;

import java.util.Map;
import java.util.function.BiConsumer;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;

/**
 * The consumer {@link SwapBenchmark} measures, as an application writes one: a DS component with dynamic, greedy
 * references to {@link ISCardManage} and {@link SCardResourceManager} and no backend filter. It is not used on the
 * benchmark's class path: {@link SwapBenchmark} copies this class into a bundle of its own with a hand-written
 * component description (several components of this class), and each bind reports the backend it got and when
 * ({@link System#nanoTime()}) to a {@link BiConsumer} service the benchmark registers ({@code swap.probe=true}; a
 * {@code java.*} type, so it needs no package wiring).
 */
public final class SwapProbeConsumer {

    private volatile BiConsumer<String, Long> reporter;

    /** A component instance; SCR binds the reporter first. */
    public SwapProbeConsumer() {
    }

    /** The static reference to the benchmark's reporter. */
    public void setReporter(BiConsumer<String, Long> reporter, Map<String, Object> properties) {
        this.reporter = reporter;
    }

    /** The reporter is static: nothing to do on unbind. */
    public void unsetReporter(BiConsumer<String, Long> reporter) {
        // static: the component is deactivated first
    }

    /** Reports the new manager's backend: {@code <instance>|manager|<backend>}. */
    public void bindManager(ISCardManage manager, Map<String, Object> properties) {
        report("manager", properties);
    }

    /** Nothing to release: SCR releases the manager after this returns. */
    public void unbindManager(ISCardManage manager, Map<String, Object> properties) {
        // the replacement was bound first
    }

    /** Reports the new resource manager's backend: {@code <instance>|resourceManager|<backend>}. */
    public void bindResourceManager(SCardResourceManager resourceManager, Map<String, Object> properties) {
        report("resourceManager", properties);
    }

    /** Nothing to do. */
    public void unbindResourceManager(SCardResourceManager resourceManager, Map<String, Object> properties) {
        // the replacement was bound first
    }

    private void report(String reference, Map<String, Object> properties) {
        long now = System.nanoTime();
        Object marked = properties.get(SCardServiceProperties.DEFAULT);
        Object backend = marked != null ? marked : properties.get(SCardServiceProperties.BACKEND);
        BiConsumer<String, Long> to = reporter;
        if (to != null) {
            to.accept(System.identityHashCode(this) + "|" + reference + "|" + backend, now);
        }
    }
}
