package dev.scard.simulator.internal.card;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.iso7816.CommandPattern;
import dev.scard.simulator.control.SimulatedCard;

/** Reading profiles: the sample, the format's features, and bad profiles with the path of their problem. */
class CardProfileTest extends CardTestSupport {

    /** The MF of a profile without files, PINs or conditions. */
    static final String MINIMAL_MF_FCP = "6211" + "820138" + "83023F00" + "8A0105" + "AB05" + "80011F"
            + "9000";

    /** A profile with one transparent file around the given file fields. */
    static String oneFile(String fields) {
        return "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", " + fields + "}]}";
    }

    private IsoCard cardOf(String json) {
        card = CardProfile.parse(json).newIsoCard(new Random(3));
        card.checkInvariants();
        return card;
    }

    @Test
    void theSampleReadAheadIsTheOneSampleReturns() {
        CardProfile.readSampleAhead();
        CardProfile.readSampleAhead();
        assertThat(CardProfile.sample()).isSameAs(CardProfile.sample());
        assertThat(CardProfile.sample().name()).isEqualTo("sample-card");
    }

    @Test
    void aReadsOutcomeGivesTheProfileOrThrowsTheVeryFailureOfTheRead() {
        CardProfile profile = CardProfile.parse("{}");
        assertThat(CardProfile.Outcome.of(() -> profile).profile()).isSameAs(profile);

        IllegalStateException broken = new IllegalStateException("the sample card profile cannot be read");
        CardProfile.Outcome failed = CardProfile.Outcome.of(() -> {
            throw broken;
        });
        assertThatThrownBy(failed::profile).isSameAs(broken);
        assertThatThrownBy(failed::profile).isSameAs(broken);

        StackOverflowError error = new StackOverflowError();
        CardProfile.Outcome erred = CardProfile.Outcome.of(() -> {
            throw error;
        });
        assertThatThrownBy(erred::profile).isSameAs(error);
    }

    @Test
    void theSampleIsWhatThePlanSays() {
        CardProfile sample = CardProfile.sample();
        assertThat(sample).isSameAs(CardProfile.sample());
        assertThat(sample.name()).isEqualTo("sample-card");
        assertThat(sample.source()).isEqualTo("sample-card.json");
        assertThat(HEX.formatHex(sample.atr())).isEqualTo("3B880153434152445349" + "4D99");
        assertThat(sample.protocol()).isEqualTo(Protocol.T1);
        assertThat(sample.memory()).isEqualTo(131072);
        assertThat(card.fileFingerprints()).containsOnlyKeys("3F00", "3F00/2F00", "3F00/2F01", "3F00/5015",
                "3F00/5015/4401", "3F00/5015/4402", "3F00/5015/4403", "3F00/5015/4404", "3F00/5015/4421",
                "3F00/5015/4422", "3F00/5015/5031", "3F00/5015/5032", "3F00/5015/5131", "3F00/5015/5132",
                "3F00/5015/5133");
        assertThat(card.pinFingerprints()).containsOnlyKeys("3F00:01", "3F00/5015:81");
        assertThat(data(apdu("00A4080C", "2F00"), "9000")).isEmpty();
        assertThat(data("00B2010400", "9000")).isEqualTo("610E4F0C" + AID_5015);
        assertThat(send(apdu("00A4000C", "2F01") + "")).isEqualTo("9000");
        assertThat(send("00D6000001AA")).isEqualTo("6982");
        assertThat(send("00A4040C0C" + AID_5015)).isEqualTo("9000");
        assertThat(send("00A40000024401")).contains("80028000", "8A0105").endsWith("9000");
        assertThat(send(apdu("00880001", "00112233445566778899AABBCCDDEEFF") + "00"))
                .isEqualTo("69C4E0D86A7B0430D8CDB78070B4C55A9000");
        assertThat(send("00200081")).isEqualTo("63C3");
        assertThat(send(apdu("002C0081", ascii("00000000") + ascii("0000")))).isEqualTo("9000");
    }

    @Test
    void newCardIsASimulatedCardInTheInitialState() {
        SimulatedCard first = CardProfile.sample().newCard();
        SimulatedCard second = CardProfile.sample().newCard();
        assertThat(first).isNotSameAs(second);
        first.process(HEX.parseHex(apdu("00200001", ascii("0000"))));
        assertThat(HEX.formatHex(first.process(HEX.parseHex("00200001")))).isEqualTo("63C2");
        assertThat(HEX.formatHex(second.process(HEX.parseHex("00200001")))).isEqualTo("63C3");
        assertThat(HEX.formatHex(CardProfile.sample().newCard().process(HEX.parseHex("00200001"))))
                .isEqualTo("63C3");
        assertThat(first.toString()).isEqualTo("IsoCard[sample-card, T=1]");
    }

    @Test
    void aMinimalProfileHasDefaults() {
        CardProfile profile = CardProfile.parse("{}");
        assertThat(profile.name()).isEqualTo("(inline)");
        assertThat(profile.source()).isEqualTo("(inline)");
        assertThat(HEX.formatHex(profile.atr())).isEqualTo("3B8801534341524453494D99");
        assertThat(profile.protocol()).isEqualTo(Protocol.T1);
        cardOf("{}");
        assertThat(send("00A40000")).isEqualTo(MINIMAL_MF_FCP + "9000");
        assertThat(send("0020000100")).isEqualTo("6A88");
    }

    @Test
    void contentFillAndText() {
        cardOf("{\"files\": ["
                + "{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 6, \"content\": \"0102\", \"fill\": \"FF\"},"
                + "{\"fid\": \"0102\", \"type\": \"transparent\", \"content\": {\"text\": \"h\u00e9\"}},"
                + "{\"fid\": \"0103\", \"type\": \"transparent\", \"size\": 300, \"content\": {\"hex\": \"AA:BB\"},"
                + " \"fill\": \"counter\"},"
                + "{\"fid\": \"0104\", \"type\": \"linear-fixed\", \"recordLength\": 4, \"maxRecords\": 3,"
                + " \"records\": [\"01\", {\"text\": \"abcd\"}], \"fill\": \"EE\"},"
                + "{\"fid\": \"0105\", \"type\": \"cyclic\", \"recordLength\": 2, \"maxRecords\": 2}]}");
        selectPath("0101");
        assertThat(data("00B0000000", "9000")).isEqualTo("0102FFFFFFFF");
        selectPath("0102");
        assertThat(data("00B0000000", "9000")).as("UTF-8").isEqualTo("68C3A9");
        selectPath("0103");
        assertThat(data("00B0000004", "9000")).isEqualTo("AABB0203");
        assertThat(data("00B0010002", "9000")).as("bytes 256 and 257").isEqualTo("0001");
        selectPath("0104");
        assertThat(data("00B2010400", "9000")).isEqualTo("01EEEEEE");
        assertThat(data("00B2020400", "9000")).isEqualTo(ascii("abcd"));
        assertThat(data("00B2030400", "9000")).isEqualTo("EEEEEEEE");
        selectPath("0105");
        assertThat(data("00B2020400", "9000")).isEqualTo("0000");
    }

    @Test
    void aTransparentFileWithSfiAndOffsetsBeyond32767() {
        cardOf(oneFile("\"sfi\": \"05\", \"size\": 40000, \"fill\": \"counter\""));
        assertThat(data("00B0850304", "9000")).as("SFI 5, offset 3").isEqualTo("03040506");
        assertThat(card.currentEf().path()).isEqualTo("3F00/0101");
        assertThat(data(apdu("00B10000", "54029000") + "04", "9000")).as("offset 36864").isEqualTo("53020001");
        assertThat(data(apdu("00B10005", "54029C3E") + "00", "9000")).as("SFI 5 in P2").isEqualTo("53023E3F");
        assertThat(send(apdu("00D70000", "54029C3F5301AA"))).isEqualTo("9000");
        assertThat(data(apdu("00B10000", "54029C3E") + "00", "9000")).isEqualTo("53023EAA");
        assertThat(send(apdu("00D70000", "54029C405301AA"))).isEqualTo("6B00");
        assertThat(send(apdu("00D60000", "00"))).isEqualTo("9000");
        String rest = data(extended("00B10000", "54027FFF", "0000"), "9000");
        assertThat(rest).startsWith("5382" + String.format("%04X", 40000 - 32767)).hasSize(2 * (4 + 40000 - 32767));
    }

    @Test
    void initialCountersStatesAndPinsWithoutPuk() {
        cardOf("{\"pins\": [{\"ref\": \"02\", \"value\": \"31323334\", \"tries\": 5, \"triesLeft\": 0},"
                + "{\"ref\": \"03\", \"value\": {\"text\": \"0000\"}, \"puk\": {\"text\": \"9999\"}, \"pukTries\": 2,"
                + " \"pukTriesLeft\": 1}],"
                + " \"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 1, \"state\": \"deactivated\"}]}");
        assertThat(send("00200002")).isEqualTo("6983");
        assertThat(send(apdu("002C0102", "31323334"))).as("no PUK").isEqualTo("6A88");
        assertThat(send(apdu("002C0103", ascii("0000")))).isEqualTo("63C0");
        assertThat(send(apdu("002C0103", ascii("9999")))).isEqualTo("6983");
        assertThat(send(apdu("00A4000C", "0101"))).isEqualTo("6283");
        assertThat(send("00440000")).isEqualTo("9000");
        assertThat(send("00B0000000")).isEqualTo("009000");
    }

    @Test
    void localKeysAndConditionsOnKeys() {
        cardOf("{\"files\": [{\"fid\": \"1000\", \"type\": \"df\","
                + " \"keys\": [{\"ref\": \"82\", \"value\": \"" + KEY_01 + "\"}],"
                + " \"files\": [{\"fid\": \"1001\", \"type\": \"transparent\", \"size\": 2,"
                + " \"access\": {\"read\": \"auth:82\"}}]}]}");
        selectPath("10001001");
        assertThat(send("00B0000000")).isEqualTo("6982");
        String challenge = data("0084000010", "9000");
        assertThat(send(apdu("00820082", aes(KEY_01, challenge)))).isEqualTo("9000");
        assertThat(send("00B0000000")).isEqualTo("00009000");
        selectPath("1000");
        assertThat(send("00B0000000")).isEqualTo("6986");
        assertThat(send(apdu("00A4000C", "3F00"))).isEqualTo("9000");
        assertThat(send(apdu("00820082", "00".repeat(16)))).as("not visible from the MF").isEqualTo("6A88");
        selectPath("10001001");
        assertThat(send("00B0000000")).as("leaving the DF ended the authentication").isEqualTo("6982");
    }

    @Test
    void underT0ResponseDataComesThroughGetResponse() {
        cardOf("{\"protocol\": \"T=0\", \"keys\": [{\"ref\": \"01\", \"value\": \"" + KEY_01 + "\"}]}");
        assertThat(card.protocol()).isEqualTo(Protocol.T0);
        assertThat(send("00A40000023F00")).isEqualTo("6113");
        assertThat(send("00C0000013")).isEqualTo(MINIMAL_MF_FCP + "9000");
        assertThat(send("00C0000013")).as("nothing left").isEqualTo("6985");
        assertThat(send("00A40000023F00")).isEqualTo("6113");
        assertThat(send("00C0000008")).isEqualTo(MINIMAL_MF_FCP.substring(0, 16) + "610B");
        assertThat(send("00C000000B")).isEqualTo(MINIMAL_MF_FCP.substring(16) + "9000");
        assertThat(send("00A4000C023F00")).as("no data, no 61xx").isEqualTo("9000");
        assertThat(send("00A40000023F00")).isEqualTo("6113");
        assertThat(send("0084000008")).hasSize(20);
        assertThat(send("00C0000013")).as("another command dropped it").isEqualTo("6985");
        assertThat(send(apdu("00880001", "00112233445566778899AABBCCDDEEFF"))).isEqualTo("6110");
        assertThat(send("00C0010010")).isEqualTo("6A86");
        assertThat(send(apdu("00880001", "00112233445566778899AABBCCDDEEFF"))).isEqualTo("6110");
        assertThat(send("00C00000")).isEqualTo("6700");
        assertThat(send(apdu("00880001", "00112233445566778899AABBCCDDEEFF"))).isEqualTo("6110");
        assertThat(send("00C0000000")).isEqualTo("69C4E0D86A7B0430D8CDB78070B4C55A9000");
        assertThat(send(apdu("00880001", "00112233445566778899AABBCCDDEEFF") + "00"))
                .as("with Le the data comes at once").isEqualTo("69C4E0D86A7B0430D8CDB78070B4C55A9000");
    }

    @Test
    void secretCommandsAreTheCardsOwnPatternsForTheTrace() {
        CardProfile profile = CardProfile.parse("{\"secretCommands\": [\"80 40 * *\", \"00 87\", \"84 **\"]}");
        assertThat(profile.secretCommands()).extracting(Object::toString)
                .containsExactly("80 40 xx xx", "00 87 xx xx", "84 xx xx xx");
        assertThat(CardProfile.secretCommands(profile.newCard())).isEqualTo(profile.secretCommands());
        assertThat(CardProfile.parse("{\"secretCommands\": []}").secretCommands()).isEmpty();
        assertThat(CardProfile.parse("{}").secretCommands()).as("none without the field").isEmpty();
        assertThat(CardProfile.secretCommands(CardProfile.sample().newCard())).isEmpty();
    }

    @Test
    void aSecretCommandThatIsNoPatternFailsTheProfileNamingItsIndex() {
        assertProblem(() -> CardProfile.parse("{\"secretCommands\": [\"80 40\", \"80 4G\"]}", "t.json"), "t.json",
                "secretCommands[1]", "not a command pattern: word 2, character 2 is not a hex digit, x or *; a pattern"
                        + " is " + CommandPattern.SYNTAX);
        assertProblem(() -> CardProfile.parse("{\"secretCommands\": [\"80\"]}", "t.json"), "t.json",
                "secretCommands[0]", "not a command pattern: one byte only: a pattern needs at least CLA and INS;"
                        + " it is " + CommandPattern.SYNTAX);
    }

    @Test
    void commentsAreAllowed() {
        CardProfile profile = CardProfile.parse("// a card\n{ /* the ATR */ \"atr\": \"3B00\", \"comment\": \"x\","
                + " \"access\": {\"comment\": \"MF\", \"create\": \"never\"}}");
        assertThat(HEX.formatHex(profile.atr())).isEqualTo("3B00");
    }

    @Test
    void loadsFromAFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("card.json");
        Files.writeString(file, "{\"name\": \"from a file\", \"protocol\": \"T0\"}");
        CardProfile profile = CardProfile.load(file);
        assertThat(profile.name()).isEqualTo("from a file");
        assertThat(profile.source()).isEqualTo(file.toString());
        assertThat(profile.newCard().protocol()).isEqualTo(Protocol.T0);
    }

    @Test
    void fileProblemsNameTheFile(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("missing.json");
        assertProblem(() -> CardProfile.load(missing), missing + "", "", "no such file");
        assertProblem(() -> CardProfile.load(dir), dir + "", "", "is a directory, not a profile file");
        Path latin1 = dir.resolve("latin1.json");
        Files.write(latin1, "{\"name\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1));
        assertProblem(() -> CardProfile.load(latin1), latin1 + "", "", "the file is not UTF-8 text");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 0}]}");
        CardProfileException e = assertProblem(() -> CardProfile.load(bad), bad + "", "files[0].size",
                "must be a whole number 1..65535");
        assertThat(e.getMessage()).isEqualTo("card profile " + bad + ": files[0].size: must be a whole number "
                + "1..65535 [E_INVALIDARG 0x80070057]");
        assertProblem(() -> CardProfile.load(null), "(none)", "", "no profile file given");
        assertProblem(() -> CardProfile.parse(null), "(inline)", "", "no profile text given");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "                              |           | the document is empty; a profile is a JSON object",
        "[]                            |           | the document must be a JSON object",
        "{\"files\": 3}                |files      | must be a JSON array",
        "{\"atr\": \"3B\"}             |atr        | must be 2..33 bytes, not 1",
        "{\"atr\": \"8B00\"}           |atr        | must start with 3B or 3F (the TS byte)",
        "{\"atr\": \"3B0\"}            |atr        | has an odd number of hex digits",
        "{\"atr\": \"3BXX\"}           |atr        | not hexadecimal: character 3 is not a hex digit (use {\"text\": \"...\"} for text)",
        "{\"atr\": 59}                 |atr        | must be a hex string such as \"3F 00\", or {\"hex\": \"...\"} or {\"text\": \"...\"}",
        "{\"atr\": {\"hex\": \"3B00\", \"text\": \"x\"}} |atr | must be a hex string such as \"3F 00\", or {\"hex\": \"...\"} or {\"text\": \"...\"}",
        "{\"protocol\": \"T=2\"}       |protocol   | must be \"T=0\" or \"T=1\"",
        "{\"memory\": 0}               |memory     | must be a whole number 1..16777216",
        "{\"memory\": 1.5}             |memory     | must be a whole number 1..16777216",
        "{\"memory\": 10, \"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 11}]} |memory | the files need 11 bytes, more than the card's memory of 10 bytes",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 65535}, {\"fid\": \"0102\", \"type\": \"transparent\", \"size\": 65535}, {\"fid\": \"0103\", \"type\": \"transparent\", \"size\": 3}]} |files | the files need 131073 bytes, more than the card's memory of 131072 bytes (the default; set \"memory\")",
        "{\"name\": \" \"}             |name       | must not be blank",
        "{\"nmae\": \"x\"}             |nmae       | unknown field; expected one of access, aid, atr, comment, description, files, keys, memory, name, pins, protocol, quirks, responseDelayMillis, secretCommands",
        "{\"quirks\": 3}               |quirks     | must be a JSON object",
        "{\"secretCommands\": \"80 20\"} |secretCommands | must be a JSON array",
        "{\"secretCommands\": [\"80 40\", 5]} |secretCommands[1] | must be a string",
        "{\"quirks\": {\"listfiles\": false}} |quirks.listfiles | unknown field; expected one of comment, createRecordFiles, deleteCurrentFile, emptyVerify, extendedLength, listFiles, pinsAfterReset, selectAnswer, strictT0, triesInStatusWord",
        "{\"quirks\": {\"listFiles\": \"no\"}} |quirks.listFiles | must be true or false (JSON, without quotes)",
        "{\"quirks\": {\"triesInStatusWord\": null}} |quirks.triesInStatusWord | must be true or false (JSON, without quotes)",
        "{\"quirks\": {\"extendedLength\": 0}} |quirks.extendedLength | must be true or false (JSON, without quotes)",
        "{\"quirks\": {\"deleteCurrentFile\": \"false\"}} |quirks.deleteCurrentFile | must be true or false (JSON, without quotes)",
        "{\"quirks\": {\"createRecordFiles\": []}} |quirks.createRecordFiles | must be true or false (JSON, without quotes)",
        "{\"quirks\": {\"emptyVerify\": \"count\"}} |quirks.emptyVerify | must be one of \"status\", \"counts\", \"refused\"",
        "{\"quirks\": {\"selectAnswer\": 1}} |quirks.selectAnswer | must be one of \"fcp\", \"fci\", \"none\"",
        "{\"quirks\": {\"pinsAfterReset\": \"forever\"}} |quirks.pinsAfterReset | must be one of \"lost\", \"kept\"",
        "{\"quirks\": {\"strictT0\": true}} |quirks.strictT0 | needs \"protocol\": \"T=0\" (the card's only protocol)",
        "{\"protocol\": \"T=1\", \"quirks\": {\"strictT0\": true}} |quirks.strictT0 | needs \"protocol\": \"T=0\" (the card's only protocol)",
        "{\"protocol\": \"T=0\", \"quirks\": {\"strictT0\": true, \"extendedLength\": true}} |quirks.extendedLength | a strict T=0 card takes no extended APDUs (T=0 cannot carry them); leave it out or set false",
        "{\"quirks\": {\"comment\": 5}} |quirks.comment | must be a string",
        "{\"responseDelayMillis\": -1} |responseDelayMillis | must be a whole number 0..2147483647",
        "{\"responseDelayMillis\": \"5\"} |responseDelayMillis | must be a whole number 0..2147483647",
        "{\"aid\": \"\"}               |aid        | must be 1..16 bytes, not 0",
        "{\"access\": {\"read\": \"always\"}} |access.read | unknown operation for a DF; expected create, delete, deactivate, activate",
        "{\"access\": {\"create\": \"sometimes\"}} |access.create | must be \"always\", \"never\", \"pin:XX\" or \"auth:XX\" (XX a reference, 2 hex digits, 01..1F global or 81..9F local)",
        "{\"access\": {\"create\": \"pin:01\"}} |access.create | there is no PIN 01 for this file (global PINs are in the MF, local ones in this file's DF or above)",
        "{\"access\": {\"create\": \"auth:81\"}} |access.create | there is no key 81 for this file (global keys are in the MF, local ones in this file's DF or above)",
        "{\"access\": {\"create\": \"pin:20\"}} |access.create | must be \"always\", \"never\", \"pin:XX\" or \"auth:XX\" (XX a reference, 2 hex digits, 01..1F global or 81..9F local)",
        "{\"access\": []}              |access     | must be a JSON object such as {\"read\": \"always\", \"update\": \"pin:01\"}",
        "{\"pins\": [{\"value\": \"31\"}]} |pins[0].ref | missing; the PIN's reference, 2 hex digits (01..1F in the MF)",
        "{\"pins\": [{\"ref\": \"81\", \"value\": \"31\"}]} |pins[0].ref | a PIN in the MF is global: 01..1F",
        "{\"pins\": [{\"ref\": 1, \"value\": \"31\"}]} |pins[0].ref | must be a string of 2 hex digits (hexadecimal, so not a JSON number)",
        "{\"pins\": [{\"ref\": \"01\"}]} |pins[0].value | missing; the PIN, such as {\"text\": \"1234\"}",
        "{\"pins\": [{\"ref\": \"01\", \"value\": \"31\", \"tries\": 16}]} |pins[0].tries | must be a whole number 1..15",
        "{\"pins\": [{\"ref\": \"01\", \"value\": \"31\", \"tries\": 3, \"triesLeft\": 4}]} |pins[0].triesLeft | must be a whole number 0..3",
        "{\"pins\": [{\"ref\": \"01\", \"value\": \"31\", \"pukTries\": 3}]} |pins[0].pukTries | makes sense only with a \"puk\"",
        "{\"pins\": [{\"ref\": \"01\", \"value\": \"31\"}, {\"ref\": \"01\", \"value\": \"32\"}]} |pins[1].ref | PIN 01 is defined twice",
        "{\"pins\": [{\"ref\": \"01\", \"value\": \"31\", \"pin\": \"32\"}]} |pins[0].pin | unknown field; expected one of comment, puk, pukTries, pukTriesLeft, ref, tries, triesLeft, value",
        "{\"keys\": [{\"ref\": \"01\", \"value\": \"0011\"}]} |keys[0].value | must be 16 bytes",
        "{\"keys\": [{\"ref\": \"01\", \"algorithm\": \"DES\", \"value\": \"00112233445566778899AABBCCDDEEFF\"}]} |keys[0].algorithm | must be \"AES-128\" (the only algorithm the card has)",
        "{\"keys\": [{\"ref\": \"01\", \"value\": \"00112233445566778899AABBCCDDEEFF\"}, {\"ref\": \"01\", \"value\": \"00112233445566778899AABBCCDDEEFF\"}]} |keys[1].ref | key 01 is defined twice",
        "{\"files\": [3]}              |files[0]   | must be a JSON object describing a file",
        "{\"files\": [{\"fid\": \"0101\"}]} |files[0].type | missing; one of df, transparent, linear-fixed, linear-variable, cyclic",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"binary\"}]} |files[0].type | must be one of df, transparent, linear-fixed, linear-variable, cyclic",
        "{\"files\": [{\"type\": \"df\"}]} |files[0].fid | missing; the file identifier, 4 hex digits such as \"5015\"",
        "{\"files\": [{\"fid\": 5015, \"type\": \"df\"}]} |files[0].fid | must be a string of 4 hex digits such as \"5015\" (hexadecimal, so not a JSON number)",
        "{\"files\": [{\"fid\": \"501\", \"type\": \"df\"}]} |files[0].fid | must be 4 hex digits such as \"5015\"",
        "{\"files\": [{\"fid\": \"3FFF\", \"type\": \"df\"}]} |files[0].fid | 3F00, 3FFF and FFFF are reserved",
        "{\"files\": [{\"fid\": \"5015\", \"type\": \"df\"}, {\"fid\": \"5015\", \"type\": \"df\"}]} |files[1].fid | 5015 is already used in 3F00",
        "{\"files\": [{\"fid\": \"5015\", \"type\": \"df\", \"files\": [{\"fid\": \"5015\", \"type\": \"df\"}]}]} |files[0].files[0].fid | must differ from the identifiers of the DF it is in and that DF's parent",
        "{\"files\": [{\"fid\": \"5015\", \"type\": \"df\", \"aid\": \"A0\", \"files\": [{\"fid\": \"6000\", \"type\": \"df\", \"aid\": \"A0\"}]}]} |files[0].files[0].aid | this DF name is already the name of 3F00/5015",
        "{\"files\": [{\"fid\": \"5015\", \"type\": \"df\", \"size\": 3}]} |files[0].size | unknown field; expected one of access, aid, comment, fid, files, keys, pins, state, type",
        "{\"files\": [{\"fid\": \"5015\", \"type\": \"df\", \"pins\": [{\"ref\": \"01\", \"value\": \"31\"}]}]} |files[0].pins[0].ref | a PIN in a DF is local: 81..9F (b8 set)",
        "{\"files\": [{\"fid\": \"5015\", \"type\": \"df\", \"state\": \"off\"}]} |files[0].state | must be \"activated\" or \"deactivated\"",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\"}]} |files[0].size | missing; a transparent file needs a size (1..65535) or a content",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 65536}]} |files[0].size | must be a whole number 1..65535",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 1, \"content\": \"0102\"}]} |files[0].content | 2 bytes, more than the file's size (1)",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 1, \"fill\": \"0102\"}]} |files[0].fill | must be one hex byte such as \"FF\", or \"counter\" (byte i is i mod 256)",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 1, \"sfi\": \"1F\"}]} |files[0].sfi | must be 01..1E (hex)",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 1, \"sfi\": \"01\"}, {\"fid\": \"0102\", \"type\": \"transparent\", \"size\": 1, \"sfi\": \"01\"}]} |files[1].sfi | SFI 01 is already used in 3F00",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 1, \"records\": []}]} |files[0].records | unknown field; expected one of access, comment, content, fid, fill, sfi, size, state, type",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 1, \"access\": {\"create\": \"always\"}}]} |files[0].access.create | unknown operation for an EF; expected read, update, deactivate, activate",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"transparent\", \"size\": 1, \"access\": {\"read\": \"pin:81\"}}]} |files[0].access.read | there is no PIN 81 for this file (global PINs are in the MF, local ones in this file's DF or above)",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"linear-fixed\", \"maxRecords\": 2}]} |files[0].recordLength | missing; a whole number 1..255",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"cyclic\", \"recordLength\": 2}]} |files[0].maxRecords | missing; a whole number 1..254",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"cyclic\", \"recordLength\": 256, \"maxRecords\": 1}]} |files[0].recordLength | must be a whole number 1..255",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"linear-fixed\", \"recordLength\": 2, \"maxRecords\": 1, \"records\": [\"01\", \"02\"]}]} |files[0].records | 2 records, more than maxRecords (1)",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"linear-fixed\", \"recordLength\": 2, \"maxRecords\": 1, \"records\": [\"010203\"]}]} |files[0].records[0] | must be 1..2 bytes, not 3",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"linear-variable\", \"recordLength\": 2, \"maxRecords\": 1, \"records\": [\"\"]}]} |files[0].records[0] | must be 1..2 bytes, not 0",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"linear-variable\", \"recordLength\": 2, \"maxRecords\": 1, \"fill\": \"00\"}]} |files[0].fill | unknown field; expected one of access, comment, fid, maxRecords, recordLength, records, sfi, state, type",
        "{\"files\": [{\"fid\": \"0101\", \"type\": \"linear-fixed\", \"recordLength\": 2, \"maxRecords\": 1, \"fill\": \"counter\"}]} |files[0].fill | not hexadecimal: character 2 is not a hex digit (use {\"text\": \"...\"} for text)",
    })
    void badProfilesNameTheirProblem(String json, String path, String problem) {
        assertProblem(() -> CardProfile.parse(json == null ? "" : json, "test.json"), "test.json",
                path == null ? "" : path, problem);
    }

    @Test
    void syntaxErrorsGiveTheLocationButNoText() {
        CardProfileException e = assertProblem(() -> CardProfile.parse("{\n  \"pins\": [{\"ref\": \"01\", "
                + "\"value\": secret99}]}"), "(inline)", "", null);
        assertThat(e.problem()).startsWith("not valid JSON at line 2, column ");
        assertThat(e.getMessage()).doesNotContain("secret99");
        e = assertProblem(() -> CardProfile.parse("{\"a\": 1, \"a\": 2}"), "(inline)", "", null);
        assertThat(e.problem()).startsWith("not valid JSON at line 1").contains("Duplicate field");
        e = assertProblem(() -> CardProfile.parse("{} {}"), "(inline)", "", null);
        assertThat(e.problem()).startsWith("not valid JSON at line 1");
    }

    @Test
    void syntaxErrorsInASecretGiveNoCharacterCode() {
        // "1" (code 49) would name the character that broke the PIN.
        CardProfileException e = assertProblem(() -> CardProfile.parse("{\"pins\": [{\"ref\": \"01\", "
                + "\"value\": 1x}]}"), "(inline)", "", null);
        assertThat(e.problem()).startsWith("not valid JSON at line 1");
        assertThat(e.getMessage()).doesNotContainPattern("code \\d").doesNotContain("(code");
        e = assertProblem(() -> CardProfile.parse("{\"pins\": [{\"ref\": \"01\", \"value\": \"12\t34\"}]}"),
                "(inline)", "", null);
        assertThat(e.getMessage()).doesNotContainPattern("code \\d");
        assertThat(ProfileParser.withoutCharacterCodes("Unexpected character ('...' (code 120)): expected"))
                .isEqualTo("Unexpected character ('...'): expected");
        assertThat(ProfileParser.withoutCharacterCodes("Illegal unquoted character ((CTRL-CHAR, code 9)): has"))
                .doesNotContain("9");
    }

    @Test
    void wrongLengthsOfSecretsAreNotReported() {
        String[] profiles = {
            "{\"pins\": [{\"ref\": \"01\", \"value\": {\"text\": \"" + "7".repeat(65) + "\"}}]}",
            "{\"pins\": [{\"ref\": \"01\", \"value\": \"\"}]}",
            "{\"pins\": [{\"ref\": \"01\", \"value\": \"31323334\", \"puk\": {\"text\": \"" + "7".repeat(66)
                    + "\"}}]}",
            "{\"keys\": [{\"ref\": \"01\", \"value\": \"00112233445566778899AABBCCDDEE\"}]}",
        };
        for (String json : profiles) {
            assertThatThrownBy(() -> CardProfile.parse(json)).isInstanceOf(CardProfileException.class)
                    .satisfies(e -> assertThat(e.getMessage()).contains(" bytes").doesNotContain(", not ")
                            .doesNotContain("65").doesNotContain("66").doesNotContain("15"));
        }
    }

    @Test
    void secretsNeverAppearInMessages() {
        String[] profiles = {
            "{\"pins\": [{\"ref\": \"01\", \"value\": \"SECRETPIN\"}]}",
            "{\"pins\": [{\"ref\": \"01\", \"value\": {\"text\": \"SECRETPIN\"}, \"puk\": \"SECRETPUK\"}]}",
            "{\"pins\": [{\"ref\": \"01\", \"value\": {\"text\": \"SECRETPIN\"}, \"tries\": \"SECRETPIN\"}]}",
            "{\"keys\": [{\"ref\": \"01\", \"value\": \"SECRETKEY\"}]}",
            "{\"keys\": [{\"ref\": \"01\", \"value\": \"AABBCCDDEEFF00112233445566778899AA\"}]}",
        };
        for (String json : profiles) {
            assertThatThrownBy(() -> CardProfile.parse(json)).isInstanceOf(CardProfileException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SECRET", "AABBCCDDEEFF"));
        }
        CardProfile profile = CardProfile.parse("{\"pins\": [{\"ref\": \"01\", \"value\": {\"text\": \"SECRETPIN\"}, "
                + "\"puk\": {\"text\": \"SECRETPUK\"}}], \"keys\": [{\"ref\": \"01\", \"value\": \"" + KEY_01 + "\"}]}");
        IsoCard c = profile.newIsoCard(new Random(1));
        assertThat(c.mf().pins.get(1).toString()).isEqualTo("PIN 01 (3 of 3 tries left, PUK 10 of 10)");
        assertThat(c.mf().keys.get(1).toString()).isEqualTo("AES-128 key 01");
        assertThat(profile.toString()).doesNotContain("SECRET");
    }

    @Test
    void tooManyFiles() {
        StringBuilder json = new StringBuilder("{\"files\": [");
        for (int i = 0; i < IsoCard.MAX_FILES; i++) {
            json.append(i == 0 ? "" : ",").append(String.format("{\"fid\": \"%04X\", \"type\": \"df\"}", 0x1000 + i));
        }
        json.append("]}");
        assertProblem(() -> CardProfile.parse(json.toString()), "(inline)", "files[255]",
                "more than 256 files (the MF counts too)");
    }

    static CardProfileException assertProblem(Runnable parse, String source, String path, String problem) {
        try {
            parse.run();
        } catch (CardProfileException e) {
            assertThat(e.code()).isEqualTo(HResult.E_INVALIDARG);
            assertThat(e).isInstanceOf(SCardException.class);
            assertThat(e.source()).isEqualTo(source);
            assertThat(e.jsonPath()).isEqualTo(path);
            if (problem != null) {
                assertThat(e.problem()).isEqualTo(problem);
                assertThat(e.getMessage()).isEqualTo("card profile " + source + ": " + (path.isEmpty() ? "" : path
                        + ": ") + problem + " [E_INVALIDARG 0x80070057]");
            }
            return e;
        }
        throw new AssertionError("no CardProfileException");
    }
}
