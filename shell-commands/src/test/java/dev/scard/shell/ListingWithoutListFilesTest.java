package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * {@code scard:ls} and {@code scard:find} on a card without LIST FILES (the sample card behind a small card model that
 * answers {@code 80 16} with {@code 6D00}, as cards in the field do, and counts every APDU reaching the card): the
 * listing stays bounded and says it may be incomplete; {@code find} scans a range on request, with progress, and
 * stops when interrupted.
 */
class ListingWithoutListFilesTest {
    private static final String INCOMPLETE = "may be incomplete";

    private final ObservedCard card = new ObservedCard();
    private final CardShell shell = new CardShell(card);
    private final FileCommands files = shell.files;

    @AfterEach
    void close() {
        Thread.interrupted();
        shell.close();
    }

    @Test
    void lsOnACardWithoutListFilesIsBoundedAndSaysItMayBeIncomplete() {
        card.listFiles = false;
        int before = card.count();
        String listing = files.ls(shell.session, "");
        assertThat(listing).startsWith(String.join("\n",
                "FileID  Type  Size  Structure",
                "2F00    wEF   16    linear variable, 1 record (max 32 bytes)",
                "2F01    wEF   64    transparent",
                "[5015]  DF    -     "));
        assertThat(listing).endsWith("The card has no LIST FILES (80 16): only well-known file identifiers and the"
                + " applications of EF.DIR were tried, so the listing " + INCOMPLETE + "; scard:find <from> <to>"
                + " scans a range");
        int apdus = card.count() - before;
        assertThat(apdus).as("bounded: seconds at 20 APDUs a second, not 65,533 SELECTs").isLessThan(50);
        assertThat(card.apdus).doesNotContain("00A4080C020000", "00A408040200000000");

        files.cd(shell.session, "5015");
        before = card.count();
        assertThat(files.ls(shell.session, "")).contains("4401", "4404", "5031", "5032").contains(INCOMPLETE)
                .as("the AODF and DODF of the PKCS#15 application are no well-known identifiers")
                .doesNotContain("4421", "4422");
        assertThat(card.count() - before).isLessThan(50);
    }

    @Test
    void lsOnACardWithListFilesSaysNothingOfIt() {
        String listing = files.ls(shell.session, "");
        assertThat(listing).doesNotContain(INCOMPLETE);
        assertThat(card.apdus).contains("8016000000");
    }

    @Test
    void lsStopsAtItsTimeLimitOnASlowCard() {
        card.listFiles = false;
        card.delayMillis = 100; // some 40 APDUs: 4 s; the limit: 0.3 s
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.ls(shell.session, "300ms"))
                .withMessage("ls: stopped after the time limit of 300 ms (the card answers slowly; -t sets a longer"
                        + " limit) [SCARD_E_TIMEOUT 0x8010000A]");
        assertThat(Thread.currentThread().isInterrupted()).as("the limit's interrupt is not left behind").isFalse();
        assertThat(card.count()).isLessThan(15);
    }

    @Test
    void findScansTheRangeItIsGivenWithProgress() {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        shell.variables.put(CardShell.CONSOLE, new PrintStream(progress, true, StandardCharsets.UTF_8));
        card.listFiles = false;
        files.cd(shell.session, "5015");
        int before = card.count();
        String found = files.find(shell.session, "", "4300", "44FF");
        assertThat(found).startsWith(String.join("\n",
                "FileID  Type  Size   Structure",
                "4401    wEF   32768  transparent",
                "4402    wEF   32     transparent"));
        assertThat(found).contains("4421    wEF", "4422    wEF")
                .endsWith("6 files found in 3F00/5015 among 512 identifiers of 4300-44FF");
        assertThat(card.count() - before).as("one SELECT per identifier").isEqualTo(512);
        assertThat(progress.toString(StandardCharsets.UTF_8)).isEqualTo(
                "find: up to 43FF, 256 tried, 0 found\n" + "find: up to 44FF, 512 tried, 6 found\n");
    }

    @Test
    void findStopsWhenInterruptedAndSaysWhatWasNotTried() {
        Thread.currentThread().interrupt(); // as Ctrl-C does
        String found = files.find(shell.session, "", "0000", "FFFE");
        assertThat(found).isEqualTo("0 files found in 3F00 among 0 identifiers of 0000-FFFE (interrupted; the rest of"
                + " the range was not tried)");
    }

    @Test
    void findRefusesBadRanges() {
        assertThatIllegalArgumentException().isThrownBy(() -> files.find(shell.session, "", "5000", "4000"))
                .withMessage("the range 5000-4000 is empty: 'to' is below 'from' [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> files.find(shell.session, "", "1", "2", "3"))
                .withMessageStartingWith("scard:find takes at most two file identifiers");
        assertThatIllegalArgumentException().isThrownBy(() -> files.find(shell.session, "", "FFFF"))
                .withMessageContaining("reserved");
        assertThatIllegalArgumentException().isThrownBy(() -> files.find(shell.session, "", "12"))
                .withMessageContaining("12");
        assertThat(HResult.SCARD_E_TIMEOUT.name()).isEqualTo("SCARD_E_TIMEOUT");
    }
}
