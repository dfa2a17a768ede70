package dev.scard.cardservices.internal;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.RefType;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.api.Tlv;
import dev.scard.iso7816.BerTlv;
import dev.scard.testsupport.Expect;
import dev.scard.testsupport.Worker;

/** {@link IsoFileAccess} against scripted card answers: which APDUs it sends and how it reads the answers. */
class IsoFileAccessScriptedTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final ScriptedManager card = new ScriptedManager();
    private final IsoFileAccess files = new IsoFileAccess(card);

    /** A transparent EF's FCP (as the simulated card writes it) followed by {@code sw}. */
    static String transparentFcp(String fid, int size, String sw) {
        String s = String.format("%04X", size);
        String body = "82020141" + "8302" + fid + "8002" + s + "8102" + s + "8800" + "8A01" + "05";
        return String.format("62%02X", body.length() / 2) + body + sw;
    }

    static String recordFcp(String fid, int descriptor, int recordLength, int count, String sw) {
        String body = String.format("8205%02X41%04X%02X", descriptor, recordLength, count) + "8302" + fid
                + String.format("8002%04X8102%04X", recordLength * count, recordLength * count) + "880158" + "8A0105";
        return String.format("62%02X", body.length() / 2) + body + sw;
    }

    static String dfFcp(String fid, String sw) {
        String body = "820138" + "8302" + fid + "8A0105";
        return String.format("62%02X", body.length() / 2) + body + sw;
    }

    /** SELECT by path from the MF with the FCP: {@code path} without 3F00. */
    static String selectPath(String path) {
        return String.format("00A40804%02X%s00", path.length() / 2, path);
    }

    static String data(int from, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (from + i);
        }
        return HEX.formatHex(bytes);
    }

    @Test
    void aWholeReadOfA32KiBFileIsOneSelectAndOneExtendedReadBinary() {
        card.on(selectPath("50154401"), transparentFcp("4401", 32768, "9000"));
        card.on("00B00000008000", data(0, 32768) + "9000");
        long handle = files.open(RefType.BY_ID, "3F00/5015/4401");
        assertThat(handle).isEqualTo(1);
        byte[] read = files.read(handle, 0, SCardFlag.NONE);
        assertThat(read).hasSize(32768);
        assertThat(read[300]).isEqualTo((byte) 300);
        assertThat(card.sent).containsExactly(selectPath("50154401"), selectPath("50154401"), "00B00000008000");
        failure(HResult.SCARD_W_EOF,
                "cannot read 3F00/5015/4401: the position 32768 is at the end of the file (32768 bytes)",
                () -> files.read(handle, 1, SCardFlag.NONE));
    }

    @Test
    void aCardThatRefusesExtendedLengthsIsReadInShortPiecesFromThenOn() {
        card.on("00A40004023F0000", dfFcp("3F00", "9000"));
        card.on(selectPath("4401"), transparentFcp("4401", 600, "9000"));
        card.on("00B00000000258", "6700");
        card.otherwise = command -> {
            if (command.startsWith("00B0")) {
                int offset = Integer.parseInt(command.substring(4, 8), 16);
                int le = Integer.parseInt(command.substring(8, 10), 16);
                int n = Math.min(le == 0 ? 256 : le, 600 - offset);
                return data(offset, n) + "9000";
            }
            return "6D00";
        };
        files.changeDir(RefType.BY_ID, "3F00");
        long handle = files.open(RefType.BY_ANY, "4401");
        byte[] all = files.read(handle, 0, SCardFlag.NONE);
        assertThat(all).hasSize(600);
        assertThat(all[599]).isEqualTo((byte) 599);
        assertThat(card.sent.subList(3, card.sent.size()))
                .containsExactly("00B00000000258", "00B0000000", "00B0010000", "00B0020058");
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 0);
        card.sent.clear();
        assertThat(files.read(handle, 300, SCardFlag.NONE)).hasSize(300);
        assertThat(card.sent).containsExactly(selectPath("4401"), "00B0000000", "00B001002C");
    }

    @Test
    void offsetsBeyond32767UseTheOddReadAndUpdateBinary() {
        card.on(selectPath("4405"), transparentFcp("4405", 40000, "9000"));
        // 40000 - 32768 = 7232 = 0x1C40 bytes; Ne = 7236 = 0x1C44
        card.on("00B1000000000454028000" + "1C44", "53821C40" + data(0, 7232) + "9000");
        card.on("00D70000" + "08" + "5402" + "9C3E" + "5302" + "ABCD", "9000");
        long handle = files.open(RefType.BY_ID, "3F00/4405");
        assertThat(files.seek(handle, SeekOrigin.FROM_END, -7232)).isEqualTo(32768);
        assertThat(files.read(handle, 0, SCardFlag.NONE)).hasSize(7232);
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 39998);
        files.write(handle, new byte[] {(byte) 0xAB, (byte) 0xCD}, SCardFlag.NONE);
        assertThat(files.seek(handle, SeekOrigin.RELATIVE, 0)).isEqualTo(40000);
        assertThat(card.sent).contains("00D70000085402" + "9C3E" + "5302ABCD");
    }

    @Test
    void aReadThatCrossesTheEndReturnsWhatIsThere() {
        card.on(selectPath("2F01"), transparentFcp("2F01", 64, "9000"));
        card.on("00B0003C04", data(60, 4) + "9000");
        long handle = files.open(RefType.BY_ID, "3F00/2F01");
        files.seek(handle, SeekOrigin.FROM_END, -4);
        assertThat(files.read(handle, 100, SCardFlag.NONE)).hasSize(4);
        failure(HResult.SCARD_W_EOF, "position 64", () -> files.read(handle, 100, SCardFlag.NONE));
    }

    @Test
    void writesThatDoNotFitFailBeforeAnythingIsSent() {
        card.on(selectPath("2F01"), transparentFcp("2F01", 64, "9000"));
        long handle = files.open(RefType.BY_ID, "3F00/2F01");
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 60);
        card.sent.clear();
        failure(HResult.SCARD_E_WRITE_TOO_MANY,
                "cannot write 5 bytes to 3F00/2F01 at position 60: the file has 64 bytes, room for 4",
                () -> files.write(handle, new byte[5], SCardFlag.NONE));
        assertThat(card.sent).containsExactly(selectPath("2F01"));
        card.on("00D6003C0401020304", "9000");
        files.write(handle, new byte[] {1, 2, 3, 4}, SCardFlag.NONE);
        assertThat(files.seek(handle, SeekOrigin.RELATIVE, 0)).isEqualTo(64);
        files.write(handle, new byte[0], SCardFlag.NONE); // nothing to write: nothing sent
        assertThat(card.sent).hasSize(3);
    }

    @Test
    void recordFilesReadAndWriteRecordByRecord() {
        card.on(selectPath("50155031"), recordFcp("5031", 0x02, 16, 5, "9000"));
        card.on("00B2010400", data(0, 16) + "9000");
        card.on("00B2050400", data(64, 16) + "9000");
        long handle = files.open(RefType.BY_ID, "3F00/5015/5031");
        assertThat(files.read(handle, 0, SCardFlag.NONE)).hasSize(16);
        assertThat(files.seek(handle, SeekOrigin.FROM_END, -1)).isEqualTo(4);
        assertThat(files.read(handle, 4, SCardFlag.NONE)).as("bounded by bytesToRead").hasSize(4);
        failure(HResult.SCARD_W_EOF, "the position 5 is at the end of the file (5 records)",
                () -> files.read(handle, 0, SCardFlag.NONE));
        card.on("00E2000010" + data(0, 16), "6A84");
        failure(HResult.SCARD_E_WRITE_TOO_MANY, "cannot write 16 bytes to 3F00/5015/5031 (a new record): SW 6A84",
                () -> files.write(handle, HEX.parseHex(data(0, 16)), SCardFlag.NONE));
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 1);
        card.on("00DC020410" + data(1, 16), "9000");
        files.write(handle, HEX.parseHex(data(1, 16)), SCardFlag.NONE);
        assertThat(files.seek(handle, SeekOrigin.RELATIVE, 0)).isEqualTo(2);
        failure(HResult.SCARD_E_WRITE_TOO_MANY, "its records hold at most 16 bytes",
                () -> files.write(handle, new byte[17], SCardFlag.NONE));
        failure(HResult.E_INVALIDARG, "its records have exactly 16 bytes",
                () -> files.write(handle, new byte[3], SCardFlag.NONE));
        assertThat(card.sent).contains("00B2010400", "00B2050400", "00DC020410" + data(1, 16));
    }

    @Test
    void notFoundSaysWhichPartOfThePathIsMissing() {
        card.on(selectPath("99994401"), "6A82");
        card.on(selectPath("9999"), "6A82");
        card.on("00A40004023F0000", dfFcp("3F00", "9000"));
        failure(HResult.SCARD_E_DIR_NOT_FOUND,
                "cannot open 3F00/9999/4401: directory 3F00/9999 not found (SW 6A82 file or application not found)",
                () -> files.open(RefType.BY_ID, "3F00/9999/4401"));
        card.on(selectPath("2F001234"), "6A82");
        card.on(selectPath("2F00"), transparentFcp("2F00", 20, "9000"));
        failure(HResult.SCARD_E_NO_DIR, "3F00/2F00 is a file, not a directory",
                () -> files.open(RefType.BY_ID, "3F00/2F00/1234"));
        card.on(selectPath("50159999"), "6A82");
        card.on(selectPath("5015"), dfFcp("5015", "9000"));
        failure(HResult.SCARD_E_FILE_NOT_FOUND, "file 3F00/5015/9999 not found",
                () -> files.open(RefType.BY_ID, "3F00/5015/9999"));
        failure(HResult.SCARD_E_DIR_NOT_FOUND, "cannot change to 3F00/5015/9999: directory 3F00/5015/9999 not found",
                () -> files.changeDir(RefType.BY_ID, "3F00/5015/9999"));
        failure(HResult.SCARD_E_NO_DIR, "cannot change to 3F00/2F00: it is a file, not a directory",
                () -> files.changeDir(RefType.BY_ID, "3F00/2F00"));
        failure(HResult.SCARD_E_NO_FILE, "cannot open 3F00/5015: it is a directory, not a file",
                () -> files.open(RefType.BY_ID, "3F00/5015"));
        assertThat(files.getCurrentDir()).isEqualTo("3F00");
    }

    @Test
    void cardsWithoutPathSelectionAreSelectedLevelByLevel() {
        card.otherwise = command -> command.startsWith("00A408") ? "6A86" : "6D00";
        card.on("00A4000C023F00", "9000");
        card.on("00A4000C025015", "9000");
        card.on("00A4000402440100", transparentFcp("4401", 10, "9000"));
        long handle = files.open(RefType.BY_ID, "3F00/5015/4401");
        assertThat(handle).isPositive();
        assertThat(card.sent).containsExactly(selectPath("50154401"), "00A4000C023F00", "00A4000C025015",
                "00A4000402440100");
        card.sent.clear();
        files.open(RefType.BY_ID, "3F00/5015/4401");
        assertThat(card.sent).as("path selection is not tried again").hasSize(3);
    }

    @Test
    void aDfNameIsResolvedToItsAbsolutePathThroughItsParents() {
        String aid = "A000000063504B43532D3135";
        card.on("00A404040C" + aid + "00", dfFcp("5015", "9000"));
        card.on("00A4030400", dfFcp("3F00", "9000"));
        card.on(selectPath("5015"), dfFcp("5015", "9000"));
        files.changeDir(RefType.BY_NAME, "aid:" + aid);
        assertThat(files.getCurrentDir()).isEqualTo("3F00/5015");
        files.changeDir(RefType.BY_NAME, aid.toLowerCase());
        assertThat(files.getCurrentDir()).isEqualTo("3F00/5015");
        card.on("00A4040402A00100", "6A82");
        failure(HResult.SCARD_E_DIR_NOT_FOUND, "no DF is named A001",
                () -> files.changeDir(RefType.BY_ANY, "aid:A001"));
    }

    @Test
    void invalidatedFilesCannotBeOpened() {
        card.on(selectPath("4402"), transparentFcp("4402", 32, "6283").replace("8A0105", "8A0104"));
        failure(HResult.SCARD_E_NO_ACCESS,
                "cannot open 3F00/4402: 3F00/4402 is invalidated (deactivated); rehabilitate it first",
                () -> files.open(RefType.BY_ID, "3F00/4402"));
        card.on("00A4080C024402", "6283");
        card.on("0044000000".substring(0, 8), "9000");
        files.rehabilitate("3F00/4402", SCardFlag.NONE);
        assertThat(card.sent).endsWith("00A4080C024402", "00440000");
    }

    @Test
    void statusWordsOfReadsAndWritesAreMapped() {
        card.on(selectPath("4402"), transparentFcp("4402", 32, "9000"));
        card.on("00B0000020", "6982");
        long handle = files.open(RefType.BY_ID, "3F00/4402");
        failure(HResult.SCARD_E_NO_ACCESS,
                "cannot read 3F00/4402 at offset 0: SW 6982 security status not satisfied; verify the PIN or"
                        + " authenticate first",
                () -> files.read(handle, 0, SCardFlag.NONE));
        card.on("00D6000001FF", "6985");
        failure(HResult.SCARD_E_NO_ACCESS, "the file is invalidated",
                () -> files.write(handle, new byte[] {(byte) 0xFF}, SCardFlag.NONE));
    }

    @Test
    void handlesAreCheckedAndClosedHandlesAreInvalid() {
        card.on(selectPath("2F01"), transparentFcp("2F01", 64, "9000"));
        long first = files.open(RefType.BY_ID, "3F00/2F01");
        long second = files.open(RefType.BY_ID, "3F00/2F01");
        assertThat(second).isEqualTo(first + 1);
        files.close(first);
        failure(HResult.SCARD_E_INVALID_HANDLE, "file handle 1 is not open", () -> files.close(first));
        failure(HResult.SCARD_E_INVALID_HANDLE, "file handle 1", () -> files.read(first, 1, SCardFlag.NONE));
        failure(HResult.SCARD_E_INVALID_HANDLE, "file handle 77", () -> files.seek(77, SeekOrigin.RELATIVE, 0));
        failure(HResult.SCARD_E_INVALID_HANDLE, "-1", () -> files.write(-1, new byte[1], SCardFlag.NONE));
        assertThat(files.openHandles()).containsExactly(second);
    }

    @Test
    void seekStaysWithinTheFile() {
        card.on(selectPath("2F01"), transparentFcp("2F01", 64, "9000"));
        long handle = files.open(RefType.BY_ID, "3F00/2F01");
        assertThat(files.seek(handle, SeekOrigin.FROM_END, 0)).isEqualTo(64);
        assertThat(files.seek(handle, SeekOrigin.RELATIVE, -14)).isEqualTo(50);
        failure(HResult.SCARD_E_BAD_SEEK,
                "cannot seek in 3F00/2F01 to RELATIVE 15: the position must stay within 0 to 64 bytes",
                () -> files.seek(handle, SeekOrigin.RELATIVE, 15));
        failure(HResult.SCARD_E_BAD_SEEK, "0 to 64", () -> files.seek(handle, SeekOrigin.FROM_BEGINNING, -1));
        failure(HResult.SCARD_E_BAD_SEEK, "0 to 64", () -> files.seek(handle, SeekOrigin.RELATIVE, Long.MAX_VALUE));
        failure(HResult.E_INVALIDARG, "origin must not be null", () -> files.seek(handle, null, 0));
        assertThat(files.seek(handle, SeekOrigin.RELATIVE, 0)).as("failed seeks do not move").isEqualTo(50);
    }

    @Test
    void flagsAndArgumentsAreChecked() {
        card.on(selectPath("2F01"), transparentFcp("2F01", 64, "9000"));
        long handle = files.open(RefType.BY_ID, "3F00/2F01");
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, "secure messaging",
                () -> files.read(handle, 1, Set.of(SCardFlag.SECURE_MESSAGING)));
        failure(HResult.E_INVALIDARG, "flags must not be null", () -> files.read(handle, 1, null));
        failure(HResult.E_INVALIDARG, "bytes to read must not be negative, was -1",
                () -> files.read(handle, -1, SCardFlag.NONE));
        failure(HResult.E_INVALIDARG, "data must not be null", () -> files.write(handle, null, SCardFlag.NONE));
        failure(HResult.E_INVALIDARG, "file type must not be null", () -> files.directory(null));
        failure(HResult.E_INVALIDARG, "query", () -> files.getFileCapabilities(null, SCardFlag.NONE));
        failure(HResult.E_INVALIDARG, "tags must not be null",
                () -> files.getProperties(RefType.BY_ID, "3F00", SCardFlag.NONE, (int[]) null));
        failure(HResult.E_INVALIDARG, "properties need a file descriptor (tag 82)",
                () -> files.create(RefType.BY_ID, "4410", List.of(Tlv.of(0x80, new byte[] {0, 16})), SCardFlag.NONE,
                        null));
        failure(HResult.E_INVALIDARG, "the MF cannot be deleted",
                () -> files.delete(RefType.BY_ID, "3F00", SCardFlag.NONE));
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, "no command to change FCP tag 80",
                () -> files.setProperties(RefType.BY_ID, "3F00/2F01", List.of(Tlv.of(0x80, new byte[] {1})),
                        SCardFlag.NONE));
        failure(HResult.E_INVALIDARG, "01 to 1E", () -> files.open(RefType.BY_SHORT_ID, "sfi:1F"));
        failure(HResult.SCARD_E_NO_DIR, "names an EF", () -> files.changeDir(RefType.BY_SHORT_ID, "sfi:01"));
    }

    @Test
    void getPropertiesReturnsTheFcpEntriesAskedFor() {
        card.on(selectPath("2F01"), transparentFcp("2F01", 64, "9000"));
        List<Tlv> all = files.getProperties(RefType.BY_ID, "3F00/2F01", SCardFlag.NONE);
        assertThat(all).extracting(Tlv::tag).containsExactly(0x82, 0x83, 0x80, 0x81, 0x88, 0x8A);
        List<Tlv> some = files.getProperties(RefType.BY_ID, "3F00/2F01", SCardFlag.NONE, 0x80, 0x84);
        assertThat(some).containsExactly(Tlv.of(0x80, new byte[] {0, 64}), Tlv.missing(0x84));
        files.open(RefType.BY_ID, "3F00/2F01");
        assertThat(files.getFileCapabilities(List.of(Tlv.missing(0x83)), SCardFlag.NONE))
                .containsExactly(Tlv.of(0x83, new byte[] {0x2F, 0x01}));
    }

    @Test
    void createSendsOneFcpTemplateIntoTheDirectory() {
        card.on(selectPath("5015"), dfFcp("5015", "9000"));
        card.on("00E000000E620C82020141800200108302" + "4410", "9000");
        files.create(RefType.BY_ID, "3F00/5015/4410", List.of(Tlv.of(0x82, new byte[] {0x01, 0x41}),
                Tlv.of(0x80, new byte[] {0x00, 0x10})), SCardFlag.NONE, null);
        assertThat(card.sent).containsExactly(selectPath("5015"), "00E000000E620C82020141800200108302" + "4410");
    }

    @Test
    void afterTheAttachmentEndedEveryMethodFailsWithInvalidHandle() {
        card.on(selectPath("2F01"), transparentFcp("2F01", 64, "9000"));
        long handle = files.open(RefType.BY_ID, "3F00/2F01");
        card.attached = false;
        String ended = "the attachment this interface was created from has ended";
        List<Expect.Call> calls = List.of(
                () -> files.changeDir(RefType.BY_ID, "3F00"),
                () -> files.close(handle),
                () -> files.create(RefType.BY_ID, "4410", List.of(), SCardFlag.NONE, null),
                () -> files.delete(RefType.BY_ID, "2F01", SCardFlag.NONE),
                () -> files.directory(FileType.ALL_FILES),
                files::getCurrentDir,
                () -> files.getFileCapabilities(List.of(), SCardFlag.NONE),
                () -> files.getProperties(RefType.BY_ID, "2F01", SCardFlag.NONE),
                () -> files.invalidate("2F01", SCardFlag.NONE),
                () -> files.open(RefType.BY_ID, "2F01"),
                () -> files.read(handle, 1, SCardFlag.NONE),
                () -> files.rehabilitate("2F01", SCardFlag.NONE),
                () -> files.seek(handle, SeekOrigin.FROM_BEGINNING, 0),
                () -> files.setProperties(RefType.BY_ID, "2F01", List.of(), SCardFlag.NONE),
                () -> files.write(handle, new byte[1], SCardFlag.NONE));
        for (Expect.Call call : calls) {
            failure(HResult.SCARD_E_INVALID_HANDLE, ended, call);
        }
        assertThat(calls).hasSize(15);
    }

    // ---- review findings ---------------------------------------------------------------------------------------

    @Test
    void selectAndCommandAreOneSequenceAcrossInterfacesOfOneView() throws Exception {
        java.util.concurrent.CountDownLatch inSelect = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean();
        card.otherwise = command -> {
            if (command.equals(selectPath("50154401"))) {
                if (writing.get()) {
                    inSelect.countDown();
                    try {
                        release.await(5, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return transparentFcp("4401", 16, "9000");
            }
            if (command.equals(selectPath("50154402"))) {
                return transparentFcp("4402", 16, "9000");
            }
            return command.startsWith("00D6") ? "9000" : "6D00";
        };
        IsoFileAccess other = new IsoFileAccess(card); // a second interface over the same view
        long handle = files.open(RefType.BY_ID, "3F00/5015/4401");
        card.sent.clear();
        writing.set(true);
        Worker<Void> a = Worker.start("write-4401", () -> {
            files.write(handle, new byte[] {1}, SCardFlag.NONE);
            return null;
        });
        assertThat(inSelect.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Worker<Long> b = Worker.start("open-4402", () -> other.open(RefType.BY_ID, "3F00/5015/4402"));
        Thread.sleep(200); // without the shared lock, b's SELECT would get in here
        release.countDown();
        a.get(Duration.ofSeconds(5));
        b.get(Duration.ofSeconds(5));
        assertThat(card.sent).containsExactly(selectPath("50154401"), "00D600000101", selectPath("50154402"));
    }

    @Test
    void aHugeFcpSizeDoesNotAllocateTheClaimedSize() {
        String body = "82020141" + "83024401" + "80047FFFFFF0" + "8A0105";
        card.on(selectPath("4401"), String.format("62%02X", body.length() / 2) + body + "9000");
        card.on("00B00000008000", data(0, 32768) + "9000");
        card.otherwise = command -> command.startsWith("00B1") ? "6B00" : "6D00";
        long handle = files.open(RefType.BY_ID, "3F00/4401");
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThat(files.read(handle, 0, SCardFlag.NONE)).hasSize(32768);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("the card claims 2 GB; the read allocates for what it got").isLessThan(16L << 20);
    }

    @Test
    void tooLongCommandsAreArgumentErrorsNotIllegalArgumentExceptions() {
        card.on("00A40004023F0000", dfFcp("3F00", "9000"));
        failure(HResult.E_INVALIDARG, "more than one APDU",
                () -> files.create(RefType.BY_ID, "3F00/6000",
                        List.of(Tlv.of(0x82, new byte[] {0x01}), Tlv.of(0xC0, new byte[70000])), SCardFlag.NONE, null));
        failure(HResult.E_INVALIDARG, "FF01 is not an FCP entry tag",
                () -> files.create(RefType.BY_ID, "3F00/6000",
                        List.of(Tlv.of(0x82, new byte[] {0x01}), Tlv.of(0xFF01, new byte[] {1})), SCardFlag.NONE,
                        null));
        assertThat(BerTlv.validTag(0xFF01)).isFalse();
        assertThat(BerTlv.validTag(0x5F20)).isTrue();

        String body = "82020441" + "83024401" + "8A0105"; // a variable record EF that does not tell its sizes
        card.on(selectPath("4401"), String.format("62%02X", body.length() / 2) + body + "9000");
        long handle = files.open(RefType.BY_ID, "3F00/4401");
        failure(HResult.SCARD_E_WRITE_TOO_MANY, "at most 65535 bytes",
                () -> files.write(handle, new byte[70000], SCardFlag.NONE));
    }

    @Test
    void createRefusesReservedFileIdentifiersInProperty83() {
        card.on("00A40004023F0000", dfFcp("3F00", "9000"));
        for (String fid : List.of("3F00", "3FFF", "FFFF")) {
            card.sent.clear();
            failure(HResult.E_INVALIDARG, "reserved file identifier " + fid,
                    () -> files.create(RefType.BY_NAME, "A000000063",
                            List.of(Tlv.of(0x82, new byte[] {0x38}), Tlv.of(0x83, HEX.parseHex(fid))),
                            SCardFlag.NONE, null));
            assertThat(card.sent).isEmpty();
        }
    }

    @Test
    void unicodeDigitsInAPathAreNoHexDigits() {
        failure(HResult.E_INVALIDARG, "which is not a hex digit",
                () -> files.open(RefType.BY_ID, "3F00/\u0665\u0660\u0661\u0665"));
        failure(HResult.E_INVALIDARG, "which is not a hex digit",
                () -> files.open(RefType.BY_NAME, "aid:A0000000\uFF16\uFF13"));
    }
}
