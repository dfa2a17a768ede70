package dev.scard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;

import org.junit.jupiter.api.Test;

import dev.scard.core.spi.ReaderConnection;

class ApduExchangeTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final FakeBackend backend = new FakeBackend();
    private final FakeBackend.FakeConnection connection =
            (FakeBackend.FakeConnection) backend.connect("R", ShareMode.SHARED, dev.scard.api.Protocol.T0_OR_T1);

    @Test
    void resendsWithTheCardsLeAfter6Cxx() {
        backend.card = command -> (command[4] & 0xFF) == 0x08 ? HEX.parseHex("01020304050607089000")
                : HEX.parseHex("6C08");
        byte[] response = ApduExchange.exchange(connection, HEX.parseHex("0084000000"));
        assertThat(HEX.formatHex(response)).isEqualTo("01020304050607089000");
        assertThat(connection.sent).extracting(HEX::formatHex).containsExactly("0084000000", "0084000008");
    }

    @Test
    void theCommandAndItsGetResponsesGoOutInOneAtomicExchange() {
        backend.card = command -> switch (HEX.formatHex(command)) {
            case "00B0000000" -> HEX.parseHex("6102");
            case "00C0000002" -> HEX.parseHex("AABB9000");
            default -> HEX.parseHex("6F00");
        };
        assertThat(HEX.formatHex(ApduExchange.exchange(connection, HEX.parseHex("00B0000000"))))
                .isEqualTo("AABB9000");
        assertThat(connection.atomicTransmits).isEqualTo(2); // both inside ReaderConnection.exchangeAtomically
        assertThat(connection.atomicDepth).isZero();
    }

    @Test
    void collectsEveryGetResponseAfter61xxWithTheDerivedClassByte() {
        backend.card = command -> switch (HEX.formatHex(command)) {
            case "1CA4040002A000" -> HEX.parseHex("6104");
            case "00C0000004" -> HEX.parseHex("AABBCCDD6102");
            case "00C0000002" -> HEX.parseHex("EEFF9000");
            default -> HEX.parseHex("6F00");
        };
        // Chained, secure-messaging class 1C: GET RESPONSE goes out with class 00.
        byte[] response = ApduExchange.exchange(connection, HEX.parseHex("1CA4040002A000"));
        assertThat(HEX.formatHex(response)).isEqualTo("AABBCCDDEEFF9000");
    }

    @Test
    void keepsLogicalChannelAndGsmClassInGetResponse() {
        backend.card = command -> (command[1] & 0xFF) == 0xC0 ? HEX.parseHex("019000") : HEX.parseHex("6101");
        ApduExchange.exchange(connection, HEX.parseHex("03B0000000"));
        ApduExchange.exchange(connection, HEX.parseHex("A0B0000000"));
        assertThat(connection.sent).extracting(HEX::formatHex)
                .containsExactly("03B0000000", "03C0000001", "A0B0000000", "A0C0000001");
    }

    @Test
    void givesUpOnACardThatNeverEndsItsResponse() {
        backend.card = command -> HEX.parseHex("AA6101");
        assertThatThrownBy(() -> ApduExchange.exchange(connection, HEX.parseHex("00B0000000")))
                .isInstanceOfSatisfying(SCardException.class,
                        e -> assertThat(e.code()).isEqualTo(HResult.SCARD_F_COMM_ERROR))
                .hasMessageContaining("61xx after 512");
        assertThat(connection.sent).hasSize(1 + ApduExchange.MAX_GET_RESPONSES);
    }

    @Test
    void reportsAnswersShorterThanAStatusWord() {
        backend.card = command -> new byte[] {(byte) 0x90};
        assertThatThrownBy(() -> ApduExchange.exchange(connection, HEX.parseHex("00A40000")))
                .isInstanceOfSatisfying(SCardException.class,
                        e -> assertThat(e.code()).isEqualTo(HResult.SCARD_F_COMM_ERROR))
                .hasMessageContaining("answered 1 bytes");
    }

    @Test
    void leaves6CxxAloneWhenTheCommandHasNoShortLe() {
        backend.card = command -> HEX.parseHex("6C10");
        assertThat(HEX.formatHex(ApduExchange.exchange(connection, HEX.parseHex("00A40000023F00")))).isEqualTo("6C10");
        assertThat(connection.sent).hasSize(1);
    }

    @Test
    void sendsNothingForAMalformedCommand() {
        assertThatThrownBy(() -> ApduExchange.exchange(connection, HEX.parseHex("00A40000053F00")))
                .isInstanceOf(SCardException.class);
        assertThat(connection.sent).isEmpty();
    }
}
