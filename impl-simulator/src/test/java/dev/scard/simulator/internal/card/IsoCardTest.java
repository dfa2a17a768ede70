package dev.scard.simulator.internal.card;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.scard.api.Protocol;

/** Every instruction of the sample card, normal and error paths, with exact status words and data. */
class IsoCardTest extends CardTestSupport {

    static final String FCP_2F01 = "6227" + "82020141" + "83022F01" + "80020040" + "81020040" + "8800" + "8A0105"
            + "AB10" + "800101" + "9000" + "80011E" + "A406830101950108";
    static final String FCP_5015 = "6225" + "820138" + "83025015" + "840C" + AID_5015 + "8A0105"
            + "AB0B" + "80011F" + "A406830101950108";
    static final String FCP_5131 = "622B" + "82050241001005" + "83025131" + "80020050"
            + "81020050" + "880188" + "8A0105" + "AB10" + "800101" + "9000" + "80011E" + "A406830101950108";
    static final String FCP_5133 = "621F" + "82050441002002" + "83025133" + "80020016" + "81020100" + "8800"
            + "8A0105" + "AB05" + "80011F" + "9000";
    static final String TEXT_2F01 = padded("SCard simulator sample card", 64);

    @AfterEach
    void invariantsHold() {
        card.checkInvariants();
    }

    @Nested
    class CommandFormat {

        @Test
        void atrAndProtocolAreTheSimulatorsOwn() {
            assertThat(HEX.formatHex(card.atr())).isEqualTo("3B8801" + ascii("SCARDSIM") + "99");
            assertThat(card.protocol()).isEqualTo(Protocol.T1);
            card.atr()[0] = 0;
            assertThat(card.atr()[0]).as("a copy").isEqualTo((byte) 0x3B);
        }

        @ParameterizedTest
        @CsvSource({
            "FFA40000023F00, 6E00", // invalid class
            "80A40000023F00, 6E00", // proprietary
            "A0A40000023F00, 6E00",
            "20A40000023F00, 6E00", // reserved
            "01A40000023F00, 6881", // logical channel 1
            "40A40000023F00, 6881", // further interindustry, channel 4
            "0CA40000023F00, 6882", // secure messaging
            "04A40000023F00, 6882",
            "10A40000023F00, 6884", // chaining
            "00A40000023F,   6700", // Lc says 2, one byte follows
            "00A40000023F000000, 6700",
            "00A400000000,   6700", // an extended marker without room for a 2-byte field
            "00A400000000023F, 6700",
            "00A40C0C00000000, 6700", // extended Lc 0
            "00A4000C0000023F00, 9000", // extended case 3
            "00A4000C0000023F000000, 9000", // extended case 4
            "005E0000,       6D00", // unknown instructions
            "00CA9F7F00,     6D00",
            "00C0000000,     6D00", // GET RESPONSE under T=1
            "00D2010400,     6D00", // WRITE RECORD is not offered
            "000E000000,     6D00",
            "0070000001,     6881", // MANAGE CHANNEL
        })
        void classAndLengthRules(String command, String expected) {
            assertThat(send(command)).isEqualTo(expected);
        }

        @Test
        void tooShortOrNullIsAWrongLength() {
            assertThat(card.process(null)).containsExactly(0x67, 0x00);
            assertThat(card.process(new byte[0])).containsExactly(0x67, 0x00);
            assertThat(send("00A400")).isEqualTo("6700");
        }

        @Test
        void aHugeLcThatDoesNotMatchIsAWrongLength() {
            assertThat(send("00D600000000FFFF" + "00".repeat(100))).isEqualTo("6700");
            assertThat(send("00D6000000FFFF" + "00".repeat(65535))).isEqualTo("6986"); // well formed: no EF
        }
    }

    @Nested
    class Select {

        @ParameterizedTest
        @CsvSource({
            "00A40000023F00,   " + MF_FCP + "9000",
            "00A40004023F00,   " + MF_FCP + "9000",
            "00A40000023F0000, " + MF_FCP + "9000",
            "00A40000023F0019, " + MF_FCP + "9000", // Le exactly the FCP's length
            "00A40000,         " + MF_FCP + "9000", // no data: the MF
            "00A4000000,       " + MF_FCP + "9000",
            "00A4000C023F00,   9000",
            "00A4000C023F0000, 9000",
            "00A40000023F0005, 6C19", // Le too short: the right one
            "00A40000022F01,   " + FCP_2F01 + "9000",
            "00A40000025015,   " + FCP_5015 + "9000",
            "00A40100025015,   " + FCP_5015 + "9000", // child DF
            "00A40200022F01,   " + FCP_2F01 + "9000", // EF
            "00A40100022F01,   6A82", // an EF is no child DF
            "00A40200025015,   6A82", // a DF is no EF
            "00A40300,         6A82", // the MF has no parent
            "00A40400" + "0C" + AID_5015 + ", " + FCP_5015 + "9000",
            "00A4040C0BA000000063504B43532D31, 6A82", // a prefix of the name is not the name
            "00A4040C11000102030405060708090A0B0C0D0E0F10, 6700",
            "00A40800045015513100, " + FCP_5131 + "9000",
            "00A408000650155133500000, 6A82",
            "00A4080C063F0050155131, 9000", // a leading 3F00 is allowed
            "00A40800025333, 6A82",
            "00A40800023F00, " + MF_FCP + "9000",
            "00A4080C06501544010000, 6A82", // through an EF
            "00A4080C035015, 6700",
            "00A4090C0450155133, 9000", // path from the current DF (the MF)
            "00A40000033F0000, 6700",
            "00A4010C, 6700",
            "00A40300023F00, 6700",
            "00A40500023F00, 6A86",
            "00A40002023F00, 6A86",
            "00A40008023F00, 6A86",
            "00A4000002, 6C19", // five bytes: Le=2
        })
        void fromTheMf(String command, String expected) {
            assertThat(send(command.replace(" ", ""))).isEqualTo(expected);
        }

        @Test
        void fileIdentifierSearchOrder() {
            selectPath("5015");
            assertThat(sw("00A4000C024401")).as("a child").isEqualTo("9000");
            assertThat(card.currentEf().path()).isEqualTo("3F00/5015/4401");
            assertThat(sw("00A4000C024402")).as("a sibling of the current EF").isEqualTo("9000");
            assertThat(card.currentEf().path()).isEqualTo("3F00/5015/4402");
            assertThat(sw("00A4000C022F01")).as("a child of the parent").isEqualTo("9000");
            assertThat(card.currentEf().path()).isEqualTo("3F00/2F01");
            assertThat(card.currentDf().path()).isEqualTo("3F00");
            selectPath("5015");
            assertThat(send("00A40000025015")).as("the current DF").isEqualTo(FCP_5015 + "9000");
            assertThat(send("00A40300")).as("the parent").isEqualTo(MF_FCP + "9000");
            selectPath("5015");
            assertThat(sw("00A4090C025131")).isEqualTo("9000");
            assertThat(sw("00A4000C024499")).isEqualTo("6A82");
            assertThat(card.currentEf().path()).as("a failed SELECT leaves the selection").isEqualTo("3F00/5015/5131");
        }

        @Test
        void anLeTooShortSelectsNothing() {
            assertThat(send("00A40000025015" + "10")).isEqualTo("6C27");
            assertThat(card.currentDf().path()).isEqualTo("3F00");
        }

        @Test
        void recordFileFcps() {
            assertThat(send("00A40800045015513100")).isEqualTo(FCP_5131 + "9000");
            assertThat(send("00A40800045015513300")).isEqualTo(FCP_5133 + "9000");
        }
    }

    @Nested
    class ReadBinary {

