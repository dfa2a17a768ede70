package dev.scard.simulator.internal.card;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.scard.api.Protocol;

/**
 * The card behaviours found in the field that profiles turn on with {@code "quirks"}: each one against the same
 * commands on the ISO card, with exact status words and data; and the bundled profiles that combine them.
 */
class QuirksTest extends CardTestSupport {

    /** The sample card's files, PINs and key (the body of the sample profile) with these top-level fields. */
    static String sampleWith(String fields) {
        String sample = new String(CardProfile.bundledBytes("sample-card.json"),
                java.nio.charset.StandardCharsets.UTF_8);
        int at = sample.indexOf("\"memory\"");
        return "{" + fields + ", " + sample.substring(at);
    }

    /** A card of the sample's files, PINs and key with these top-level fields (a protocol, quirks). */
    private IsoCard cardOf(String fields) {
        return bareCardOf(sampleWith(fields));
    }

    /** A card of this profile. */
    private IsoCard bareCardOf(String json) {
        card = CardProfile.parse(json).newIsoCard(new Random(5));
        card.checkInvariants();
        return card;
    }

    @AfterEach
    void invariantsHold() {
        card.checkInvariants();
    }

    @Test
    void withoutQuirksACardIsAsIsoSays() {
        assertThat(CardProfile.sample().quirks()).isEqualTo(Quirks.NONE);
        assertThat(CardProfile.parse("{}").quirks()).isEqualTo(Quirks.NONE);
        assertThat(CardProfile.parse("{\"quirks\": {}}").quirks()).isEqualTo(Quirks.NONE);
        assertThat(CardProfile.parse("{\"quirks\": {\"comment\": \"as ISO says\", \"listFiles\": true,"
                + " \"emptyVerify\": \"status\", \"triesInStatusWord\": true, \"strictT0\": false,"
                + " \"extendedLength\": true, \"deleteCurrentFile\": true, \"createRecordFiles\": true,"
                + " \"selectAnswer\": \"fcp\", \"pinsAfterReset\": \"lost\"}}").quirks()).isEqualTo(Quirks.NONE);
        assertThat(CardProfile.parse("{\"quirks\": {\"selectAnswer\": \" FCI \"}}").quirks().selectAnswer())
                .as("names are trimmed and case-blind").isEqualTo(Quirks.SelectAnswer.FCI);
    }

    @Nested
    class ListFiles {

        @Test
        void aCardWithoutListFilesAnswers6D00() {
            assertThat(data("8016000000", "9000")).as("the sample card lists").isEqualTo("2F002F015015");
            cardOf("\"quirks\": {\"listFiles\": false}");
            assertThat(send("8016000000")).isEqualTo("6D00");
            assertThat(send("80160000000000")).isEqualTo("6D00");
            assertThat(send("8018000000")).as("the rest of class 80 as before").isEqualTo("6E00");
            assertThat(send("00A40000023F00")).as("SELECT is still there").endsWith("9000");
        }
    }

    @Nested
    class EmptyVerify {

        @Test
        void isoCardsAnswerTheStateWithoutCounting() {
            assertThat(send("00200001")).isEqualTo("63C3");
            assertThat(send("00200001")).isEqualTo("63C3");
            verify01();
            assertThat(send("00200001")).isEqualTo("9000");
        }

        @Test
        void aCountingCardLosesATryAndSays6300() {
            cardOf("\"quirks\": {\"emptyVerify\": \"counts\"}");
            assertThat(send("00200001")).isEqualTo("6300");
            assertThat(send("00200001")).isEqualTo("6300");
            assertThat(send(apdu("00200001", ascii("9999")))).as("one try was left").isEqualTo("63C0");
            assertThat(send("00200001")).isEqualTo("6983");
            assertThat(send(apdu("00200001", ascii("1234")))).as("blocked by two status queries").isEqualTo("6983");
        }

