package dev.scard.cardservices.internal;

import static dev.scard.cardservices.internal.IsoFileAccessScriptedTest.selectPath;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.RefType;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.api.Tlv;

/**
 * {@link IsoFileAccess} on a scripted card whose SELECT answers the status word alone (no FCP, as many field cards
 * do): the structure of an EF is unknown until the card's answers tell it, reads and writes try the transparent form
 * and switch to records on {@code 6981}, and a listing asks one SELECT {@code P1=02} per file to tell DFs from EFs.
 */
class NoFcpScriptedTest {
    private static final String SELECT_MF = "00A40004023F0000";
    private static final String RESELECT_MF = "00A4000C023F00";
    private static final String INCOMPATIBLE = "6981";

    private final ScriptedManager card = new ScriptedManager();
    private final IsoFileAccess files = new IsoFileAccess(card);

    /** The card: MF, EFs 2F00 (records), 2F01 (transparent), DF 5015; every SELECT answers 9000 without data. */
    @BeforeEach
    void bareSelectCard() {
        card.on(SELECT_MF, "9000");
        card.on(RESELECT_MF, "9000");
        card.otherwise = command -> {
            if (command.startsWith("00A408")) {
                int lc = Integer.parseInt(command.substring(8, 10), 16);
                String path = command.substring(10, 10 + 2 * lc);
                return Set.of("2F00", "2F01", "5015").contains(path) ? "9000" : "6A82";
            }
            if (command.startsWith("00A4020C02")) { // EF under the current DF
                return Set.of("2F00", "2F01").contains(command.substring(10, 14)) ? "9000" : "6A82";
            }
            return "6D00";
        };
    }

    @Test
    void aRecordFileIsReadWithReadRecordAfterThe6981ToReadBinaryAndTheHandleRemembersIt() {
        card.on("00B00000008000", INCOMPATIBLE);
        card.on("00B2010400", "610E4F0CA00000006350" + "9000");
        card.on("00B2020400", "6A83");
        long handle = files.open(RefType.BY_ID, "2F00");
        assertThat(files.getFileCapabilities(List.of(), SCardFlag.NONE)).as("unknown: nothing made up").isEmpty();

        assertThat(files.read(handle, 0, SCardFlag.NONE)).containsExactly(0x61, 0x0E, 0x4F, 0x0C, 0xA0, 0x00, 0x00,
                0x00, 0x63, 0x50);
        failure(HResult.SCARD_W_EOF, "cannot read 3F00/2F00 record 2", () -> files.read(handle, 0, SCardFlag.NONE));
        // open, GetFileCapabilities and each read select once (the manager's lock is not held)
        assertThat(card.sent).containsExactly(selectPath("2F00"), selectPath("2F00"), selectPath("2F00"),
                "00B00000008000", "00B2010400", selectPath("2F00"), "00B2020400");
        assertThat(files.getFileCapabilities(List.of(), SCardFlag.NONE)).as("records: which kind is not known")
                .isEmpty();
    }

    @Test
    void aRecordReadByNumberTriesReadBinaryAtThatPositionAndReadsThatRecord() {
        card.on("00B00001008000", INCOMPATIBLE);
        card.on("00B2020400", "6669786564207265636F726420320000" + "9000");
        long handle = files.open(RefType.BY_ID, "2F00");
        assertThat(files.seek(handle, SeekOrigin.FROM_BEGINNING, 1)).isEqualTo(1);
        assertThat(files.read(handle, 0, SCardFlag.NONE)).hasSize(16);
        assertThat(card.sent).endsWith("00B00001008000", "00B2020400");
        assertThat(files.seek(handle, SeekOrigin.RELATIVE, 0)).as("after record 2").isEqualTo(2);
    }

    @Test
    void aTransparentFileIsReadWithReadBinaryAndThenReportedAsTransparent() {
        card.on("00B00000008000", "53436172649000");
        long handle = files.open(RefType.BY_ID, "2F01");
        assertThat(files.read(handle, 0, SCardFlag.NONE)).containsExactly('S', 'C', 'a', 'r', 'd');
        List<Tlv> caps = files.getFileCapabilities(List.of(), SCardFlag.NONE);
        assertThat(caps).containsExactly(Tlv.of(0x82, new byte[] {0x01}));
        assertThat(card.sent).doesNotContain("00B2010400");
        files.close(handle);
        assertThat(files.getFileCapabilities(List.of(), SCardFlag.NONE)).as("closed: the card's own answer only")
                .isEmpty();
        assertThat(files.getProperties(RefType.BY_ID, "2F01", SCardFlag.NONE)).isEmpty();
    }

