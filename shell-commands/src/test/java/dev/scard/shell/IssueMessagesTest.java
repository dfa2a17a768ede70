package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * Messages that misled users, each as it reads now, over the sample card: record numbers from 1, the new PIN blamed
 * for its own format, the option that deletes a DF with its files, a disposition that is known but not allowed, a
 * handle that exists nowhere, and what was typed echoed only in part.
 */
class IssueMessagesTest {

    private final CardShell shell = new CardShell();

    @AfterEach
    void tearDown() {
        shell.close();
    }

    @Test
    void recordNumbersInMessagesStartAtOne() {
        // EF.DIR (2F00) holds one record: record 2 is the one that is missing, not "position 1"
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> shell.files.cat(shell.session, "2F00", "2"))
                .withMessage("cat 2F00 record 2: there is no record 2 (2F00 has 1 record, numbered from 1)"
                        + " [SCARD_W_EOF 0x8010006D]");
        assertThat(shell.files.cat(shell.session, "2F00", "1")).startsWith("Record 1 ");
    }

    @Test
    void aFiftyDigitPinIsRefusedBeforeTheCardCountsIt() {
        String fifty = "1".repeat(50);
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> shell.pins.verify(shell.session, false, false, "1", fifty))
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.SCARD_E_INVALID_CHV))
                .withMessage("verify PIN 1: the PIN is too long: 50 bytes, global PIN 01 takes at most 16 (the card"
                        + " services' maxCodeLength setting, PID dev.scard.cardservices.verify); nothing was sent, no"
                        + " try was counted [SCARD_E_INVALID_CHV 0x8010002A]");
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> shell.pins.change(shell.session, "1", fifty, "5678"))
                .withMessageStartingWith("change PIN 1: the current PIN is too long: 50 bytes");
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> shell.pins.change(shell.session, "1", "12345", "5678"))
                .withMessageStartingWith("change PIN 1: the current PIN is too long: 5 bytes, global PIN 01 takes"
                        + " at most 4 (the card's PKCS#15 AODF)");
        // none of them cost a try: the first wrong PIN leaves 2 of 3
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> shell.pins.verify(shell.session, false, false, "1", "9999"))
                .withMessage("verify PIN 1: wrong PIN, 2 tries left (SW 63C2) [SCARD_W_WRONG_CHV 0x8010006B]");
    }

    @Test
    void aNewPinOfTheWrongLengthIsBlamedNotTheCurrentOne() {
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> shell.pins.change(shell.session, "1", "1234", "123"))
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.SCARD_E_INVALID_CHV))
                .withMessage("change PIN 1: the card does not accept this new PIN (wrong length or format)"
                        + " [SCARD_E_INVALID_CHV 0x8010002A]");
        // longer than the card's AODF says: refused before it is sent, naming the new PIN
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> shell.pins.change(shell.session, "1", "1234", "123456789012"))
                .withMessageStartingWith("change PIN 1: the new PIN is too long: 12 bytes");
        // the current PIN was right: no try was counted, and it still verifies
        assertThat(shell.pins.verify(shell.session, false, false, "1", "1234")).isEqualTo("PIN 1 verified");
    }

    @Test
    void removingADirectoryThatIsNotEmptyNamesTheOption() {
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> shell.files.rm(shell.session, false, "5015"))
                .withMessage("rm 5015: the directory is not empty; scard:rm -r 5015 deletes it with everything in it"
                        + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void aKnownDispositionThatIsNotAllowedIsNotCalledUnknown() {
        assertThatIllegalArgumentException().isThrownBy(() -> shell.commands.reconnect(shell.session, "eject"))
                .withMessage("the disposition 'eject' is not allowed here (use leave, reset or unpower)"
                        + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> shell.commands.reconnect(shell.session, "later"))
                .withMessage("unknown disposition 'later' (use leave, reset or unpower) [E_INVALIDARG 0x80070057]");
    }

    @Test
    void aHandleThatExistsNowhereIsNotAskedToBeNamedWithABackend() {
        shell.commands.detach(shell.session);
        assertThatIllegalArgumentException().isThrownBy(() -> shell.commands.attachHandle(shell.session, "", "0"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("-b"))
                .withMessage("no handle 0 opened in this session (scard:connect opens one; a handle belongs to the"
                        + " session that opened it) [E_INVALIDARG 0x80070057]");
    }

    @Test
    void errorsEchoABoundedPrefixOfWhatWasTyped() {
        String huge = "z".repeat(100_000);
        assertThatIllegalArgumentException().isThrownBy(() -> shell.commands.reconnect(shell.session, huge))
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200)
                        .contains("'" + "z".repeat(80) + "… (100000 characters)'"));
        assertThatIllegalArgumentException().isThrownBy(() -> shell.commands.lock(shell.session, huge))
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
        assertThatIllegalArgumentException().isThrownBy(() -> shell.files.create(shell.session, "1", "", "", huge,
                "transparent", "10")).satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
        assertThatIllegalArgumentException().isThrownBy(() -> shell.commands.attach(shell.session, "", huge,
                "x")).satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
        assertThatIllegalArgumentException().isThrownBy(() -> shell.commands.attach(shell.session, "", "t0,t1",
                huge)).withMessage("the reader name '" + "z".repeat(80) + "… (100000 characters)' is too long (at"
                        + " most 256 characters; scard:readers lists the readers) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> shell.commands.attach(shell.session, "", "t0,t1",
                "y".repeat(200))).withMessage("unknown reader '" + "y".repeat(80) + "… (200 characters)'"
                        + " (scard:readers lists the readers) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> shell.files.cat(shell.session, huge))
                .withMessage("the file '" + "z".repeat(80) + "… (100000 characters)' is too long (at most 256"
                        + " characters) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> shell.files.cd(shell.session, huge))
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
    }
}