        @Test
        void aCountingCardEndsAVerificationWithIt() {
            cardOf("\"quirks\": {\"emptyVerify\": \"counts\"}");
            verify01();
            selectPath("50154402");
            assertThat(sw("00B0000000")).isEqualTo("9000");
            assertThat(send("00200001")).as("verified, yet counted").isEqualTo("6300");
            assertThat(sw("00B0000000")).isEqualTo("6982");
            verify01();
            assertThat(send("00200001")).isEqualTo("6300");
            assertThat(send("00200001")).isEqualTo("6300");
            assertThat(send(apdu("00200001", ascii("1234")))).as("the right PIN resets the counter").isEqualTo("9000");
        }

        @Test
        void aRefusingCardAnswers6700AndCountsNothing() {
            cardOf("\"quirks\": {\"emptyVerify\": \"refused\"}");
            assertThat(send("00200001")).isEqualTo("6700");
            assertThat(send("00200001")).isEqualTo("6700");
            assertThat(send("00200001")).isEqualTo("6700");
            assertThat(send(apdu("00200001", ascii("9999")))).isEqualTo("63C2");
            verify01();
            assertThat(send("00200001")).as("also when verified").isEqualTo("6700");
            assertThat(send("00200081")).as("an unknown PIN first").isEqualTo("6A88");
        }
    }

    @Nested
    class TriesInStatusWord {

        @Test
        void aCardWithoutCountersAnswers6300() {
            cardOf("\"quirks\": {\"triesInStatusWord\": false}");
            assertThat(send("00200001")).as("not verified").isEqualTo("6300");
            assertThat(send(apdu("00200001", ascii("9999")))).isEqualTo("6300");
            assertThat(send(apdu("00200001", ascii("99")))).isEqualTo("6300");
            assertThat(send(apdu("00200001", ascii("9999")))).as("now blocked").isEqualTo("6300");
            assertThat(send(apdu("00200001", ascii("1234")))).isEqualTo("6983");
            assertThat(send(apdu("00240001", ascii("9999") + ascii("5678")))).isEqualTo("6983");
            assertThat(send(apdu("002C0101", ascii("87654321")))).as("a wrong PUK").isEqualTo("6300");
            assertThat(send(apdu("002C0001", ascii("12345678") + ascii("4321")))).isEqualTo("9000");
            assertThat(send(apdu("00240001", ascii("1234") + ascii("5678")))).as("a wrong old PIN")
                    .isEqualTo("6300");
            assertThat(send(apdu("00200001", ascii("4321")))).isEqualTo("9000");
            assertThat(send("00200001")).isEqualTo("9000");
        }
    }

    @Nested
    class StrictT0 {

        @Test
        void caseFourAnswersComeThroughGetResponseWhateverLeSays() {
            cardOf("\"protocol\": \"T=0\", \"quirks\": {\"strictT0\": true}");
            assertThat(card.protocol()).isEqualTo(Protocol.T0);
            assertThat(send("00A40000023F00")).as("case 3").isEqualTo("6119");
            assertThat(send("00C0000019")).isEqualTo(MF_FCP + "9000");
            assertThat(send("00A40000023F0000")).as("case 4, Le 00").isEqualTo("6119");
            assertThat(send("00A40000023F0002")).as("case 4, Le too short: T=0 does not carry it")
                    .isEqualTo("6119");
            assertThat(send("00C0000000")).as("GET RESPONSE with the wrong Le").isEqualTo("6C19");
            assertThat(send("00C0000008")).isEqualTo(MF_FCP.substring(0, 16) + "6111");
            assertThat(send("00C0000011")).isEqualTo(MF_FCP.substring(16) + "9000");
            assertThat(send("00C0000011")).as("nothing left").isEqualTo("6985");
            assertThat(send(apdu("00880001", "00112233445566778899AABBCCDDEEFF") + "10")).isEqualTo("6110");
            assertThat(send("00C0000010")).isEqualTo(aes(KEY_01, "00112233445566778899AABBCCDDEEFF") + "9000");
            assertThat(send(apdu("00A4000C", "3F00") + "00")).as("no data: no 61xx").isEqualTo("9000");
            verify01();
        }

