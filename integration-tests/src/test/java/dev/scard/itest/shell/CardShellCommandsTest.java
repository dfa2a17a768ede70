package dev.scard.itest.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;

import dev.scard.itest.support.OsgiTestSupport;

/**
 * The file, PIN and authentication commands ({@code scard:ls}, {@code cd}, {@code cat}, {@code info},
 * {@code update}, {@code create}, {@code rm}, {@code invalidate}, {@code rehabilitate}, {@code verify},
 * {@code change}, {@code unblock}, {@code challenge}, {@code auth}) through real Gogo sessions against the
 * simulator's sample card in Simulated Reader 0, over the card-services bundle. Each test puts the card back as
 * it found it (tries, files, data), since the other tests share the card.
 *
 * <p>The sessions have no terminal, as in {@code -c} mode: a PIN left out must fail at once, asking for it as an
 * argument, with nothing sent to the card.
 */
public class CardShellCommandsTest extends OsgiTestSupport {

    private static final String READER_0 = "Simulated Reader 0";
    private static final String KEY_1 = "000102030405060708090A0B0C0D0E0F";
    private static final String DF_NAME = "A000000063504B43532D3135";

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    /** One Gogo session attached to Simulated Reader 0, with its own output and error streams. */
    final class Shell {
        final CommandSession session;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        Shell() throws Exception {
            session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            onCleanup(() -> {
                try {
                    session.execute("scard:detach");
                } finally {
                    session.close();
                }
            });
            run("scard:attach \"" + READER_0 + "\"");
        }

        /** Runs a command line that must succeed and returns its output. */
        String run(String commandLine) throws Exception {
            Object result;
            try {
                result = session.execute(commandLine);
            } catch (Exception e) {
                throw new AssertionError("'" + commandLine + "' failed: " + e.getMessage(), e);
            }
            assertNothingPrinted(commandLine);
            assertThat(result).as("output of '%s'", commandLine).isInstanceOf(String.class);
            return (String) result;
        }

        /** Runs a command line that must fail and returns the one-line message the user sees. */
        String fails(String commandLine) {
            Object result;
            try {
                result = session.execute(commandLine);
            } catch (Exception e) {
                String message = e.getMessage();
                assertThat(message).as("message of %s from '%s'", e.getClass().getName(), commandLine)
                        .isNotBlank().doesNotContain("\n", "\r").doesNotContain("Exception");
                assertThat(e.getCause()).as("cause of the failure of '%s'", commandLine).isNull();
                assertNothingPrinted(commandLine);
                return message;
            }
            return fail("'%s' should fail but returned %s", commandLine, result);
        }

        private void assertNothingPrinted(String commandLine) {
            assertThat(err.toString(StandardCharsets.UTF_8)).as("error stream after '%s'", commandLine).isEmpty();
            assertThat(out.toString(StandardCharsets.UTF_8)).as("output stream after '%s'", commandLine)
                    .doesNotContain("Exception", "\tat ");
        }
    }

    @BeforeEach
    void waitForTheCommands() throws Exception {
        for (String function : new String[] {"ls", "verify", "challenge", "attach"}) {
            awaitServiceMatching("(&(osgi.command.scope=scard)(osgi.command.function=" + function + "))");
        }
    }

    /** A shell that verifies PIN 1 after the test, which resets its retry counter; and forgets the PIN state. */
    private Shell shellRestoringPin1() throws Exception {
        Shell shell = new Shell();
        onCleanup(() -> {
            Shell restore = new Shell();
            restore.run("scard:verify 1 1234");
            restore.run("scard:reconnect reset"); // no verified state stays for the next test
        });
        return shell;
    }