        @Test
        void readsWithLeAsGivenOrAsMuchAsThereIs() {
            selectPath("2F01");
            assertThat(data("00B0000000", "9000")).as("Le 00: as much as there is").isEqualTo(TEXT_2F01);
            assertThat(data("00B0000040", "9000")).isEqualTo(TEXT_2F01);
            assertThat(data("00B0000041", "6282")).as("an explicit Le past the end").isEqualTo(TEXT_2F01);
            assertThat(data("00B0000605", "9000")).isEqualTo(ascii("simul"));
            assertThat(data("00B0003C10", "6282")).isEqualTo("00000000");
            assertThat(data("00B0003F00", "9000")).isEqualTo("00");
        }

        @ParameterizedTest
        @CsvSource({
            "00B0004001, 6B00", // offset at the end
            "00B07FFF01, 6B00",
            "00B00000,   6700", // no Le
            "00B0000001AA00, 6700", // a data field
            "00B0A00000, 6A86", // b8 set, b6 set
            "00B0800000, 6A86", // SFI 0
            "00B09F0000, 6A86", // SFI 31
            "00B0810000, 6A82", // no EF with SFI 1 in the MF
        })
        void rejects(String command, String expected) {
            selectPath("2F01");
            assertThat(send(command)).isEqualTo(expected);
        }

        @Test
        void needsACurrentTransparentEf() {
            assertThat(send("00B0000000")).isEqualTo("6986");
            selectPath("5015");
            assertThat(send("00B0000000")).isEqualTo("6986");
            selectPath("2F00");
            assertThat(send("00B0000000")).isEqualTo("6981");
            selectPath("5015");
            assertThat(send("00B0910000")).as("SFI 11 is the record file 5131").isEqualTo("6981");
            assertThat(card.currentEf().path()).as("the SFI selected it").isEqualTo("3F00/5015/5131");
        }

        @Test
        void theBenchmarkFileReadsInOneExtendedApdu() {
            selectPath("50154401");
            String all = data("00B00000" + "000000", "9000");
            assertThat(all).hasSize(2 * 32768);
            for (int i = 0; i < 32768; i += 997) {
                assertThat(all.substring(2 * i, 2 * i + 2)).isEqualTo(String.format("%02X", i & 0xFF));
            }
            assertThat(data("00B07F00" + "000200", "6282")).hasSize(2 * 256);
            assertThat(data("00B07FFF00", "9000")).isEqualTo("FF");
        }

        @Test
        void accessConditions() {
            selectPath("50154402");
            assertThat(send("00B0000000")).isEqualTo("6982");
            verify01();
            assertThat(data("00B0000000", "9000")).isEqualTo(padded("read and update after PIN 01", 32));
            selectPath("50154403");
            assertThat(send("00B0000000")).isEqualTo("6982");
            verify81();
            assertThat(data("00B0000000", "9000")).isEqualTo(ascii("PIN 81 protected"));
        }
    }

    @Nested
    class OddReadBinary {

        @Test
        void readsThroughTheOffsetDataObject() {
            selectPath("50154401");
            String response = data(apdu("00B10000", "540100") + "00", "9000");
            assertThat(response).startsWith("5381FD000102"); // 253 bytes fit in Ne 256 with their header
            assertThat(response).hasSize(2 * 256);
            assertThat(data(apdu("00B10000", "54027FF0") + "00", "9000"))
                    .isEqualTo("5310F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF");
            assertThat(data(apdu("00B10000", "54027FF0") + "20", "6282"))
                    .isEqualTo("5310F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF");
            String big = data(extended("00B10000", "54024000", "0000"), "9000");
            assertThat(big).startsWith("53824000").hasSize(2 * (4 + 16384));
        }

        @Test
        void namesTheFileInP1P2() {
            selectPath("5015");
            assertThat(data(apdu("00B14401", "540101") + "04", "9000")).isEqualTo("53020102");
            assertThat(card.currentEf().path()).isEqualTo("3F00/5015/4401");
            assertThat(send(apdu("00B10011", "540100") + "00")).as("SFI 11: a record file").isEqualTo("6981");
            assertThat(send(apdu("00B15015", "540100") + "00")).as("a DF").isEqualTo("6981");
            assertThat(send(apdu("00B14499", "540100") + "00")).isEqualTo("6A82");
            assertThat(send(apdu("00B1001F", "540100") + "00")).isEqualTo("6A86");
        }

        @ParameterizedTest
        @CsvSource({
            "00B1000000,         6700", // no data
            "00B1000003540100,   6700", // no Le
            "00B100000355010000, 6A80", // not the offset DO
            "00B100000654040000000000, 6A80", // a 4-byte offset
            "00B1000006540100530100 00, 6A80", // a second DO
            "00B10000035401 0002, 6700", // Ne 2 leaves no room
            "00B10000045402800000, 6B00", // offset 32768: the end
            "00B1000002540100, 6A80", // DO length runs past the data
        })
        void rejects(String command, String expected) {
            selectPath("50154401");
            assertThat(send(command.replace(" ", ""))).isEqualTo(expected);
        }
    }

    @Nested
    class UpdateAndWriteBinary {

        @Test
        void updateAfterPinAndReadBack() {
            selectPath("2F01");
            assertThat(send("00D6000003AABBCC")).isEqualTo("6982");
            assertThat(data("00B0000003", "9000")).as("a refused update changes nothing").isEqualTo(ascii("SCa"));
            verify01();
            assertThat(send("00D6000003AABBCC")).isEqualTo("9000");
            assertThat(send("00D6003E02EEFF")).isEqualTo("9000");
            assertThat(data("00B0000000", "9000"))
                    .isEqualTo("AABBCC" + TEXT_2F01.substring(6, 124) + "EEFF");
        }

        @Test
        void pastTheEndChangesNothing() {
            selectPath("2F01");
            verify01();
            assertThat(send("00D6003E03010203")).isEqualTo("6A84");
            assertThat(send("00D6004001AA")).isEqualTo("6B00");
            assertThat(send(apdu("00D60000", "11".repeat(65)))).isEqualTo("6A84");
            assertThat(data("00B0000000", "9000")).isEqualTo(TEXT_2F01);
        }

        @Test
        void writeBinaryOrsTheData() {
            selectPath("2F01");
            verify01();
            assertThat(send("00D000000220 0F".replace(" ", ""))).isEqualTo("9000");
            assertThat(data("00B0000002", "9000")).isEqualTo("734F"); // 'S'|20, 'C'|0F
        }

        @ParameterizedTest
        @CsvSource({
            "00D60000,       6700",
            "00D6000000,     6700", // Le, no data
            "00D6A00001AA,   6A86",
            "00D6910001AA,   6981", // SFI 11: a record file
        })
        void rejects(String command, String expected) {
            selectPath("5015");
            assertThat(send(command)).isEqualTo(expected);
        }

        @Test
        void recordFilesAndMissingEfs() {
            assertThat(send("00D6000001AA")).isEqualTo("6986");
            assertThat(sw(apdu("00A4080C", "5133"))).as("5133 is not in the MF").isEqualTo("6A82");
            assertThat(send("00D6000001AA")).isEqualTo("6986");
            selectPath("50155133");
            assertThat(send("00D6000001AA")).isEqualTo("6981");
        }

