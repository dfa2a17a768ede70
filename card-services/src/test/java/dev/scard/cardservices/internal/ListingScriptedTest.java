package dev.scard.cardservices.internal;

import static dev.scard.cardservices.internal.IsoFileAccessScriptedTest.dfFcp;
import static dev.scard.cardservices.internal.IsoFileAccessScriptedTest.recordFcp;
import static dev.scard.cardservices.internal.IsoFileAccessScriptedTest.selectPath;
import static dev.scard.cardservices.internal.IsoFileAccessScriptedTest.transparentFcp;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.RefType;
import dev.scard.api.SCardFlag;

/**
 * How {@link IsoFileAccess} lists a DF ({@link Listing}) against scripted answers: with the card's LIST FILES
 * ({@code 80 16 00 00}) and each listed file selected once, and by probing every file identifier when the card has
 * no LIST FILES (remembered) or refuses it this once (not remembered).
 */
class ListingScriptedTest {
    private static final String SELECT_MF = "00A40004023F0000";
    private static final String LIST = "8016000000";
    /** The MF selected again after a listing selected other files (the current DF for local PINs). */
    private static final String RESELECT_MF = "00A4000C023F00";
    private static final String LIST_EXTENDED = "80160000000000";
    /** Commands a listing of the MF by probing sends: its SELECT, 65,533 probes, and one FCP SELECT per file. */
    /** The well-known identifiers a listing without LIST FILES tries, each with one SELECT. */
    private static final int TRIED = Listing.WELL_KNOWN.length;
    /** Reading EF.DIR ({@code 2F00}, one record) in the MF for the applications it names. */
    private static final String READ_EF_DIR = "00B2010400";

    private final ScriptedManager card = new ScriptedManager();
    private final IsoFileAccess files = new IsoFileAccess(card);
    /** The files on the scripted card, by path without 3F00, with their FCP and SW. */
    private final Map<String, String> fcps = new HashMap<>();
    /** What LIST FILES (any Le) answers. */
    private Function<String, String> listFiles = command -> "6D00";

    /** The scripted card: the MF, the files in {@link #fcps} (SELECT by path with and without FCP), LIST FILES. */
    private void sampleLikeCard() {
        fcps.put("2F00", recordFcp("2F00", 0x04, 32, 1, "9000"));
        fcps.put("2F01", transparentFcp("2F01", 64, "9000"));
        fcps.put("5015", dfFcp("5015", "9000"));
        card.on(SELECT_MF, dfFcp("3F00", "9000"));
        card.on(RESELECT_MF, "9000");
        card.otherwise = command -> {
            if (command.startsWith("8016")) {
                return listFiles.apply(command);
            }
            if (command.startsWith("00A408")) {
                int lc = Integer.parseInt(command.substring(8, 10), 16);
                String fcp = fcps.get(command.substring(10, 10 + 2 * lc));
                if (fcp == null) {
                    return "6A82";
                }
                return command.startsWith("00A4080C") ? fcp.substring(fcp.length() - 4) : fcp;
            }
            return "6D00";
        };
    }

    private int count(String command) {
        return Collections.frequency(card.sent, command);
    }

    @Test
    void directoryAsksListFilesOnceAndSelectsEachListedFileOnce() {
        sampleLikeCard();
        listFiles = command -> "5015" + "2F00" + "2F01" + "9000"; // in any order
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(card.sent).containsExactly(SELECT_MF, LIST, selectPath("2F00"), selectPath("2F01"),
                selectPath("5015"), RESELECT_MF);
        card.sent.clear();
        assertThat(files.directory(FileType.DIRECTORIES)).containsExactly("5015");
        assertThat(files.directory(FileType.FILES)).containsExactly("2F00", "2F01");
        assertThat(files.directory(FileType.VARIABLE_EF)).containsExactly("2F00");
        assertThat(files.directory(FileType.TRANSPARENT_EF)).containsExactly("2F01");
        assertThat(files.directory(FileType.CYCLIC_EF)).isEmpty();
        assertThat(card.sent).as("six APDUs per listing").hasSize(5 * 6);
        assertThat(count(LIST)).isEqualTo(5);
    }

