package dev.scard.pcsc.internal;

import static dev.scard.pcsc.internal.PcscdRig.READER_0;
import static dev.scard.testsupport.Expect.code;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.testsupport.Expect;
import dev.scard.testsupport.Worker;

/**
 * The bundle as it runs: target/classes (with bnd's manifest and descriptors) installed into an embedded Felix with
 * SCR, Config Admin, Felix Log (the Log Service the bundles log through), the JNA bundle and the core bundle. Its
 * imports resolve, its Backend service makes the core register the services with the promised properties (with or
 * without pcscd), and stopping it with an attachment, a lock and a waiting thread open releases everything and
 * leaves no helper thread behind. {@code dev.scard.api}, {@code dev.scard.api.trace} (the core's card trace) and
 * {@code dev.scard.iso7816} (the core's APDU check imports it) come from the test's class path (exported by the
 * system bundle), so the test can call the services.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BundleInFelixTest {

    private Framework framework;
    private BundleContext context;
    private Bundle backendBundle;

    @BeforeEach
    void startFelix() throws Exception {
        Path storage = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "felix-");
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA,
                "dev.scard.api;version=\"1.1.0\",dev.scard.api.trace;version=\"1.0.0\","
                        + "dev.scard.iso7816;version=\"1.3.0\"");
        framework = new FrameworkFactory().newFramework(config);
        framework.start();
        context = framework.getBundleContext();
        List<Bundle> bundles = new ArrayList<>();
        for (String jar : new String[] {"org.osgi.util.function-", "org.osgi.util.promise-",
            "org.osgi.service.component-1", "org.osgi.service.event-", "org.apache.felix.configadmin-",
            "org.apache.felix.log-", "org.apache.felix.scr-", "jna-5"}) {
            bundles.add(context.installBundle(classPathJar(jar).toURI().toString()));
        }
        bundles.add(context.installBundle(coreBundle()));
        backendBundle = context.installBundle("reference:" + Path.of("target", "classes").toAbsolutePath().toUri());
        bundles.add(backendBundle);
        for (Bundle bundle : bundles) {
            bundle.start();
        }
    }

    @AfterEach
    void stopFelix() throws Exception {
        if (framework != null) {
            framework.stop();
            framework.waitForStop(10_000);
        }
    }

    private static File classPathJar(String prefix) {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            File file = new File(entry);
            if (file.getName().startsWith(prefix) && file.getName().endsWith(".jar")) {
                return file;
            }
        }
        throw new AssertionError("no " + prefix + "*.jar on the test class path");
    }

    /** The core bundle, which registers the backend's services: its jar, or its classes in a reactor build. */
    private static String coreBundle() {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (path.getFileName().toString().matches("core-.*\\.jar")) {
                return path.toUri().toString();
            }
            if (path.endsWith(Path.of("core", "target", "classes"))) {
                return "reference:" + path.toUri();
            }
        }
        throw new AssertionError("the core bundle is not on the test class path");
    }

    private <S> ServiceReference<S> await(Class<S> type) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            var references = context.getServiceReferences(type, "(scard.backend=pcsc)");
            if (!references.isEmpty()) {
                return references.iterator().next();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no " + type.getName() + " with scard.backend=pcsc registered");
    }

    @Test
    void theBundleResolvesAndRegistersItsServicesWithOrWithoutPcscd() throws Exception {
        assertThat(backendBundle.getSymbolicName()).isEqualTo("dev.scard.impl-pcsc");
        assertThat(backendBundle.getHeaders().get(Constants.BUNDLE_NAME)).isEqualTo("SCard PC/SC backend");
        assertThat(backendBundle.getHeaders().get(Constants.EXPORT_PACKAGE)).isNull();
        assertThat(backendBundle.getState()).isEqualTo(Bundle.ACTIVE);

        ServiceReference<ISCardManage> manager = await(ISCardManage.class);
        assertThat(manager.getProperty(Constants.SERVICE_SCOPE)).isEqualTo(Constants.SCOPE_PROTOTYPE);
        assertThat(manager.getProperty(Constants.SERVICE_RANKING)).isEqualTo(50);
        ServiceReference<SCardResourceManager> rmReference = await(SCardResourceManager.class);
        assertThat(rmReference.getProperty(Constants.SERVICE_RANKING)).isEqualTo(50);

        SCardResourceManager rm = context.getService(rmReference);
        assertThat(rm.backend()).isEqualTo("pcsc");
        try {
            List<ReaderInfo> readers = rm.listReaders();
            assertThat(readers).allSatisfy(r -> assertThat(r.backend()).isEqualTo("pcsc"));
        } catch (SCardException e) {
            assertThat(e.code()).as("without pcscd or its library").isEqualTo(HResult.SCARD_E_NO_SERVICE);
        }
        ServiceObjects<ISCardManage> objects = context.getServiceObjects(manager);
        ISCardManage a = objects.getService();
        ISCardManage b = objects.getService();
        assertThat(a).as("prototype scope: a manager per getService").isNotSameAs(b);
        objects.ungetService(b);
        assertThat(code(b::status)).as("released").isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
        objects.ungetService(a);
    }

    @Test
    void stoppingTheBundleReleasesAttachmentsLocksWaitersAndHelperThreads() throws Exception {
        PcscdRig.require();
        java.util.concurrent.BlockingQueue<SCardEvent> events = new java.util.concurrent.LinkedBlockingQueue<>();
        context.registerService(SCardEventListener.class, events::add,
                new java.util.Hashtable<>(Map.of("scard.backend", "pcsc")));
        List<SCardEvent> misdelivered = new java.util.concurrent.CopyOnWriteArrayList<>();
        context.registerService(SCardEventListener.class, misdelivered::add,
                new java.util.Hashtable<>(Map.of("scard.backend", "simulator")));
        try (VpcdTestCard card = VpcdTestCard.insert(VpcdTestCard.SLOT0)) {
            assertThat(card.inserted()).isTrue();
            SCardEvent inserted;
            do {
                inserted = events.poll(10, TimeUnit.SECONDS);
                assertThat(inserted).as("the whiteboard listener hears the card").isNotNull();
            } while (!(inserted.type() == SCardEvent.Type.CARD_INSERTED && inserted.readerName().equals(READER_0)));
            ServiceObjects<ISCardManage> objects = context.getServiceObjects(await(ISCardManage.class));
            SCardResourceManager rm = context.getService(await(SCardResourceManager.class));
            awaitCard(rm);
            ISCardManage holder = objects.getService();
            ISCardManage waiting = objects.getService();
            holder.attachByIfd(READER_0);
            waiting.attachByIfd(READER_0);
            holder.lock();
            Worker<Void> waiter = Worker.start("waiting-lock", () -> {
                waiting.lock();
                return null;
            });
            Thread.sleep(300);
            assertThat(waiter.future()).isNotDone();

            backendBundle.stop();
            assertThat(waiter.join(Duration.ofSeconds(10))).isTrue();
            assertThat(Expect.failureOf(waiter.future(), Duration.ofSeconds(10)).code()).as("the waiting lock()")
                    .isIn(HResult.SCARD_E_SERVICE_STOPPED, HResult.SCARD_E_INVALID_HANDLE);
            assertThat(code(holder::status)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
            assertThat(context.getServiceReferences(ISCardManage.class, "(scard.backend=pcsc)")).isEmpty();
            long helpers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("scard-pcsc-native") && t.isAlive()).count();
            assertThat(helpers).as("helper threads left after the bundle stopped").isZero();
            assertThat(Thread.getAllStackTraces().keySet()).as("the monitor and event threads ended")
                    .noneMatch(t -> t.isAlive() && (t.getName().equals("scard-pcsc-monitor")
                            || t.getName().equals("scard-pcsc-events")));
            assertThat(misdelivered).as("the simulator's listener heard nothing of PC/SC").isEmpty();
            assertThat(events).as("READER_REMOVED went out before the bundle stopped")
                    .anyMatch(e -> e.type() == SCardEvent.Type.READER_REMOVED && e.readerName().equals(READER_0));

            backendBundle.start();
            ISCardManage fresh = context.getServiceObjects(await(ISCardManage.class)).getService();
            fresh.attachByIfd(READER_0, dev.scard.api.ShareMode.EXCLUSIVE);
            fresh.lock(Duration.ZERO);
            assertThat(fresh.transmit(PcscdTestBase.SELECT_MF)).containsExactly(0x90, 0x00);
            fresh.detach();
        }
    }

    private static void awaitCard(SCardResourceManager rm) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (rm.listReaders().stream().anyMatch(r -> r.name().equals(READER_0) && r.cardPresent())) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no card in " + READER_0);
    }
}
