package dev.scard.iso7816;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Decoding FCPs: the sample card's (as the simulator answers SELECT with them), and the rest of ISO 7816-4. */
class FcpTest {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    /** The sample card's FCPs, as SELECT ... P2=04 returns them (access rules in the expanded format, AB). */
    static final String PIN_01 = "A406830101950108";
    static final String MF = "6217 820138 83023F00 8A0105 AB0B 80011F " + PIN_01;
    static final String DF_5015 = "6225 820138 83025015 840CA000000063504B43532D3135 8A0105 AB0B 80011F " + PIN_01;
    static final String EF_2F00 = "6224 820504410020 01 83022F00 80020010 81020080 8800 8A0105 AB0A 800101 9000"
            + " 80011E 9700";
    static final String EF_2F01 = "6227 82020141 83022F01 80020040 81020040 8800 8A0105 AB10 800101 9000 80011E "
            + PIN_01;
    static final String EF_4401 = "6227 82020141 83024401 80028000 81028000 8800 8A0105 AB10 800101 9000 80011E "
            + PIN_01;
    static final String EF_4402 = "6222 82020141 83024402 80020020 81020020 8800 8A0105 AB0B 80011F " + PIN_01;
    static final String EF_5031 = "622B 8205024100100 5 83025031 80020050 81020050 880188 8A0105 AB10 800101 9000"
            + " 80011E " + PIN_01;
    static final String EF_5032 = "621F 82050641000803 83025032 80020018 81020018 8800 8A0105 AB05 80011F 9000";
    static final String EF_5033 = "621F 82050441002002 83025033 80020016 81020100 8800 8A0105 AB05 80011F 9000";

    static final String DF_PIN_01 = "DELETE (child) PIN 01, CREATE EF PIN 01, CREATE DF PIN 01, DEACTIVATE PIN 01,"
            + " ACTIVATE PIN 01";
    static final String READ_ALWAYS_REST_PIN_01 = "READ always, UPDATE PIN 01, WRITE PIN 01, DEACTIVATE PIN 01,"
            + " ACTIVATE PIN 01";