        @Test
        void oddUpdateAndWrite() {
            selectPath("50154401");
            verify01();
            assertThat(send(apdu("00D70000", "54027FFF 5301EE"))).isEqualTo("9000");
            assertThat(data("00B07FFE02", "9000")).isEqualTo("FEEE");
            assertThat(send(apdu("00D10000", "5401 00 530101".replace(" ", "")))).isEqualTo("9000");
            assertThat(data("00B0000001", "9000")).as("00 | 01").isEqualTo("01");
            assertThat(send(apdu("00D70000", "540280005301EE"))).isEqualTo("6B00");
            assertThat(send(apdu("00D70000", "54027FFF5302EEEE"))).isEqualTo("6A84");
            assertThat(send(apdu("00D70000", "5401005300"))).isEqualTo("6A80");
            assertThat(send(apdu("00D70000", "540100"))).isEqualTo("6A80");
            assertThat(send(apdu("00D70000", "5301EE540100"))).isEqualTo("6A80");
            assertThat(send("00D70000")).isEqualTo("6700");
            assertThat(data("00B07FFE02", "9000")).isEqualTo("FEEE");
        }

        @Test
        void updateAfterExternalAuthentication() {
            selectPath("50154404");
            assertThat(send("00D6000001AA")).isEqualTo("6982");
            verify01();
            assertThat(send("00D6000001AA")).as("a PIN is not the key").isEqualTo("6982");
            assertThat(externalAuthenticate01()).isEqualTo("9000");
            assertThat(send("00D6000001AA")).isEqualTo("9000");
            assertThat(data("00B0000001", "9000")).isEqualTo("AA");
        }

        @Test
        void neverMeansNever() {
            selectPath("50154403");
            verify01();
            verify81();
            assertThat(send("00D6000001AA")).isEqualTo("6982");
        }
    }

    @Nested
    class Records {

        @Test
        void readByNumberAndBySfi() {
            selectPath("50155131");
            assertThat(data("00B2010400", "9000")).isEqualTo(padded("fixed record 1", 16));
            assertThat(data("00B2050410", "9000")).isEqualTo(padded("fixed record 5", 16));
            assertThat(data("00B2000400", "9000")).as("P1 00: the current record")
                    .isEqualTo(padded("fixed record 5", 16));
            selectPath("5015");
            assertThat(data("00B2028C00", "9000")).as("SFI 11").isEqualTo(padded("fixed record 2", 16));
            assertThat(card.currentEf().path()).isEqualTo("3F00/5015/5131");
            selectPath("2F01");
            assertThat(send("00B2018C00")).isEqualTo("6A82");
        }

        @Test
        void firstLastNextPrevious() {
            selectPath("50155131");
            assertThat(sw("00B2000400")).as("no current record yet").isEqualTo("6A83");
            assertThat(data("00B2000200", "9000")).as("next from none: the first").startsWith(ascii("fixed record 1"));
            assertThat(data("00B2000200", "9000")).startsWith(ascii("fixed record 2"));
            assertThat(data("00B2000300", "9000")).startsWith(ascii("fixed record 1"));
            assertThat(sw("00B2000300")).as("no record before the first").isEqualTo("6A83");
            assertThat(data("00B2000100", "9000")).startsWith(ascii("fixed record 5"));
            assertThat(sw("00B2000200")).as("no record after the last").isEqualTo("6A83");
            assertThat(data("00B2000000", "9000")).startsWith(ascii("fixed record 1"));
            selectPath("50155131");
            assertThat(data("00B2000300", "9000")).as("previous from none: the last")
                    .startsWith(ascii("fixed record 5"));
        }

        @Test
        void cyclicNextAndPreviousWrap() {
            selectPath("50155132");
            assertThat(data("00B2000100", "9000")).isEqualTo(ascii("cyclic 3"));
            assertThat(data("00B2000200", "9000")).isEqualTo(ascii("cyclic 1"));
            assertThat(data("00B2000300", "9000")).isEqualTo(ascii("cyclic 3"));
        }

        @ParameterizedTest
        @CsvSource({
            "00B2060400, 6A83",
            "00B2FF0400, 6A86",
            "00B2010500, 6A86", // read all from P1: not offered
            "00B2010000, 6A86", // first with a record identifier
            "00B201FC00, 6A86", // SFI 31
            "00B2010408, 6C10",
            "00B2010420, 6282",
            "00B20104,   6700",
            "00B20104010000, 6700",
        })
        void readRejects(String command, String expected) {
            selectPath("50155131");
            assertThat(sw(command)).isEqualTo(expected);
        }

        @Test
        void transparentFilesHaveNoRecords() {
            selectPath("2F01");
            assertThat(send("00B2010400")).isEqualTo("6981");
            assertThat(send("00DC010401AA")).isEqualTo("6981");
            assertThat(send("00E2000001AA")).isEqualTo("6981");
            selectPath("5015");
            assertThat(send("00B2010400")).isEqualTo("6986");
        }

        @Test
        void updateLinearFixed() {
            selectPath("50155131");
            String record = "00112233445566778899AABBCCDDEEFF";
            assertThat(send(apdu("00DC0204", record))).isEqualTo("6982");
            verify01();
            assertThat(send(apdu("00DC0204", record.substring(2)))).as("15 bytes").isEqualTo("6700");
            assertThat(send(apdu("00DC0204", record + "00"))).isEqualTo("6700");
            assertThat(send(apdu("00DC0604", record))).isEqualTo("6A83");
            assertThat(send(apdu("00DC0204", record))).isEqualTo("9000");
            assertThat(card.currentRecord()).isEqualTo(2);
            assertThat(data("00B2000400", "9000")).isEqualTo(record);
            assertThat(data("00B2010400", "9000")).isEqualTo(padded("fixed record 1", 16));
            assertThat(send(apdu("00E20000", record))).as("a linear fixed file is full").isEqualTo("6A84");
            assertThat(send("00DC0204")).isEqualTo("6700");
        }

        @Test
        void linearVariableUpdateAndAppend() {
            selectPath("50155133");
            assertThat(send(apdu("00DC0204", "0102030405"))).isEqualTo("9000");
            assertThat(data("00B2020400", "9000")).isEqualTo("0102030405");
            assertThat(send(apdu("00DC0204", "AA".repeat(33)))).isEqualTo("6700");
            for (int i = 3; i <= 8; i++) {
                assertThat(send(apdu("00E20000", String.format("%02X", i)))).isEqualTo("9000");
                assertThat(card.currentRecord()).isEqualTo(i);
            }
            assertThat(send(apdu("00E20000", "09"))).as("eight records: full").isEqualTo("6A84");
            assertThat(data("00B2080400", "9000")).isEqualTo("08");
            assertThat(send("00A40000025133")).contains("82050441002008");
        }

        @Test
        void cyclicAppendAndPreviousUpdateRotate() {
            selectPath("50155132");
            assertThat(send(apdu("00E20000", ascii("newest!!")))).isEqualTo("9000");
            assertThat(data("00B2010400", "9000")).isEqualTo(ascii("newest!!"));
            assertThat(data("00B2020400", "9000")).isEqualTo(ascii("cyclic 1"));
            assertThat(data("00B2030400", "9000")).isEqualTo(ascii("cyclic 2"));
            assertThat(send(apdu("00DC0003", ascii("previous")))).isEqualTo("9000");
            assertThat(data("00B2010400", "9000")).isEqualTo(ascii("previous"));
            assertThat(data("00B2030400", "9000")).isEqualTo(ascii("cyclic 1"));
            assertThat(send(apdu("00E20000", ascii("seven..")))).isEqualTo("6700");
            assertThat(send(apdu("00DC0204", ascii("numbered")))).isEqualTo("9000");
            assertThat(data("00B2020400", "9000")).isEqualTo(ascii("numbered"));
        }

        @Test
        void appendRejects() {
            selectPath("50155133");
            assertThat(send("00E2010001AA")).isEqualTo("6A86");
            assertThat(send("00E2000401AA")).isEqualTo("6A86");
            assertThat(send("00E200F801AA")).isEqualTo("6A86");
            assertThat(send("00E20000")).isEqualTo("6700");
            selectPath("2F00");
            assertThat(send("00E2000001AA")).as("EF.DIR: update never").isEqualTo("6982");
        }
    }

