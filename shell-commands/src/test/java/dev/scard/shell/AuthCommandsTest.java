package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.HexFormat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.SCardException;

/** {@link AuthCommands} over a {@link FakeCard} with AES key 1. */
class AuthCommandsTest {

    private static final String BLOCK = "00112233445566778899AABBCCDDEEFF";

    private CardShell shell;
    private AuthCommands auth;

    @BeforeEach
    void setUp() {
        shell = new CardShell();
        auth = shell.auth;
    }

    @Test
    void getsChallengesOfTheAskedLength() {
        assertThat(auth.challenge(shell.session)).isEqualTo("Challenge (8 bytes): A0A1A2A3A4A5A6A7");
        assertThat(auth.challenge(shell.session, "1")).isEqualTo("Challenge (1 byte): A0");
        assertThat(auth.challenge(shell.session, "0x10")).isEqualTo("Challenge (16 bytes): "
                + "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
        assertThat(shell.card.calls).containsExactly("getChallenge 0 8", "getChallenge 0 1", "getChallenge 0 16");
        assertThatIllegalArgumentException().isThrownBy(() -> auth.challenge(shell.session, "0"))
                .withMessage("the challenge length 0 is out of range (1 to 256) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> auth.challenge(shell.session, "257"))
                .withMessageStartingWith("the challenge length 257 is out of range");
    }

    @Test
    void internalAuthenticatePrintsTheCryptogram() {
        String expected = HexFormat.of().withUpperCase().formatHex(FakeCard.aes(FakeCard.bytes(BLOCK)));
        assertThat(auth.auth(shell.session, "0", "internal", "1", BLOCK)).isEqualTo("Cryptogram (16 bytes): "
                + expected);
        assertThat(shell.card.calls).containsExactly("iccAuth 0 01 " + BLOCK);
        assertThat(auth.auth(shell.session, "0x02", "INTERNAL", "0x01", "0011 2233", "44:55:66:77:88:99:AA:BB",
                "CC", "DD", "EE", "FF")).endsWith(expected);
        assertThat(shell.card.calls).endsWith("iccAuth 2 01 " + BLOCK);
    }

    @Test
    void externalAuthenticateAnswersTheLastChallenge() {
        auth.challenge(shell.session, "16");
        String cryptogram = HexFormat.of().formatHex(FakeCard.aes(FakeCard.bytes("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF")));
        assertThat(auth.auth(shell.session, "0", "external", "1", cryptogram))
                .isEqualTo("External authentication with key 1 accepted");

        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> auth.auth(shell.session, "0", "external", "1", cryptogram))
                .withMessage("auth external key 1: no challenge before EXTERNAL AUTHENTICATE: SW 6985 (conditions"
                        + " of use not satisfied) [SCARD_E_NO_ACCESS 0x80100027]");
        auth.challenge(shell.session, "16");
        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> auth.auth(shell.session, "0", "external", "1", BLOCK))
                .withMessage("auth external key 1: cryptogram rejected: SW 6300 (warning: no information given,"
                        + " memory changed) [SCARD_W_SECURITY_VIOLATION 0x8010006A]");
    }

    @Test
    void rejectsBadArgumentsBeforeTalkingToTheCard() {
        assertThatIllegalArgumentException().isThrownBy(() -> auth.auth(shell.session, "0", "mutual", "1", BLOCK))
                .withMessage("unknown authentication 'mutual' (use internal or external) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> auth.auth(shell.session, "0", "internal", "256", BLOCK))
                .withMessageStartingWith("the key reference 256 is out of range (0 to 255)");
        assertThatIllegalArgumentException().isThrownBy(() -> auth.auth(shell.session, "x", "internal", "1", BLOCK))
                .withMessageStartingWith("'x' is not a number (the algorithm reference;");
        assertThatIllegalArgumentException().isThrownBy(() -> auth.auth(shell.session, "0", "internal", "1"))
                .withMessage("no data given [E_INVALIDARG 0x80070057]");
        assertThat(shell.card.calls).isEmpty();
        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> auth.auth(shell.session, "0", "internal", "2", BLOCK))
                .withMessage("auth internal key 2: no key 02: SW 6A88 (referenced data or reference data not found)"
                        + " [E_INVALIDARG 0x80070057]");
    }
}
