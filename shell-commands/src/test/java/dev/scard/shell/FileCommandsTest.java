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
import dev.scard.api.Tlv;

/**
 * {@link FileCommands} over the real sample card ({@link CardShell}; its files are described in impl-simulator's
 * PROFILES.md): the exact output, the calls it makes on the card services, and its errors.
 */
class FileCommandsTest {

    private CardShell shell;
    private FileCommands files;

    @BeforeEach
    void setUp() {
        shell = new CardShell();
        files = shell.files;
    }

    @AfterEach
    void tearDown() {
        shell.close();
    }

    private String verifyPin1() {
        return shell.pins.verify(shell.session, false, false, "1", "1234");
    }

    // ------------------------------------------------------------------------------------ ls, cd, pwd

    @Test
    void listsTheCurrentDirectoryLikeOpensc() {
        assertThat(files.ls(shell.session, "")).isEqualTo(String.join("\n",
                "FileID  Type  Size  Structure",
                "2F00    wEF   16    linear variable, 1 record (max 32 bytes)",
                "2F01    wEF   64    transparent",
                "[5015]  DF    -     name A000000063504B43532D3135"));
        files.cd(shell.session, "5015");
        assertThat(files.ls(shell.session, "")).isEqualTo(String.join("\n",
                "FileID  Type  Size   Structure",
                "4401    wEF   32768  transparent",
                "4402    wEF   32     transparent",
                "4403    wEF   16     transparent",
                "4404    wEF   16     transparent",
                "4421    wEF   110    transparent",
                "4422    wEF   91     transparent",
                "5031    wEF   16     transparent",
                "5032    wEF   53     transparent",
                "5131    wEF   80     linear fixed, 5 records of 16 bytes",
                "5132    wEF   24     cyclic, 3 records of 8 bytes",
                "5133    wEF   22     linear variable, 2 records (max 32 bytes)"));
    }

    @Test
    void listsAFileWhosePropertiesFailWithTheCode() {
        // injected: the card services give the properties of every file of the sample card
        shell.card.propertiesFailure = HResult.SCARD_E_NO_ACCESS;
        assertThat(files.ls(shell.session, "")).isEqualTo(String.join("\n",
                "FileID  Type  Size  Structure",
                "2F00    ?     ?     (SCARD_E_NO_ACCESS)",
                "2F01    ?     ?     (SCARD_E_NO_ACCESS)",
                "[5015]  DF    ?     (SCARD_E_NO_ACCESS)"));
    }

    @Test
    void showsDeactivatedFilesInTheListing() {
        files.cd(shell.session, "5015");
        files.invalidate(shell.session, "5132"); // deactivated as it is updated: always
        assertThat(files.ls(shell.session, "")).contains("\n5132    wEF   24     cyclic, 3 records of 8 bytes, deactivated\n");
    }

    @Test
    void changesDirectoryByIdPathParentAndName() {
        assertThat(files.pwd(shell.session)).isEqualTo("3F00");
        assertThat(files.cd(shell.session, "5015")).isEqualTo("3F00/5015");
        assertThat(files.cd(shell.session, "..")).isEqualTo("3F00");
        assertThat(files.cd(shell.session, "3F00/5015")).isEqualTo("3F00/5015");
        assertThat(files.cd(shell.session, "..")).isEqualTo("3F00");
        assertThat(files.cd(shell.session, "aid:A000000063504B43532D3135")).isEqualTo("3F00/5015");
        assertThat(files.pwd(shell.session)).isEqualTo("3F00/5015");
        assertThat(shell.card.calls).contains("changeDir BY_ID 5015", "changeDir BY_ID ..",
                "changeDir BY_NAME aid:A000000063504B43532D3135");
    }

