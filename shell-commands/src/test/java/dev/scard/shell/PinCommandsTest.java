package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * {@link PinCommands} over the real sample card ({@link CardShell}: global PIN 1 "1234" with PUK "12345678", local
 * PIN 0x81 "0000" with PUK "00000000", 3 tries each, 10 for the PUKs); the shell never shows a PIN, also when a
 * provider's failure holds it ({@link CardServiceCalls#secretInFailures}). Prompts go through a stand-in for Karaf's console session ({@link CardShell.KarafLike}); the jline path is
 * in {@link CardCommandsGogoTest}.
 */
class PinCommandsTest {

    private CardShell shell;
    private PinCommands pins;

    @BeforeEach
    void setUp() {
        shell = new CardShell();
        pins = shell.pins;
    }

    @AfterEach
    void tearDown() {
        shell.close();
    }

    private CardShell.KarafLike console(String... answers) {
        CardShell.KarafLike karaf = new CardShell.KarafLike(answers);
        shell.variables.put(SecretPrompt.KARAF_SESSION, karaf);
        return karaf;
    }

    /** Enters DF 5015, where the local PIN 0x81 is, and forgets the calls that took. */
    private void inDf5015() {
        shell.files.cd(shell.session, "5015");
        shell.card.calls.clear();
    }

    // ------------------------------------------------------------------------------------------------ verify

    @Test
    void verifiesAGlobalAndALocalPin() {
        inDf5015(); // where the local PIN 0x81 is
        assertThat(pins.verify(shell.session, false, false, "1", "1234")).isEqualTo("PIN 1 verified");
        assertThat(pins.verify(shell.session, false, false, "0x81", "0000")).isEqualTo("PIN 0x81 (local) verified");
        assertThat(pins.verify(shell.session, false, false, "129", "30:30:30:30")).isEqualTo("PIN 0x81 (local) verified");
        assertThat(pins.verify(shell.session, false, false, "CHV1", "hex:31323334")).isEqualTo("PIN 1 verified");
        assertThat(shell.card.calls).containsExactly("verify 1 [IHV_GLOBAL]", "verify 1 [IHV_LOCAL]",
                "verify 1 [IHV_LOCAL]", "verify 1 [IHV_GLOBAL]");
    }

