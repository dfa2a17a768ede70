package dev.scard.pcsc.internal;

import static dev.scard.testsupport.Expect.code;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;

import dev.scard.api.HResult;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;
import dev.scard.core.BackendResourceManager;
import dev.scard.core.CardManager;
import dev.scard.core.EventDispatcher;
import dev.scard.core.HandleTable;
import dev.scard.core.spi.Backend;
import dev.scard.core.spi.EventChannels;

/**
 * The DS component: the backend works without a PC/SC library (every call, through the core's manager and resource
 * manager, says why it fails), and it is declared as the {@code Backend} service with the properties the core
 * relies on (checked in the descriptors bnd generated into target/classes).
 */
class PcscComponentTest {

    private static final Path OSGI_INF = Path.of("target", "classes", "OSGI-INF");

    private static PcscSettings missingLibrary() {
        return new PcscSettings(Pattern.compile(".*"), "/nonexistent/libpcsclite-missing.so.1", Duration.ofMillis(2),
                Duration.ofMillis(100), Duration.ofMillis(250));
    }

    @Test
    void withoutThePcscLibraryTheServicesWorkAndSayWhyTheirCallsFail() {
        PcscComponent owner = new PcscComponent();
        owner.activateWith(missingLibrary(), new EventDispatcher("test-events"));
        HandleTable handles = new HandleTable(HandleTable.PCSC_SPACE);
        BackendResourceManager resourceManager = new BackendResourceManager(owner, handles);
        CardManager manager = new CardManager(owner, handles);
        try {
            assertThat(resourceManager.backend()).isEqualTo("pcsc");
            SCardException e = failure(resourceManager::listReaders);
            assertThat(e.code()).isEqualTo(HResult.SCARD_E_NO_SERVICE);
            assertThat(e.getMessage()).contains("PC/SC library /nonexistent/libpcsclite-missing.so.1 not found");
            assertThat(code(() -> manager.attachByIfd("Any Reader"))).isEqualTo(HResult.SCARD_E_NO_SERVICE);
            assertThat(manager.isAttached()).isFalse();
            assertThat(code(() -> resourceManager.connect("Any Reader"))).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        } finally {
            // the core's order when the Backend service goes: handles closed, managers disposed; then SCR deactivates
            resourceManager.closeAll();
            manager.dispose("released");
            owner.deactivate();
        }
        assertThat(code(manager::status)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(code(resourceManager::listReaders)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
    }

    @Test
    void withThePlatformLibraryNothingIsLoadedBeforeTheFirstCallThatNeedsIt() throws InterruptedException {
        FakePcscApi api = new FakePcscApi(PcscPlatform.linux(8), "Reader 0", "Reader 1");
        AtomicInteger loads = new AtomicInteger();
        PcscBackend backend = new PcscBackend(api.platform(), PcscSettings.defaults(), path -> {
            loads.incrementAndGet();
            return api;
        });
        BlockingQueue<SCardEvent> events = new LinkedBlockingQueue<>();
        EventDispatcher channel = new EventDispatcher("test-events");
        channel.addListener(events::add);
        PcscComponent owner = new PcscComponent();
        owner.activateWith(backend, channel, true);
        try {
            assertThat(owner.name()).isEqualTo("pcsc");
            assertThat(owner.callTimeout()).isEqualTo(PcscSettings.defaults().callTimeout());
            assertThat(loads).as("library loads before the first call").hasValue(0);
            assertThat(backend.monitor()).as("event monitor before the first call").isNull();

            assertThat(owner.listReaders()).extracting(ReaderInfo::name).containsExactly("Reader 0", "Reader 1");
            assertThat(loads).as("library loads after the first call").hasValue(1);
            assertThat(backend.monitor()).as("event monitor after the first call").isNotNull();
            assertThat(events.poll(5, TimeUnit.SECONDS)).as("an event from the monitor").isNotNull();
        } finally {
            owner.deactivate();
        }
        assertThat(code(owner::listReaders)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
    }

    @Test
    void theListenersThatStartTheBackendAreThoseThatMayWantItsEvents() throws Exception {
        Filter filter = FrameworkUtil.createFilter(PcscComponent.EVENT_LISTENERS);
        String listener = "dev.scard.api.SCardEventListener";
        String handler = "org.osgi.service.event.EventHandler";
        assertThat(filter.matches(Map.of("objectClass", new String[] {listener}))).as("every backend").isTrue();
        assertThat(filter.matches(Map.of("objectClass", new String[] {listener}, "scard.backend", "pcsc"))).isTrue();
        assertThat(filter.matches(Map.of("objectClass", new String[] {listener}, "scard.backend", "simulator")))
                .as("the simulator's only").isFalse();
        for (Object topics : new Object[] {"dev/scard/card/*", "dev/scard/reader/ADDED", "*", "dev/*",
            new String[] {"org/osgi/framework/*", "dev/scard/*"}}) {
            assertThat(filter.matches(Map.of("objectClass", new String[] {handler}, "event.topics", topics)))
                    .as("handler for %s", topics).isTrue();
        }
        assertThat(filter.matches(Map.of("objectClass", new String[] {handler}, "event.topics",
                "org/osgi/framework/*"))).as("another topic").isFalse();
        assertThat(filter.matches(Map.of("objectClass", new String[] {"java.lang.Runnable"}))).isFalse();
    }

    @Test
    void theLibraryIsLoadedWithTheConfiguredPathOrThePlatformDefault() {
        assertThatThrownBy(() -> JnaPcscApi.load(PcscPlatform.current(), "/nonexistent/libpcsclite-missing.so.1"))
                .isInstanceOf(UnsatisfiedLinkError.class);
        PcscBackend backend = new PcscBackend(PcscPlatform.linux(8), PcscSettings.defaults());
        try {
            assertThat(backend.settings().libraryPath()).isEmpty();
        } finally {
            backend.stop();
        }
    }

    @Test
    void theComponentsAreDeclaredForTheirRoles() throws IOException {
        String owner = Files.readString(OSGI_INF.resolve("dev.scard.pcsc.xml"));
        assertThat(owner).contains("immediate=\"true\"").contains("configuration-pid=\"dev.scard.pcsc\"")
                .contains("name=\"scard.backend\"").contains("value=\"pcsc\"")
                .contains("name=\"service.ranking\" type=\"Integer\" value=\"50\"")
                .contains("dev.scard.pcsc.internal.PcscComponent")
                .contains("<provide interface=\"" + Backend.class.getName() + "\"/>")
                .contains("interface=\"" + EventChannels.class.getName() + "\"");

        String metatype = Files.readString(OSGI_INF.resolve("metatype").resolve("dev.scard.pcsc.xml"));
        assertThat(metatype).contains("id=\"readerFilter\"").contains("default=\".*\"")
                .contains("id=\"libraryPath\"").contains("id=\"transactionPollMillis\"")
                .contains("id=\"cardCheckMillis\"").contains("id=\"minimumLockWaitMillis\"");
    }
}
