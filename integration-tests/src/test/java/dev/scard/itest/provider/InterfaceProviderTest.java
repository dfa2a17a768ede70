package dev.scard.itest.provider;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.HexFormat;
import java.util.UUID;
import java.util.function.UnaryOperator;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.api.HResult;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.api.SCardInterfaceFactory;
import dev.scard.api.SCardServiceProperties;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.simulator.control.SimulatorControl;

/**
 * The {@code CreateInterface} extension point (docs/decisions.md, "Extension") with a bundle of its own: {@code
 * dev.scard.integration-tests-provider} registers, while its configuration exists, an {@code ISCardFileAccess}
 * (ranking 10) and a {@code CryptoProvider} for the sample card's ATR only. On the sample card they win over the
 * generic card services (ranking -1000); on a card with another ATR the generic ones stay; unknown names are
 * {@code E_NOINTERFACE}. Runs on the in-process simulator: "Simulated Reader 0" holds the sample card, and
 * "Simulated Reader 1" gets a card made from the sample profile with another ATR ({@code 3B021450}).
 */
public class InterfaceProviderTest extends OsgiTestSupport {

    static final String SAMPLE_READER = "Simulated Reader 0";
    static final String OTHER_READER = "Simulated Reader 1";
    static final String PROVIDER_PID = "dev.scard.testprovider";
    static final UUID CRYPTO_GUID = UUID.fromString("0D7E6A51-0000-4000-8000-00000000C0DE");
    static final String SAMPLE_PROFILE = "/dev/scard/simulator/profiles/sample-card.json";
    static final String SAMPLE_ATR_TEXT = "3B 88 01 53 43 41 52 44 53 49 4D 99";

