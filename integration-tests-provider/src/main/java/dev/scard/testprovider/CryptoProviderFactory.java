package dev.scard.testprovider;

import java.util.Arrays;
import java.util.function.UnaryOperator;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.api.SCardInterfaceFactory;

/**
 * A {@code CryptoProvider} (the contract's standard {@code CreateInterface} name) for the sample card: the created
 * object is a {@code UnaryOperator<byte[]>} (a JDK type, so the test bundle needs no package of this one) that
 * encrypts one 16-byte block with the card's key, whose reference is the {@code userData} ({@code Integer}, default
 * 1), by INTERNAL AUTHENTICATE through the manager it was given.
 */
@Component(service = SCardInterfaceFactory.class, configurationPid = TestProvider.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = {
    "scard.interface.name=CryptoProvider",
    "scard.interface.guid=0D7E6A51-0000-4000-8000-00000000C0DE",
    "scard.atr=3B88015343.*"})
public final class CryptoProviderFactory implements SCardInterfaceFactory {

    /** DS creates it. */
    public CryptoProviderFactory() {
    }

    @Override
    public Object create(ISCardManage manager, Object userData) {
        int key = userData instanceof Integer ref ? ref : 1;
        if (key < 1 || key > 31) {
            throw new SCardException(HResult.E_INVALIDARG, "key reference " + key + " is out of range 1 to 31");
        }
        return new UnaryOperator<byte[]>() {
            @Override
            public byte[] apply(byte[] block) {
                byte[] command = new byte[5 + 16 + 1];
                command[1] = (byte) 0x88;
                command[3] = (byte) key;
                command[4] = 16;
                System.arraycopy(block, 0, command, 5, 16);
                byte[] response = manager.transmit(command);
                int sw = ((response[response.length - 2] & 0xFF) << 8) | (response[response.length - 1] & 0xFF);
                if (sw != 0x9000) {
                    throw new SCardException(HResult.SCARD_E_UNEXPECTED, String.format(
                            "INTERNAL AUTHENTICATE answered %04X", sw));
                }
                return Arrays.copyOf(response, response.length - 2);
            }

            @Override
            public String toString() {
                return "test CryptoProvider (key " + key + ")";
            }
        };
    }
}
