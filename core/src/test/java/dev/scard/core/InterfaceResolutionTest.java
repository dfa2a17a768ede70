package dev.scard.core;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.scard.api.CardState;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.SCardException;
import dev.scard.api.SCardInterfaceFactory;

/** How {@link CardManager} resolves interface factories and what the view it hands them allows. */
class InterfaceResolutionTest {
    private static final byte[] SELECT = {0, (byte) 0xA4, 0, 0};
    private static final UUID CRYPTO = UUID.fromString("0d7e6a51-0000-4000-8000-00000000c0de");

    private final FakeBackend backend = new FakeBackend();
    private final HandleTable handles = new HandleTable();
    private final CardManager manager = new CardManager(backend, handles);
    private long nextId = 1;

    /** The views and user data the factories got. */
    private final List<ISCardManage> views = new ArrayList<>();
    private final List<Object> userData = new ArrayList<>();

    /** Registers a factory whose created object implements {@code type} and records what it was given. */
    private <T> void register(Class<T> type, String label, Object... keyValues) {
        SCardInterfaceFactory factory = (view, data) -> {
            views.add(view);
            userData.add(data);
            return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) ->
                    method.getName().equals("toString") ? label : null);
        };
        manager.bindInterfaceFactory(factory, properties(keyValues));
    }

    private void registerFactory(SCardInterfaceFactory factory, Object... keyValues) {
        manager.bindInterfaceFactory(factory, properties(keyValues));
    }

    private Map<String, Object> properties(Object... keyValues) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("service.id", nextId++);
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.put((String) keyValues[i], keyValues[i + 1]);
        }
        return properties;
    }

    private void registerFallbacks() {
        register(ISCardFileAccess.class, "iso-file", "scard.interface.name", "ISCardFileAccess",
                "scard.interface.guid", ISCardFileAccess.IID.toString(), "service.ranking", -1000);
        register(ISCardVerify.class, "iso-verify", "scard.interface.name", "ISCardVerify",
                "scard.interface.guid", ISCardVerify.IID.toString(), "service.ranking", -1000);
        register(ISCardAuth.class, "iso-auth", "scard.interface.name", "ISCardAuth",
                "scard.interface.guid", ISCardAuth.IID.toString(), "service.ranking", -1000);
    }

    @Test
    void everyCreateNeedsAnAttachmentAndACard() {
        registerFallbacks();
        failure(HResult.SCARD_E_INVALID_HANDLE, "not attached", manager::createFileAccess);
        failure(HResult.SCARD_E_INVALID_HANDLE, "not attached", manager::createCHVerification);
        failure(HResult.SCARD_E_INVALID_HANDLE, "not attached", manager::createCardAuth);
        failure(HResult.SCARD_E_INVALID_HANDLE, "not attached", () -> manager.createInterface(CRYPTO, null, null));
        backend.cardPresent = false;
        manager.attachByIfd("R");
        failure(HResult.SCARD_E_NO_SMARTCARD, "no card in reader 'R'", manager::createFileAccess);
        failure(HResult.SCARD_E_NO_SMARTCARD, "no card", () -> manager.createInterface(null, "CryptoProvider", null));
        assertThat(views).isEmpty();
    }

    @Test
    void aRemovedCardIsReportedUntilReconnect() {
        registerFallbacks();
        manager.attachByIfd("R");
        backend.connections.get(0).removed = true;
        failure(HResult.SCARD_W_REMOVED_CARD, "was removed", manager::createCardAuth);
    }

    @Test
    void theStandardInterfacesResolveToTheirFactories() {
        registerFallbacks();
        manager.attachByIfd("R");
        assertThat(manager.createFileAccess()).hasToString("iso-file");
        assertThat(manager.createCHVerification()).hasToString("iso-verify");
        assertThat(manager.createCardAuth()).hasToString("iso-auth");
        assertThat(manager.createInterface(ISCardVerify.IID, null, "data")).hasToString("iso-verify");
        assertThat(manager.createInterface(null, "ISCardAuth", null)).hasToString("iso-auth");
        assertThat(userData).containsExactly(null, null, null, "data", null);
        assertThat(views).allSatisfy(v -> assertThat(v).isNotSameAs(manager).isSameAs(views.get(0)));
    }

    @Test
    void aProviderForTheCardsAtrWinsOverTheFallbackAndOnlyForThatCard() {
        registerFallbacks();
        register(ISCardFileAccess.class, "special", "scard.interface.name", "ISCardFileAccess", "scard.atr", "3B00");
        register(ISCardFileAccess.class, "other-card", "scard.interface.name", "ISCardFileAccess",
                "scard.atr", "3B99.*", "service.ranking", 50);
        manager.attachByIfd("R");
        assertThat(manager.createFileAccess()).hasToString("special"); // FakeBackend's ATR is 3B00
        assertThat(manager.createCHVerification()).hasToString("iso-verify");
    }

    @Test
    void nothingRegisteredIsNoInterfaceNamingWhatWasAsked() {
        manager.attachByIfd("R");
        failure(HResult.E_NOINTERFACE,
                "no interface factory provides 'ISCardFileAccess' {" + ISCardFileAccess.IID + "} for the card in 'R'" + " (ATR 3B00); the generic ISO 7816-4 ISCardFileAccess comes from the dev.scard.card-services" + " bundle",
                manager::createFileAccess);
        failure(HResult.E_NOINTERFACE, "'ISCardVerify'", manager::createCHVerification);
        failure(HResult.E_NOINTERFACE, "'ISCardAuth'", manager::createCardAuth);
        SCardException crypto = failure(() -> manager.createInterface(null, "CryptoProvider", null));
        assertThat(crypto.code()).isEqualTo(HResult.E_NOINTERFACE);
        assertThat(crypto.getMessage()).contains("'CryptoProvider'").doesNotContain("card-services");
        failure(HResult.E_NOINTERFACE, "{" + CRYPTO + "}", () -> manager.createInterface(CRYPTO, null, null));
        register(Object.class, "wrong-card", "scard.interface.name", "CryptoProvider", "scard.atr", "3B88.*");
        failure(HResult.E_NOINTERFACE, "serves only ATRs matching 3B88.*",
                () -> manager.createInterface(null, "CryptoProvider", null));
    }

    @Test
    void createInterfaceChecksItsArguments() {
        manager.attachByIfd("R");
        failure(HResult.E_INVALIDARG, "GUID or a name", () -> manager.createInterface(null, null, null));
        failure(HResult.E_INVALIDARG, "non-blank name", () -> manager.createInterface(null, " ", null));
    }

    @Test
    void createInterfaceGivesTheFactoryTheUserDataAndReturnsAnyObject() {
        Object created = new Object();
        registerFactory((view, data) -> {
            userData.add(data);
            return created;
        }, "scard.interface.name", "CryptoProvider", "scard.interface.guid", CRYPTO.toString());
        manager.attachByIfd("R");
        assertThat(manager.createInterface(CRYPTO, "ignored", 42)).isSameAs(created);
        assertThat(manager.createInterface(null, "CryptoProvider", null)).isSameAs(created);
        assertThat(userData).containsExactly(42, null);
    }

    @Test
    void factoryFailuresAreReported() {
        manager.attachByIfd("R");
        registerFactory((view, data) -> {
            throw new IllegalStateException("no keys on this card");
        }, "scard.interface.name", "Throws");
        SCardException own = new SCardException(HResult.SCARD_E_CARD_UNSUPPORTED, "not my card");
        registerFactory((view, data) -> {
            throw own;
        }, "scard.interface.name", "ThrowsOwn");
        registerFactory((view, data) -> null, "scard.interface.name", "Null");
        registerFactory((view, data) -> "a string", "scard.interface.name", "ISCardFileAccess");
        failure(HResult.E_FAIL, "failed to create 'Throws': java.lang.IllegalStateException: no keys on this card",
                () -> manager.createInterface(null, "Throws", null));
        assertThatThrownBy(() -> manager.createInterface(null, "ThrowsOwn", null)).isSameAs(own);
        failure(HResult.E_FAIL, "returned null for 'Null'", () -> manager.createInterface(null, "Null", null));
        failure(HResult.E_FAIL, "returned a java.lang.String, which is not an ISCardFileAccess",
                manager::createFileAccess);
        failure(HResult.E_FAIL, "not an ISCardFileAccess",
                () -> manager.createInterface(ISCardFileAccess.IID, null, null));
    }

    @Test
    void theViewWorksWhileTheAttachmentLastsAndSurvivesReconnect() {
        AtomicReference<ISCardManage> view = new AtomicReference<>();
        registerFactory((v, data) -> {
            view.set(v);
            return "x";
        }, "scard.interface.name", "X");
        manager.attachByIfd("R");
        manager.createInterface(null, "X", null);
        ISCardManage scoped = view.get();
        assertThat(scoped.isAttached()).isTrue();
        assertThat(scoped.transmit(SELECT)).containsExactly(0x90, 0x00);
        assertThat(scoped.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        scoped.lock(Duration.ofMillis(10));
        scoped.unlock(Disposition.LEAVE);
        failure(HResult.SCARD_E_NOT_TRANSACTED, "holds no lock", scoped::unlock);
        scoped.reconnect();
        manager.reconnect(Disposition.RESET);
        assertThat(scoped.transmit(SELECT)).as("reconnect keeps the attachment").containsExactly(0x90, 0x00);
        assertThat(scoped.createInterface(null, "X", null)).isEqualTo("x");
        assertThat(scoped.toString()).contains("'R'").doesNotContain("ended");

        scoped.detach(); // an interface cannot detach its creator
        assertThat(manager.isAttached()).isTrue();
        failure(HResult.E_FAIL, "cannot attach anew", () -> scoped.attachByIfd("R"));
        failure(HResult.E_FAIL, "cannot attach anew", () -> scoped.attachByHandle(1));
        assertThat(backend.connections.get(0).sent).hasSize(2);
    }

    @Test
    void afterDetachEveryCallOnTheViewFailsWithInvalidHandle() {
        AtomicReference<ISCardManage> view = new AtomicReference<>();
        registerFactory((v, data) -> {
            view.set(v);
            return "x";
        }, "scard.interface.name", "X");
        manager.attachByIfd("R");
        manager.createInterface(null, "X", null);
        ISCardManage scoped = view.get();
        manager.detach();
        manager.attachByIfd("R"); // a new attachment does not revive the old view
        String ended = "the attachment this interface was created from has ended";
        assertThat(scoped.isAttached()).isFalse();
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, () -> scoped.transmit(SELECT));
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, scoped::status);
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, scoped::lock);
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, () -> scoped.lock(Duration.ZERO));
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, scoped::unlock);
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, scoped::reconnect);
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, () -> scoped.reconnect(Disposition.RESET));
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, scoped::createFileAccess);
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, scoped::createCHVerification);
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, scoped::createCardAuth);
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, () -> scoped.createInterface(null, "X", null));
        failure(HResult.SCARD_E_INVALID_HANDLE, ended, () -> scoped.attachByIfd("R"));
        scoped.detach(); // still nothing
        assertThat(scoped.toString()).endsWith("(ended)");
        assertThat(manager.transmit(SELECT)).as("the manager's new attachment is unaffected").containsExactly(0x90, 0x00);
        assertThat(backend.connections.get(1).sent).hasSize(1);
    }

    @Test
    void afterDisposeTheViewFailsWithInvalidHandle() {
        AtomicReference<ISCardManage> view = new AtomicReference<>();
        registerFactory((v, data) -> {
            view.set(v);
            return "x";
        }, "scard.interface.name", "X");
        manager.attachByIfd("R");
        manager.createInterface(null, "X", null);
        manager.dispose("the fake backend stopped");
        failure(HResult.SCARD_E_INVALID_HANDLE, "has ended", () -> view.get().transmit(SELECT));
        assertThat(view.get().isAttached()).isFalse();
    }

    @Test
    void unbindingAFactoryTakesItOutOfTheChoice() {
        SCardInterfaceFactory factory = (v, data) -> "x";
        Map<String, Object> properties = Map.of("service.id", 5L, "scard.interface.name", "X");
        manager.bindInterfaceFactory(factory, properties);
        manager.attachByIfd("R");
        assertThat(manager.createInterface(null, "X", null)).isEqualTo("x");
        manager.unbindInterfaceFactory(factory, properties);
        failure(HResult.E_NOINTERFACE, "'X'", () -> manager.createInterface(null, "X", null));
        assertThat(manager.interfaceProviders().providers()).isEmpty();
    }

    @Test
    void managersCanShareOneSetOfProviders() {
        InterfaceProviders shared = new InterfaceProviders();
        shared.add((v, data) -> "shared", Map.of("scard.interface.name", "X"));
        CardManager other = new CardManager(backend, handles, shared);
        other.attachByIfd("R");
        assertThat(other.createInterface(null, "X", null)).isEqualTo("shared");
        assertThat(other.interfaceProviders()).isSameAs(shared);
    }

    @Test
    void everyFactoryCallOfOneAttachmentGetsTheSameView() {
        registerFallbacks();
        manager.attachByIfd("R");
        manager.createFileAccess();
        manager.createCHVerification();
        views.get(0).createCardAuth(); // through the view too
        assertThat(views).hasSize(3);
        assertThat(views.get(1)).isSameAs(views.get(0));
        assertThat(views.get(2)).isSameAs(views.get(0));
        manager.detach();
        manager.attachByIfd("R");
        manager.createFileAccess();
        assertThat(views.get(3)).as("a new attachment, a new view").isNotSameAs(views.get(0));
    }

    @Test
    void theViewTellsWhetherTheManagerHoldsTheLock() {
        registerFallbacks();
        manager.attachByIfd("R");
        manager.createFileAccess();
        ISCardManage view = views.get(0);
        assertThat(view.isLocked()).isFalse();
        assertThat(manager.isLocked()).isFalse();
        manager.lock();
        assertThat(view.isLocked()).isTrue();
        assertThat(manager.isLocked()).isTrue();
        manager.unlock();
        assertThat(view.isLocked()).isFalse();
        assertThat(manager.isLocked()).isFalse();
        view.lock();
        assertThat(manager.isLocked()).as("a lock taken through the view is the manager's").isTrue();
        manager.reconnect();
        assertThat(view.isLocked()).as("a reconnect ends the transaction").isFalse();
        assertThat(manager.isLocked()).isFalse();
        manager.lock();
        manager.detach();
        assertThat(view.isLocked()).as("the view of an ended attachment").isFalse();
        assertThat(manager.isLocked()).isFalse();
    }

    @Test
    void aReconnectToAnotherInsertionEndsTheViewsOfTheOldCard() {
        registerFallbacks();
        manager.attachByIfd("R");
        manager.createFileAccess();
        ISCardManage old = views.get(0);
        manager.reconnect(Disposition.RESET);
        assertThat(old.isAttached()).as("a reset keeps the sub-interfaces").isTrue();
        backend.connections.get(0).removed = true; // the card was pulled; a new one is in the reader
        manager.reconnect();
        assertThat(manager.isAttached()).isTrue();
        assertThat(old.isAttached()).isFalse();
        failure(HResult.SCARD_E_INVALID_HANDLE, "has ended", () -> old.transmit(SELECT));
        manager.createFileAccess();
        ISCardManage fresh = views.get(1);
        assertThat(fresh).isNotSameAs(old);
        assertThat(fresh.transmit(SELECT)).containsExactly(0x90, 0x00);
    }
}
