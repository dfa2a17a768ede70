package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code scard:ls}, {@code cat} and {@code update} on a card whose SELECT answers the status word alone (the sample
 * card behind {@link ObservedCard} with {@code noFcp}, and no LIST FILES): DFs are told from EFs, record files are
 * read and updated by record, a transparent file is no record file.
 */
class NoFcpCardTest {
    private final ObservedCard card = new ObservedCard();
    private final CardShell shell = new CardShell(card);
    private final FileCommands files = shell.files;

    @BeforeEach
    void fieldCard() {
        card.noFcp = true;
        card.listFiles = false;
    }

    @AfterEach
    void close() {
        shell.close();
    }

    @Test
    void lsShowsTheDfAsADirectory() {
        String listing = files.ls(shell.session, "");
        assertThat(listing).contains("\n[5015]  DF    -").contains("\n2F00    ?").contains("\n2F01    ?");
        assertThat(card.apdus).contains("00A4020C025015", "00A4020C022F00");
    }

    @Test
    void catReadsARecordFileByRecordAndATransparentOneWhole() {
        assertThat(files.cat(shell.session, "2F00")).isEqualTo("Record 1 (16 bytes)\n"
                + "0000  61 0E 4F 0C A0 00 00 00  63 50 4B 43 53 2D 31 35  |a.O.....cPKCS-15|");
        assertThat(files.cat(shell.session, "2F01")).startsWith(
                "0000  53 43 61 72 64 20 73 69  6D 75 6C 61 74 6F 72 20  |SCard simulator |\n")
                .doesNotContain("Record");
        files.cd(shell.session, "5015");
        assertThat(files.cat(shell.session, "5131", "2")).isEqualTo("Record 2 (16 bytes)\n"
                + "0000  66 69 78 65 64 20 72 65  63 6F 72 64 20 32 00 00  |fixed record 2..|");
        assertThat(files.cat(shell.session, "5133")).contains("Record 2 (3 bytes)\n0000  74 77 6F ");
        assertThatIllegalArgumentException().isThrownBy(() -> files.cat(shell.session, "4401", "2"))
                .withMessageContaining("cat 4401 record 2: 4401 is not a record file");
    }

    @Test
    void updateWritesARecordByNumberAndATransparentFileAtAnOffset() {
        shell.pins.verify(shell.session, false, false, "1", "1234");
        files.cd(shell.session, "5015");
        assertThat(files.update(shell.session, "5131", "2", "75 70 64 61 74 65 64 20 72 65 63 6F 72 64 20 32"))
                .isEqualTo("Wrote record 2 of 5131 (16 bytes)");
        assertThat(card.apdus).contains("00DC020410" + "75706461746564207265636F72642032")
                .noneMatch(apdu -> apdu.startsWith("00D600"));
        assertThat(files.cat(shell.session, "5131", "2")).endsWith("|updated record 2|");
        assertThat(files.cat(shell.session, "5131", "3")).contains("fixed record 3");
        assertThat(files.update(shell.session, "4402", "0x1C", "4F4B")).isEqualTo(
                "Wrote 2 bytes to 4402 at offset 28");
        assertThat(files.cat(shell.session, "4402")).contains("|after PIN 01OK..|");
    }
}