    /** The simulator's sample profile, read from its bundle (the resource is private to it, not its entry). */
    private String sampleProfile() throws Exception {
        URL entry = bundle("dev.scard.impl-simulator").getEntry(SAMPLE_PROFILE);
        assertThat(entry).as("the sample profile in the simulator bundle").isNotNull();
        try (InputStream in = entry.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private ISCardManage attached(String reader) throws InterruptedException {
        ServiceReference<ISCardManage> reference = awaitReference(ISCardManage.class,
                "(" + SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_SIMULATOR + ")");
        var objects = context.getServiceObjects(reference);
        ISCardManage manager = objects.getService();
        onCleanup(() -> {
            manager.detach();
            objects.ungetService(manager);
        });
        manager.attachByIfd(reader);
        return manager;
    }

    /**
     * Waits (bounded) until a manager on the sample card gets both factories' objects. The registry shows a service
     * before its registration event has reached every listener: the backend hosts bind a factory (through SCR) as
     * that event reaches them, on the registering thread, maybe a moment after the test saw the reference.
     */
    private void awaitProvidersInUse() throws Exception {
        ISCardManage probe = attached(SAMPLE_READER);
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            if (probe.createFileAccess().toString().startsWith("test provider") && offersCrypto(probe)) {
                return;
            }
            Thread.sleep(10);
        }
    }

    private static boolean offersCrypto(ISCardManage manager) {
        try {
            return manager.createInterface(null, "CryptoProvider", 1) != null;
        } catch (SCardException e) {
            return false;
        }
    }

    /**
     * Turns the provider bundle's factories on (for this test only) and waits until both are registered and in use.
     */
    @BeforeEach
    void turnTheProviderOn() throws Exception {
        ConfigurationAdmin cm = awaitService(ConfigurationAdmin.class, null);
        Configuration configuration = cm.getConfiguration(PROVIDER_PID, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("purpose", "InterfaceProviderTest");
        configuration.update(properties);
        onCleanup(() -> {
            try {
                configuration.delete();
            } catch (IllegalStateException deletedByTheTest) {
                // the last test deletes it itself
            }
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (!references(SCardInterfaceFactory.class, "(purpose=InterfaceProviderTest)").isEmpty()
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(references(SCardInterfaceFactory.class, "(purpose=InterfaceProviderTest)")).isEmpty();
        });
        awaitReference(SCardInterfaceFactory.class, "(&(purpose=InterfaceProviderTest)(scard.interface.name=CryptoProvider))");
        awaitReference(SCardInterfaceFactory.class,
                "(&(purpose=InterfaceProviderTest)(scard.interface.name=ISCardFileAccess))");
        awaitProvidersInUse();
        // The other card: the sample card's files under another ATR, in the empty reader. Afterwards the reader is
        // left empty and remembering a fresh sample card, as a reader that never held a card behaves.
        String sample = sampleProfile();
        assertThat(sample).contains(SAMPLE_ATR_TEXT);
        Path folder = Files.createTempDirectory("provider-test");
        Path samplePath = Files.writeString(folder.resolve("sample.json"), sample);
        Path otherPath = Files.writeString(folder.resolve("other.json"), sample.replace(SAMPLE_ATR_TEXT, "3B 02 14 50"));
        SimulatorControl control = awaitService(SimulatorControl.class, null);
        control.insertProfile(OTHER_READER, otherPath);
        onCleanup(() -> {
            if (control.isCardPresent(OTHER_READER)) {
                control.remove(OTHER_READER);
            }
            control.insertProfile(OTHER_READER, samplePath);
            control.remove(OTHER_READER);
            Files.delete(samplePath);
            Files.delete(otherPath);
            Files.delete(folder);
        });
    }

    @Test
    void theProvidersFileAccessWinsForTheSampleCardOnly() throws Exception {
        ISCardManage sampleCard = attached(SAMPLE_READER);
        ISCardFileAccess special = sampleCard.createFileAccess();
        assertThat(special.toString()).as("the card's ATR: %s", HexFormat.of().formatHex(sampleCard.status().atr()))
                .isEqualTo("test provider read-only ISCardFileAccess");
        assertThat(special.getCurrentDir()).isEqualTo("3F00 (test provider)");
        long handle = special.open(RefType.BY_ID, "3F00/2F01");
        assertThat(special.read(handle, 5, SCardFlag.NONE)).isEqualTo("SCard".getBytes());
        failure(HResult.E_NOTIMPL, () -> special.changeDir(RefType.BY_ID, "3F00/5015"));

        ISCardFileAccess generic = attached(OTHER_READER).createFileAccess();
        assertThat(generic.toString()).startsWith("ISO 7816-4 ISCardFileAccess");
        assertThat(generic.getCurrentDir()).isEqualTo("3F00");
        assertThat(generic.read(generic.open(RefType.BY_ID, "3F00/2F01"), 5, SCardFlag.NONE))
                .isEqualTo("SCard".getBytes());
        assertThat(attached(SAMPLE_READER).createCHVerification().toString())
                .as("the provider offers no ISCardVerify: the generic one stays").startsWith("ISO 7816-4 ISCardVerify");
    }

    @Test
    void theCryptoProviderIsFoundByNameOrGuidForTheSampleCardOnly() throws Exception {
        ISCardManage sample = attached(SAMPLE_READER);
        @SuppressWarnings("unchecked")
        UnaryOperator<byte[]> crypto = (UnaryOperator<byte[]>) sample.createInterface(null, "CryptoProvider", 1);
        byte[] block = HexFormat.of().parseHex("00112233445566778899AABBCCDDEEFF");
        Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(HexFormat.of().parseHex("000102030405060708090A0B0C0D0E0F"),
                "AES"));
        assertThat(crypto.apply(block)).isEqualTo(aes.doFinal(block));
        assertThat(sample.createInterface(CRYPTO_GUID, null, null).toString()).isEqualTo("test CryptoProvider (key 1)");
        assertThat(sample.createInterface(CRYPTO_GUID, "SomethingElse", 1).toString())
                .as("the GUID wins").isEqualTo("test CryptoProvider (key 1)");
        failure(HResult.E_INVALIDARG, () -> sample.createInterface(null, "CryptoProvider", 99)); // the factory's own

        ISCardManage other = attached(OTHER_READER);
        assertThat(failure(HResult.E_NOINTERFACE, () -> other.createInterface(null, "CryptoProvider", null))
                .getMessage()).contains("serves only ATRs matching 3B88015343.*");
        failure(HResult.E_NOINTERFACE, () -> sample.createInterface(null, "NoSuchInterface", null));
        failure(HResult.E_NOINTERFACE, () -> sample.createInterface(UUID.randomUUID(), null, null));
    }

    @Test
    void withoutTheProviderTheGenericServicesAreBackAndCryptoProviderIsUnknown() throws Exception {
        ConfigurationAdmin cm = awaitService(ConfigurationAdmin.class, null);
        cm.getConfiguration(PROVIDER_PID, "?").delete();
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!references(SCardInterfaceFactory.class, "(purpose=InterfaceProviderTest)").isEmpty()
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        ISCardManage sample = attached(SAMPLE_READER);
        assertThat(sample.createFileAccess().toString()).startsWith("ISO 7816-4 ISCardFileAccess");
        failure(HResult.E_NOINTERFACE, () -> sample.createInterface(null, "CryptoProvider", null));
    }
}
