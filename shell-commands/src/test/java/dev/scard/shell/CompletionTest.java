package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code scard:__complete}, which the console asks when Tab is pressed after a command's name: what each word is
 * comes from the command's usage, the candidates from the running backends and the attached card.
 */
class CompletionTest {

    private final CardShell shell = new CardShell();
    private final CompleteCommand complete = new CompleteCommand(shell.commands, shell.files);

    @AfterEach
    void tearDown() {
        shell.close();
    }

    @Test
    void readerNamesBackendsOptionsAndShareModes() {
        assertThat(complete.__complete(shell.session, "scard:attach", "")).containsExactly(CardShell.READER);
        assertThat(complete.__complete(shell.session, "attach", "Sim")).containsExactly(CardShell.READER);
        assertThat(complete.__complete(shell.session, "scard:attach", "Card")).isEmpty();
        assertThat(complete.__complete(shell.session, "scard:attach", "-")).containsExactly("-b", "--backend", "-p",
                "--protocols", "-h", "--help");
        assertThat(complete.__complete(shell.session, "scard:connect", "-b", "")).containsExactly("simulator");
        assertThat(complete.__complete(shell.session, "scard:connect", "--protocols", "t")).containsExactly("t0",
                "t1", "t0,t1");
        assertThat(complete.__complete(shell.session, "scard:attach", CardShell.READER, "ex")).containsExactly(
                "exclusive");
        assertThat(complete.__complete(shell.session, "scard:readers", "-b", "s")).containsExactly("simulator");
        assertThat(complete.__complete(shell.session, "scard:use", "")).containsExactly("simulator");
    }

    @Test
    void dispositionsAndFileIdentifiersOfTheCurrentDirectory() {
        assertThat(complete.__complete(shell.session, "scard:unlock", "")).containsExactly("leave", "reset",
                "unpower", "eject");
        assertThat(complete.__complete(shell.session, "scard:reconnect", "")).containsExactly("leave", "reset",
                "unpower");
        assertThat(complete.__complete(shell.session, "scard:disconnect", "12", "u")).containsExactly("unpower");
        assertThat(complete.__complete(shell.session, "scard:cat", "2F")).containsExactly("2F00", "2F01");
        assertThat(complete.__complete(shell.session, "scard:cd", "")).contains("5015", "..");
        shell.files.cd(shell.session, "5015");
        assertThat(complete.__complete(shell.session, "scard:info", "44")).contains("4401", "4402")
                .doesNotContain("2F00");
        assertThat(complete.__complete(shell.session, "scard:create", "4406", "li")).containsExactly("linear-fixed",
                "linear-variable");
        // nothing to offer for a PIN, or where the command takes no more words
        assertThat(complete.__complete(shell.session, "scard:verify", "1", "")).isEmpty();
        assertThat(complete.__complete(shell.session, "scard:status", "")).isEmpty();
        assertThat(complete.__complete(shell.session, "scard:nosuch", "")).isEmpty();
        shell.commands.detach(shell.session);
        assertThat(complete.__complete(shell.session, "scard:cat", "")).isEmpty(); // not attached: no files
    }
}