    @Test
    void refusesToEnterAnEfOrAMissingDirectory() {
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.cd(shell.session, "2F01"))
                .withMessage("cd 2F01: cannot change to 3F00/2F01: it is a file, not a directory"
                        + " [SCARD_E_NO_DIR 0x80100025]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.cd(shell.session, "6666"))
                .withMessage("cd 6666: cannot change to 3F00/6666: directory 3F00/6666 not found (SW 6A82 file or"
                        + " application not found) [SCARD_E_DIR_NOT_FOUND 0x80100023]");
        assertThatIllegalArgumentException().isThrownBy(() -> files.cd(shell.session, " "))
                .withMessage("no directory given [E_INVALIDARG 0x80070057]");
        assertThat(files.pwd(shell.session)).isEqualTo("3F00");
    }

    // ------------------------------------------------------------------------------------------------ cat

    @Test
    void printsATransparentFileAsAHexDump() {
        assertThat(files.cat(shell.session, "2F01")).isEqualTo(String.join("\n",
                "0000  53 43 61 72 64 20 73 69  6D 75 6C 61 74 6F 72 20  |SCard simulator |",
                "0010  73 61 6D 70 6C 65 20 63  61 72 64 00 00 00 00 00  |sample card.....|",
                "0020  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|",
                "0030  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|"));
        assertThat(shell.card.calls).containsSubsequence("open BY_ID 2F01", "read 1 64", "close 1");
    }

    @Test
    void readsALargeFileInChunksUpToItsSize() {
        files.cd(shell.session, "5015");
        String dump = files.cat(shell.session, "4401");
        String[] lines = dump.split("\n");
        assertThat(lines).hasSize(2048); // 32768 bytes, byte i = i mod 256
        assertThat(lines[16]).isEqualTo("0100  00 01 02 03 04 05 06 07  08 09 0A 0B 0C 0D 0E 0F  |................|");
        assertThat(lines[2047]).isEqualTo("7FF0  F0 F1 F2 F3 F4 F5 F6 F7  F8 F9 FA FB FC FD FE FF  |................|");
        assertThat(shell.card.calls.stream().filter(c -> c.startsWith("read "))).hasSize(128)
                .allMatch(c -> c.endsWith(" 256"));
        assertThat(shell.card.calls.get(shell.card.calls.size() - 1)).startsWith("close ");
    }

    @Test
    void printsEveryRecordOrOneRecord() {
        assertThat(files.cat(shell.session, "2F00")).isEqualTo(String.join("\n",
                "Record 1 (16 bytes)",
                "0000  61 0E 4F 0C A0 00 00 00  63 50 4B 43 53 2D 31 35  |a.O.....cPKCS-15|"));
        files.cd(shell.session, "5015");
        String all = files.cat(shell.session, "5131");
        assertThat(all.split("\n")).hasSize(10).contains("Record 5 (16 bytes)",
                "0000  66 69 78 65 64 20 72 65  63 6F 72 64 20 35 00 00  |fixed record 5..|");
        assertThat(files.cat(shell.session, "5131", "2")).isEqualTo(String.join("\n",
                "Record 2 (16 bytes)",
                "0000  66 69 78 65 64 20 72 65  63 6F 72 64 20 32 00 00  |fixed record 2..|"));
        assertThat(shell.card.calls).containsSubsequence("seek 3 FROM_BEGINNING 1", "read 3 0", "close 3");
        assertThat(files.cat(shell.session, "sfi:11", "5")).startsWith("Record 5 (16 bytes)\n");
    }

