package dev.scard.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

class OnDemandBundlesTest {

    private static final OnDemandBundles REMOTE =
        OnDemandBundles.parse(" 10 ", "dev.scard.remote., org.apache.aries.rsa.,exact.pid", null);

    @TempDir
    Path tmp;

    private Framework framework;

    @AfterEach
    void stopFramework() throws Exception {
        if (framework != null) {
            framework.stop();
            framework.waitForStop(10_000);
        }
    }

    @Test
    void theLevelIsParsed() {
        assertThat(REMOTE).isNotNull();
        assertThat(REMOTE.level()).isEqualTo(10);
    }

    @Test
    void aPidUnderAPrefixEndingWithADotOrEqualToAnEntryNeedsThem() {
        assertThat(REMOTE.neededBy(List.of("dev.scard.simulator", "dev.scard.remote.client"))).isTrue();
        assertThat(REMOTE.neededBy(List.of("dev.scard.remote.endpoint"))).isTrue();
        assertThat(REMOTE.neededBy(List.of("org.apache.aries.rsa.discovery.zookeeper"))).isTrue();
        assertThat(REMOTE.neededBy(List.of("exact.pid"))).isTrue();
    }

    @Test
    void otherPidsDoNot() {
        assertThat(REMOTE.neededBy(List.of())).isFalse();
        assertThat(REMOTE.neededBy(List.of("dev.scard.simulator", "dev.scard.simulator.reader"))).isFalse();
        assertThat(REMOTE.neededBy(List.of("dev.scard.remote"))).as("the prefix without its dot").isFalse();
        assertThat(REMOTE.neededBy(List.of("dev.scard.remotely"))).isFalse();
        assertThat(REMOTE.neededBy(List.of("exact.pid.more"))).as("an entry without a dot is a whole PID").isFalse();
    }

    @Test
    void missingOrBadPropertiesMeanNoOnDemandBundles() {
        assertThat(OnDemandBundles.parse(null, "a.", null)).isNull();
        assertThat(OnDemandBundles.parse("10", null, "file:x.jar")).isNull();
        assertThat(OnDemandBundles.parse("10", "  ", null)).isNull();
        assertThat(OnDemandBundles.parse("ten", "a.", null)).isNull();
        assertThat(OnDemandBundles.parse("0", "a.", null)).isNull();
        assertThat(OnDemandBundles.parse("-3", "a.", null)).isNull();
    }

    @Test
    void raisingInstallsTheBundlesLeftOutAndStartsThemAtTheirLevel() throws Exception {
        BundleContext context = startFramework(2);
        // The importer first: it resolves only because every bundle is installed before any is started.
        String locations = bundle("importer", null, "dev.scard.test.api") + "," + bundle("exporter",
            "dev.scard.test.api", null);
        OnDemandBundles onDemand = OnDemandBundles.parse("10", "a.", locations);

        assertThat(onDemand.raise(context, 10_000)).isTrue();

        assertThat(context.getBundle(0).adapt(FrameworkStartLevel.class).getStartLevel()).isEqualTo(10);
        for (String location : locations.split(",")) {
            Bundle bundle = context.getBundle(location);
            assertThat(bundle).as(location).isNotNull();
            assertThat(bundle.getState()).as(location).isEqualTo(Bundle.ACTIVE);
            assertThat(bundle.adapt(BundleStartLevel.class).getStartLevel()).isEqualTo(10);
        }
        assertThat(onDemand.installMissing(context)).as("nothing is installed twice").isZero();
    }

    @Test
    void belowTheirLevelTheyAreOnlyInstalledAndMarkedForStarting() throws Exception {
        BundleContext context = startFramework(2);
        String location = bundle("alone", null, null);
        OnDemandBundles onDemand = OnDemandBundles.parse("10", "a.", location);

        assertThat(onDemand.installMissing(context)).isEqualTo(1);

        Bundle bundle = context.getBundle(location);
        assertThat(bundle.getState()).isNotEqualTo(Bundle.ACTIVE);
        assertThat(bundle.adapt(BundleStartLevel.class).isPersistentlyStarted()).isTrue();
    }