    private static String aes(String keyHex, String blockHex) throws Exception {
        Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(HexFormat.of().parseHex(keyHex), "AES"));
        return HexFormat.of().withUpperCase().formatHex(cipher.doFinal(HexFormat.of().parseHex(blockHex)));
    }

    // -------------------------------------------------------------------------------------------- browsing

    /** Every command explains itself with --help, on the session's output, in the framework as in the console. */
    @Test
    void helpPrintsTheUsageAndWrongWordsGiveOurOneLineError() throws Exception {
        awaitServiceMatching("(&(osgi.command.scope=sim)(osgi.command.function=insert))");
        Shell shell = new Shell();
        assertThat(shell.session.execute("scard:attach --help")).isNull();
        assertThat(shell.out.toString(StandardCharsets.UTF_8)).startsWith("attach this shell session to a reader")
                .contains("Usage: scard:attach [options] [--] <reader>...")
                .contains("  -b, --backend <backend>").contains("  -h, --help  show this help");
        shell.out.reset();
        assertThat(shell.session.execute("scard:verify -h")).isNull();
        assertThat(shell.out.toString(StandardCharsets.UTF_8)).contains("Usage: scard:verify [options] [--]"
                + " <reference> [<pin>]");
        shell.out.reset();
        assertThat(shell.session.execute("sim:insert --help")).isNull();
        assertThat(shell.out.toString(StandardCharsets.UTF_8)).contains("Usage: sim:insert [options] [--] <reader>...");
        shell.out.reset();
        for (String[] wrong : new String[][] {
            {"scard:verify -z 1 1234", "scard:verify: unknown option '-z'"},
            {"scard:ls --bogus", "scard:ls: unknown option '--bogus'"},
            {"scard:rm -x 2F01", "scard:rm: unknown option '-x'"},
            {"scard:lock 1s 2s", "scard:lock: too many arguments: '2s' is one more than it takes"},
            {"scard:attach-handle", "scard:attach-handle: missing argument <handle>"},
            {"scard:cat", "scard:cat: missing argument <file>"},
            {"scard:attach --nope '" + READER_0 + "'", "scard:attach: unknown option '--nope'"},
            {"scard:readers --bogus", "scard:readers: unknown option '--bogus'"}}) {
            assertThat(shell.fails(wrong[0])).as(wrong[0]).startsWith(wrong[1] + " (usage: ")
                    .doesNotContain("Cannot coerce").endsWith("[E_INVALIDARG 0x80070057]");
        }
        assertThat(shell.fails("scard:cat 2F00 2")).isEqualTo("cat 2F00 record 2: there is no record 2 (2F00 has 1"
                + " record, numbered from 1) [SCARD_W_EOF 0x8010006D]");
    }

    /** CreateInterface, GetFileCapabilities, User_Auth and ResetSecurityState from the shell; completion data. */
    @Test
    void theRestOfTheContractAndCompletion() throws Exception {
        Shell shell = new Shell();
        awaitServiceMatching("(&(osgi.command.scope=sim)(osgi.command.function=__complete))");
        // the card services' factory, or the test provider's for the sample card's ATR: a bundle says which
        assertThat(shell.run("scard:iface ISCardAuth")).startsWith("Created ISCardAuth for name 'ISCardAuth';"
                + " answered by ").contains("bundle dev.scard.");
        assertThat(shell.run("scard:capabilities 82 8A")).startsWith("82: ").contains("\n8A: ");
        assertThat(shell.session.execute("scard:__complete scard:cat 2F")).isEqualTo(List.of("2F00", "2F01"));
        assertThat(shell.session.execute("scard:__complete scard:attach -b ''")).asList().contains("simulator");
        assertThat(shell.session.execute("sim:__complete sim:remove Sim")).asList().contains(READER_0);
        shell.run("scard:cd 5015");
        assertThat(shell.fails("scard:cat 4402")).endsWith("[SCARD_E_NO_ACCESS 0x80100027]");
        assertThat(shell.run("scard:userauth 1 1234")).isEqualTo("User authenticated with reference 01");
        assertThat(shell.run("scard:cat 4402")).contains("|read and update |");
        assertThat(shell.run("scard:logout")).isEqualTo(
                "Security state reset: every verification (global and local) is forgotten");
        assertThat(shell.fails("scard:cat 4402")).endsWith("[SCARD_E_NO_ACCESS 0x80100027]");
    }

    @Test
    void listsTheMfAndTheApplicationDf() throws Exception {
        Shell shell = new Shell();
        assertThat(shell.run("scard:pwd")).isEqualTo("3F00");
        String mf = shell.run("scard:ls");
        assertThat(mf).startsWith("FileID  Type  Size  Structure\n");
        assertThat(line(mf, "2F00")).contains("wEF", "linear variable", "1 record");
        assertThat(line(mf, "2F01")).contains("wEF", "64", "transparent");
        assertThat(line(mf, "[5015]")).contains("DF", DF_NAME);

        assertThat(shell.run("scard:cd 5015")).isEqualTo("3F00/5015");
        String app = shell.run("scard:ls");
        assertThat(line(app, "4401")).contains("32768", "transparent");
        assertThat(line(app, "4402")).contains("32", "transparent");
        assertThat(line(app, "5131")).contains("linear fixed", "5 records of 16 bytes");
        assertThat(line(app, "5132")).contains("cyclic", "3 records of 8 bytes");
        assertThat(line(app, "5133")).contains("linear variable");
        assertThat(shell.run("scard:pwd")).isEqualTo("3F00/5015"); // listing did not move
        assertThat(shell.run("scard:cd ..")).isEqualTo("3F00");
        assertThat(shell.run("scard:cd aid:" + DF_NAME)).isEqualTo("3F00/5015");
        assertThat(shell.run("scard:cd 3F00")).isEqualTo("3F00");
        assertThat(shell.fails("scard:cd 2F01")).contains("2F01", "SCARD_E_NO_DIR");
        assertThat(shell.fails("scard:cd 7777")).contains("7777", "SCARD_E_DIR_NOT_FOUND");
    }

    @Test
    void catsATransparentFileAndARecord() throws Exception {
        Shell shell = new Shell();
        String text = shell.run("scard:cat 2F01");
        assertThat(text.split("\n")).hasSize(4);
        assertThat(text).startsWith("0000  53 43 61 72 64 20 73 69  6D 75 6C 61 74 6F 72 20  |SCard simulator |\n"
                + "0010  73 61 6D 70 6C 65 20 63  61 72 64 00 00 00 00 00  |sample card.....|");
        assertThat(shell.run("scard:cat 2F00")).startsWith("Record 1 (16 bytes)\n"
                + "0000  61 0E 4F 0C A0 00 00 00  63 50 4B 43 53 2D 31 35  |a.O.....cPKCS-15|");

        shell.run("scard:cd 5015");
        String record = shell.run("scard:cat 5131 2");
        assertThat(record.split("\n")).hasSize(2);
        assertThat(record).startsWith("Record 2 (16 bytes)\n0000  ");
        assertThat(shell.run("scard:cat sfi:11 2")).isEqualTo(record);
        assertThat(shell.run("scard:cat 5131").split("\n")).hasSize(10).contains("Record 5 (16 bytes)");
        String big = shell.run("scard:cat 4401");
        assertThat(big.split("\n")).hasSize(2048);
        assertThat(big).endsWith("7FF0  F0 F1 F2 F3 F4 F5 F6 F7  F8 F9 FA FB FC FD FE FF  |................|");

        assertThat(shell.fails("scard:cat 5131 9")).contains("cat 5131 record 9");
        assertThat(shell.fails("scard:cat 4499")).contains("cat 4499", "SCARD_E_FILE_NOT_FOUND");
        assertThat(shell.fails("scard:cat 4401 1")).contains("not a record file", "E_INVALIDARG");
    }

    @Test
    void infoDecodesTheControlParameters() throws Exception {
        Shell shell = new Shell();
        shell.run("scard:cd 5015");
        String info = shell.run("scard:info 5131");
        assertThat(info).contains("File ID:    5131", "Type:       working EF, linear fixed",
                "Records:    5 records of 16 bytes", "SFI:        11 (sfi:11 names it)",
                "Access:     READ always, UPDATE PIN 01, WRITE PIN 01, DEACTIVATE PIN 01, ACTIVATE PIN 01",
                "FCP entries:", "82 ", "AB 10  security attributes (expanded)");
        String df = shell.run("scard:info");
        assertThat(df).contains("File:       3F00/5015", "DF (dedicated file)", "DF name:    " + DF_NAME,
                "Access:     DELETE (child) PIN 01, CREATE EF PIN 01, CREATE DF PIN 01, DEACTIVATE PIN 01,"
                        + " ACTIVATE PIN 01");
    }

    // ------------------------------------------------------------------------------------------------ PINs

    @Test
    void aWrongPinShowsTheTriesLeftAndNeverThePin() throws Exception {
        Shell shell = shellRestoringPin1();
        String wrong = shell.fails("scard:verify 1 9999");
        assertThat(wrong).contains("verify PIN 1", "wrong PIN", "2 tries left", "63C2", "SCARD_W_WRONG_CHV")
                .doesNotContain("9999", "39393939", "39 39 39 39");
        // The forced check gives the count the wrong PIN gave: the card does not count the query, -c asks it now.
        assertThat(shell.run("scard:verify -c --force 1")).isEqualTo("PIN 1 is not verified (2 tries left)");
        assertThat(shell.fails("scard:verify 1 hex:39G9")).contains("not valid hex").doesNotContain("39G9", "G9");
        assertThat(shell.run("scard:verify -c 1")).isEqualTo("PIN 1 is not verified (2 tries left)");
        assertThat(shell.out.toString(StandardCharsets.UTF_8)).doesNotContain("9999");
        assertThat(String.valueOf(shell.session.get("exception"))).doesNotContain("9999");
    }

    @Test
    void anOmittedPinWithoutATerminalAsksForItAsAnArgumentAndSendsNothing() throws Exception {
        Shell shell = shellRestoringPin1();
        assertThat(shell.run("scard:verify -c --force 1")).isEqualTo("PIN 1 is not verified (3 tries left)");
        assertThat(shell.fails("scard:verify 1")).contains("not interactive", "scard:verify 1 <PIN>",
                "E_INVALIDARG");
        assertThat(shell.fails("scard:change 1")).contains("scard:change 1 <current PIN> <new PIN>");
        assertThat(shell.fails("scard:unblock 1")).contains("scard:unblock 1 <PUK> [<new PIN>]");
        assertThat(shell.run("scard:verify -c --force 1")).isEqualTo("PIN 1 is not verified (3 tries left)");
    }

    @Test
    void theRightPinOpensTheProtectedFile() throws Exception {
        Shell shell = shellRestoringPin1();
        shell.run("scard:cd 5015");
        assertThat(shell.fails("scard:cat 4402")).contains("cat 4402", "6982", "security status not satisfied",
                "SCARD_E_NO_ACCESS");
        assertThat(shell.run("scard:verify 1 1234")).isEqualTo("PIN 1 verified");
        assertThat(shell.run("scard:verify -c --force 1")).isEqualTo("PIN 1 is verified");
        assertThat(shell.run("scard:cat 4402").split("\n")).hasSize(2);
        assertThat(shell.run("scard:cat 3F00/5015/4402")).startsWith("0000  ");
    }

    @Test
    void aLocalPinAndItsUnblocking() throws Exception {
        Shell shell = new Shell();
        onCleanup(() -> {
            Shell restore = new Shell();
            restore.run("scard:cd 5015");
            restore.run("scard:unblock 0x81 00000000 0000");
            restore.run("scard:reconnect reset");
        });
        shell.run("scard:cd 5015");
        assertThat(shell.fails("scard:cat 4403")).contains("6982");
        for (String left : new String[] {"2 tries left", "1 try left", "no tries left"}) {
            assertThat(shell.fails("scard:verify 0x81 1111")).contains(left).doesNotContain("1111");
        }
        assertThat(shell.fails("scard:verify 0x81 0000")).contains("blocked", "6983", "SCARD_W_CHV_BLOCKED");
        assertThat(shell.run("scard:verify -c --force 0x81")).contains("is blocked");
        assertThat(shell.fails("scard:unblock 0x81 99999999")).contains("wrong PUK").doesNotContain("99999999");
        assertThat(shell.run("scard:unblock 0x81 00000000")).isEqualTo("PIN 0x81 (local) unblocked");
        assertThat(shell.run("scard:verify 0x81 0000")).isEqualTo("PIN 0x81 (local) verified");
        assertThat(shell.run("scard:cat 4403")).startsWith("0000  ");
    }

    @Test
    void changesPin1AndBack() throws Exception {
        Shell shell = shellRestoringPin1();
        onCleanup(() -> new Shell().run("scard:change 1 4321 1234"));
        assertThat(shell.run("scard:change 1 1234 4321")).isEqualTo("PIN 1 changed");
        assertThat(shell.fails("scard:verify 1 1234")).contains("wrong PIN", "2 tries left").doesNotContain("1234");
        assertThat(shell.run("scard:verify 1 4321")).isEqualTo("PIN 1 verified");
    }

    // ---------------------------------------------------------------------------------------- authentication

    @Test
    void challengeAndInternalAndExternalAuthenticate() throws Exception {
        Shell shell = new Shell();
        assertThat(shell.run("scard:challenge 8")).matches("Challenge \\(8 bytes\\): [0-9A-F]{16}");
        assertThat(shell.run("scard:challenge")).matches("Challenge \\(8 bytes\\): [0-9A-F]{16}");

        String block = "00112233445566778899AABBCCDDEEFF";
        assertThat(shell.run("scard:auth internal 1 " + block)).isEqualTo("Cryptogram (16 bytes): " + aes(KEY_1,
                block));

        Matcher challenge = Pattern.compile("([0-9A-F]{32})$").matcher(shell.run("scard:challenge 16"));
        assertThat(challenge.find()).isTrue();
        assertThat(shell.run("scard:auth external 1 " + aes(KEY_1, challenge.group(1))))
                .isEqualTo("External authentication with key 1 accepted");
        shell.run("scard:challenge 16");
        assertThat(shell.fails("scard:auth external 1 " + block)).contains("auth external key 1",
                "SCARD_W_SECURITY_VIOLATION");
        assertThat(shell.fails("scard:auth sideways 1 " + block)).contains("sideways", "E_INVALIDARG");
    }

    // ---------------------------------------------------------------------------------------------- changes

    @Test
    void createsAndRemovesFilesInTheApplicationAfterThePin() throws Exception {
        Shell shell = shellRestoringPin1();
        onCleanup(() -> {
            Shell restore = new Shell();
            restore.run("scard:verify 1 1234");
            restore.run("scard:cd 5015");
            for (String fid : new String[] {"4405", "4406"}) {
                if (restore.run("scard:ls").contains("\n" + fid + " ")) {
                    restore.run("scard:rm " + fid);
                }
            }
        });
        shell.run("scard:cd 5015");
        assertThat(shell.fails("scard:create 4405 transparent 32")).contains("create 4405", "6982");
        shell.run("scard:verify 1 1234");
        assertThat(shell.run("scard:create 4405 transparent 32")).isEqualTo(
                "Created 4405 in 3F00/5015 (transparent, 32 bytes)");
        assertThat(line(shell.run("scard:ls"), "4405")).contains("wEF", "32", "transparent");
        assertThat(shell.run("scard:update 4405 4 CA FE")).isEqualTo("Wrote 2 bytes to 4405 at offset 4");
        assertThat(shell.run("scard:cat 4405")).startsWith("0000  00 00 00 00 CA FE 00 00");
        assertThat(shell.fails("scard:update 4405 31 0102")).contains("update 4405", "SCARD_E_WRITE_TOO_MANY");
        assertThat(shell.fails("scard:create 4405 transparent 8")).contains("create 4405", "6A89");

        assertThat(shell.run("scard:create -n 3 4406 linear-fixed 4")).isEqualTo(
                "Created 4406 in 3F00/5015 (linear fixed, 3 records of 4 bytes)");
        assertThat(shell.run("scard:update 4406 2 01020304")).isEqualTo("Wrote record 2 of 4406 (4 bytes)");
        assertThat(shell.run("scard:cat 4406 2")).isEqualTo("Record 2 (4 bytes)\n"
                + "0000  01 02 03 04                                       |....|");

        assertThat(shell.run("scard:rm 4405")).isEqualTo("Deleted 4405");
        assertThat(shell.run("scard:rm 4406")).isEqualTo("Deleted 4406");
        assertThat(shell.run("scard:ls")).doesNotContain("4405", "4406");
        assertThat(shell.fails("scard:rm 4405")).contains("rm 4405", "SCARD_E_FILE_NOT_FOUND");
    }

    @Test
    void updatesATransparentFileAndPutsItBack() throws Exception {
        Shell shell = shellRestoringPin1();
        String original = shell.run("scard:cat 2F01");
        assertThat(shell.fails("scard:update 2F01 0x20 41")).contains("update 2F01", "6982");
        shell.run("scard:verify 1 1234");
        onCleanup(() -> {
            Shell restore = new Shell();
            restore.run("scard:verify 1 1234");
            restore.run("scard:update 2F01 0x20 00 00");
        });
        assertThat(shell.run("scard:update 2F01 0x20 4F:4B")).isEqualTo("Wrote 2 bytes to 2F01 at offset 32");
        assertThat(shell.run("scard:cat 2F01")).contains("0020  4F 4B 00 00").isNotEqualTo(original);
    }

    @Test
    void invalidatesAndRehabilitatesAFileAfterThePin() throws Exception {
        Shell shell = shellRestoringPin1();
        onCleanup(() -> {
            Shell restore = new Shell();
            restore.run("scard:verify 1 1234");
            restore.run("scard:cd 5015");
            if (line(restore.run("scard:ls"), "5131").contains("deactivated")) {
                restore.run("scard:rehabilitate 5131");
            }
        });
        shell.run("scard:cd 5015");
        // 5131 may be deactivated and activated after PIN 1 (its update rule)
        assertThat(shell.fails("scard:invalidate 5131")).contains("invalidate 5131", "6982",
                "security status not satisfied", "SCARD_E_NO_ACCESS");
        shell.run("scard:verify 1 1234");
        assertThat(shell.run("scard:invalidate 5131")).isEqualTo("Invalidated 5131");
        assertThat(shell.fails("scard:cat 5131 2")).contains("cat 5131 record 2", "deactivated", "SCARD_E_NO_ACCESS");
        assertThat(line(shell.run("scard:ls"), "5131")).contains("linear fixed", "deactivated");
        assertThat(shell.run("scard:info 5131")).contains("Life cycle: operational, deactivated (04)");
        assertThat(shell.run("scard:rehabilitate 5131")).isEqualTo("Rehabilitated 5131");
        assertThat(shell.run("scard:cat 5131 2")).startsWith("Record 2 (16 bytes)\n");
        assertThat(line(shell.run("scard:ls"), "5131")).doesNotContain("deactivated");
    }

    // --------------------------------------------------------------------------------------------- sessions

    @Test
    void eachSessionHasItsOwnDirectoryAndANewAttachmentStartsAtTheMf() throws Exception {
        Shell a = new Shell();
        Shell b = new Shell();
        a.run("scard:cd 5015");
        assertThat(b.run("scard:pwd")).isEqualTo("3F00");
        assertThat(a.run("scard:pwd")).isEqualTo("3F00/5015");
        a.run("scard:detach");
        assertThat(a.fails("scard:ls")).containsIgnoringCase("not attached");
        a.run("scard:attach \"" + READER_0 + "\"");
        assertThat(a.run("scard:pwd")).isEqualTo("3F00");
    }

    /** The line of a listing that starts with the file ID. */
    private static String line(String listing, String id) {
        for (String l : listing.split("\n")) {
            if (l.startsWith(id + " ")) {
                return l;
            }
        }
        return fail("no line for %s in:%n%s", id, listing);
    }
}