    @Nested
    class CreateAndDelete {

        static final String TRANSPARENT_4405 = "620B" + "820101" + "83024405" + "8002000A";

        /** An FCP template around {@code body}. */
        static String fcp(String body) {
            return "62" + String.format("%02X", body.length() / 2) + body;
        }

        @Test
        void createNeedsTheDfsCondition() {
            selectPath("5015");
            assertThat(send(apdu("00E00000", TRANSPARENT_4405))).isEqualTo("6982");
            verify01();
            assertThat(send(apdu("00E00000", TRANSPARENT_4405))).isEqualTo("9000");
            assertThat(card.currentEf().path()).as("the new file is selected").isEqualTo("3F00/5015/4405");
            assertThat(data("00B0000000", "9000")).isEqualTo("00".repeat(10));
            assertThat(send("00A40000024405")).isEqualTo("621C" + "82020141" + "83024405" + "8002000A" + "8102000A"
                    + "8800" + "8A0105" + "AB05" + "80011F" + "9000" + "9000");
            selectPath("5015");
            assertThat(send(apdu("00E00000", TRANSPARENT_4405))).isEqualTo("6A89");
        }

        @Test
        void createEveryKindOfFile() {
            verify01();
            selectPath("5015");
            String fixed = fcp("82050241000803" + "83024501" + "880110");
            assertThat(send(apdu("00E00000", fixed))).isEqualTo("9000");
            assertThat(data("00B2030400", "9000")).isEqualTo("00".repeat(8));
            assertThat(data("00B2011400", "9000")).as("SFI 2").isEqualTo("00".repeat(8));
            selectPath("5015");
            String variable = fcp("820404000604" + "83024502");
            assertThat(send(apdu("00E00000", variable))).isEqualTo("9000");
            assertThat(send("00B2010400")).isEqualTo("6A83");
            assertThat(send("00E2000002AABB")).isEqualTo("9000");
            selectPath("5015");
            String cyclic = fcp("8206064100040002" + "83024503");
            assertThat(send(apdu("00E00000", cyclic))).isEqualTo("9000");
            assertThat(data("00B2020400", "9000")).isEqualTo("00000000");
            selectPath("5015");
            String df = fcp("820138" + "83026000" + "8403A00102" + "8A0105" + "A107" + "82020101" + "830100");
            assertThat(send(apdu("00E00000", df))).isEqualTo("9000");
            assertThat(card.currentDf().path()).isEqualTo("3F00/5015/6000");
            assertThat(send("00A4040C03A00102")).isEqualTo("9000");
            assertThat(send(apdu("00E00000", fcp("820138" + "83026001" + "8403A00102")))).isEqualTo("6A8A");
            assertThat(send(apdu("00E00000", fcp("820138" + "83026000")))).isEqualTo("6A89");
            assertThat(send(apdu("00E00000", fcp("820138" + "83025015")))).as("the parent's identifier")
                    .isEqualTo("6A89");
        }

        @ParameterizedTest
        @CsvSource({
            "raw:6207820101830244068002000A, 6A80", // the 62 length is wrong
            "raw:630B820101830244068002000A, 6A80", // not 62
            "raw:620B820101830244068002000A01, 6A80", // garbage after the template (00 and FF would be padding)
            "raw:620B820101830244068002000A6200, 6A80", // a second template
            "raw:6205820101830244, 6A80", // the inner length runs past
            "82010180020010, 6A80", // no 83
            "830244068002000A, 6A80", // no 82
            "820107830244068002000A, 6A80", // TLV-structured EF: not offered
            "82010183024406800200 00, 6A80", // size 0
            "8201018302440680030100 00, 6A80", // size 65536
            "8201018302440681 00, 6A80", // empty size
            "8201018302440680020010 81020011, 6A80", // 80 and 81 disagree
            "820101830244 06, 6A80", // no size
            "82010183024406 8002000A 85020000, 6A80", // tag 85
            "82010183023F00 8002000A, 6A80", // reserved identifiers
            "82010183023FFF 8002000A, 6A80",
            "820101830144 8002000A, 6A80", // a 1-byte identifier
            "82010183024406 8002000A 8A0101, 6A80", // life cycle 01
            "82010183024406 8002000A 880107, 6A80", // SFI bits 3-1 set
            "82010183024406 8002000A 880100, 6A80", // SFI 0 in one byte
            "82010183024406 8002000A 8801F8, 6A80", // SFI 31
            "82010183024406 8002000A 8405A000000001, 6A80", // a DF name on an EF
            "820138 83024406 8800, 6A80", // an SFI on a DF
            "82023801 83024406, 6A80", // a DF descriptor with more
            "820138 83024406 8400, 6A80", // an empty DF name
            "820138 83024406 8411000102030405060708090A0B0C0D0E0F10, 6A80", // a 17-byte DF name
            "820402000003 83024406, 6A80", // record length 0
            "820402001000 83024406, 6A80", // 0 records
            "8204020010FF 83024406, 6A80", // 255 records
            "820302410 0 83024406, 6A80", // a record descriptor cut short
            "82010183024406 8002000A A103800101, 6A80", // a condition cut short
            "82010183024406 8002000A A10480020301, 6A80", // an unknown condition kind
            "82010183024406 8002000A A10480020160, 6A80", // a reference with b7-b6 set
            "82010183024406 8002000A A103820100, 6A80", // create on an EF
            "82010183024406 8002000A A103800100 A103800100, 6A80", // A1 twice
            "82010183024406 8002000A A106800100800100, 6A80", // read twice
            "82010183024406 8002000A 1F, 6A80", // a tag cut short
            "82010183024406 8002000A A108800201028102 0101, 6A88", // PIN 02 does not exist
            "82010183024406 8002000A A10480020181, 6A88", // no local PIN 81 in the MF
            "82010183024406 8002000A A10480020202, 6A88", // no key 02
            "82010183024406 8002000A AB0580010190 00 A103800100, 6A80", // both AB and A1
            "82010183024406 8002000A AB03800101, 6A80", // an access mode without a condition
            "82010183024406 8002000A AB0580010290 00, 6A80", // update without write (b2 without b3)
            "82010183024406 8002000A AB0580012090 00, 6A80", // b6 (terminate): no such operation here
            "82010183024406 8002000A AB0580010090 00, 6A80", // an access mode naming nothing
            "82010183024406 8002000A AB0A80010190 0080010197 00, 6A80", // read twice
            "82010183024406 8002000A AB0580010190 01 00, 6A80", // 90 with a value
            "82010183024406 8002000A AB0B800101A40683010195 0104, 6A80", // biometric: not this card's
            "82010183024406 8002000A AB0B800101A40695010883 0101, 6A80", // 95 before 83
            "82010183024406 8002000A AB0B800101A40683010295 0108, 6A88", // PIN 02 does not exist
        })
        void malformedOrUnresolvableFcps(String fcp, String expected) {
            verify01();
            String body = fcp.replace(" ", "");
            String template = body.startsWith("raw:") ? body.substring(4) : fcp(body);
            assertThat(send(apdu("00E00000", template))).isEqualTo(expected);
            assertThat(card.mf().children).hasSize(3);
        }

        @Test
        void paddingBetweenDataObjectsIsSkippedAsIso7816Allows() {
            verify01();
            // 00 and FF before, between and after data objects carry no meaning (ISO 7816-4 BER-TLV).
            assertThat(send(apdu("00E00000", "00" + fcp("820101" + "FF" + "83024406" + "0000" + "8002000A" + "FF")
                    + "FF"))).isEqualTo("9000");
            assertThat(card.mf().children).hasSize(4);
        }