    private static Fcp fcp(String hex) {
        return Fcp.parse(HEX.parseHex(hex.replace(" ", "")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // name | FCP | category | structure | FID | data size | total size | max record | records | SFI | access
        "MF   | " + MF + "      | DF         |                 | 3F00 | -1    | -1    | -1 | -1 | -1 | " + DF_PIN_01,
        "5015 | " + DF_5015 + " | DF         |                 | 5015 | -1    | -1    | -1 | -1 | -1 | " + DF_PIN_01,
        "2F00 | " + EF_2F00 + " | WORKING_EF | LINEAR_VARIABLE | 2F00 | 16    | 128   | 32 | 1  | 0  | READ always,"
                + " UPDATE never, WRITE never, DEACTIVATE never, ACTIVATE never",
        "2F01 | " + EF_2F01 + " | WORKING_EF | TRANSPARENT     | 2F01 | 64    | 64    | -1 | -1 | 0  | "
                + READ_ALWAYS_REST_PIN_01,
        "4401 | " + EF_4401 + " | WORKING_EF | TRANSPARENT     | 4401 | 32768 | 32768 | -1 | -1 | 0  | "
                + READ_ALWAYS_REST_PIN_01,
        "4402 | " + EF_4402 + " | WORKING_EF | TRANSPARENT     | 4402 | 32    | 32    | -1 | -1 | 0  | READ PIN 01,"
                + " UPDATE PIN 01, WRITE PIN 01, DEACTIVATE PIN 01, ACTIVATE PIN 01",
        "5031 | " + EF_5031 + " | WORKING_EF | LINEAR_FIXED    | 5031 | 80    | 80    | 16 | 5  | 17 | "
                + READ_ALWAYS_REST_PIN_01,
        "5032 | " + EF_5032 + " | WORKING_EF | CYCLIC          | 5032 | 24    | 24    | 8  | 3  | 0  | READ always,"
                + " UPDATE always, WRITE always, DEACTIVATE always, ACTIVATE always",
        "5033 | " + EF_5033 + " | WORKING_EF | LINEAR_VARIABLE | 5033 | 22    | 256   | 32 | 2  | 0  | READ always,"
                + " UPDATE always, WRITE always, DEACTIVATE always, ACTIVATE always",
    })
    void decodesTheSampleCardsFcps(String name, String hex, Fcp.Category category, Fcp.Structure structure,
            String fid, long size, long total, int maxRecord, int records, int sfi, String access) {
        Fcp fcp = fcp(hex);
        assertThat(fcp.category()).as(name).isEqualTo(category);
        assertThat(fcp.isDf()).as(name).isEqualTo(category == Fcp.Category.DF);
        assertThat(fcp.structure()).as(name).isEqualTo(structure);
        assertThat(fcp.isRecordFile()).as(name).isEqualTo(structure != null && structure != Fcp.Structure.TRANSPARENT);
        assertThat(fcp.fid()).as(name).isEqualTo(Integer.parseInt(fid, 16));
        assertThat(fcp.size()).as(name).isEqualTo(size);
        assertThat(fcp.totalSize()).as(name).isEqualTo(total);
        assertThat(fcp.maxRecordSize()).as(name).isEqualTo(maxRecord);
        assertThat(fcp.recordCount()).as(name).isEqualTo(records);
        assertThat(fcp.sfi()).as(name).isEqualTo(sfi);
        assertThat(fcp.lifeCycle()).as(name).isEqualTo(0x05);
        assertThat(fcp.isDeactivated()).as(name).isFalse();
        assertThat(fcp.accessConditions()).as(name).containsExactly(access);
    }

    @Test
    void givesTheDfNameAndTheEntriesInTheCardsOrder() {
        Fcp df = fcp(DF_5015);
        assertThat(df.dfName()).isEqualTo(HEX.parseHex("A000000063504B43532D3135"));
        assertThat(df.count()).isEqualTo(5);
        assertThat(df.tagAt(0)).isEqualTo(0x82);
        assertThat(df.tagAt(4)).isEqualTo(0xAB);
        assertThat(df.valueAt(1)).containsExactly(0x50, 0x15);
        assertThat(df.value(0x8A)).containsExactly(0x05);
        assertThat(df.value(0x80)).isNull();
        assertThat(fcp(EF_2F01).dfName()).isNull();
        assertThat(fcp(EF_2F01)).hasToString("FCP 82=0141 83=2f01 80=0040 81=0040 88= 8A=05"
                + " AB=800101900080011ea406830101950108");
    }

    @Test
    void acceptsFciAndFmdTemplatesAndNothing() {
        assertThat(Fcp.parse(new byte[0])).isSameAs(Fcp.EMPTY);
        assertThat(Fcp.EMPTY.isEmpty()).isTrue();
        assertThat(Fcp.EMPTY.category()).isEqualTo(Fcp.Category.UNKNOWN);
        assertThat(fcp("6F03 820138").isDf()).isTrue();
        assertThat(fcp("6403 820138").isDf()).isTrue();
        byte[] withSw = HEX.parseHex("6203820101" + "9000");
        assertThat(Fcp.parse(withSw, withSw.length - 2).structure()).isEqualTo(Fcp.Structure.TRANSPARENT);
        assertThat(Fcp.ofObjects(HEX.parseHex("8201028A0104")).structure()).isEqualTo(Fcp.Structure.LINEAR_FIXED);
    }

    @Test
    void rejectsWhatIsNotOneTemplate() {
        assertThatIllegalArgumentException().isThrownBy(() -> fcp("8A0105"))
                .withMessage("expected an FCP template (62), found tag 8A");
        assertThatIllegalArgumentException().isThrownBy(() -> fcp("6F00 6F00"))
                .withMessage("expected one FCP template, found 2 objects");
        assertThatIllegalArgumentException().isThrownBy(() -> fcp("6205 8203"))
                .withMessage("tag 62 claims 5 bytes, 2 are left");
        assertThatIllegalArgumentException().isThrownBy(() -> fcp("6202 8203"))
                .withMessage("tag 82 claims 3 bytes, 0 are left");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "38, DF", "78, DF",                               // shareable DF
        "01, WORKING_EF", "41, WORKING_EF",               // shareable working EF
        "09, INTERNAL_EF", "11, PROPRIETARY_EF", "31, PROPRIETARY_EF",
        "39, DATA_OBJECT_EF", "3A, DATA_OBJECT_EF", "79, DATA_OBJECT_EF", "7A, DATA_OBJECT_EF",
        "3B, RESERVED", "3F, RESERVED", "7F, RESERVED",
        "81, PROPRIETARY", "B8, PROPRIETARY",
    })
    void classifiesTheDescriptorAsIso7816Table12Says(String fdb, Fcp.Category category) {
        assertThat(fcp("6203 8201" + fdb).category()).isEqualTo(category);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "01, TRANSPARENT", "02, LINEAR_FIXED", "03, LINEAR_FIXED_SIMPLE_TLV", "04, LINEAR_VARIABLE",
        "05, LINEAR_VARIABLE_SIMPLE_TLV", "06, CYCLIC", "07, CYCLIC_SIMPLE_TLV", "39, BER_TLV_DATA_OBJECTS",
        "3A, SIMPLE_TLV_DATA_OBJECTS", "0E, CYCLIC",
    })
    void namesEveryStructure(String fdb, Fcp.Structure structure) {
        assertThat(fcp("6203 8201" + fdb).structure()).isEqualTo(structure);
    }

    @Test
    void knowsNoStructureForDfsProprietaryDescriptorsAndNone() {
        for (String fdb : new String[] {"38", "00", "81", "3B"}) {
            assertThat(fcp("6203 8201" + fdb).structure()).as(fdb).isNull();
            assertThat(fcp("6203 8201" + fdb).isRecordFile()).as(fdb).isFalse();
        }
        assertThat(Fcp.Structure.LINEAR_VARIABLE.isVariable()).isTrue();
        assertThat(Fcp.Structure.CYCLIC.isVariable()).isFalse();
        assertThat(Fcp.Structure.CYCLIC.words()).isEqualTo("cyclic");
        assertThat(Fcp.Structure.BER_TLV_DATA_OBJECTS.isRecord()).isFalse();
    }

    @Test
    void aDfNameWithoutDescriptorSaysDf() {
        assertThat(fcp("6203 8401A0").category()).isEqualTo(Fcp.Category.DF);
        assertThat(fcp("6204 83025015").category()).isEqualTo(Fcp.Category.UNKNOWN);
    }

    @Test
    void readsTwoByteRecordFieldsAndSizesUpToFourBytes() {
        Fcp fcp = fcp("6211 8206024101000200 8004000100 00 8A0104");
        assertThat(fcp.maxRecordSize()).isEqualTo(256);
        assertThat(fcp.recordCount()).isEqualTo(512);
        assertThat(fcp.size()).isEqualTo(65536);
        assertThat(fcp.isDeactivated()).isTrue();
        assertThat(fcp("6203 820102").maxRecordSize()).isEqualTo(-1);
        assertThat(fcp("6205 8203024110").maxRecordSize()).isEqualTo(16);
        assertThat(fcp("6205 8203024110").recordCount()).isEqualTo(-1);
        assertThat(fcp("6207 800501000000 00").size()).isEqualTo(-1); // five bytes: not a size this decoder reads
    }

    @Test
    void readsTheShortIdentifierAsIso7816CodesIt() {
        assertThat(fcp("6206 8201018801 58").sfi()).isEqualTo(11);
        assertThat(fcp("6202 8800").sfi()).as("none").isZero();
        assertThat(fcp("6203 88010B").sfi()).as("bits 3-1 set: not ISO's coding").isEqualTo(-1);
        assertThat(fcp("6204 88020808").sfi()).isEqualTo(-1);
        assertThat(fcp("6207 820101 83024411").sfi()).as("no 88: bits 5-1 of the FID").isEqualTo(0x11);
        assertThat(fcp("6207 820138 83025015").sfi()).as("a DF has none").isEqualTo(-1);
        assertThat(fcp("6203 820101").sfi()).isEqualTo(-1);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "00|no information given (00)", "01|creation (01)", "03|initialisation (03)",
        "05|operational, activated (05)", "07|operational, activated (07)", "04|operational, deactivated (04)",
        "06|operational, deactivated (06)", "0C|termination (0C)", "0F|termination (0F)", "02|reserved (02)",
        "08|reserved (08)", "10|proprietary (10)", "FF|proprietary (FF)",
    })
    void namesTheLifeCycle(String lcs, String words) {
        assertThat(Fcp.lifeCycleWords(Integer.parseInt(lcs, 16))).isEqualTo(words);
    }

    @Test
    void decodesTheCompactSecurityAttributesAndNamesTheOthers() {
        assertThat(fcp("620D 820101 8C087F00FF11B0A0C0FF").accessConditions())
                .containsExactly("DELETE always, TERMINATE never, ACTIVATE PIN (SE 1), DEACTIVATE external"
                        + " authentication and PIN, WRITE external authentication, UPDATE secure messaging,"
                        + " READ never");
        assertThat(fcp("6207 820138 8C020610").accessConditions()).containsExactly("CREATE DF PIN, CREATE EF ?");
        assertThat(fcp("6205 820101 8C00").accessConditions())
                .containsExactly("compact format (8C) without access mode");
        assertThat(fcp("6206 820101 8C0180").accessConditions())
                .containsExactly("compact format (8C 80), proprietary access mode byte");
        assertThat(fcp("6206 820101 8C0100").accessConditions())
                .containsExactly("compact format (8C), no command named");
        assertThat(fcp("6210 8B032F0601 AB05800101A000 8600 A100").accessConditions()).containsExactly(
                "rules in EF.ARR (8B 2F 06 01)", "READ ()", "proprietary format (86), see the raw entries",
                "proprietary template (A1), see the raw entries");
        assertThat(fcp("6203 820101").accessConditions()).isEmpty();
        assertThat(Fcp.conditionWords(0x90)).isEqualTo("PIN");
        assertThat(Fcp.conditionWords(0x01)).isEqualTo("condition (SE 1)");
        assertThat(Fcp.conditionWords(0x70)).isEqualTo("secure messaging or external authentication or PIN");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // descriptor | content of AB | access conditions in words
        "01 | 800103 9000 | READ always, UPDATE always",
        "38 | 800146 9700 | CREATE EF never, CREATE DF never, DELETE (self) never",
        "01 | 800101 9000 800102 9E0111 | READ always, UPDATE PIN (SE 1)",
        "01 | 800102 A406830181950108 9000 | UPDATE PIN 81 or always",
        "01 | 800102 A406830101950180 B400 | UPDATE external authentication key 01 or secure messaging",
        "01 | 800101 A403830102 | READ authentication 02",
        "01 | 800101 A40683010295010C 9700 | READ PIN or biometric 02 or never",
        "01 | 800101 A406950140830103 | READ internal authentication key 03",
        "01 | 800101 AF0A 9000 A406830101950108 | READ (always and PIN 01)",
        "01 | 800101 A006 B600 A700 B800 | READ (secure messaging or not () or secure messaging)",
        "01 | 8401B0 9000 800101 | INS B0 always, READ ?",
        "01 | 8F0400A40000 9000 | CLA 00 INS A4 P1 00 P2 00 always",
        "01 | 8301B0 9000 | command B0 always",
        "01 | 800181 9000 | access mode 81 always",
        "01 | 8000 9000 | access mode (empty) always",
        "01 | 800101 900100 | READ always (90 00)",
        "01 | 800101 970100 | READ never (97 00)",
        "01 | 800101 9E00 | READ condition (9E )",
        "01 | 800101 9900 | READ condition 99",
        "01 | 800101 A401 | expanded format (AB), broken encoding, see the raw entries",
        "01 | 800101 A40183 | READ authentication (A4), broken encoding",
        "01 | 800101 A00183 | READ ?",
        "01 | 9000 | expanded format (AB), a condition before any access mode, see the raw entries",
        "01 |  | expanded format (AB), no command named",
        "01 | 800101 A00C A00A A008 A006 A004 A002 9000 | READ ((((?))))",
    })
    void decodesTheExpandedSecurityAttributes(String descriptor, String content, String words) {
        String ab = content == null ? "" : content.replace(" ", "");
        String body = "8201" + descriptor + String.format("AB%02X", ab.length() / 2) + ab;
        assertThat(fcp(String.format("62%02X", body.length() / 2) + body).accessConditions()).containsExactly(words);
    }

    @Test
    void namesTheFcpTags() {
        assertThat(Fcp.tagName(0x82)).isEqualTo("file descriptor");
        assertThat(Fcp.tagName(0x88)).isEqualTo("short EF identifier");
        assertThat(Fcp.tagName(0xA1)).isEqualTo("security attributes (proprietary template)");
        assertThat(Fcp.tagName(0x9F7F)).isEmpty();
    }
}