    @Test
    void anUpdateOfARecordFileSendsUpdateRecordAfterThe6981ToUpdateBinary() {
        card.on("00D6000104AABBCCDD", INCOMPATIBLE);
        card.on("00DC020404AABBCCDD", "9000");
        card.on("00DC030402EEFF", "9000");
        long handle = files.open(RefType.BY_ID, "2F00");
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 1);
        files.write(handle, new byte[] {(byte) 0xAA, (byte) 0xBB, (byte) 0xCC, (byte) 0xDD}, SCardFlag.NONE);
        files.write(handle, new byte[] {(byte) 0xEE, (byte) 0xFF}, SCardFlag.NONE);
        assertThat(card.sent).containsExactly(selectPath("2F00"), selectPath("2F00"), "00D6000104AABBCCDD",
                "00DC020404AABBCCDD", selectPath("2F00"), "00DC030402EEFF");
    }

    @Test
    void anUpdateOfATransparentFileIsUpdateBinaryAndALaterRecordRefusalIsTheCardsAnswer() {
        card.on("00D6000402CAFE", "9000");
        card.on("00D6000602BEEF", INCOMPATIBLE);
        long handle = files.open(RefType.BY_ID, "2F01");
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 4);
        files.write(handle, new byte[] {(byte) 0xCA, (byte) 0xFE}, SCardFlag.NONE);
        assertThat(files.seek(handle, SeekOrigin.RELATIVE, 0)).isEqualTo(6);
        // learned transparent: a 6981 now is a failure, not a switch to records
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, "6981", () -> files.write(handle,
                new byte[] {(byte) 0xBE, (byte) 0xEF}, SCardFlag.NONE));
        assertThat(card.sent).doesNotContain("00DC070402BEEF").filteredOn(c -> c.startsWith("00DC")).isEmpty();
    }

    @Test
    void aReadRefusedOtherwiseFailsAndLearnsNothing() {
        card.on("00B00000008000", "6982");
        long handle = files.open(RefType.BY_ID, "2F00");
        failure(HResult.SCARD_E_NO_ACCESS, "cannot read 3F00/2F00", () -> files.read(handle, 0, SCardFlag.NONE));
        assertThat(card.sent).filteredOn(c -> c.startsWith("00B2")).isEmpty();
        card.on("00B00000008000", INCOMPATIBLE);
        card.on("00B2010400", "01029000");
        assertThat(files.read(handle, 0, SCardFlag.NONE)).containsExactly(1, 2);
    }

    @Test
    void aListingAsksOneSelectP1_02PerFileToTellADfFromAnEf() {
        // no LIST FILES (6D00): the well-known identifiers, then one SELECT P1=02 per file found
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(files.directory(FileType.DIRECTORIES)).containsExactly("5015");
        assertThat(files.directory(FileType.FILES)).containsExactly("2F00", "2F01");
        assertThat(card.sent).filteredOn(c -> c.startsWith("00A4020C")).containsExactly(
                "00A4020C022F00", "00A4020C022F01", "00A4020C025015",
                "00A4020C022F00", "00A4020C022F01", "00A4020C025015",
                "00A4020C022F00", "00A4020C022F01", "00A4020C025015");
        assertThat(files.directory(FileType.TRANSPARENT_EF)).as("the kind of an EF is not known").isEmpty();
    }

    @Test
    void aCardThatRefusesSelectP1_02ListsEveryFileAsAnEf() {
        card.otherwise = command -> {
            if (command.startsWith("00A408")) {
                int lc = Integer.parseInt(command.substring(8, 10), 16);
                return Set.of("2F00", "5015").contains(command.substring(10, 10 + 2 * lc)) ? "9000" : "6A82";
            }
            return command.startsWith("00A4020C") ? "6A86" : "6D00";
        };
        assertThat(files.directory(FileType.DIRECTORIES)).isEmpty();
        assertThat(files.directory(FileType.FILES)).containsExactly("2F00", "5015");
    }
}
