package dev.scard.pcsc.internal;

import static dev.scard.pcsc.internal.PcscdTestBase.code;
import static dev.scard.pcsc.internal.PcscdTestBase.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;

/**
 * The DS components: they work as services without a PC/SC library (every call says why it fails), stop the backend
 * first when the bundle stops, and are declared with the properties the API promises (checked in the descriptors bnd
 * generated into target/classes).
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
        owner.activateWith(missingLibrary(), () -> false);
        PcscResourceManager resourceManager = new PcscResourceManager(owner);
        PcscCardManager manager = new PcscCardManager(owner);
        try {
            assertThat(resourceManager.backend()).isEqualTo("pcsc");
            SCardException e = failure(resourceManager::listReaders);
            assertThat(e.code()).isEqualTo(HResult.SCARD_E_NO_SERVICE);
            assertThat(e.getMessage()).contains("PC/SC library /nonexistent/libpcsclite-missing.so.1 not found");
            assertThat(code(() -> manager.attachByIfd("Any Reader"))).isEqualTo(HResult.SCARD_E_NO_SERVICE);
            assertThat(manager.isAttached()).isFalse();
            assertThat(code(() -> resourceManager.connect("Any Reader"))).isEqualTo(HResult.SCARD_E_NO_SERVICE);
        } finally {
            manager.deactivate();
            resourceManager.deactivate();
            owner.deactivate();
        }
        assertThat(code(manager::status)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(code(resourceManager::listReaders)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
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
    void aStoppingBundleStopsTheBackendBeforeTheFirstComponentGoes() {
        PcscComponent owner = new PcscComponent();
        boolean[] stopping = {false};
        owner.activateWith(missingLibrary(), () -> stopping[0]);
        PcscCardManager manager = new PcscCardManager(owner);
        owner.stopIfBundleStopping();
        assertThat(owner.backend().stopped()).as("a released manager does not stop the backend").isFalse();
        stopping[0] = true;
        manager.deactivate();
        assertThat(owner.backend().stopped()).isTrue();
        assertThat(code(manager::status)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
        owner.deactivate(); // idempotent
    }

    @Test
    void theComponentsAreDeclaredForTheirRoles() throws IOException {
        String owner = Files.readString(OSGI_INF.resolve("dev.scard.pcsc.xml"));
        assertThat(owner).contains("immediate=\"true\"").contains("configuration-pid=\"dev.scard.pcsc\"")
                .contains("name=\"scard.backend\"").contains("value=\"pcsc\"")
                .contains("name=\"service.ranking\" type=\"Integer\" value=\"50\"")
                .contains("dev.scard.pcsc.internal.PcscComponent");

        String resourceManager = Files.readString(OSGI_INF.resolve("dev.scard.pcsc.internal.PcscResourceManager.xml"));
        assertThat(resourceManager).contains("scope=\"bundle\"").contains("dev.scard.api.SCardResourceManager")
                .contains("value=\"pcsc\"").contains("name=\"service.ranking\" type=\"Integer\" value=\"50\"");

        String manager = Files.readString(OSGI_INF.resolve("dev.scard.pcsc.internal.PcscCardManager.xml"));
        assertThat(manager).contains("scope=\"prototype\"").contains(ISCardManage.class.getName())
                .contains("value=\"pcsc\"").contains("name=\"service.ranking\" type=\"Integer\" value=\"50\"");

        String metatype = Files.readString(OSGI_INF.resolve("metatype").resolve("dev.scard.pcsc.xml"));
        assertThat(metatype).contains("id=\"readerFilter\"").contains("default=\".*\"")
                .contains("id=\"libraryPath\"").contains("id=\"transactionPollMillis\"")
                .contains("id=\"cardCheckMillis\"").contains("id=\"minimumLockWaitMillis\"");
    }
}