    @Test
    void aWrongPinShowsTheRemainingTriesButNeverThePin() {
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(shell.session, false, false, "1", "9999"))
                .withMessage("verify PIN 1: wrong PIN, 2 tries left (SW 63C2) [SCARD_W_WRONG_CHV 0x8010006B]")
                .satisfies(e -> {
                    assertThat(e.remainingTries()).hasValue(2);
                    assertThat(e.getCause()).isNull();
                    assertThat(e.toString()).doesNotContain("9999", "39393939");
                });
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(shell.session, false, false, "1", "8888"))
                .withMessage("verify PIN 1: wrong PIN, 1 try left (SW 63C1) [SCARD_W_WRONG_CHV 0x8010006B]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(shell.session, false, false, "1", "7777"))
                .withMessage("verify PIN 1: wrong PIN, no tries left: it is blocked now (SW 63C0)"
                        + " [SCARD_W_WRONG_CHV 0x8010006B]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(shell.session, false, false, "1", "1234"))
                .withMessage("verify PIN 1: PIN blocked (SW 6983 authentication method blocked)"
                        + " [SCARD_W_CHV_BLOCKED 0x8010006C]");
    }

    @Test
    void anotherFailureHoldingThePinIsReplacedByTheCodesMeaning() {
        // without a secret in it, the service's detail stays
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(shell.session, false, false, "7", "1234"))
                .withMessage("verify PIN 7: cannot verify global PIN 07: SW 6A88 referenced data or reference data"
                        + " not found [E_INVALIDARG 0x80070057]");
        // a provider whose message holds the PIN (the real card services never do): the code's meaning instead
        shell.card.secretInFailures = true;
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(shell.session, false, false, "7", "1234"))
                .withMessage("verify PIN 7: invalid argument [E_INVALIDARG 0x80070057]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(shell.session, false, false, "1", "9999"))
                .withMessage("verify PIN 1: wrong PIN, 2 tries left (SW 63C2) [SCARD_W_WRONG_CHV 0x8010006B]")
                .satisfies(e -> assertThat(e.toString()).doesNotContain("9999", "39393939"));
    }

    @Test
    void checksAPinWithoutSendingOne() {
        inDf5015();
        // Forced twice with the same count: the sample card does not count the query, so -c asks it from then on.
        assertThat(pins.verify(shell.session, true, true, "1")).isEqualTo("PIN 1 is not verified (3 tries left)");
        assertThat(pins.verify(shell.session, true, true, "1")).isEqualTo("PIN 1 is not verified (3 tries left)");
        assertThat(pins.verify(shell.session, true, false, "1")).isEqualTo("PIN 1 is not verified (3 tries left)");
        pins.verify(shell.session, false, false, "1", "1234");
        assertThat(pins.verify(shell.session, true, false, "1")).isEqualTo("PIN 1 is verified");
        assertThat(shell.card.calls).contains("verify 1 [IHV_GLOBAL, IHV_CHECKONLY]");
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, true, false, "1", "1234"))
                .withMessage("-c only asks the card for the state of PIN 1; give no PIN with it"
                        + " [E_INVALIDARG 0x80070057]");
        for (String wrong : List.of("5", "6", "7")) {
            assertThatExceptionOfType(SCardException.class).isThrownBy(
                    () -> pins.verify(shell.session, false, false, "0x81", wrong));
        }
        assertThat(pins.verify(shell.session, true, true, "0x81")).isEqualTo("PIN 0x81 (local) is blocked"
                + " (scard:unblock 0x81 unblocks it with the PUK)");
        for (String wrong : List.of("5", "6", "7")) {
            assertThatExceptionOfType(SCardException.class).isThrownBy(
                    () -> pins.verify(shell.session, false, false, "1", wrong));
        }
        assertThat(pins.verify(shell.session, true, false, "1")).isEqualTo("PIN 1 is blocked (scard:unblock 1 unblocks it"
                + " with the PUK)");
    }

    @Test
    void rejectsBadReferencesAndBadHexWithoutShowingThePin() {
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, false, "0", "1234"))
                .withMessageStartingWith("the PIN reference (first argument) is out of range (1 to 31, or 0x81 to"
                        + " 0x9F");
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, false, "0xA0", "1234"))
                .withMessageStartingWith("the PIN reference (first argument) is out of range")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("0xA0"));
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, false, "pin", "1234"))
                .withMessageStartingWith("the first argument is not a PIN reference (1 to 31")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("'pin'"));
        // the arguments swapped: the PIN is the reference word, and no message repeats it
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, false, "1234", "1"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("1234"));
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, false, "12a4", "1"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("12a4"));
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, false, "1", "hex:31G23334"))
                .withMessage("the PIN is not valid hex (pairs of 0-9, A-F; the PIN itself is not shown)"
                        + " [E_INVALIDARG 0x80070057]")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("31G2", "G2"));
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, false, "1", "31:3G:33:34"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("3G", "31:"));
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, false, "1", "hex:313"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("313"));
        assertThat(shell.card.calls).isEmpty();
    }

    @Test
    void needsAnAttachmentBeforeAskingForThePin() {
        shell.commands.detach(shell.session);
        CardShell.KarafLike karaf = console("1234");
        assertThatIllegalStateException().isThrownBy(() -> pins.verify(shell.session, false, false, "1"))
                .withMessageEndingWith("[SCARD_E_INVALID_HANDLE 0x80100003]");
        assertThat(karaf.prompts).isEmpty();
    }

    // -------------------------------------------------------------------------------------------- prompting

    @Test
    void asksForAnOmittedPinWithoutEcho() {
        CardShell.KarafLike karaf = console("1234");
        assertThat(pins.verify(shell.session, false, false, "1")).isEqualTo("PIN 1 verified");
        assertThat(karaf.prompts).containsExactly("Enter PIN 1: ");
        assertThat(karaf.masks).containsExactly((char) 0);
    }

    @Test
    void aWrongPinTypedAtThePromptIsNotShownEither() {
        console("4321");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(shell.session, false, false, "1"))
                .withMessage("verify PIN 1: wrong PIN, 2 tries left (SW 63C2) [SCARD_W_WRONG_CHV 0x8010006B]");
        console("hex:43Z1");
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, false, "1"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("43Z1", "Z1"));
    }

    @Test
    void anEmptyAnswerSendsNothing() {
        console("");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(shell.session, false, false, "1"))
                .withMessage("no PIN entered; nothing was sent to the card [SCARD_W_CANCELLED_BY_USER 0x8010006E]");
        assertThat(shell.card.calls).isEmpty();
    }

    @Test
    void failsAtOnceWithoutAnInteractiveTerminal() {
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, false, "1"))
                .withMessage("cannot ask for the code without echo: this shell session is not interactive (it has no"
                        + " interactive terminal); give it as an argument: scard:verify 1 <PIN>"
                        + " [E_INVALIDARG 0x80070057]");
        // a Karaf headless session (bin/client, ssh with a command) cannot read a line
        console();
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, false, "0x81"))
                .withMessage("cannot ask for the code without echo: this shell session is not interactive (it is a"
                        + " headless session); give it as an argument: scard:verify 0x81 <PIN>"
                        + " [E_INVALIDARG 0x80070057]");
        // a LineReader-like object that is no jline reader is not used
        shell.variables.remove(SecretPrompt.KARAF_SESSION);
        shell.variables.put(SecretPrompt.READER, new Object());
        assertThatIllegalArgumentException().isThrownBy(() -> pins.change(shell.session, "1"))
                .withMessageContaining("give it as an argument: scard:change 1 <current PIN> <new PIN>");
        assertThat(shell.card.calls).isEmpty();
    }

    // ------------------------------------------------------------------------------------ change, unblock

    @Test
    void changesAPinGivenOrAsked() {
        assertThat(pins.change(shell.session, "1", "1234", "5678")).isEqualTo("PIN 1 changed");
        assertThat(pins.verify(shell.session, false, false, "1", "5678")).isEqualTo("PIN 1 verified");
        CardShell.KarafLike karaf = console("5678", "2468", "2468");
        assertThat(pins.change(shell.session, "1")).isEqualTo("PIN 1 changed");
        assertThat(karaf.prompts).containsExactly("Enter current PIN 1: ", "Enter new PIN 1: ", "Repeat new PIN 1: ");
        karaf = console("1357", "1357");
        assertThat(pins.change(shell.session, "1", "2468")).isEqualTo("PIN 1 changed");
        assertThat(karaf.prompts).containsExactly("Enter new PIN 1: ", "Repeat new PIN 1: ");
        assertThat(pins.verify(shell.session, false, false, "1", "1357")).isEqualTo("PIN 1 verified");
    }

    @Test
    void changeRefusesDifferingNewPinsAndAWrongCurrentOne() {
        console("1234", "5678", "5679");
        assertThatIllegalArgumentException().isThrownBy(() -> pins.change(shell.session, "1"))
                .withMessage("the two entries of the new PIN differ; nothing was sent to the card"
                        + " [E_INVALIDARG 0x80070057]");
        assertThat(shell.card.calls).isEmpty();
        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> pins.change(shell.session, "1", "4321", "5678"))
                .withMessage("change PIN 1: wrong current PIN, 2 tries left (SW 63C2) [SCARD_W_WRONG_CHV 0x8010006B]");
    }

    @Test
    void unblocksWithThePukKeepingOrReplacingThePin() {
        for (String wrong : List.of("1", "2", "3")) {
            assertThatExceptionOfType(SCardException.class).isThrownBy(
                    () -> pins.verify(shell.session, false, false, "1", wrong));
        }
        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> pins.unblock(shell.session, "1", "87654321"))
                .withMessage("unblock PIN 1: wrong PUK, 9 tries left (SW 63C9) [SCARD_W_WRONG_CHV 0x8010006B]")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("87654321"));
        assertThat(pins.unblock(shell.session, "1", "12345678")).isEqualTo("PIN 1 unblocked");
        assertThat(pins.verify(shell.session, false, false, "1", "1234")).isEqualTo("PIN 1 verified");
        assertThat(pins.unblock(shell.session, "1", "12345678", "4321")).isEqualTo("PIN 1 unblocked with a new PIN");
        assertThat(pins.verify(shell.session, false, false, "1", "4321")).isEqualTo("PIN 1 verified");
        assertThat(shell.card.calls).contains("unblock 1 [IHV_GLOBAL] keep", "unblock 1 [IHV_GLOBAL] new");
    }

    @Test
    void unblockAsksForThePukAndAnOptionalNewPin() {
        inDf5015();
        CardShell.KarafLike karaf = console("00000000", "");
        assertThat(pins.unblock(shell.session, "0x81")).isEqualTo("PIN 0x81 (local) unblocked");
        assertThat(karaf.prompts).containsExactly("Enter PUK of PIN 0x81 (local): ",
                "Enter new PIN 0x81 (local) (empty keeps the current one): ");
        karaf = console("00000000", "1111", "1111");
        assertThat(pins.unblock(shell.session, "0x81")).isEqualTo("PIN 0x81 (local) unblocked with a new PIN");
        assertThat(karaf.prompts).hasSize(3);
        assertThat(pins.verify(shell.session, false, false, "0x81", "1111")).isEqualTo("PIN 0x81 (local) verified");
        assertThat(shell.card.calls).contains("unblock 1 [IHV_LOCAL] keep", "unblock 1 [IHV_LOCAL] new");
    }

    @Test
    void pinServicesDieWithTheAttachment() {
        pins.verify(shell.session, false, false, "1", "1234");
        shell.commands.detach(shell.session);
        shell.commands.attach(shell.session, "", "t0,t1", new String[] {CardShell.READER});
        pins.verify(shell.session, false, false, "1", "1234");
        assertThat(shell.card.made).containsExactly(
                "create ISCardVerify", "create ISCardVerify");
    }

    @Test
    void cardErrorsKeepTheCodeAndTries() {
        SCardException e = CardErrors.pinFailure("verify PIN 1", "PIN",
                new SCardException(HResult.SCARD_W_WRONG_CHV, "wrong", -1, null), "1234".getBytes());
        assertThat(e).hasMessage("verify PIN 1: wrong PIN [SCARD_W_WRONG_CHV 0x8010006B]");
        assertThat(e.remainingTries()).isEmpty();
        assertThat(CardErrors.holdsSecret("pin 31 32 33 34 rejected", "1234".getBytes())).isTrue();
        assertThat(CardErrors.holdsSecret("pin 31:32:33:34 rejected", "1234".getBytes())).isTrue();
        assertThat(CardErrors.holdsSecret("PIN 31323334", "1234".getBytes())).isTrue();
        assertThat(CardErrors.holdsSecret("wrong PIN", "1234".getBytes(), null)).isFalse();
    }
}