        @Test
        void localConditionsResolveInTheirDf() {
            verify01();
            selectPath("5015");
            assertThat(send(apdu("00E00000", fcp("820101" + "83024406" + "8002000A" + "A104" + "80020181"))))
                    .isEqualTo("9000");
            assertThat(sw("00B0000000")).isEqualTo("6982");
            verify81();
            assertThat(sw("00B0000000")).isEqualTo("9000");
        }

        @Test
        void createTakesTheExpandedSecurityAttributesSelectReturns() {
            verify01();
            selectPath("5015");
            // read after local PIN 81, update (and so deactivate, activate) after EXTERNAL AUTHENTICATE with key 01
            String rules = "AB16" + "800101" + "A406830181950108" + "80011E" + "A406830101950180";
            assertThat(send(apdu("00E00000", fcp("820101" + "83024406" + "8002000A" + rules)))).isEqualTo("9000");
            assertThat(send("00A40000024406")).isEqualTo("622D" + "82020141" + "83024406" + "8002000A" + "8102000A"
                    + "8800" + "8A0105" + rules + "9000");
            assertThat(sw("00B0000000")).isEqualTo("6982");
            verify81();
            assertThat(sw("00B0000000")).isEqualTo("9000");
            assertThat(sw("00D6000001AA")).isEqualTo("6982");
            assertThat(externalAuthenticate01()).isEqualTo("9000");
            selectPath("50154406");
            assertThat(sw("00D6000001AA")).isEqualTo("9000");
            selectPath("5015");
            assertThat(send(apdu("00E00000", fcp("820138" + "83026000" + "AB05" + "800106" + "9700")))).isEqualTo("9000");
            assertThat(send("00A40000026000")).as("never create, the rest as by default")
                    .isEqualTo("6216" + "820138" + "83026000" + "8A0105" + "AB0A" + "800106" + "9700" + "800119"
                            + "9000" + "9000");
        }

        @Test
        void createRejects() {
            verify01();
            assertThat(send(apdu("00E00100", TRANSPARENT_4405))).isEqualTo("6A86");
            assertThat(send("00E00000")).isEqualTo("6700");
            assertThat(send("00E0000000")).isEqualTo("6700");
        }

        @Test
        void memoryAndFileCountLimits() {
            verify01();
            selectPath("5015");
            assertThat(card.usedMemory()).isEqualTo(128 + 64 + 32768 + 32 + 16 + 16 + 110 + 91 + 16 + 53 + 80 + 24 + 256);
            String big = "620C" + "820101" + "83024501" + "8003 00FFFF".replace(" ", "");
            assertThat(send(apdu("00E00000", big))).isEqualTo("9000");
            selectPath("5015");
            assertThat(send(apdu("00E00000", big.replace("4501", "4502")))).isEqualTo("6A84");
            assertThat(send("00E4000002 4501".replace(" ", ""))).isEqualTo("9000");
            int created = 0;
            for (int fid = 0x6000; ; fid++) {
                String result = sw(apdu("00E00000", fcp("820101" + String.format("8302%04X", fid) + "80020001")));
                if (!result.equals("9000")) {
                    assertThat(result).isEqualTo("6A84");
                    break;
                }
                created++;
                selectPath("5015");
            }
            assertThat(created).isEqualTo(IsoCard.MAX_FILES - 15);
        }

        @Test
        void deleteEfsAndDfs() {
            selectPath("5015");
            assertThat(send("00E40000025131")).isEqualTo("6982");
            verify01();
            assertThat(send("00E40000025131")).isEqualTo("9000");
            assertThat(send("00A4000C025131")).isEqualTo("6A82");
            selectPath("50155132");
            assertThat(send("00E40000")).as("the current EF").isEqualTo("9000");
            assertThat(card.currentEf()).isNull();
            assertThat(card.currentDf().path()).isEqualTo("3F00/5015");
            verify81();
            assertThat(send("00E4000002 9999".replace(" ", ""))).isEqualTo("6A82");
            assertThat(send("00E40001025015")).isEqualTo("6A86");
            assertThat(send("00E40000")).as("no current EF: the current DF").isEqualTo("9000");
            assertThat(card.mf().children).extracting(f -> f.fid).containsExactly(0x2F00, 0x2F01);
            assertThat(card.currentDf().path()).as("the current DF went with it").isEqualTo("3F00");
            assertThat(card.usedMemory()).isEqualTo(128 + 64);
            assertThat(card.pinFingerprints()).containsOnlyKeys("3F00:01");
            assertThat(send("00A4040C0C" + AID_5015)).isEqualTo("6A82");
        }

        @Test
        void theMfStays() {
            verify01();
            assertThat(send("00E40000023F00")).isEqualTo("6985");
            assertThat(send("00E40000")).as("the current DF is the MF").isEqualTo("6985");
            assertThat(send("00040001")).isEqualTo("6A86");
            assertThat(send("00040000")).isEqualTo("6985");
            assertThat(send("00440000")).isEqualTo("9000");
        }
    }

    @Nested
    class LifeCycle {

        @Test
        void deactivateAndActivateAnEf() {
            selectPath("5015");
            assertThat(send("00040000025132")).isEqualTo("9000");
            assertThat(card.currentEf().path()).as("the file is selected").isEqualTo("3F00/5015/5132");
            assertThat(send("00B2010400")).isEqualTo("6985");
            assertThat(send(apdu("00E20000", ascii("12345678")))).isEqualTo("6985");
            String fcp = send("00A40000025132");
            assertThat(fcp).contains("8A0104").endsWith("6283");
            assertThat(send("00A4000C025132")).isEqualTo("6283");
            assertThat(send("00040000")).as("twice").isEqualTo("9000");
            card.reset();
            selectPath("5015");
            assertThat(send("00A4000C025132")).as("persistent").isEqualTo("6283");
            assertThat(send("00440000025132")).isEqualTo("9000");
            assertThat(data("00B2010400", "9000")).isEqualTo(ascii("cyclic 1"));
        }

        @Test
        void conditionsGuardDeactivation() {
            selectPath("5015");
            assertThat(send("00040000024401")).isEqualTo("6982");
            assertThat(send("00040000024403")).as("update never, so deactivate never").isEqualTo("6982");
            verify01();
            assertThat(send("00040000024401")).isEqualTo("9000");
            assertThat(send("00B0000001")).isEqualTo("6985");
            assertThat(send("00D6000001AA")).isEqualTo("6985");
            assertThat(send("00440000")).isEqualTo("9000");
            assertThat(data("00B0000001", "9000")).isEqualTo("00");
        }

        @Test
        void aDeactivatedDfLocksItsContents() {
            verify01();
            assertThat(send("00040800025015")).isEqualTo("9000");
            assertThat(send(apdu("00A4080C", "50154401"))).isEqualTo("6283");
            assertThat(send("00B0000001")).isEqualTo("6985");
            assertThat(send(apdu("00A4080C", "5015"))).isEqualTo("6283");
            assertThat(send(apdu("00E00000", CreateAndDelete.TRANSPARENT_4405))).isEqualTo("6985");
            assertThat(send("00040000025132")).isEqualTo("6985");
            assertThat(send("00E40000025132")).isEqualTo("6985");
            assertThat(send("00A4040C0C" + AID_5015)).isEqualTo("6283");
            assertThat(send("00440000")).isEqualTo("9000");
            selectPath("50154401");
            assertThat(data("00B0000001", "9000")).isEqualTo("00");
        }

