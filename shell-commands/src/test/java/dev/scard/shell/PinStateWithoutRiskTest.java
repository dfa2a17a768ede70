package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.SCardException;

/**
 * {@code scard:verify -c} never spends a try silently: on a card model nobody has asked before (the sample card
 * under another ATR) it sends nothing and says so; {@code --force} asks, and once the card gave the same count twice
 * (a wrong PIN, then the query) a plain {@code -c} asks it.
 */
class PinStateWithoutRiskTest {
    private final ObservedCard card = new ObservedCard();
    private final CardShell shell;
    private final PinCommands pins;

    PinStateWithoutRiskTest() {
        card.atr = "3B8801534341524453494D" + String.format("%02X", (int) (System.nanoTime() & 0x7F)); // a new model
        shell = new CardShell(card);
        pins = shell.pins;
    }

    @AfterEach
    void close() {
        shell.close();
    }

    @Test
    void aCheckOnACardNotKnownToAnswerSafelySendsNothingAndSaysWhy() {
        for (int i = 0; i < 4; i++) {
            assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(shell.session, true, false,
                    "1")).withMessage("verify -c 1: the state of PIN 1 cannot be asked without risking a try: this"
                            + " card has not shown that it answers the status query (an empty VERIFY) without counting"
                            + " it as a wrong PIN. scard:verify -c --force 1 asks anyway (on a card that counts it,"
                            + " that costs a try) [SCARD_E_UNSUPPORTED_FEATURE 0x80100022]");
        }
        assertThat(card.apdus).as("no VERIFY reached the card").noneMatch(apdu -> apdu.startsWith("0020"));
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(shell.session, false, false, "1",
                "9999")).withMessageContaining("2 tries left"); // the counter was untouched: 3 before this one
        assertThat(pins.verify(shell.session, true, true, "1")).isEqualTo("PIN 1 is not verified (2 tries left)");
        assertThat(pins.verify(shell.session, true, false, "1")).as("the same count twice: asked from now on")
                .isEqualTo("PIN 1 is not verified (2 tries left)");
        pins.verify(shell.session, false, false, "1", "1234");
        assertThat(pins.verify(shell.session, true, false, "1")).isEqualTo("PIN 1 is verified");
    }

    @Test
    void forceGoesWithCheck() {
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(shell.session, false, true, "1"))
                .withMessage("--force goes with -c (scard:verify -c --force 1) [E_INVALIDARG 0x80070057]");
    }
}
