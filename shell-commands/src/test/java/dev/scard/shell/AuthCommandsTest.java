package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.security.GeneralSecurityException;
import java.util.HexFormat;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.SCardException;

/**
 * {@link AuthCommands} over the real sample card ({@link CardShell}): AES-128 key 1 = 000102...0F, random challenges
 * of 1 to 256 bytes, INTERNAL AUTHENTICATE answering AES-128-ECB of the data, EXTERNAL AUTHENTICATE wanting that of
 * the last challenge.
 */
class AuthCommandsTest {

    private static final String BLOCK = "00112233445566778899AABBCCDDEEFF";
    /** The sample card's AES-128 key 1. */
    private static final byte[] KEY = HexFormat.of().parseHex("000102030405060708090A0B0C0D0E0F");

    private CardShell shell;
    private AuthCommands auth;

    @BeforeEach
    void setUp() {
        shell = new CardShell();
        auth = shell.auth;
    }

    @AfterEach
    void tearDown() {
        shell.close();
    }

    @Test
    void getsChallengesOfTheAskedLength() {
        assertThat(auth.challenge(shell.session)).matches("Challenge \\(8 bytes\\): [0-9A-F]{16}");
        assertThat(auth.challenge(shell.session, "1")).matches("Challenge \\(1 byte\\): [0-9A-F]{2}");
        String sixteen = auth.challenge(shell.session, "0x10");
        assertThat(sixteen).matches("Challenge \\(16 bytes\\): [0-9A-F]{32}");
        assertThat(auth.challenge(shell.session, "0x10")).as("random: a new one each time").isNotEqualTo(sixteen);
        assertThat(shell.card.calls).containsExactly("getChallenge 0 8", "getChallenge 0 1", "getChallenge 0 16",
                "getChallenge 0 16");
        assertThatIllegalArgumentException().isThrownBy(() -> auth.challenge(shell.session, "0"))
                .withMessage("the challenge length 0 is out of range (1 to 256) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> auth.challenge(shell.session, "257"))
                .withMessageStartingWith("the challenge length 257 is out of range");
    }

    @Test
    void internalAuthenticatePrintsTheCryptogram() {
        String expected = HexFormat.of().withUpperCase().formatHex(aes(HexFormat.of().parseHex(BLOCK)));
        assertThat(auth.auth(shell.session, "0", "internal", "1", BLOCK)).isEqualTo("Cryptogram (16 bytes): "
                + expected);
        assertThat(shell.card.calls).containsExactly("iccAuth 0 01 " + BLOCK);
        assertThat(auth.auth(shell.session, "0x00", "INTERNAL", "0x01", "0011 2233", "44:55:66:77:88:99:AA:BB",
                "CC", "DD", "EE", "FF")).endsWith(expected);
        assertThat(shell.card.calls).endsWith("iccAuth 0 01 " + BLOCK);
        // the algorithm reference goes to P1, which the sample card wants 00
        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> auth.auth(shell.session, "2", "internal", "1", BLOCK))
                .withMessage("auth internal key 1: the card cannot authenticate itself with key 01: SW 6A86 incorrect"
                        + " parameters P1-P2 [E_INVALIDARG 0x80070057]");
        assertThat(shell.card.calls).endsWith("iccAuth 2 01 " + BLOCK);
    }

    @Test
    void externalAuthenticateAnswersTheLastChallenge() {
        String challenge = auth.challenge(shell.session, "16").substring("Challenge (16 bytes): ".length());
        String cryptogram = HexFormat.of().formatHex(aes(HexFormat.of().parseHex(challenge)));
        assertThat(auth.auth(shell.session, "0", "external", "1", cryptogram))
                .isEqualTo("External authentication with key 1 accepted");

        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> auth.auth(shell.session, "0", "external", "1", cryptogram))
                .withMessage("auth external key 1: the card did not accept the application's authentication with key"
                        + " 01: SW 6985 conditions of use not satisfied; ask for a challenge (GetChallenge) first"
                        + " [SCARD_W_SECURITY_VIOLATION 0x8010006A]");
        auth.challenge(shell.session, "16");
        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> auth.auth(shell.session, "0", "external", "1", BLOCK))
                .withMessage("auth external key 1: the card did not accept the application's authentication with key"
                        + " 01: SW 6300 warning: no information given, memory changed [SCARD_W_SECURITY_VIOLATION 0x8010006A]");
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
                .withMessage("auth internal key 2: the card cannot authenticate itself with key 02: SW 6A88 referenced"
                        + " data or reference data not found [E_INVALIDARG 0x80070057]");
    }

    /** AES-128-ECB of one block with the sample card's key 1. */
    private static byte[] aes(byte[] block) {
        try {
            Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "AES"));
            return cipher.doFinal(block);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
