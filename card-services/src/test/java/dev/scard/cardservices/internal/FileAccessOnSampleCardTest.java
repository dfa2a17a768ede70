package dev.scard.cardservices.internal;

import static dev.scard.cardservices.internal.SampleCard.padded;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardVerify;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.api.Tlv;

/** Every {@link ISCardFileAccess} method on the simulator's sample card: normal paths and error paths. */
class FileAccessOnSampleCardTest {
    private final SampleCard card = new SampleCard();
    private final ISCardFileAccess files = card.manager().createFileAccess();
    private final ISCardVerify pins = card.manager().createCHVerification();

    @AfterEach
    void close() {
        card.close();
    }

    private void verifyPin() {
        pins.verify(SampleCard.PIN, SCardFlag.NONE, 1);
    }

    private static byte[] counter(int from, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (from + i);
        }
        return bytes;
    }

    // ---- ChangeDir, GetCurrentDir ------------------------------------------------------------------------------

    @Test
    void changeDirAcceptsEveryPathFormAndGetCurrentDirIsAbsolute() {
        assertThat(files.getCurrentDir()).isEqualTo("3F00");
        files.changeDir(RefType.BY_ID, "3F00/5015");
        assertThat(files.getCurrentDir()).isEqualTo("3F00/5015");
        files.changeDir(RefType.BY_ANY, "..");
        assertThat(files.getCurrentDir()).isEqualTo("3F00");
        files.changeDir(RefType.BY_ANY, "5015");
        assertThat(files.getCurrentDir()).isEqualTo("3F00/5015");
        files.changeDir(RefType.BY_ID, "3F00");
        files.changeDir(RefType.BY_NAME, "aid:" + SampleCard.AID);
        assertThat(files.getCurrentDir()).isEqualTo("3F00/5015");
        files.changeDir(RefType.BY_NAME, SampleCard.AID.toLowerCase());
        assertThat(files.getCurrentDir()).isEqualTo("3F00/5015");
    }

    @Test
    void changeDirFailuresLeaveTheCurrentDirectory() {
        files.changeDir(RefType.BY_ID, "3F00/5015");
        failure(HResult.SCARD_E_DIR_NOT_FOUND, () -> files.changeDir(RefType.BY_ID, "3F00/9999"));
        failure(HResult.SCARD_E_DIR_NOT_FOUND, () -> files.changeDir(RefType.BY_ID, "3F00/9999/1234"));
        failure(HResult.SCARD_E_NO_DIR, () -> files.changeDir(RefType.BY_ID, "4401"));
        SCardException through = failure(HResult.SCARD_E_NO_DIR, () -> files.changeDir(RefType.BY_ID, "4401/0001"));
        assertThat(through.getMessage()).contains("3F00/5015/4401 is a file, not a directory");
        failure(HResult.SCARD_E_DIR_NOT_FOUND, () -> files.changeDir(RefType.BY_NAME, "aid:A0000000"));
        failure(HResult.E_INVALIDARG, () -> files.changeDir(RefType.BY_ID, "50 15"));
        failure(HResult.E_INVALIDARG, () -> files.changeDir(RefType.BY_ID, "../.."));
        failure(HResult.E_INVALIDARG, () -> files.changeDir(null, "3F00"));
        failure(HResult.SCARD_E_NO_DIR, () -> files.changeDir(RefType.BY_SHORT_ID, "11"));
        assertThat(files.getCurrentDir()).isEqualTo("3F00/5015");
    }

    // ---- Directory ---------------------------------------------------------------------------------------------

    @Test
    void directoryListsTheCurrentDirectoryByKind() {
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(files.directory(FileType.DIRECTORIES)).containsExactly("5015");
        assertThat(files.directory(FileType.FILES)).containsExactly("2F00", "2F01");
        assertThat(files.directory(FileType.VARIABLE_EF)).containsExactly("2F00");
        files.changeDir(RefType.BY_ANY, "5015");
        assertThat(files.directory(FileType.ALL_FILES))
                .containsExactly("4401", "4402", "4403", "4404", "4421", "4422", "5031", "5032", "5131", "5132",
                        "5133");
        assertThat(files.directory(FileType.TRANSPARENT_EF)).containsExactly("4401", "4402", "4403", "4404", "4421",
                "4422", "5031", "5032");
        assertThat(files.directory(FileType.FIXED_EF)).containsExactly("5131");
        assertThat(files.directory(FileType.CYCLIC_EF)).containsExactly("5132");
        assertThat(files.directory(FileType.DIRECTORY_FILE)).isEmpty();
    }

    // ---- Open, Read, Seek, Close -------------------------------------------------------------------------------

    @Test
    void theWhole32KiBFileReadsInOneCall() {
        long handle = files.open(RefType.BY_ID, "3F00/5015/4401");
        byte[] all = files.read(handle, 0, SCardFlag.NONE);
        assertThat(all).hasSize(32768).isEqualTo(counter(0, 32768));
        failure(HResult.SCARD_W_EOF, () -> files.read(handle, 1, SCardFlag.NONE));
        files.close(handle);
    }

    @Test
    void readsAdvanceSeekMovesAndAReadAcrossTheEndReturnsTheRest() {
        long handle = files.open(RefType.BY_ANY, "3F00/5015/4401");
        assertThat(files.read(handle, 10, SCardFlag.NONE)).isEqualTo(counter(0, 10));
        assertThat(files.read(handle, 300, SCardFlag.NONE)).isEqualTo(counter(10, 300));
        assertThat(files.seek(handle, SeekOrigin.RELATIVE, 0)).isEqualTo(310);
        assertThat(files.seek(handle, SeekOrigin.FROM_END, -5)).isEqualTo(32763);
        assertThat(files.read(handle, 100, SCardFlag.NONE)).isEqualTo(counter(32763, 5));
        SCardException eof = failure(HResult.SCARD_W_EOF, () -> files.read(handle, 100, SCardFlag.NONE));
        assertThat(eof.getMessage()).contains("3F00/5015/4401").contains("32768");
        failure(HResult.SCARD_E_BAD_SEEK, () -> files.seek(handle, SeekOrigin.FROM_END, 1));
        failure(HResult.SCARD_E_BAD_SEEK, () -> files.seek(handle, SeekOrigin.FROM_BEGINNING, -1));
        assertThat(files.seek(handle, SeekOrigin.FROM_BEGINNING, 1000)).isEqualTo(1000);
        assertThat(files.read(handle, 1, SCardFlag.NONE)).containsExactly((byte) 1000);
    }

    @Test
    void theTextFileAndEfDirRead() {
        long text = files.open(RefType.BY_ID, "3F00/2F01");
        assertThat(files.read(text, 0, SCardFlag.NONE)).isEqualTo(padded("SCard simulator sample card", 64));
        long dir = files.open(RefType.BY_ID, "3F00/2F00");
        assertThat(files.read(dir, 0, SCardFlag.NONE)).isEqualTo(
                java.util.HexFormat.of().parseHex("610E4F0CA000000063504B43532D3135"));
        failure(HResult.SCARD_W_EOF, () -> files.read(dir, 0, SCardFlag.NONE));
    }

    @Test
    void recordFilesReadRecordByRecordAndSeekInRecords() {
        long fixed = files.open(RefType.BY_ID, "3F00/5015/5131");
        assertThat(files.read(fixed, 0, SCardFlag.NONE)).isEqualTo(padded("fixed record 1", 16));
        assertThat(files.read(fixed, 5, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("fixed"));
        assertThat(files.seek(fixed, SeekOrigin.FROM_END, -1)).isEqualTo(4);
        assertThat(files.read(fixed, 0, SCardFlag.NONE)).isEqualTo(padded("fixed record 5", 16));
        failure(HResult.SCARD_W_EOF, () -> files.read(fixed, 0, SCardFlag.NONE));
        failure(HResult.SCARD_E_BAD_SEEK, () -> files.seek(fixed, SeekOrigin.FROM_BEGINNING, 6));

        long cyclic = files.open(RefType.BY_ID, "3F00/5015/5132");
        assertThat(files.read(cyclic, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("cyclic 1"));
        long variable = files.open(RefType.BY_ID, "3F00/5015/5133");
        assertThat(files.read(variable, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("variable record one"));
        assertThat(files.read(variable, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("two"));
        failure(HResult.SCARD_W_EOF, () -> files.read(variable, 0, SCardFlag.NONE));
    }

    @Test
    void recordFilesAreWrittenAndAppended() {
        long variable = files.open(RefType.BY_ID, "3F00/5015/5133");
        files.write(variable, SampleCard.ascii("ONE"), SCardFlag.NONE); // updates record 1
        assertThat(files.seek(variable, SeekOrigin.FROM_END, 0)).isEqualTo(2);
        files.write(variable, SampleCard.ascii("three"), SCardFlag.NONE); // appends record 3
        files.seek(variable, SeekOrigin.FROM_BEGINNING, 0);
        assertThat(files.read(variable, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("ONE"));
        assertThat(files.read(variable, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("two"));
        assertThat(files.read(variable, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("three"));
        failure(HResult.SCARD_E_WRITE_TOO_MANY, () -> files.write(variable, new byte[33], SCardFlag.NONE));
        for (int i = 4; i <= 8; i++) {
            files.write(variable, new byte[] {(byte) i}, SCardFlag.NONE);
        }
        SCardException full = failure(HResult.SCARD_E_WRITE_TOO_MANY,
                () -> files.write(variable, new byte[] {9}, SCardFlag.NONE));
        assertThat(full.getMessage()).contains("3F00/5015/5133 (a new record)").contains("6A84");

        long cyclic = files.open(RefType.BY_ID, "3F00/5015/5132");
        files.seek(cyclic, SeekOrigin.FROM_END, 0);
        files.write(cyclic, SampleCard.ascii("cyclic 4"), SCardFlag.NONE); // a new record 1, the oldest goes
        files.seek(cyclic, SeekOrigin.FROM_BEGINNING, 0);
        assertThat(files.read(cyclic, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("cyclic 4"));
        assertThat(files.read(cyclic, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("cyclic 1"));
        failure(HResult.E_INVALIDARG, () -> files.write(cyclic, new byte[3], SCardFlag.NONE));
    }

    @Test
    void appendingTwiceFromTheEndKeepsBothRecords() {
        long variable = files.open(RefType.BY_ID, "3F00/5015/5133");
        assertThat(files.seek(variable, SeekOrigin.FROM_END, 0)).isEqualTo(2);
        files.write(variable, SampleCard.ascii("three"), SCardFlag.NONE);
        assertThat(files.seek(variable, SeekOrigin.FROM_END, 0)).as("the count follows the append").isEqualTo(3);
        files.write(variable, SampleCard.ascii("four"), SCardFlag.NONE);
        assertThat(files.seek(variable, SeekOrigin.FROM_END, -2)).isEqualTo(2);
        assertThat(files.read(variable, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("three"));
        assertThat(files.read(variable, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("four"));

        long cyclic = files.open(RefType.BY_ID, "3F00/5015/5132");
        files.seek(cyclic, SeekOrigin.FROM_END, 0);
        files.write(cyclic, SampleCard.ascii("cyclic 4"), SCardFlag.NONE);
        assertThat(files.seek(cyclic, SeekOrigin.RELATIVE, 0)).as("after the new record 1").isEqualTo(1);
        assertThat(files.read(cyclic, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("cyclic 1"));
    }

    @Test
    void openFailsForWhatIsNotThereOrNotAFile() {
        SCardException missing = failure(HResult.SCARD_E_FILE_NOT_FOUND,
                () -> files.open(RefType.BY_ID, "3F00/5015/9999"));
        assertThat(missing.getMessage()).isEqualTo("cannot open 3F00/5015/9999: file 3F00/5015/9999 not found (SW 6A82"
                + " file or application not found) [SCARD_E_FILE_NOT_FOUND 0x80100024]");
        failure(HResult.SCARD_E_DIR_NOT_FOUND, () -> files.open(RefType.BY_ID, "3F00/6000/4401"));
        failure(HResult.SCARD_E_NO_FILE, () -> files.open(RefType.BY_ID, "3F00/5015"));
        failure(HResult.SCARD_E_NO_FILE, () -> files.open(RefType.BY_NAME, "aid:" + SampleCard.AID));
        failure(HResult.SCARD_E_NO_DIR, () -> files.open(RefType.BY_ID, "3F00/2F01/0001"));
        failure(HResult.E_INVALIDARG, () -> files.open(RefType.BY_ID, "3F00/44O1"));
    }

    @Test
    void openByShortIdentifierFindsTheEfInTheCurrentDirectory() {
        files.changeDir(RefType.BY_ANY, "5015");
        long handle = files.open(RefType.BY_SHORT_ID, "sfi:11");
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(padded("fixed record 1", 16));
        assertThat(files.getFileCapabilities(List.of(Tlv.missing(0x83)), SCardFlag.NONE))
                .containsExactly(Tlv.of(0x83, new byte[] {0x51, 0x31}));
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.open(RefType.BY_ANY, "sfi:12"));
    }

    @Test
    void closedAndUnknownHandlesAreInvalid() {
        long handle = files.open(RefType.BY_ID, "3F00/2F01");
        files.close(handle);
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> files.read(handle, 1, SCardFlag.NONE));
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> files.write(handle, new byte[1], SCardFlag.NONE));
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> files.seek(handle, SeekOrigin.FROM_BEGINNING, 0));
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> files.close(handle));
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> files.close(4711));
        ISCardFileAccess other = card.manager().createFileAccess();
        long mine = files.open(RefType.BY_ID, "3F00/2F01");
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> other.read(mine, 1, SCardFlag.NONE));
    }

    // ---- Write --------------------------------------------------------------------------------------------------

    @Test
    void writesNeedThePinAndMustFit() {
        long text = files.open(RefType.BY_ID, "3F00/2F01");
        SCardException denied = failure(HResult.SCARD_E_NO_ACCESS,
                () -> files.write(text, SampleCard.ascii("hello"), SCardFlag.NONE));
        assertThat(denied.getMessage()).contains("3F00/2F01").contains("6982 security status not satisfied");
        verifyPin();
        files.write(text, SampleCard.ascii("hello"), SCardFlag.NONE);
        assertThat(files.seek(text, SeekOrigin.RELATIVE, 0)).isEqualTo(5);
        files.seek(text, SeekOrigin.FROM_END, -3);
        SCardException tooMany = failure(HResult.SCARD_E_WRITE_TOO_MANY,
                () -> files.write(text, new byte[4], SCardFlag.NONE));
        assertThat(tooMany.getMessage()).contains("room for 3");
        files.seek(text, SeekOrigin.FROM_BEGINNING, 0);
        assertThat(files.read(text, 8, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("hello si"));
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, () -> files.write(text, new byte[1],
                Set.of(SCardFlag.SECURE_MESSAGING)));
    }

    @Test
    void aLargeWriteGoesThroughInFewApdusAndReadsBack() {
        verifyPin();
        long handle = files.open(RefType.BY_ID, "3F00/5015/4401");
        byte[] data = new byte[32768];
        new java.util.Random(4).nextBytes(data);
        files.write(handle, data, SCardFlag.NONE);
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 0);
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(data);
        files.seek(handle, SeekOrigin.FROM_END, -8);
        failure(HResult.SCARD_E_WRITE_TOO_MANY, () -> files.write(handle, new byte[9], SCardFlag.NONE));
    }

    @Test
    void aFileLargerThan32KiBIsWrittenAndReadWithTheOddInstructionsBeyondOffset32767() {
        verifyPin();
        byte[] data = new byte[40000];
        new java.util.Random(40000).nextBytes(data);
        files.create(RefType.BY_ID, "3F00/5015/4420", transparent(40000), Set.of(SCardFlag.PREALLOCATE), data);
        long handle = files.open(RefType.BY_ID, "3F00/5015/4420");
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(data);
        assertThat(files.seek(handle, SeekOrigin.FROM_BEGINNING, 39990)).isEqualTo(39990);
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(java.util.Arrays.copyOfRange(data, 39990, 40000));
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 32760);
        files.write(handle, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, SCardFlag.NONE); // across 32767
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 32766);
        assertThat(files.read(handle, 4, SCardFlag.NONE)).containsExactly(7, 8, 9, 10);
        files.delete(RefType.BY_ID, "3F00/5015/4420", SCardFlag.NONE);
    }

    @Test
    void pinProtectedReadsWorkOnceThePinIsVerified() {
        long handle = files.open(RefType.BY_ID, "3F00/5015/4402");
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.read(handle, 0, SCardFlag.NONE));
        verifyPin();
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(padded("read and update after PIN 01", 32));
    }

    @Test
    void aLocalPinOpensItsDirectorysFile() {
        files.changeDir(RefType.BY_ANY, "5015");
        long handle = files.open(RefType.BY_ANY, "4403");
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.read(handle, 0, SCardFlag.NONE));
        pins.verify(SampleCard.LOCAL_PIN, Set.of(SCardFlag.IHV_LOCAL), 1);
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("PIN 81 protected"));
    }

    // ---- Invalidate, Rehabilitate ------------------------------------------------------------------------------

    @Test
    void anInvalidatedFileCannotBeReadUntilRehabilitated() {
        long before = files.open(RefType.BY_ID, "3F00/5015/4401");
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.invalidate("3F00/5015/4401", SCardFlag.NONE));
        verifyPin();
        files.invalidate("3F00/5015/4401", SCardFlag.NONE);
        SCardException read = failure(HResult.SCARD_E_NO_ACCESS, () -> files.read(before, 1, SCardFlag.NONE));
        assertThat(read.getMessage()).contains("invalidated");
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.open(RefType.BY_ID, "3F00/5015/4401"));
        assertThat(files.getProperties(RefType.BY_ID, "3F00/5015/4401", SCardFlag.NONE, 0x8A))
                .containsExactly(Tlv.of(0x8A, new byte[] {0x04}));
        files.rehabilitate("3F00/5015/4401", SCardFlag.NONE);
        assertThat(files.read(before, 2, SCardFlag.NONE)).containsExactly(0, 1);
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.invalidate("3F00/5015/4499", SCardFlag.NONE));
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, () -> files.rehabilitate("3F00/5015/4401",
                Set.of(SCardFlag.SECURE_MESSAGING)));
    }

    @Test
    void anInvalidatedDirectoryCannotBeEntered() {
        verifyPin();
        files.invalidate("3F00/5015", SCardFlag.NONE);
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.changeDir(RefType.BY_ID, "3F00/5015"));
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.open(RefType.BY_ID, "3F00/5015/4401"));
        files.rehabilitate("aid:" + SampleCard.AID, SCardFlag.NONE);
        files.changeDir(RefType.BY_ID, "3F00/5015");
    }

    @Test
    void setPropertiesChangesTheLifeCycleOnly() {
        verifyPin();
        files.setProperties(RefType.BY_ID, "3F00/2F01", List.of(Tlv.of(0x8A, new byte[] {4})), SCardFlag.NONE);
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.open(RefType.BY_ID, "3F00/2F01"));
        files.setProperties(RefType.BY_ID, "3F00/2F01", List.of(Tlv.of(0x8A, new byte[] {5})), SCardFlag.NONE);
        files.open(RefType.BY_ID, "3F00/2F01");
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, () -> files.setProperties(RefType.BY_ID, "3F00/2F01",
                List.of(Tlv.of(0x80, new byte[] {0, 1})), SCardFlag.NONE));
        failure(HResult.E_INVALIDARG, () -> files.setProperties(RefType.BY_ID, "3F00/2F01",
                List.of(Tlv.of(0x8A, new byte[] {3})), SCardFlag.NONE));
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.setProperties(RefType.BY_ID, "3F00/2F09",
                List.of(), SCardFlag.NONE));
    }

    // ---- GetProperties, GetFileCapabilities -------------------------------------------------------------------

    @Test
    void propertiesAreTheFcpEntries() {
        List<Tlv> all = files.getProperties(RefType.BY_ID, "3F00/5015/4401", SCardFlag.NONE);
        assertThat(all).extracting(Tlv::tag).containsExactly(0x82, 0x83, 0x80, 0x81, 0x88, 0x8A, 0xAB);
        assertThat(files.getProperties(RefType.BY_ID, "3F00/5015/4401", SCardFlag.NONE, 0x80, 0x84, 0x83))
                .containsExactly(Tlv.of(0x80, new byte[] {(byte) 0x80, 0}), Tlv.missing(0x84),
                        Tlv.of(0x83, new byte[] {0x44, 0x01}));
        assertThat(files.getProperties(RefType.BY_NAME, SampleCard.AID, SCardFlag.NONE, 0x84))
                .containsExactly(Tlv.of(0x84, java.util.HexFormat.of().parseHex(SampleCard.AID)));
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.getProperties(RefType.BY_ID, "3F00/4401",
                SCardFlag.NONE));
        failure(HResult.E_INVALIDARG, () -> files.getProperties(RefType.BY_ID, "3F00", SCardFlag.NONE, 0));
    }

    @Test
    void fileCapabilitiesDescribeTheCurrentFile() {
        assertThat(files.getFileCapabilities(List.of(Tlv.missing(0x83)), SCardFlag.NONE))
                .containsExactly(Tlv.of(0x83, new byte[] {0x3F, 0x00}));
        files.changeDir(RefType.BY_ANY, "5015");
        assertThat(files.getFileCapabilities(List.of(), SCardFlag.NONE)).extracting(Tlv::tag).contains(0x84);
        files.open(RefType.BY_ANY, "5131");
        assertThat(files.getFileCapabilities(List.of(Tlv.missing(0x82)), SCardFlag.NONE))
                .containsExactly(Tlv.of(0x82, new byte[] {0x02, 0x41, 0x00, 0x10, 0x05}));
    }

    // ---- Create, Delete ----------------------------------------------------------------------------------------

    private static List<Tlv> transparent(int size) {
        return List.of(Tlv.of(0x82, new byte[] {0x01}), Tlv.of(0x80, new byte[] {(byte) (size >> 8), (byte) size}));
    }

    @Test
    void createWithInitialDataThenDelete() {
        files.changeDir(RefType.BY_ANY, "5015");
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.create(RefType.BY_ID, "4410", transparent(16),
                SCardFlag.NONE, null));
        verifyPin();
        files.create(RefType.BY_ID, "4410", transparent(16), Set.of(SCardFlag.PREALLOCATE),
                SampleCard.ascii("initial"));
        long handle = files.open(RefType.BY_ANY, "4410");
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(padded("initial", 16));
        SCardException exists = failure(HResult.E_INVALIDARG, () -> files.create(RefType.BY_ID, "3F00/5015/4410",
                transparent(16), SCardFlag.NONE, null));
        assertThat(exists.getMessage()).contains("6A89 file already exists");
        failure(HResult.SCARD_E_WRITE_TOO_MANY, () -> files.create(RefType.BY_ID, "4411", transparent(4),
                Set.of(SCardFlag.PREALLOCATE), new byte[5]));
        failure(HResult.E_INVALIDARG, () -> files.create(RefType.BY_ID, "4411", transparent(4), SCardFlag.NONE,
                new byte[2]));
        failure(HResult.E_INVALIDARG, () -> files.create(RefType.BY_ID, "4411",
                List.of(Tlv.of(0x82, new byte[] {0x01})), SCardFlag.NONE, null)); // no size: 6A80
        files.delete(RefType.BY_ID, "4410", SCardFlag.NONE);
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.open(RefType.BY_ANY, "4410"));
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.read(handle, 1, SCardFlag.NONE));
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.delete(RefType.BY_ID, "4410", SCardFlag.NONE));
    }

    @Test
    void directoriesAreCreatedByNameAndDeletedOnlyRecursivelyWhenNotEmpty() {
        verifyPin();
        files.create(RefType.BY_NAME, "aid:D27600012401", List.of(Tlv.of(0x82, new byte[] {0x38}),
                Tlv.of(0x83, new byte[] {0x60, 0x00})), SCardFlag.NONE, null);
        files.changeDir(RefType.BY_NAME, "aid:D27600012401");
        assertThat(files.getCurrentDir()).isEqualTo("3F00/6000");
        files.create(RefType.BY_ID, "0001", List.of(Tlv.of(0x82, new byte[] {0x04, 0x41, 0x00, 0x10, 0x04})),
                SCardFlag.NONE, null);
        assertThat(files.directory(FileType.VARIABLE_EF)).containsExactly("0001");
        SCardException notEmpty = failure(HResult.E_INVALIDARG, () -> files.delete(RefType.BY_ID, "3F00/6000",
                SCardFlag.NONE));
        assertThat(notEmpty.getMessage()).contains("the directory is not empty; delete it with SCardFlag.RECURSIVE");
        failure(HResult.E_INVALIDARG, () -> files.delete(RefType.BY_ID, "3F00/6000",
                EnumSet.of(SCardFlag.RECURSIVE, SCardFlag.NON_RECURSIVE)));
        files.delete(RefType.BY_ID, "3F00/6000", Set.of(SCardFlag.RECURSIVE));
        assertThat(files.getCurrentDir()).as("the deleted directory was current").isEqualTo("3F00");
        failure(HResult.SCARD_E_DIR_NOT_FOUND, () -> files.changeDir(RefType.BY_ID, "6000"));
        failure(HResult.E_INVALIDARG, () -> files.delete(RefType.BY_ID, "3F00", SCardFlag.NONE));
    }

    // ---- the attachment ----------------------------------------------------------------------------------------

    @Test
    void aReconnectKeepsTheInterfaceAndADetachEndsIt() {
        long handle = files.open(RefType.BY_ID, "3F00/2F01");
        card.manager().reconnect(dev.scard.api.Disposition.RESET);
        assertThat(files.read(handle, 5, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("SCard"));
        card.manager().detach();
        SCardException ended = failure(HResult.SCARD_E_INVALID_HANDLE, () -> files.read(handle, 5, SCardFlag.NONE));
        assertThat(ended.getMessage()).contains("the attachment this interface was created from has ended");
        failure(HResult.SCARD_E_INVALID_HANDLE, files::getCurrentDir);
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> files.close(handle));
        card.manager().attachByIfd(SampleCard.READER);
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> files.open(RefType.BY_ID, "3F00/2F01"));
    }
}