        @Test
        void caseTwoAnswersNeedTheExactLe() {
            cardOf("\"protocol\": \"T=0\", \"quirks\": {\"strictT0\": true}");
            selectPath("2F01");
            assertThat(send("00B0000000")).as("Le 00 is 256 bytes under T=0").isEqualTo("6C40");
            assertThat(data("00B0000040", "9000")).isEqualTo(padded("SCard simulator sample card", 64));
            assertThat(data("00B0000010", "9000")).isEqualTo(ascii("SCard simulator "));
            assertThat(send("00B0003020")).isEqualTo("6C10");
            assertThat(send("00B0004001")).as("errors as before").isEqualTo("6B00");
            assertThat(send("00B2010400")).as("a transparent file").isEqualTo("6981");
            selectPath("50155133");
            assertThat(send("00B2020400")).isEqualTo("6C03");
            assertThat(data("00B2020403", "9000")).isEqualTo(ascii("two"));
            assertThat(data("0084000008", "9000")).hasSize(16);
            assertThat(send("8016000000")).as("LIST FILES too").isEqualTo("6C16");
            assertThat(data("8016000016", "9000")).isEqualTo("4401440244034404442144225031503251315132" + "5133");
        }

        @Test
        void extendedApdusAreRefusedAndWarningsLoseTheirData() {
            bareCardOf("{\"protocol\": \"T=0\", \"quirks\": {\"strictT0\": true}, \"files\": [{\"fid\":"
                    + " \"0101\", \"type\": \"transparent\", \"size\": 4, \"state\": \"deactivated\"}]}");
            assertThat(send("00A40000020101" + "00")).as("6283: the FCP cannot come").isEqualTo("6283");
            assertThat(send("00A40000020101")).as("nor in case 3").isEqualTo("6283");
            assertThat(send("00C0000000")).isEqualTo("6985");
            assertThat(send("00B00000" + "000040")).isEqualTo("6700");
            assertThat(send(extended("00A40000", "3F00", "0000"))).isEqualTo("6700");
        }

        @Test
        void theSameCommandsOnALenientT0Card() {
            cardOf("\"protocol\": \"T=0\"");
            assertThat(send("00A40000023F0000")).as("case 4: the data at once").isEqualTo(MF_FCP + "9000");
            assertThat(send("00A40000023F0002")).isEqualTo("6C19");
            selectPath("2F01");
            assertThat(data("00B0000000", "9000")).hasSize(128);
            assertThat(data("00B0003020", "6282")).hasSize(32);
            bareCardOf("{\"protocol\": \"T=0\", \"files\": [{\"fid\": \"0101\", \"type\": \"transparent\","
                    + " \"size\": 4, \"state\": \"deactivated\"}]}");
            assertThat(send("00A40000020101")).as("a warning comes with its data").startsWith("62").endsWith("6283");
        }
    }

    @Nested
    class ExtendedLength {

        @Test
        void aCardWithoutExtendedLengthAnswers6700() {
            selectPath("50154401");
            assertThat(data("00B00000" + "000200", "9000")).as("the sample card reads 512 bytes").hasSize(1024);
            cardOf("\"quirks\": {\"extendedLength\": false}");
            selectPath("50154401");
            assertThat(send("00B00000" + "000200")).isEqualTo("6700");
            assertThat(send("00B00000" + "000000")).isEqualTo("6700");
            verify01();
            assertThat(send(extended("00D60000", "AA", null))).isEqualTo("6700");
            assertThat(data("00B0000000", "9000")).as("at most 256 bytes per answer").hasSize(512);
            assertThat(data("00B0000001", "9000")).isEqualTo("00");
        }
    }

    @Nested
    class DeleteFile {

        @Test
        void theIsoCardDeletesTheCurrentFileWithoutData() {
            verify01();
            selectPath("50154402");
            assertThat(send("00E40000")).isEqualTo("9000");
            assertThat(sw("00A40000024402")).isEqualTo("6A82");
        }