        @Test
        void rejects() {
            selectPath("5015");
            assertThat(send("00040001025132")).isEqualTo("6A86");
            assertThat(send("00440000024499")).isEqualTo("6A82");
            assertThat(send("000400000150")).isEqualTo("6700");
            assertThat(send("00040500025132")).isEqualTo("6A86");
        }
    }

    @Nested
    class Pins {

        @Test
        void verifyCountsDownAndResets() {
            assertThat(send("00200001")).as("status: not verified").isEqualTo("63C3");
            assertThat(send(apdu("00200001", ascii("9999")))).isEqualTo("63C2");
            assertThat(send("00200001")).isEqualTo("63C2");
            assertThat(send(apdu("00200001", ascii("12345")))).as("another length is a wrong PIN").isEqualTo("63C1");
            verify01();
            assertThat(send("00200001")).isEqualTo("9000");
            assertThat(send("0020000100")).as("case 2 form").isEqualTo("9000");
            assertThat(send("002000010131")).as("a wrong PIN ends verification").isEqualTo("63C2");
            assertThat(send("00200001")).isEqualTo("63C2");
            verify01();
            assertThat(send("002000FF".replace("00FF", "FF01"))).as("P1 FF: reset").isEqualTo("9000");
            assertThat(send("00200001")).isEqualTo("63C3");
        }

        @Test
        void blockAndUnblockWithThePuk() {
            for (String expected : new String[] {"63C2", "63C1", "63C0"}) {
                assertThat(send(apdu("00200001", ascii("0000")))).isEqualTo(expected);
            }
            assertThat(send(apdu("00200001", ascii("1234")))).as("blocked: not even the right PIN").isEqualTo("6983");
            assertThat(send("00200001")).isEqualTo("6983");
            assertThat(send(apdu("00240001", ascii("12349999")))).isEqualTo("6983");
            assertThat(send(apdu("002C0101", ascii("87654321")))).as("a wrong PUK").isEqualTo("63C9");
            assertThat(send(apdu("002C0001", ascii("1234567")))).as("a short PUK is a wrong PUK").isEqualTo("63C8");
            assertThat(send(apdu("002C0001", ascii("123456785555")))).as("new PIN").isEqualTo("9000");
            assertThat(send("00200001")).as("not verified by the unblock").isEqualTo("63C3");
            assertThat(send(apdu("00200001", ascii("1234")))).isEqualTo("63C2");
            assertThat(send(apdu("00200001", ascii("5555")))).isEqualTo("9000");
            assertThat(send(apdu("00200001", ascii("0000")))).isEqualTo("63C2");
            assertThat(send(apdu("002C0101", ascii("12345678")))).as("PUK only: counter reset").isEqualTo("9000");
            assertThat(send("00200001")).isEqualTo("63C3");
            assertThat(send(apdu("00200001", ascii("5555")))).isEqualTo("9000");
        }

        @Test
        void thePukBlocksToo() {
            for (int left = 9; left >= 0; left--) {
                assertThat(send(apdu("002C0101", ascii("00000000")))).isEqualTo(String.format("63C%X", left));
            }
            assertThat(send(apdu("002C0101", ascii("12345678")))).isEqualTo("6983");
            card.reset();
            assertThat(send(apdu("002C0101", ascii("12345678")))).as("persistent").isEqualTo("6983");
        }

        @ParameterizedTest
        @CsvSource({
            "0020000104313233 34, 9000",
            "0020000204313233 34, 6A88", // no PIN 02
            "0020000004313233 34, 6A88", // no reference
            "0020008004313233 34, 6A88",
            "0020002104313233 34, 6A86", // b6 set
            "0020010104313233 34, 6A86", // P1 01
            "002000FF,           6A86", // P2 FF: b7-b6 set
            "002000FF0131,       6A86",
            "002000810430303030, 6A88", // the local PIN is not visible from the MF
            "00240201083132333435353535, 6A86",
            "00240001,           6700",
            "0024000107313233343535 35, 6700", // old || new must be 8 bytes
            "002C020108313233343536373 8, 6A86",
            "002C0001,           6700",
        })
        void rejects(String command, String expected) {
            assertThat(send(command.replace(" ", ""))).isEqualTo(expected);
            assertThat(send("00200001")).as("no try counted").isIn("63C3", "9000");
        }

        @Test
        void changeReferenceData() {
            assertThat(send(apdu("00240001", ascii("99995555")))).isEqualTo("63C2");
            assertThat(send(apdu("00240001", ascii("12345555")))).isEqualTo("9000");
            assertThat(send("00200001")).as("verified and counter reset").isEqualTo("9000");
            assertThat(send(apdu("00200001", ascii("1234")))).isEqualTo("63C2");
            assertThat(send(apdu("00200001", ascii("5555")))).isEqualTo("9000");
            assertThat(send(apdu("00240101", ascii("6666")))).as("new only, while verified").isEqualTo("9000");
            assertThat(send("002000FF".replace("00FF", "FF01"))).isEqualTo("9000");
            assertThat(send(apdu("00240101", ascii("7777")))).isEqualTo("6982");
            assertThat(send(apdu("00240101", ascii("777")))).as("the status before the length").isEqualTo("6982");
            assertThat(send(apdu("00200001", ascii("6666")))).isEqualTo("9000");
            assertThat(send(apdu("00240101", ascii("777")))).as("verified: the new PIN's length").isEqualTo("6700");
            assertThat(send("00200001")).isEqualTo("9000");
        }

        @Test
        void aWrongLengthOldPinOrPukCountsAsAWrongTryEverywhere() {
            assertThat(send(apdu("00200001", ascii("123")))).as("VERIFY").isEqualTo("63C2");
            assertThat(send(apdu("00240001", ascii("123")))).as("CHANGE: shorter than the old PIN").isEqualTo("63C1");
            assertThat(send(apdu("00240001", ascii("9999555")))).as("CHANGE: wrong old PIN, wrong total")
                    .isEqualTo("63C0");
            assertThat(send(apdu("00200001", ascii("1234")))).isEqualTo("6983");
            assertThat(send(apdu("002C0101", ascii("1234567")))).as("RRC P1 01: short PUK").isEqualTo("63C9");
            assertThat(send(apdu("002C0101", ascii("123456789")))).as("RRC P1 01: long PUK").isEqualTo("63C8");
            assertThat(send(apdu("002C0001", ascii("1234567")))).as("RRC P1 00: short PUK").isEqualTo("63C7");
            assertThat(send(apdu("002C0001", ascii("99999999555")))).as("RRC P1 00: wrong PUK, wrong total")
                    .isEqualTo("63C6");
            assertThat(send(apdu("002C0001", ascii("12345678555")))).as("right PUK, short new PIN")
                    .isEqualTo("6700");
            assertThat(send(apdu("002C0101", ascii("00000000")))).as("the 6700 counted nothing").isEqualTo("63C5");
            assertThat(send(apdu("002C0101", ascii("12345678")))).isEqualTo("9000");
            assertThat(send(apdu("00240001", ascii("1234555")))).as("right old PIN, short new PIN")
                    .isEqualTo("6700");
            assertThat(send("00200001")).as("no try counted, nothing changed").isEqualTo("63C3");
            assertThat(send(apdu("00200001", ascii("1234")))).isEqualTo("9000");
        }

        @Test
        void aLocalPinLivesInItsDf() {
            selectPath("5015");
            assertThat(send("00200081")).isEqualTo("63C3");
            verify81();
            selectPath("50154403");
            assertThat(data("00B0000000", "9000")).as("still in 5015").isEqualTo(ascii("PIN 81 protected"));
            assertThat(send("00200081")).isEqualTo("9000");
            selectPath("2F01");
            assertThat(send("00200081")).as("outside 5015 the PIN is not there").isEqualTo("6A88");
            selectPath("50154403");
            assertThat(send("00B0000000")).as("leaving the DF ended it").isEqualTo("6982");
            assertThat(send("00200081")).isEqualTo("63C3");
        }

