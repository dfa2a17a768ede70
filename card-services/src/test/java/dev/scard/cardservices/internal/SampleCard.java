package dev.scard.cardservices.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.simulator.internal.SimulatorBackend;

/**
 * The simulator's sample card (impl-simulator's {@code sample-card.json}) in a standalone simulated reader, reached
 * through a real {@link CardManager} that knows the three factories of this bundle, as in OSGi but without it.
 */
final class SampleCard implements AutoCloseable {
    static final String READER = "Card Services Test Reader";
    static final String ATR = "3B8801534341524453494D99";
    static final byte[] PIN = ascii("1234");
    static final byte[] PUK = ascii("12345678");
    static final byte[] LOCAL_PIN = ascii("0000");
    static final byte[] LOCAL_PUK = ascii("00000000");
    static final byte[] KEY = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    static final String AID = "A000000063504B43532D3135";

    final SimulatorBackend backend = SimulatorBackend.standalone(List.of(READER));
    final CardManager manager = new CardManager(backend, new HandleTable());

    SampleCard() {
        backend.insert(READER);
        registerFactories(manager);
        manager.attachByIfd(READER);
    }

    /** Registers this bundle's three factories with a manager, with the properties their DS components have. */
    static void registerFactories(CardManager manager) {
        manager.bindInterfaceFactory(new FileAccessFactory(), Map.of("service.id", 1L, "service.ranking", -1000,
                "scard.interface.name", "ISCardFileAccess", "scard.interface.guid", ISCardFileAccess.IID.toString()));
        manager.bindInterfaceFactory(new VerifyFactory(), Map.of("service.id", 2L, "service.ranking", -1000,
                "scard.interface.name", "ISCardVerify", "scard.interface.guid", ISCardVerify.IID.toString()));
        manager.bindInterfaceFactory(new AuthFactory(), Map.of("service.id", 3L, "service.ranking", -1000,
                "scard.interface.name", "ISCardAuth", "scard.interface.guid", ISCardAuth.IID.toString()));
    }

    ISCardManage manager() {
        return manager;
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Text padded with zero bytes to {@code length}. */
    static byte[] padded(String text, int length) {
        byte[] bytes = new byte[length];
        byte[] ascii = ascii(text);
        System.arraycopy(ascii, 0, bytes, 0, ascii.length);
        return bytes;
    }

    @Override
    public void close() {
        manager.dispose("test finished");
        backend.close();
    }
}
