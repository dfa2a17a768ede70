package dev.scard.cardservices.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;

/**
 * The command APDUs that carry a PIN, a PUK or a cryptogram are zeroed once transmitted (on success, on a refusal
 * and when the transmission fails), the caller's arrays are left as they were, and no secret reaches a message.
 */
class SecretWipingTest {
    private static final String PIN_TEXT = "4711";
    private static final byte[] PIN = PIN_TEXT.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEW_PIN = "8642".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUK = "13572468".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRYPTOGRAM = HexFormat.of().parseHex("0A1B2C3D4E5F60718293A4B5C6D7E8F9");

    private final ScriptedManager card = new ScriptedManager().withoutPkcs15();
    private final IsoVerify verify = new IsoVerify(card);
    private final IsoAuth auth = new IsoAuth(card);

    /** Each call with an accepting, a refusing and a failing card; the command is zero afterwards every time. */
    private void eachOutcomeWipes(String command, Consumer<ScriptedManager> call, byte[]... callerArrays) {
        byte[][] before = new byte[callerArrays.length][];
        for (int i = 0; i < callerArrays.length; i++) {
            before[i] = callerArrays[i].clone();
        }
        for (String answer : List.of("9000", "63C1", "THROW")) {
            card.arrays.clear();
            card.sent.clear();
            card.otherwise = c -> {
                if (answer.equals("THROW")) {
                    throw new SCardException(HResult.SCARD_E_COMM_DATA_LOST, "the reader lost the data");
                }
                return c.equals(command) ? answer : "6D00";
            };
            try {
                call.accept(card);
                assertThat(answer).isEqualTo("9000");
            } catch (SCardException e) {
                assertThat(answer).isNotEqualTo("9000");
                assertThat(e.getMessage()).doesNotContain(PIN_TEXT, "34373131", "38363432", "3133353732343638",
                        "0A1B2C3D", "0a1b2c3d");
            }
            assertThat(card.sent).as("what the card got (%s)", answer).containsExactly(command);
            assertThat(card.arrays).hasSize(1);
            assertThat(card.arrays.get(0)).as("the command after the call (%s)", answer)
                    .containsOnly((byte) 0).hasSize(command.length() / 2);
            for (int i = 0; i < callerArrays.length; i++) {
                assertThat(callerArrays[i]).as("the caller's array %d", i).isEqualTo(before[i]);
            }
        }
    }

    @Test
    void verifyWipesItsCommand() {
        eachOutcomeWipes("002000010434373131", c -> verify.verify(PIN, SCardFlag.NONE, 1), PIN);
    }

    @Test
    void changeCodeWipesItsCommand() {
        eachOutcomeWipes("00240001083437313138363432", c -> verify.changeCode(PIN, NEW_PIN, SCardFlag.NONE, 1),
                PIN, NEW_PIN);
    }

    @Test
    void disablingAPinWipesItsCommand() {
        eachOutcomeWipes("002600010434373131",
                c -> verify.changeCode(PIN, null, Set.of(SCardFlag.IHV_DISABLE), 1), PIN);
    }

    @Test
    void unblockWipesItsCommand() {
        eachOutcomeWipes("002C0101083133353732343638", c -> verify.unblock(PUK, null, SCardFlag.NONE, 1), PUK);
        eachOutcomeWipes("002C00010C313335373234363838363432",
                c -> verify.unblock(PUK, NEW_PIN, SCardFlag.NONE, 1), PUK, NEW_PIN);
    }

    @Test
    void userAuthWipesItsCommand() {
        eachOutcomeWipes("002000020434373131", c -> auth.userAuth(0, new byte[] {2}, PIN), PIN);
    }

    @Test
    void externalAndInternalAuthenticateWipeTheirCommands() {
        String data = HexFormat.of().withUpperCase().formatHex(CRYPTOGRAM);
        eachOutcomeWipes("0082000310" + data, c -> auth.appAuth(0, new byte[] {3}, CRYPTOGRAM), CRYPTOGRAM);
        eachOutcomeWipes("0088000310" + data + "00", c -> auth.iccAuth(0, new byte[] {3}, CRYPTOGRAM), CRYPTOGRAM);
    }

    @Test
    void aRefusedArgumentSendsNothingAndNamesNoSecret() {
        assertThatThrownBy(() -> verify.changeCode(PIN, new byte[0], SCardFlag.NONE, 1))
                .isInstanceOf(SCardException.class).hasMessageNotContaining(PIN_TEXT)
                .hasMessageNotContaining("34373131");
        assertThat(card.arrays).isEmpty();
        assertThat(PIN).isEqualTo(PIN_TEXT.getBytes(StandardCharsets.US_ASCII));
    }
}