        @Test
        void aLocalPinIsVisibleInSubDfs() {
            verify01();
            selectPath("5015");
            assertThat(send(apdu("00E00000", CreateAndDelete.fcp("820138" + "83026000")))).isEqualTo("9000");
            verify81();
            assertThat(card.currentDf().path()).isEqualTo("3F00/5015/6000");
            assertThat(send("00A40300")).startsWith(FCP_5015.substring(0, 10));
            assertThat(send("00200081")).as("the parent is still in 5015").isEqualTo("9000");
        }

        @Test
        void changeAndUnblockTheLocalPin() {
            selectPath("5015");
            assertThat(send(apdu("00240081", ascii("00001111")))).isEqualTo("9000");
            for (int i = 0; i < 3; i++) {
                send(apdu("00200081", ascii("0000")));
            }
            assertThat(send("00200081")).isEqualTo("6983");
            assertThat(send(apdu("002C0081", ascii("000000002222")))).isEqualTo("9000");
            assertThat(send(apdu("00200081", ascii("2222")))).isEqualTo("9000");
        }

        @Test
        void resetForgetsVerificationButNotCounters() {
            verify01();
            assertThat(send(apdu("00200001", ascii("0000")))).isEqualTo("63C2");
            card.reset();
            assertThat(send("00200001")).isEqualTo("63C2");
            verify01();
            card.reset();
            assertThat(send("00200001")).isEqualTo("63C3");
        }
    }

    @Nested
    class ChallengeAndAuthentication {

        @Test
        void getChallenge() {
            String first = data("0084000008", "9000");
            String second = data("0084000008", "9000");
            assertThat(first).hasSize(16).isNotEqualTo(second);
            assertThat(data("0084000000", "9000")).hasSize(512);
            assertThat(data("00840000000010", "9000")).hasSize(32);
            assertThat(send("00840000000000")).as("extended Le 0000 is 65536").isEqualTo("6700");
            assertThat(send("00840000000101")).as("extended Le 257").isEqualTo("6700");
            assertThat(data("00840000000100", "9000")).as("extended Le 256").hasSize(512);
            assertThat(send("00840000")).isEqualTo("6700");
            assertThat(send("008400000101 08".replace(" ", ""))).isEqualTo("6700");
            assertThat(send("0084010008")).isEqualTo("6A86");
        }

        @Test
        void internalAuthenticateEncryptsWithTheKey() {
            // FIPS-197 appendix C.1: AES-128 of 00112233..EEFF under 00010203..0F.
            String block = "00112233445566778899AABBCCDDEEFF";
            String expected = "69C4E0D86A7B0430D8CDB78070B4C55A";
            assertThat(aes(KEY_01, block)).isEqualTo(expected);
            assertThat(send(apdu("00880001", block) + "00")).isEqualTo(expected + "9000");
            assertThat(send(apdu("00880001", block) + "10")).isEqualTo(expected + "9000");
            assertThat(send(apdu("00880001", block))).as("without Le (T=1)").isEqualTo(expected + "9000");
            assertThat(send(apdu("00880001", block) + "08")).isEqualTo("6C10");
            assertThat(send(apdu("00880002", block) + "00")).isEqualTo("6A88");
            assertThat(send(apdu("00880081", block) + "00")).isEqualTo("6A88");
            assertThat(send(apdu("00880101", block) + "00")).isEqualTo("6A86");
            assertThat(send(apdu("00880041", block) + "00")).isEqualTo("6A86");
            assertThat(send(apdu("00880001", block.substring(2)) + "00")).isEqualTo("6700");
            assertThat(send("0088000100")).isEqualTo("6700");
        }

        @Test
        void externalAuthenticateNeedsAFreshChallenge() {
            assertThat(send(apdu("00820001", "00".repeat(16)))).as("no challenge").isEqualTo("6985");
            String challenge = data("0084000010", "9000");
            assertThat(send(apdu("00820001", "00".repeat(16)))).isEqualTo("6300");
            assertThat(send(apdu("00820001", aes(KEY_01, challenge)))).as("the challenge is used up")
                    .isEqualTo("6985");
            data("0084000008", "9000");
            assertThat(send(apdu("00820001", "00".repeat(16)))).as("an 8-byte challenge").isEqualTo("6985");
            assertThat(externalAuthenticate01()).isEqualTo("9000");
            assertThat(card.isAuthenticated(card.mf().keys.get(1))).isTrue();
            card.reset();
            assertThat(card.isAuthenticated(card.mf().keys.get(1))).isFalse();
        }

        @Test
        void internalAuthenticateOfTheOutstandingChallengeUsesItUp() {
            String challenge = data("0084000010", "9000");
            String cryptogram = data(apdu("00880001", challenge) + "00", "9000");
            assertThat(cryptogram).isEqualTo(aes(KEY_01, challenge));
            assertThat(send(apdu("00820001", cryptogram))).as("no key needed otherwise").isEqualTo("6985");
            assertThat(card.isAuthenticated(card.mf().keys.get(1))).isFalse();
            String next = data("0084000010", "9000");
            data(apdu("00880001", "00".repeat(16)) + "00", "9000");
            assertThat(send(apdu("00820001", aes(KEY_01, next)))).as("other data leave the challenge")
                    .isEqualTo("9000");
        }

        @Test
        void externalAuthenticateRejects() {
            data("0084000010", "9000");
            assertThat(send(apdu("00820002", "00".repeat(16)))).isEqualTo("6A88");
            assertThat(send(apdu("00820101", "00".repeat(16)))).isEqualTo("6A86");
            assertThat(send(apdu("00820001", "00".repeat(15)))).isEqualTo("6700");
            assertThat(send("00820001")).isEqualTo("6700");
            assertThat(send(apdu("00820001", "00".repeat(16)))).as("the challenge survived those").isEqualTo("6300");
        }

        @Test
        void aFailedExternalAuthenticateEndsTheAuthentication() {
            assertThat(externalAuthenticate01()).isEqualTo("9000");
            data("0084000010", "9000");
            assertThat(send(apdu("00820001", "00".repeat(16)))).isEqualTo("6300");
            selectPath("50154404");
            assertThat(send("00D6000001AA")).isEqualTo("6982");
        }
    }

    @Nested
    class ListFiles {

        static final String LIST_MF = "2F00" + "2F01" + "5015";
        static final String LIST_5015 = "4401" + "4402" + "4403" + "4404" + "4421" + "4422" + "5031" + "5032" + "5131"
                + "5132" + "5133";

        @ParameterizedTest
        @CsvSource({
            "8016000000,     " + LIST_MF + "9000", // short Le 00
            "80160000000000, " + LIST_MF + "9000", // extended Le 0000
            "8016000006,     " + LIST_MF + "9000", // Le exactly the list's length
            "80160000000006, " + LIST_MF + "9000",
            "80160000FF,     " + LIST_MF + "9000", // more than there is: all of it, no warning
            "8016000005,     6C06", // Le too short: the right one
            "80160000000005, 6C06",
            "8016000001,     6C06",
            "80160000,       6700", // no Le
            "801600000100,   6700", // data (case 3)
            "8016000001AA00, 6700", // data (case 4)
            "80160000000001AA, 6700", // data (extended case 3)
            "8016010000,     6A86", // wrong P1
            "8016000100,     6A86", // wrong P2
            "8016FFFF00,     6A86",
            "8016010001AA00, 6A86", // P1-P2 are checked before the data
            "0016000000,     6D00", // only in the proprietary class
            "0416000000,     6882",
            "80A40000023F00, 6E00", // no other instruction in class 80
            "80CA9F7F00,     6E00",
            "8116000000,     6E00", // no other proprietary class
            "8416000000,     6E00",
            "9016000000,     6E00",
            "C016000000,     6E00",
            "FF16000000,     6E00",
        })
        void listsTheMfOrRejects(String command, String expected) {
            assertThat(send(command.replace(" ", ""))).isEqualTo(expected);
        }

