package dev.scard.simulator.internal.card;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * PINs, PUKs and keys of a profile: read from every way a profile writes them (text, hex, text with JSON escapes)
 * into working card secrets, from a file's bytes and from a {@code char[]} (which the parser leaves to its
 * caller); a value that is refused is never shown, not even a part of it, in the message.
 */
class ProfileSecretsTest {

    private static final String PROFILE = """
            {"pins": [
               {"ref": "01", "value": {"text": "4711"}, "puk": {"hex": "38:36 34 32"}},
               {"ref": "02", "value": {"text": "\\u0039\\u00e9\\n"}},
               {"ref": "03", "value": "31 32 33 34"}
             ],
             "keys": [{"ref": "01", "value": {"hex": "000102030405060708090A0B0C0D0E0F"}}]}
            """;

    private static String sw(IsoCard card, String command) {
        byte[] response = card.process(CardTestSupport.HEX.parseHex(command));
        return CardTestSupport.HEX.formatHex(response, response.length - 2, response.length);
    }

    private static void worksAsWritten(IsoCard card) {
        assertThat(sw(card, "002000010434373130")).isEqualTo("63C2");
        assertThat(sw(card, "002000010434373131")).isEqualTo("9000");
        assertThat(sw(card, "002C01010438363432")).isEqualTo("9000"); // the PUK
        assertThat(sw(card, "0020000204" + "39C3A90A")).isEqualTo("9000"); // 9, é in UTF-8, newline
        assertThat(sw(card, "002000030431323334")).isEqualTo("9000");
        // the key: EXTERNAL AUTHENTICATE of a challenge's AES-128 cryptogram
        byte[] challenge = card.process(CardTestSupport.HEX.parseHex("0084000010"));
        String cryptogram = CardTestSupport.aes(CardTestSupport.KEY_01,
                CardTestSupport.HEX.formatHex(challenge, 0, 16));
        assertThat(sw(card, "0082000110" + cryptogram)).isEqualTo("9000");
    }

    @Test
    void secretsReadFromBytesFromCharsAndFromAStringWork() {
        worksAsWritten(CardProfile.parse(PROFILE.getBytes(StandardCharsets.UTF_8), "p.json")
                .newIsoCard(new Random(1)));
        worksAsWritten(CardProfile.parse(PROFILE).newIsoCard(new Random(2)));
        char[] chars = (PROFILE + "garbage beyond the length").toCharArray();
        worksAsWritten(new ProfileParser("chars").parse(chars, PROFILE.length()).newIsoCard(new Random(3)));
        assertThat(new String(chars)).as("the caller's array is the caller's").startsWith(PROFILE);
    }

    @Test
    void aRefusedSecretIsNeverShown() {
        String[][] cases = {
            {"\"value\": \"47 1G\"", "pins[0].value", "not hexadecimal: character 5"},
            {"\"value\": \"471\"", "pins[0].value", "odd number of hex digits"},
            {"\"value\": {\"hex\": \"4711X\"}", "pins[0].value.hex", "not hexadecimal: character 5"},
            {"\"value\": {\"text\": \"" + "4711".repeat(17) + "\"}", "pins[0].value", "must be 1..64 bytes"},
            {"\"value\": {\"text\": \"4711\"}, \"puk\": \"4711:0\"", "pins[0].puk", "odd number"},
            {"\"value\": {\"text\": \"4711\", \"hex\": \"34\"}", "pins[0].value", "must be a hex string"},
            {"\"value\": \"\\u0663\\u0663\"", "pins[0].value", "not hexadecimal: character 1"},
        };
        for (String[] c : cases) {
            String json = "{\"pins\": [{\"ref\": \"01\", " + c[0] + "}]}";
            assertThatThrownBy(() -> CardProfile.parse(json.getBytes(StandardCharsets.UTF_8), "p.json"))
                    .as(c[0]).isInstanceOf(CardProfileException.class)
                    .hasMessageContaining(c[1]).hasMessageContaining(c[2])
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("4711", "471", "34373131", "1G",
                            "\u0663"));
        }
        String key = "{\"keys\": [{\"ref\": \"01\", \"value\": \"00010203040506070809\"}]}";
        assertThatThrownBy(() -> CardProfile.parse(key)).isInstanceOf(CardProfileException.class)
                .hasMessageContaining("keys[0].value").hasMessageContaining("must be 16 bytes")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("0001", "10 bytes", "not 10"));
    }
}