        @Test
        void aCardThatNeedsTheFileNamedRefusesTheNoDataForm() {
            cardOf("\"quirks\": {\"deleteCurrentFile\": false}");
            verify01();
            selectPath("50154402");
            assertThat(send("00E40000")).isEqualTo("6A86");
            assertThat(send("00E40300")).as("the parent, also without data").isEqualTo("6A86");
            assertThat(sw("00A4000C024402")).as("still there").isEqualTo("9000");
            selectPath("5015");
            assertThat(send("00E40000")).as("not the current DF either").isEqualTo("6A86");
            assertThat(sw("00A4000C024401")).isEqualTo("9000");
            assertThat(send("00A40000")).endsWith("9000");
            assertThat(send("00E40000")).as("nor the MF").isEqualTo("6A86");
            selectPath("5015");
            assertThat(send(apdu("00E40000", "4402"))).as("named: deleted").isEqualTo("9000");
            assertThat(sw("00A4000C024402")).isEqualTo("6A82");
            assertThat(send(apdu("00E40800", "50154403"))).as("a path names it too").isEqualTo("9000");
            assertThat(sw("00A4080C0450154403")).isEqualTo("6A82");
        }
    }

    @Nested
    class CreateRecordFiles {

        private static final String FIXED = "62" + "0A" + "820402410803" + "83024501";
        private static final String TRANSPARENT = "62" + "0B" + "820101" + "83024502" + "8002000A";

        @Test
        void aCardWithoutRecordFilesAnswers6A81() {
            cardOf("\"quirks\": {\"createRecordFiles\": false}");
            selectPath("5015");
            assertThat(send(apdu("00E00000", FIXED))).as("the condition first").isEqualTo("6982");
            verify01();
            assertThat(send(apdu("00E00000", FIXED))).isEqualTo("6A81");
            assertThat(send(apdu("00E00000", FIXED.replace("820402", "820404")))).as("linear variable")
                    .isEqualTo("6A81");
            assertThat(send(apdu("00E00000", FIXED.replace("820402", "820406")))).as("cyclic").isEqualTo("6A81");
            assertThat(send(apdu("00E00000", "6201FF"))).as("a bad FCP is still 6A80").isEqualTo("6A80");
            assertThat(sw("00A4000C024501")).isEqualTo("6A82");
            assertThat(send(apdu("00E00000", TRANSPARENT))).isEqualTo("9000");
            selectPath("5015");
            assertThat(send(apdu("00E00000", "6207" + "820138" + "83026000"))).as("a DF").isEqualTo("9000");
        }

        @Test
        void theIsoCardCreatesThem() {
            verify01();
            selectPath("5015");
            assertThat(send(apdu("00E00000", FIXED))).isEqualTo("9000");
            assertThat(data("00B2030408", "9000")).isEqualTo("0000000000000000");
        }
    }

    @Nested
    class SelectAnswer {

        @Test
        void anFciCardAnswersTheSameObjectsIn6F() {
            cardOf("\"quirks\": {\"selectAnswer\": \"fci\"}");
            assertThat(send("00A40000023F00")).isEqualTo("6F" + MF_FCP.substring(2) + "9000");
            assertThat(send("00A40004023F0000")).isEqualTo("6F" + MF_FCP.substring(2) + "9000");
            assertThat(send("00A4000C023F00")).isEqualTo("9000");
            assertThat(send("00A40000023F0005")).isEqualTo("6C19");
            assertThat(dev.scard.iso7816.Fcp.parse(HEX.parseHex(data("00A40000025015", "9000"))).dfName())
                    .as("the generic decoder reads an FCI").isEqualTo(HEX.parseHex(AID_5015));
        }

        @Test
        void aSilentCardAnswersOnlyTheStatusWordAndStillSelects() {
            bareCardOf("{\"quirks\": {\"selectAnswer\": \"none\"}, \"files\": [{\"fid\": \"0101\", \"type\":"
                    + " \"transparent\", \"size\": 4, \"state\": \"deactivated\"}, {\"fid\": \"0102\", \"type\":"
                    + " \"transparent\", \"content\": \"CAFE\"}]}");
            assertThat(send("00A40000023F00")).isEqualTo("9000");
            assertThat(send("00A40004023F0000")).isEqualTo("9000");
            assertThat(send("00A40000020101")).isEqualTo("6283");
            assertThat(send("00A40000020102")).isEqualTo("9000");
            assertThat(data("00B0000000", "9000")).as("selected").isEqualTo("CAFE");
            assertThat(send("00A40000025015")).as("not found as before").isEqualTo("6A82");
        }
    }