    @Test
    void catErrorsNameTheFileAndTheStatusWord() {
        files.cd(shell.session, "5015");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.cat(shell.session, "4402"))
                .withMessage("cat 4402: cannot read 3F00/5015/4402 at offset 0: SW 6982 security status not"
                        + " satisfied; verify the PIN or authenticate first [SCARD_E_NO_ACCESS 0x80100027]");
        assertThat(shell.card.calls).endsWith("close 1"); // the handle is closed after a failure too
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.cat(shell.session, "4499"))
                .withMessage("cat 4499: cannot open 3F00/5015/4499: file 3F00/5015/4499 not found"
                        + " (SW 6A82 file or application not found) [SCARD_E_FILE_NOT_FOUND 0x80100024]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.cat(shell.session, "5131", "6"))
                .withMessage("cat 5131 record 6: there is no record 6 (5131 has 5 records, numbered from 1)"
                        + " [SCARD_W_EOF 0x8010006D]");
        assertThatIllegalArgumentException().isThrownBy(() -> files.cat(shell.session, "4401", "1"))
                .withMessage("cat 4401 record 1: 4401 is not a record file (scard:cat 4401 without a record number"
                        + " prints it) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> files.cat(shell.session, "5131", "0"))
                .withMessage("the record number 0 is out of range (1 to 254) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> files.cat(shell.session, "5131", "two"))
                .withMessageStartingWith("'two' is not a number (the record number;");
        files.cd(shell.session, "..");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.cat(shell.session, "5015"))
                .withMessage("cat 5015: is a DF; scard:cd 5015 enters it, scard:ls lists it"
                        + " [SCARD_E_NO_FILE 0x80100026]");
    }

    @Test
    void readsAfterThePinWasVerified() {
        files.cd(shell.session, "5015");
        assertThat(verifyPin1()).isEqualTo("PIN 1 verified");
        assertThat(files.cat(shell.session, "4402")).isEqualTo(String.join("\n",
                "0000  72 65 61 64 20 61 6E 64  20 75 70 64 61 74 65 20  |read and update |",
                "0010  61 66 74 65 72 20 50 49  4E 20 30 31 00 00 00 00  |after PIN 01....|"));
    }

    @Test
    void readsAsTransparentWhenTheProviderHasNoProperties() {
        // injected: a provider without GetProperties (the card services have it)
        shell.card.propertiesFailure = HResult.E_NOTIMPL;
        assertThat(files.cat(shell.session, "2F01")).startsWith("0000  53 43 61 72");
        assertThat(shell.card.calls).containsSubsequence("read 1 256", "read 1 256"); // the second one hits EOF
    }

    // ----------------------------------------------------------------------------------------------- info

    @Test
    void decodesTheControlParametersOfAnEf() {
        files.cd(shell.session, "5015");
        assertThat(files.info(shell.session, "5131")).isEqualTo(String.join("\n",
                "File:       5131",
                "File ID:    5131",
                "Type:       working EF, linear fixed",
                "Records:    5 records of 16 bytes",
                "Size:       80 bytes",
                "Total size: 80 bytes",
                "SFI:        11 (sfi:11 names it)",
                "Life cycle: operational, activated (05)",
                "Access:     READ always, UPDATE PIN 01, WRITE PIN 01, DEACTIVATE PIN 01, ACTIVATE PIN 01",
                "FCP entries:",
                "  82 05 02 41 00 10 05  file descriptor",
                "  83 02 51 31  file identifier",
                "  80 02 00 50  data size",
                "  81 02 00 50  total size",
                "  88 01 88  short EF identifier",
                "  8A 01 05  life cycle status",
                "  AB 10  security attributes (expanded)",
                "    80 01 01",
                "    90 00",
                "    80 01 1E",
                "    A4 06",
                "      83 01 01",
                "      95 01 08"));
    }

    @Test
    void decodesTheControlParametersOfTheCurrentDf() {
        files.cd(shell.session, "5015");
        assertThat(files.info(shell.session)).isEqualTo(String.join("\n",
                "File:       3F00/5015",
                "File ID:    5015",
                "Type:       DF (dedicated file)",
                "DF name:    A000000063504B43532D3135",
                "Life cycle: operational, activated (05)",
                "Access:     DELETE (child) PIN 01, CREATE EF PIN 01, CREATE DF PIN 01, DEACTIVATE PIN 01,"
                        + " ACTIVATE PIN 01",
                "FCP entries:",
                "  82 01 38  file descriptor",
                "  83 02 50 15  file identifier",
                "  84 0C A0 00 00 00 63 50 4B 43 53 2D 31 35  DF name",
                "  8A 01 05  life cycle status",
                "  AB 0B  security attributes (expanded)",
                "    80 01 1F",
                "    A4 06",
                "      83 01 01",
                "      95 01 08"));
    }

    @Test
    void infoOfAMissingFileNamesIt() {
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.info(shell.session, "2F02"))
                .withMessage("info 2F02: cannot get the properties of 3F00/2F02: file 3F00/2F02 not found (SW 6A82"
                        + " file or application not found) [SCARD_E_FILE_NOT_FOUND 0x80100024]");
    }

    // ------------------------------------------------------------------------------------------- changes

    @Test
    void updatesATransparentFileAtAnOffset() {
        verifyPin1();
        assertThat(files.update(shell.session, "2F01", "0x10", "41", "42:43")).isEqualTo(
                "Wrote 3 bytes to 2F01 at offset 16");
        assertThat(shell.card.calls).containsSubsequence("open BY_ID 2F01", "seek 1 FROM_BEGINNING 16",
                "write 1 414243", "close 1");
        assertThat(files.cat(shell.session, "2F01")).contains("|ABCple card.....|\n0020").startsWith(
                "0000  53 43 61 72 64 20 73 69  6D 75 6C 61 74 6F 72 20  |SCard simulator |\n"
                        + "0010  41 42 43");
    }

    @Test
    void updatesARecord() {
        verifyPin1();
        files.cd(shell.session, "5015");
        assertThat(files.update(shell.session, "5131", "2", "00112233445566778899AABBCCDDEEFF"))
                .isEqualTo("Wrote record 2 of 5131 (16 bytes)");
        assertThat(files.cat(shell.session, "5131", "2")).endsWith("00 11 22 33 44 55 66 77  88 99 AA BB CC DD EE FF"
                + "  |..\"3DUfw........|");
    }

    @Test
    void updateErrorsNameTheFileAndNeverEchoTheData() {
        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> files.update(shell.session, "2F01", "0", "41"))
                .withMessage("update 2F01: cannot write 1 bytes to 3F00/2F01 at offset 0: SW 6982 security status not"
                        + " satisfied; verify the PIN or authenticate first [SCARD_E_NO_ACCESS 0x80100027]");
        verifyPin1();
        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> files.update(shell.session, "2F01", "63", "4142"))
                .withMessage("update 2F01: cannot write 2 bytes to 3F00/2F01 at position 63: the file has 64 bytes,"
                        + " room for 1 [SCARD_E_WRITE_TOO_MANY 0x80100028]");
        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> files.update(shell.session, "2F01", "65", "41"))
                .withMessage("update 2F01: cannot seek in 3F00/2F01 to FROM_BEGINNING 65: the position must stay"
                        + " within 0 to 64 bytes [SCARD_E_BAD_SEEK 0x80100029]");
        assertThatIllegalArgumentException().isThrownBy(() -> files.update(shell.session, "2F01", "0", "31323G"))
                .withMessage("data word 1 is not hexadecimal: character 6 is 'G' [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> files.update(shell.session, "2F01", "-1", "41"))
                .withMessage("the offset -1 is out of range (0 to 2147483647) [E_INVALIDARG 0x80070057]");
    }

    @Test
    void createsAndDeletesFilesWithTheirControlParameters() {
        files.cd(shell.session, "5015");
        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> files.create(shell.session, "1", "", "", "4405", "transparent", "32"))
                .withMessage("create 4405: cannot create 3F00/5015/4405: SW 6982 security status not satisfied; verify"
                        + " the PIN or authenticate first [SCARD_E_NO_ACCESS 0x80100027]");
        verifyPin1();
        assertThat(files.create(shell.session, "1", "", "", "4405", "transparent", "32"))
                .isEqualTo("Created 4405 in 3F00/5015 (transparent, 32 bytes)");
        assertThat(shell.card.created).containsExactly(Tlv.of(0x82, new byte[] {0x01}),
                Tlv.of(0x80, new byte[] {0x00, 0x20}));
        assertThat(files.ls(shell.session, "")).contains("\n4405    wEF   32     transparent\n");

        assertThat(files.create(shell.session, "4", "7", "", "4406", "linear-fixed", "10"))
                .isEqualTo("Created 4406 in 3F00/5015 (linear fixed, 4 records of 10 bytes, SFI 07)");
        assertThat(shell.card.created).containsExactly(Tlv.of(0x82, new byte[] {0x02, 0x21, 0x00, 0x0A, 0x04}),
                Tlv.of(0x80, new byte[] {0x00, 0x28}), Tlv.of(0x88, new byte[] {0x38}));
        assertThat(files.create(shell.session, "8", "", "", "4407", "lv", "32"))
                .isEqualTo("Created 4407 in 3F00/5015 (linear variable, 8 records of at most 32 bytes)");
        assertThat(files.create(shell.session, "1", "", "D2760001", "5100", "df", "0"))
                .isEqualTo("Created 5100 in 3F00/5015 (DF, name D2760001)");
        assertThat(shell.card.created).containsExactly(Tlv.of(0x82, new byte[] {0x38}),
                Tlv.of(0x84, new byte[] {(byte) 0xD2, 0x76, 0x00, 0x01}));

        assertThatExceptionOfType(SCardException.class).isThrownBy(
                () -> files.create(shell.session, "1", "", "", "4405", "transparent", "8"))
                .withMessage("create 4405: cannot create 3F00/5015/4405: SW 6A89 file already exists"
                        + " [E_INVALIDARG 0x80070057]");
        assertThat(files.rm(shell.session, false, "4405")).isEqualTo("Deleted 4405");
        assertThat(files.rm(shell.session, true, "5100")).isEqualTo("Deleted 5100");
        assertThat(shell.card.calls).contains("delete BY_ID 5100 [RECURSIVE]", "delete BY_ID 4405 []");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.rm(shell.session, false, "4405"))
                .withMessage("rm 4405: cannot delete 3F00/5015/4405: file 3F00/5015/4405 not found (SW 6A82 file or"
                        + " application not found) [SCARD_E_FILE_NOT_FOUND 0x80100024]");
    }

    @Test
    void checksCreateArgumentsBeforeTalkingToTheCard() {
        int before = shell.card.calls.size();
        assertThatIllegalArgumentException().isThrownBy(
                () -> files.create(shell.session, "1", "", "", "44G5", "transparent", "32"))
                .withMessage("'44G5' is not a file identifier (four hex digits, such as 4405) [E_INVALIDARG"
                        + " 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(
                () -> files.create(shell.session, "1", "", "", "3F00", "df", "0"))
                .withMessageStartingWith("file identifier 3F00 is reserved by ISO 7816-4");
        assertThatIllegalArgumentException().isThrownBy(
                () -> files.create(shell.session, "1", "", "", "4405", "folder", "32"))
                .withMessageStartingWith("unknown file type 'folder' (use transparent, linear-fixed,");
        assertThatIllegalArgumentException().isThrownBy(
                () -> files.create(shell.session, "1", "", "", "4405", "transparent", "0"))
                .withMessageStartingWith("the size 0 is out of range (1 to 65535)");
        assertThatIllegalArgumentException().isThrownBy(
                () -> files.create(shell.session, "254", "", "", "4405", "cyclic", "300"))
                .withMessageStartingWith("254 records of 300 bytes do not fit a file");
        assertThatIllegalArgumentException().isThrownBy(
                () -> files.create(shell.session, "1", "1F", "", "4405", "transparent", "3"))
                .withMessageStartingWith("'1F' is not a short EF identifier (hex 01 to 1E)");
        assertThatIllegalArgumentException().isThrownBy(
                () -> files.create(shell.session, "1", "3", "", "5100", "df", "0"))
                .withMessageStartingWith("a DF has no short EF identifier");
        assertThatIllegalArgumentException().isThrownBy(
                () -> files.create(shell.session, "1", "", "A000", "4405", "transparent", "3"))
                .withMessageStartingWith("only a DF has a name");
        assertThat(shell.card.calls).hasSize(before);
    }

    @Test
    void invalidatesAndRehabilitates() {
        files.cd(shell.session, "5015");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.invalidate(shell.session, "4404"))
                .withMessage("invalidate 4404: cannot invalidate 3F00/5015/4404: SW 6982 security status not"
                        + " satisfied; verify the PIN or authenticate first [SCARD_E_NO_ACCESS 0x80100027]");
        assertThat(files.invalidate(shell.session, "5132")).isEqualTo("Invalidated 5132");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.cat(shell.session, "5132"))
                .withMessage("cat 5132: cannot open 3F00/5015/5132: 3F00/5015/5132 is invalidated (deactivated);"
                        + " rehabilitate it first [SCARD_E_NO_ACCESS 0x80100027]");
        assertThat(files.info(shell.session, "5132")).contains("Life cycle: operational, deactivated (04)");
        assertThat(files.rehabilitate(shell.session, "5132")).isEqualTo("Rehabilitated 5132");
        assertThat(files.cat(shell.session, "5132", "1")).isEqualTo(String.join("\n", "Record 1 (8 bytes)",
                "0000  63 79 63 6C 69 63 20 31                           |cyclic 1|"));
        assertThat(shell.card.calls).contains("invalidate 5132", "rehabilitate 5132");
    }

    // --------------------------------------------------------------------------------------- attachments

    @Test
    void needsAnAttachment() {
        shell.commands.detach(shell.session);
        assertThatIllegalStateException().isThrownBy(() -> files.ls(shell.session, ""))
                .withMessage(ScardCommands.NOT_ATTACHED + " [SCARD_E_INVALID_HANDLE 0x80100003]");
        assertThatIllegalStateException().isThrownBy(() -> files.pwd(shell.session))
                .withMessageEndingWith("[SCARD_E_INVALID_HANDLE 0x80100003]");
    }

    @Test
    void keepsOneFileAccessPerAttachmentAndANewOneAfterReattaching() {
        files.cd(shell.session, "5015");
        files.ls(shell.session, "");
        shell.commands.reconnect(shell.session);
        assertThat(files.pwd(shell.session)).isEqualTo("3F00/5015"); // the same instance: its directory is kept
        assertThat(shell.card.made).containsExactly(
                "create ISCardFileAccess");

        shell.commands.detach(shell.session);
        shell.commands.attach(shell.session, "", "t0,t1", new String[] {CardShell.READER});
        assertThat(files.pwd(shell.session)).isEqualTo("3F00"); // a new one
        assertThat(shell.card.made).containsExactly(
                "create ISCardFileAccess", "create ISCardFileAccess");
    }

    @Test
    void reportsAProviderThatCannotBeMadeAndTriesAgainNextTime() {
        // injected: no provider serves the card (the card services serve every card)
        shell.card.createFailure = HResult.E_NOINTERFACE;
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> files.ls(shell.session, ""))
                .withMessage("ls: no provider for this card [E_NOINTERFACE 0x80004002]");
        shell.card.createFailure = null;
        assertThat(files.pwd(shell.session)).isEqualTo("3F00");
    }

    @Test
    void keepsNothingPerAttachmentWhenMakingItFails() {
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> shell.commands.perAttachment(
                shell.session, String.class, manager -> {
                    throw new SCardException(HResult.E_NOINTERFACE, "none");
                }));
        assertThat(shell.commands.perAttachment(shell.session, String.class, manager -> "made")).isEqualTo("made");
        assertThat(shell.commands.perAttachment(shell.session, String.class, manager -> "again")).isEqualTo("made");
    }

    @Test
    void fcpEntriesOfAnEmptyPropertyListShowNone() {
        assertThat(Fcp.of(List.of()).rawLines()).isEmpty();
    }
}