        @Test
        void listsTheCurrentDfInIdentifierOrderAndChangesNothing() {
            selectPath("5015");
            assertThat(send("8016000000")).isEqualTo(LIST_5015 + "9000");
            selectPath("50155132");
            data("00B2010400", "9000");
            assertThat(send("8016000000")).as("the DF of the current EF").isEqualTo(LIST_5015 + "9000");
            assertThat(card.currentDf().path()).isEqualTo("3F00/5015");
            assertThat(card.currentEf().path()).as("the selection stays").isEqualTo("3F00/5015/5132");
            assertThat(card.currentRecord()).as("and the current record").isEqualTo(1);
            assertThat(send("00B2000400")).as("record 0: the current one").isEqualTo(ascii("cyclic 1") + "9000");
            assertThat(send("80160000000016")).isEqualTo(LIST_5015 + "9000");
            assertThat(send("8016000015")).isEqualTo("6C16");
            selectPath("3F00");
            assertThat(send("8016000000")).isEqualTo(LIST_MF + "9000");
        }

        @Test
        void needsNoAccessRightAndKeepsTheSecurityState() {
            selectPath("5015");
            verify81();
            assertThat(send("8016000000")).isEqualTo(LIST_5015 + "9000");
            assertThat(send("00200081")).as("still verified").isEqualTo("9000");
            selectPath("50154403");
            assertThat(data("00B0000000", "9000")).isEqualTo(padded("PIN 81 protected", 16));
        }

        @Test
        void anEmptyDfAnswers9000WithoutData() {
            verify01();
            selectPath("5015");
            assertThat(send(apdu("00E00000", CreateAndDelete.fcp("820138" + "83026000")))).isEqualTo("9000");
            assertThat(card.currentDf().path()).isEqualTo("3F00/5015/6000");
            assertThat(send("8016000000")).isEqualTo("9000");
            assertThat(send("80160000000000")).isEqualTo("9000");
            assertThat(send("8016000001")).as("any Le fits nothing").isEqualTo("9000");
            selectPath("5015");
            assertThat(send("8016000000")).isEqualTo(LIST_5015.replace("5133", "5133" + "6000") + "9000");
        }

        @Test
        void followsCreateAndDelete() {
            verify01();
            selectPath("5015");
            assertThat(send(apdu("00E00000", CreateAndDelete.TRANSPARENT_4405))).isEqualTo("9000");
            selectPath("5015");
            assertThat(send(apdu("00E00000", CreateAndDelete.fcp("820101" + "83020001" + "80020001"))))
                    .isEqualTo("9000");
            assertThat(send("8016000000")).as("created last, listed first: identifier order")
                    .isEqualTo("0001" + "4401" + "4402" + "4403" + "4404" + "4405" + "4421" + "4422" + "5031" + "5032"
                            + "5131" + "5132" + "5133" + "9000");
            assertThat(send("00E40000025131")).isEqualTo("9000");
            assertThat(send("00E40000024401")).isEqualTo("9000");
            assertThat(send("8016000000")).isEqualTo("0001" + "4402" + "4403" + "4404" + "4405" + "4421" + "4422" + "5031"
                    + "5032" + "5132" + "5133" + "9000");
            selectPath("3F00");
            assertThat(send("00E40000025015")).isEqualTo("9000");
            assertThat(send("8016000000")).as("a deleted DF is gone").isEqualTo("2F00" + "2F01" + "9000");
            assertThat(send(apdu("00E00000", CreateAndDelete.fcp("820138" + "83021000")))).isEqualTo("9000");
            selectPath("3F00");
            assertThat(send("8016000000")).isEqualTo("1000" + "2F00" + "2F01" + "9000");
        }

        @Test
        void aDeactivatedDfIsListedToo() {
            verify01();
            assertThat(send("00040800025015")).isEqualTo("9000");
            assertThat(card.currentDf().path()).isEqualTo("3F00/5015");
            assertThat(send("8016000000")).isEqualTo(LIST_5015 + "9000");
        }

        @Test
        void moreThan128FilesNeedAnExtendedLe() {
            verify01();
            selectPath("5015");
            StringBuilder expected = new StringBuilder();
            for (int fid = 0x1000; fid < 0x1000 + 130; fid++) {
                assertThat(sw(apdu("00E00000", CreateAndDelete.fcp("820101" + String.format("8302%04X", fid)
                        + "80020001")))).isEqualTo("9000");
                expected.append(String.format("%04X", fid));
                selectPath("5015");
            }
            expected.append(LIST_5015);
            int length = 2 * (130 + 11);
            assertThat(length).isEqualTo(0x11A);
            assertThat(send("8016000000")).as("282 bytes do not fit a short answer").isEqualTo("6700");
            assertThat(send("80160000FF")).isEqualTo("6700");
            assertThat(send("80160000000119")).as("6Cxx cannot name 282").isEqualTo("6700");
            assertThat(send("80160000000000")).isEqualTo(expected + "9000");
            assertThat(send("8016000000011A")).isEqualTo(expected + "9000");
        }

        @Test
        void underT0TheListComesWithTheLe() {
            card = CardProfile.parse("{\"protocol\": \"T=0\", \"files\": [{\"fid\": \"0101\", \"type\":"
                    + " \"transparent\", \"size\": 4}, {\"fid\": \"0100\", \"type\": \"df\"}]}", "t0")
                    .newIsoCard(new java.util.Random(1));
            assertThat(card.protocol()).isEqualTo(Protocol.T0);
            assertThat(send("8016000000")).isEqualTo("0100" + "0101" + "9000");
            assertThat(send("8016000003")).isEqualTo("6C04");
            assertThat(send("80160000")).isEqualTo("6700");
            assertThat(send("00C0000004")).as("nothing pending").isEqualTo("6985");
        }
    }

    @Nested
    class Reset {

        @Test
        void forgetsTheVolatileStateOnly() {
            verify01();
            selectPath("50155131");
            data("00B2020400", "9000");
            data("0084000010", "9000");
            selectPath("2F01");
            assertThat(send("00D6000001AA")).isEqualTo("9000");
            Map<String, Integer> files = card.fileFingerprints();
            card.reset();
            assertThat(card.currentDf().path()).isEqualTo("3F00");
            assertThat(card.currentEf()).isNull();
            assertThat(card.currentRecord()).isZero();
            assertThat(send("00200001")).isEqualTo("63C3");
            assertThat(send(apdu("00820001", "00".repeat(16)))).isEqualTo("6985");
            assertThat(card.fileFingerprints()).isEqualTo(files);
            selectPath("2F01");
            assertThat(data("00B0000001", "9000")).isEqualTo("AA");
        }

        @Test
        void newCardsAreIndependent() {
            IsoCard other = CardProfile.sample().newIsoCard(new java.util.Random(1));
            verify01();
            selectPath("2F01");
            assertThat(send("00D6000001AA")).isEqualTo("9000");
            assertThat(HEX.formatHex(other.process(HEX.parseHex(apdu("00A4080C", "2F01"))))).isEqualTo("9000");
            assertThat(HEX.formatHex(other.process(HEX.parseHex("00B0000001")))).isEqualTo("539000");
            other.checkInvariants();
        }
    }
}