    @Nested
    class PinsAfterReset {

        @Test
        void anIsoCardForgetsEveryVerificationOnReset() {
            cardOf("\"quirks\": {\"pinsAfterReset\": \"lost\"}");
            verify01();
            card.reset();
            assertThat(send("00200001")).isEqualTo("63C3");
            selectPath("50154402");
            assertThat(sw("00B0000000")).isEqualTo("6982");
        }

        @Test
        void aKeepingCardKeepsItsGlobalPinsVerified() {
            cardOf("\"quirks\": {\"pinsAfterReset\": \"kept\"}");
            verify01();
            selectPath("5015");
            verify81();
            card.reset();
            assertThat(card.currentDf().path()).isEqualTo("3F00");
            assertThat(send("00200001")).as("PIN 01 stays verified").isEqualTo("9000");
            selectPath("50154402");
            assertThat(data("00B0000000", "9000")).isEqualTo(padded("read and update after PIN 01", 32));
            selectPath("50154403");
            assertThat(sw("00B0000000")).as("local PIN 81 ended with the MF as current DF").isEqualTo("6982");
            assertThat(send("00200081")).isEqualTo("63C3");
        }
    }

    @Nested
    class BundledProfiles {

        @Test
        void theFieldCardCombinesTheFieldBehaviours() {
            CardProfile field = CardProfile.parse(CardProfile.bundledBytes("field-card.json"), "field-card.json");
            assertThat(field.name()).isEqualTo("field-card");
            assertThat(field.protocol()).isEqualTo(Protocol.T0);
            assertThat(field.responseDelayMillis()).isZero();
            assertThat(field.quirks()).isEqualTo(new Quirks(false, Quirks.EmptyVerify.COUNTS, false, true, false,
                    false, false, Quirks.SelectAnswer.FCI, Quirks.PinsAfterReset.LOST));
            card = field.newIsoCard(new Random(1));
            assertThat(HEX.formatHex(card.atr())).isEqualTo("3B08" + ascii("FIELDSIM"));
            assertThat(send("00A40000023F0000")).isEqualTo("6119");
            assertThat(send("00C0000019")).isEqualTo("6F" + MF_FCP.substring(2) + "9000");
            assertThat(send("8016000000")).isEqualTo("6D00");
            assertThat(send("00200001")).isEqualTo("6300");
            assertThat(send(apdu("00200001", ascii("9999")))).isEqualTo("6300");
            assertThat(send("00B00000000010")).isEqualTo("6700");
            verify01();
            assertThat(send("00E40000")).isEqualTo("6A86");
        }

        @Test
        void theSlowFieldCardIsSlowAndSilent() {
            CardProfile slow = CardProfile.parse(CardProfile.bundledBytes("slow-field-card.json"),
                    "slow-field-card.json");
            assertThat(slow.name()).isEqualTo("slow-field-card");
            assertThat(slow.protocol()).isEqualTo(Protocol.T1);
            assertThat(slow.responseDelayMillis()).isEqualTo(50);
            assertThat(slow.quirks()).isEqualTo(new Quirks(false, Quirks.EmptyVerify.COUNTS, true, false, true,
                    true, true, Quirks.SelectAnswer.NONE, Quirks.PinsAfterReset.KEPT));
            card = slow.newIsoCard(new Random(1));
            assertThat(card.answersPromptly()).isFalse();
            assertThat(send("00A40000023F00")).isEqualTo("9000");
            assertThat(send("00200001")).isEqualTo("6300");
            assertThat(send(apdu("00200001", ascii("9999")))).isEqualTo("63C1");
        }

        @Test
        void everyBundledProfileReads() {
            for (String name : CardProfile.BUNDLED) {
                CardProfile profile = CardProfile.parse(CardProfile.bundledBytes(name), name);
                assertThat(profile.name() + ".json").isEqualTo(name);
                card = profile.newIsoCard(new Random(2));
                card.checkInvariants();
            }
            org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                    .isThrownBy(() -> CardProfile.bundledBytes("other.json"))
                    .withMessage("no bundled card profile is called other.json; there are sample-card.json,"
                            + " field-card.json, slow-field-card.json");
        }
    }
}