    @Test
    void anEmptyDirectoryIsTwoApdus() {
        sampleLikeCard();
        listFiles = command -> "9000";
        assertThat(files.directory(FileType.ALL_FILES)).isEmpty();
        assertThat(card.sent).containsExactly(SELECT_MF, LIST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"6D00", "6E00", "6A86", "6A81", "6881"})
    void aCardWithoutListFilesGetsTheWellKnownIdentifiersTriedAndIsNotAskedAgain(String refusal) {
        sampleLikeCard();
        listFiles = command -> refusal;
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(card.sent).as("bounded: the DF, LIST FILES, %d identifiers, EF.DIR, the DF again", TRIED)
                .hasSize(1 + 1 + TRIED + 1 + 1);
        assertThat(card.sent.subList(0, 5)).containsExactly(SELECT_MF, LIST, selectPath("2F00"), READ_EF_DIR,
                selectPath("2F01"));
        assertThat(card.sent).contains(selectPath("5015"), selectPath("5031"), selectPath("7F20"))
                .doesNotContain("00A4080C020000", selectPath("3F00"), selectPath("3FFF"));
        card.sent.clear();
        assertThat(files.directory(FileType.DIRECTORIES)).containsExactly("5015");
        assertThat(card.sent).as("LIST FILES is not asked again").hasSize(1 + TRIED + 1 + 1).doesNotContain(LIST);
    }

    @Test
    void theApplicationsOfEfDirAreListedToo() {
        sampleLikeCard();
        listFiles = command -> "6D00";
        fcps.put("ABCD", "620F" + "820138" + "8302ABCD" + "8403A0B0C0" + "8A0105" + "9000"); // DF named A0B0C0
        card.on(READ_EF_DIR, "61054F03A0B0C0" + "9000");
        card.on("00A4040403A0B0C000", fcps.get("ABCD"));
        assertThat(files.directory(FileType.DIRECTORIES)).containsExactly("5015", "ABCD");
        assertThat(card.sent).containsSubsequence(selectPath("2F00"), READ_EF_DIR, "00A4040403A0B0C000",
                selectPath("ABCD"), selectPath("2F01"));
    }

    @Test
    void aListingWithoutListFilesEndsWhenTheThreadIsInterrupted() {
        sampleLikeCard();
        listFiles = command -> "6D00";
        Thread.currentThread().interrupt();
        try {
            failure(HResult.SCARD_E_CANCELLED, "cannot list 3F00: interrupted",
                    () -> files.directory(FileType.ALL_FILES));
        } finally {
            Thread.interrupted();
        }
        assertThat(card.sent).as("not one identifier tried").containsExactly(SELECT_MF, LIST);
    }