    @Test
    void aBundleThatCannotBeInstalledIsReportedAndTheOthersAreStillInstalled() throws Exception {
        BundleContext context = startFramework(2);
        String missing = tmp.resolve("missing.jar").toUri().toString();
        String good = bundle("good", null, null);
        OnDemandBundles onDemand = OnDemandBundles.parse("10", "a.", missing + "," + good);

        assertThatThrownBy(() -> onDemand.installMissing(context)).isInstanceOf(BundleException.class);

        assertThat(context.getBundle(good)).isNotNull();
        assertThat(context.getBundle(missing)).isNull();
    }

    @Test
    void raisingTheLevelByHandInstallsAndStartsThem() throws Exception {
        BundleContext context = startFramework(2);
        // The importer first: at the level, a bundle starts when started, so all are installed before any starts.
        String location = bundle("byhand", null, "dev.scard.test.hand");
        String exporter = bundle("handexporter", "dev.scard.test.hand", null);
        OnDemandBundles onDemand = OnDemandBundles.parse("10", "a.", location + "," + exporter);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        FrameworkListener installer =
            onDemand.installer(context, new PrintStream(errors, true, StandardCharsets.UTF_8));
        context.addFrameworkListener(installer);
        CountDownLatch raised = new CountDownLatch(1);

        context.getBundle(0).adapt(FrameworkStartLevel.class).setStartLevel(10, event -> raised.countDown());

        assertThat(raised.await(10, TimeUnit.SECONDS)).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Bundle bundle = context.getBundle(location);
        while ((bundle == null || bundle.getState() != Bundle.ACTIVE) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            bundle = context.getBundle(location);
        }
        assertThat(bundle).isNotNull();
        assertThat(bundle.getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(context.getBundle(exporter).getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(errors.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aFailureByHandIsOneLineWhileTheFrameworkRunsAndNothingOnceItStops() throws Exception {
        BundleContext context = startFramework(10);
        String missing = tmp.resolve("missing.jar").toUri().toString();
        OnDemandBundles onDemand = OnDemandBundles.parse("10", "a.", missing);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(errors, true, StandardCharsets.UTF_8);

        onDemand.installIfRaised(context, err);
        assertThat(errors.toString(StandardCharsets.UTF_8)).startsWith("scard: the bundles of start level 10 did not"
            + " all start: ").contains("missing.jar").endsWith(System.lineSeparator()).hasLineCount(1);

        errors.reset();
        framework.stop();
        framework.waitForStop(10_000);
        framework = null;
        onDemand.installIfRaised(context, err);
        assertThat(errors.toString(StandardCharsets.UTF_8)).as("an exit right after frameworklevel").isEmpty();
    }

    @Test
    void aRaiseBelowTheirLevelInstallsNothing() throws Exception {
        BundleContext context = startFramework(2);
        String location = bundle("notyet", null, null);
        OnDemandBundles onDemand = OnDemandBundles.parse("10", "a.", location);
        context.addFrameworkListener(onDemand.installer(context, new PrintStream(OutputStream.nullOutputStream())));
        CountDownLatch raised = new CountDownLatch(1);

        context.getBundle(0).adapt(FrameworkStartLevel.class).setStartLevel(5, event -> raised.countDown());

        assertThat(raised.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200);
        assertThat(context.getBundle(location)).isNull();
    }

    private BundleContext startFramework(int beginning) throws BundleException {
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, tmp.resolve("storage").toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(beginning));
        framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(config);
        framework.start();
        try {
            // start() raises the level on the framework's own thread: wait for it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (framework.adapt(FrameworkStartLevel.class).getStartLevel() < beginning
                && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return framework.getBundleContext();
    }

    /** A bundle jar with only a manifest; returns its location. */
    private String bundle(String name, String exports, String imports) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        main.putValue(Constants.BUNDLE_SYMBOLICNAME, "dev.scard.test." + name);
        if (exports != null) {
            main.putValue(Constants.EXPORT_PACKAGE, exports);
        }
        if (imports != null) {
            main.putValue(Constants.IMPORT_PACKAGE, imports);
        }
        Path jar = tmp.resolve(name + ".jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out,
            manifest)) {
            // the manifest is the whole bundle
        }
        return jar.toUri().toString();
    }
}
