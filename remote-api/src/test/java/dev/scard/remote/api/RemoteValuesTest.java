package dev.scard.remote.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardException;

/** The remote API's values: they survive serialization, copy their arrays, check their arguments, hide the nonce. */
class RemoteValuesTest {

    private static final byte[] NONCE = HexFormat.of().parseHex("00112233445566778899AABBCCDDEEFF");

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void everyValueSurvivesSerialization() throws Exception {
        SessionToken token = new SessionToken(7, NONCE);
        RemoteReader reader = new RemoteReader("Reader 0", CardState.SPECIFIC_MODE, new byte[] {0x3B, 0x00}, true);
        List<Object> values = List.of(token, new RemoteSession(token, 10_000), reader,
                new RemoteReaders(5, 3, List.of(reader)), new RemoteStatus(CardState.ABSENT, Protocol.UNDEFINED, null),
                new RemoteEvent(4, SCardEvent.Type.CARD_RESET, "Reader 0", "3B00"),
                new RemoteEvents(5, 4, true, List.of(new RemoteEvent(4, SCardEvent.Type.CARD_REMOVED, "R", null))));
        for (Object value : values) {
            assertThat(roundTrip(value)).as("%s", value).isEqualTo(value).isNotSameAs(value);
        }
        SCardException failure = roundTrip(new SCardException(HResult.E_ACCESSDENIED, "refused"));
        assertThat(failure.code()).isEqualTo(HResult.E_ACCESSDENIED);
        assertThat(failure.getMessage()).isEqualTo("refused [E_ACCESSDENIED 0x80070005]");
    }

    @Test
    void aTokenShowsItsIdOnlyAndNeedsASixteenByteNonce() {
        SessionToken token = new SessionToken(7, NONCE);
        assertThat(token.toString()).isEqualTo("SessionToken[7]");
        byte[] copy = token.nonce();
        copy[0] = 1;
        assertThat(token.nonce()).isEqualTo(NONCE);
        assertThatThrownBy(() -> new SessionToken(1, new byte[15])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16 bytes");
        assertThatThrownBy(() -> new SessionToken(1, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void valuesConvertToAndFromTheApisTypesAndCheckTheirArguments() {
        ReaderInfo info = new ReaderInfo("Reader 0", "simulator", CardState.PRESENT, new byte[] {0x3B}, false);
        RemoteReader reader = RemoteReader.of(info);
        assertThat(reader.toReaderInfo("Reader 0 @ lab", "remote"))
                .isEqualTo(new ReaderInfo("Reader 0 @ lab", "remote", CardState.PRESENT, new byte[] {0x3B}, false));
        CardStatus status = new CardStatus(CardState.SPECIFIC_MODE, Protocol.T1, "Reader 0", new byte[] {0x3B});
        assertThat(RemoteStatus.of(status).toCardStatus("Reader 0")).isEqualTo(status);
        assertThat(new RemoteEvent(1, SCardEvent.Type.CARD_INSERTED, "Reader 0", "3B").toSCardEvent("R @ h", "remote"))
                .isEqualTo(new SCardEvent(SCardEvent.Type.CARD_INSERTED, "R @ h", "remote", "3B"));

        assertThatThrownBy(() -> new RemoteReader(" ", CardState.ABSENT, null, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RemoteSession(new SessionToken(1, NONCE), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
        assertThatThrownBy(() -> new RemoteEvent(0, SCardEvent.Type.CARD_RESET, "R", null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RemoteReaders(1, -1, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RemoteEvents(1, 0, true, java.util.Arrays.asList((RemoteEvent) null)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