    @Test
    void otherRefusalsProbeThisListingOnly() {
        sampleLikeCard();
        listFiles = command -> "6982";
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(card.sent).hasSize(1 + 1 + TRIED + 1 + 1);
        card.sent.clear();
        listFiles = command -> "2F00" + "2F01" + "5015" + "9000";
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(card.sent).as("asked again, and answered").hasSize(6).contains(LIST);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "2F002F0150", // odd length
        "2F002F012F00", // an identifier twice
        "2F003F00", // the MF's identifier
        "2F01FFFF", // a reserved identifier
        "2F002F0150154444", // 4444 cannot be selected: this was no list of the DF
    })
    void answersThatAreNoListAreNotTrustedAgain(String answer) {
        sampleLikeCard();
        listFiles = command -> answer + "9000";
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(card.sent).contains(LIST, selectPath("6F00"));
        card.sent.clear();
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(card.sent).hasSize(1 + TRIED + 1 + 1).doesNotContain(LIST);
    }

    @Test
    void moreThan128FilesAreAskedForWithAnExtendedLe() {
        sampleLikeCard();
        StringBuilder list = new StringBuilder();
        for (int fid = 0x1000; fid < 0x1000 + 130; fid++) {
            String id = String.format("%04X", fid);
            fcps.put(id, transparentFcp(id, 1, "9000"));
            list.append(id);
        }
        card.on(LIST, "6700");
        card.on(LIST_EXTENDED, list + "9000");
        assertThat(files.directory(FileType.TRANSPARENT_EF)).hasSize(130).startsWith("1000", "1001")
                .endsWith("1081");
        assertThat(card.sent).hasSize(1 + 2 + 130 + 1);
        assertThat(card.sent.subList(0, 4)).containsExactly(SELECT_MF, LIST, LIST_EXTENDED, selectPath("1000"));
    }

    @Test
    void withoutExtendedLengthsALongListIsProbedButAskedForNextTime() {
        sampleLikeCard();
        card.on(LIST, "6700");
        card.on(LIST_EXTENDED, "6700"); // the card takes no extended APDUs
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(card.sent).hasSize(1 + 2 + TRIED + 1 + 1);
        card.sent.clear();
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(card.sent).as("short LIST FILES again, no extended one").hasSize(1 + 1 + TRIED + 1 + 1)
                .contains(LIST).doesNotContain(LIST_EXTENDED);
    }

    @Test
    void aWrongLeIsCorrectedOnce() {
        sampleLikeCard();
        card.on(LIST, "6C06");
        card.on("8016000006", "2F00" + "2F01" + "5015" + "9000");
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(card.sent).containsExactly(SELECT_MF, LIST, "8016000006", selectPath("2F00"), selectPath("2F01"),
                selectPath("5015"), RESELECT_MF);
    }

    @Test
    void aNonRecursiveDeleteOfADirectoryAsksOnlyWhetherItIsEmpty() {
        sampleLikeCard();
        fcps.put("6000", dfFcp("6000", "9000"));
        listFiles = command -> "4401" + "9000";
        failure(HResult.E_INVALIDARG,
                "cannot delete 3F00/5015: the directory is not empty; delete it with SCardFlag.RECURSIVE",
                () -> files.delete(RefType.BY_ID, "3F00/5015", SCardFlag.NONE));
        assertThat(card.sent).as("no listed file is selected").containsExactly(selectPath("5015"), LIST,
                RESELECT_MF);
        card.sent.clear();
        listFiles = command -> "9000";
        card.on("00E40000026000", "9000");
        files.delete(RefType.BY_ID, "3F00/6000", SCardFlag.NONE);
        assertThat(card.sent).as("DELETE FILE names the DF, from its parent").containsExactly(selectPath("6000"), LIST,
                RESELECT_MF, "00E40000026000");
    }

    @Test
    void deleteFileNamesItsFileAndFallsBackToTheCurrentFileFormOnlyWhenTheCardRefusesIt() {
        sampleLikeCard();
        card.on("00E40000022F01", "9000");
        files.delete(RefType.BY_ID, "2F01", Set.of(SCardFlag.RECURSIVE));
        assertThat(card.sent).as("the selected EF's DF is the current DF: no second SELECT")
                .containsExactly(selectPath("2F01"), "00E40000022F01");
        card.sent.clear();
        card.on("00E40000022F00", "6A86"); // this card wants the no-data form
        card.on("00E40000", "9000");
        files.delete(RefType.BY_ID, "2F00", SCardFlag.NONE);
        assertThat(card.sent).containsExactly(selectPath("2F00"), "00E40000022F00", "00A4080C022F00", "00E40000");
        card.sent.clear();
        files.delete(RefType.BY_ID, "2F00", SCardFlag.NONE);
        assertThat(card.sent).as("remembered: the no-data form at once").containsExactly(selectPath("2F00"),
                "00E40000");
        card.sent.clear();
        card.on("00E40000022F01", "6982");
        card.on("00E40000", "6982");
        failure(HResult.SCARD_E_NO_ACCESS, "cannot delete 3F00/2F01",
                () -> files.delete(RefType.BY_ID, "2F01", SCardFlag.NONE));
    }

    @Test
    void aNonRecursiveDeleteOnACardWithoutListFilesStopsAtTheFirstFileAndRefusesToGuessEmptiness() {
        sampleLikeCard();
        fcps.put("50155031", transparentFcp("5031", 1, "9000"));
        failure(HResult.E_INVALIDARG, "the directory is not empty",
                () -> files.delete(RefType.BY_ID, "3F00/5015", SCardFlag.NONE));
        assertThat(card.sent).containsExactly(selectPath("5015"), LIST, selectPath("50152F00"),
                selectPath("50152F01"), selectPath("50152F02"), selectPath("50152F03"), selectPath("50152F04"),
                selectPath("50152F05"), selectPath("50152F06"), selectPath("50152FE2"), selectPath("50155031"),
                RESELECT_MF);
        fcps.put("6000", dfFcp("6000", "9000"));
        card.sent.clear();
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, "cannot delete 3F00/6000 without SCardFlag.RECURSIVE: the card"
                        + " has no LIST FILES, so whether 3F00/6000 is empty cannot be told",
                () -> files.delete(RefType.BY_ID, "3F00/6000", SCardFlag.NONE));
        assertThat(card.sent).as("bounded").hasSize(1 + TRIED).doesNotContain("00E40000026000");
    }

    @Test
    void openByShortIdentifierSelectsListedFilesUntilItFindsIt() {
        sampleLikeCard();
        String sfi11 = recordFcp("5031", 0x02, 16, 5, "9000").replace("880158", "880188");
        fcps.put("50154401", transparentFcp("4401", 16, "9000"));
        fcps.put("50155031", sfi11);
        fcps.put("50155032", transparentFcp("5032", 8, "9000")); // no SFI (88 00)
        listFiles = command -> "4401" + "5031" + "5032" + "9000";
        files.changeDir(RefType.BY_ID, "3F00/5015");
        card.sent.clear();
        files.open(RefType.BY_SHORT_ID, "sfi:11");
        assertThat(card.sent).as("5031 first: its low five bits are 11").containsExactly(selectPath("5015"), LIST,
                selectPath("50155031"), "00A4080C025015", selectPath("50155031"));
        card.sent.clear();
        failure(HResult.SCARD_E_FILE_NOT_FOUND, "cannot open 'sfi:12': no EF of 3F00/5015 has the short identifier 12",
                () -> files.open(RefType.BY_SHORT_ID, "sfi:12"));
        assertThat(card.sent).containsExactly(selectPath("5015"), LIST, selectPath("50155032"),
                selectPath("50154401"), selectPath("50155031"), "00A4080C025015");
    }

    @Test
    void cardsWithoutPathSelectionAreListedLevelByLevel() {
        card.on(SELECT_MF, dfFcp("3F00", "9000"));
        card.on(LIST, "2F01" + "5015" + "9000");
        card.on("00A4000C023F00", "9000");
        card.on("00A40004022F0100", transparentFcp("2F01", 64, "9000"));
        card.on("00A4000402501500", dfFcp("5015", "9000"));
        card.otherwise = command -> command.startsWith("00A408") ? "6A86" : "6D00";
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F01", "5015");
        assertThat(files.directory(FileType.DIRECTORIES)).containsExactly("5015");
        card.on(LIST, "6D00");
        card.on("00A4000C022F01", "9000");
        card.on("00A4000C025015", "9000");
        card.otherwise = command -> command.startsWith("00A408") ? "6A86"
                : command.startsWith("00A4000C02") || command.startsWith("00A4000402") ? "6A82" : "6D00";
        card.sent.clear();
        assertThat(files.directory(FileType.ALL_FILES)).as("probed with the same level-by-level selection")
                .containsExactly("2F01", "5015");
        assertThat(card.sent).contains("00A40004022F0000", "00A40004026F0000").doesNotContain(selectPath("2F00"));
        card.otherwise = command -> command.startsWith("00A408") ? "6A86" : "6D00";
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, "cannot list 3F00: trying file identifier 2F00: SW 6D00",
                () -> files.directory(FileType.ALL_FILES));
    }

    @Test
    void identifiersAreCheckedAndSorted() {
        assertThat(Listing.identifiers(new byte[0])).isEmpty();
        assertThat(Listing.identifiers(new byte[] {0x50, 0x15, 0x2F, 0x00, 0x00, 0x01}))
                .containsExactly(0x0001, 0x2F00, 0x5015);
        assertThat(Listing.identifiers(new byte[] {0x50})).isNull();
        assertThat(Listing.identifiers(new byte[] {0x50, 0x15, 0x50, 0x15})).isNull();
        assertThat(Listing.identifiers(new byte[] {0x3F, 0x00})).isNull();
        assertThat(Listing.identifiers(new byte[] {0x3F, (byte) 0xFF})).isNull();
        assertThat(Listing.identifiers(new byte[] {(byte) 0xFF, (byte) 0xFF})).isNull();
    }
}
