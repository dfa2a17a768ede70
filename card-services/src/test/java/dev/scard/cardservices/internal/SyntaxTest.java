package dev.scard.cardservices.internal;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;
import dev.scard.iso7816.Fcp;
import dev.scard.iso7816.StatusWords;

/** Paths, responses, the FCP facts the card services use, and status words to HRESULTs. */
class SyntaxTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final List<Integer> MF = List.of(0x3F00);
    private static final List<Integer> APP = List.of(0x3F00, 0x5015);

    private static List<Integer> resolve(List<Integer> from, String path) {
        return CardPath.resolve(from, CardPath.parse(RefType.BY_ANY, path));
    }

    @Test
    void pathsResolveAbsoluteRelativeAndUp() {
        assertThat(resolve(APP, "3F00/5015/4401")).containsExactly(0x3F00, 0x5015, 0x4401);
        assertThat(resolve(APP, "4401")).containsExactly(0x3F00, 0x5015, 0x4401);
        assertThat(resolve(APP, "..")).containsExactly(0x3F00);
        assertThat(resolve(APP, "../2f00")).containsExactly(0x3F00, 0x2F00);
        assertThat(resolve(MF, " 3f00 ")).containsExactly(0x3F00);
        assertThat(resolve(MF, "3F00/5015/../5015/4401")).containsExactly(0x3F00, 0x5015, 0x4401);
        assertThat(CardPath.format(List.of(0x3F00, 0x5015, 0x4401))).isEqualTo("3F00/5015/4401");
        CardPath.Spec aid = CardPath.parse(RefType.BY_ANY, "AID:a000000063");
        assertThat(aid.form()).isEqualTo(CardPath.Form.NAME);
        assertThat(aid.name()).containsExactly(0xA0, 0, 0, 0, 0x63);
        assertThat(CardPath.parse(RefType.BY_NAME, "A000000063").name()).hasSize(5);
        assertThat(CardPath.parse(RefType.BY_SHORT_ID, "sfi:B").sfi()).isEqualTo(11);
        assertThat(CardPath.parse(RefType.BY_SHORT_ID, "1e").sfi()).isEqualTo(30);
    }

    @Test
    void malformedPathsAreRejectedWithWhatIsWrong() {
        assertBad(RefType.BY_ANY, null, "path must not be null");
        assertBad(null, "3F00", "reference type must not be null");
        assertBad(RefType.BY_ANY, "  ", "is empty");
        assertBad(RefType.BY_ANY, "/3F00", "starts with '/'");
        assertBad(RefType.BY_ANY, "3F00/", "ends with '/'");
        assertBad(RefType.BY_ANY, "3F00//5015", "empty component");
        assertBad(RefType.BY_ANY, "3F00/501", "component '501'; each component is four hex digits");
        assertBad(RefType.BY_ANY, "3F00/50G5", "'G' in its file identifier, which is not a hex digit");
        assertBad(RefType.BY_ANY, "5015/3F00", "3F00 (the MF) after its start");
        assertBad(RefType.BY_ANY, "3F00/FFFF", "reserved file identifier FFFF");
        assertBad(RefType.BY_ANY, "3FFF", "reserved file identifier 3FFF");
        assertBad(RefType.BY_ANY, "3F00/50 15", "component '50 15'");
        assertBad(RefType.BY_ANY, "aid:", "empty DF name");
        assertBad(RefType.BY_ANY, "aid:A00", "odd number of hex digits");
        assertBad(RefType.BY_ANY, "aid:" + "00".repeat(17), "DF name of 17 bytes");
        assertBad(RefType.BY_ANY, "sfi:0", "short identifier 00");
        assertBad(RefType.BY_ANY, "sfi:123", "one or two hex digits");
        assertBad(RefType.BY_ID, "aid:A000", "not made of file identifiers, as reference type BY_ID needs");
        assertBad(RefType.BY_NAME, "sfi:01", "is a short identifier, but the reference type is BY_NAME");
        assertBad(RefType.BY_SHORT_ID, "aid:A0", "is a DF name");
        assertBad(RefType.BY_NAME, "3F00/501", "'/' in its DF name");
        assertBad(RefType.BY_ANY, "x".repeat(600), "longer than 512 characters");
        assertBad(RefType.BY_ANY, "3F00/\n", "'3F00/\\u000A' ends with '/'");
        failure(HResult.E_INVALIDARG, "path '..' leads above the MF 3F00", () -> resolve(MF, ".."));
        failure(HResult.E_INVALIDARG, "deeper than 32", () -> resolve(MF, "3F00" + "/1234".repeat(32)));
        SCardException control = catchBad("3F00/\u0007\u0007\u0007\u0007");
        assertThat(control.getMessage()).doesNotContain("\u0007").contains("\\u0007");
    }

    private static void assertBad(RefType type, String path, String part) {
        failure(HResult.E_INVALIDARG, part, () -> CardPath.parse(type, path));
    }

    private static SCardException catchBad(String path) {
        try {
            CardPath.parse(RefType.BY_ANY, path);
        } catch (SCardException e) {
            return e;
        }
        throw new AssertionError("not rejected: " + path);
    }

    @Test
    void responsesSplitIntoDataAndStatusWord() {
        Apdu.Response response = Apdu.Response.of(new byte[] {1, 2, (byte) 0x62, (byte) 0x82});
        assertThat(response.data()).containsExactly(1, 2);
        assertThat(response.sw()).isEqualTo(0x6282);
        assertThat(response.ok()).isFalse();
    }

    @Test
    void fcpsTellKindSizeRecordsAndLifeCycle() {
        Fcp transparent = Fcp.parse(HEX.parseHex(IsoFileAccessScriptedTest.transparentFcp("4401", 32768, "")));
        assertThat(Listing.fileType(transparent)).isEqualTo(FileType.TRANSPARENT_EF);
        assertThat(transparent.size()).isEqualTo(32768);
        assertThat(transparent.fid()).isEqualTo(0x4401);
        assertThat(transparent.sfi()).isZero();
        assertThat(transparent.isDeactivated()).isFalse();
        Fcp records = Fcp.parse(HEX.parseHex(IsoFileAccessScriptedTest.recordFcp("5031", 0x02, 16, 5, "")));
        assertThat(Listing.fileType(records)).isEqualTo(FileType.FIXED_EF);
        assertThat(records.maxRecordSize()).isEqualTo(16);
        assertThat(records.recordCount()).isEqualTo(5);
        assertThat(records.sfi()).isEqualTo(11);
        Fcp cyclic = Fcp.parse(HEX.parseHex(IsoFileAccessScriptedTest.recordFcp("5032", 0x06, 8, 3, "")));
        assertThat(Listing.fileType(cyclic)).isEqualTo(FileType.CYCLIC_EF);
        Fcp variable = Fcp.parse(HEX.parseHex(IsoFileAccessScriptedTest.recordFcp("5033", 0x04, 32, 2, "")));
        assertThat(Listing.fileType(variable)).isEqualTo(FileType.VARIABLE_EF);
        Fcp df = Fcp.parse(HEX.parseHex(IsoFileAccessScriptedTest.dfFcp("5015", "")));
        assertThat(df.isDf()).isTrue();
        assertThat(Listing.fileType(df)).isEqualTo(FileType.DIRECTORY_FILE);
        assertThat(Fcp.parse(new byte[0])).isSameAs(Fcp.EMPTY);
        assertThat(Fcp.parse(HEX.parseHex("62038A0104")).isDeactivated()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Fcp.parse(HEX.parseHex("6F00" + "6F00")))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Fcp.parse(HEX.parseHex("8A0105")))
                .hasMessageContaining("expected an FCP template");
    }

    @Test
    void onlyDescriptor38And78AreDirectoriesAsIso7816Table12Says() {
        assertThat(Fcp.parse(HEX.parseHex("6203820138")).isDf()).isTrue();
        assertThat(Fcp.parse(HEX.parseHex("6203820178")).isDf()).isTrue();
        for (String dataObjectEf : new String[] {"39", "3A", "79", "7A", "3F"}) {
            Fcp fcp = Fcp.parse(HEX.parseHex("62038201" + dataObjectEf));
            assertThat(fcp.isDf()).as(dataObjectEf).isFalse();
            assertThat(Listing.fileType(fcp)).as(dataObjectEf).isNull();
        }
    }

    @Test
    void statusWordsMapToTheContractsCodes() {
        Object[][] table = {
            {0x6A82, StatusWordErrors.Kind.FILE, HResult.SCARD_E_FILE_NOT_FOUND},
            {0x6A82, StatusWordErrors.Kind.DIRECTORY, HResult.SCARD_E_DIR_NOT_FOUND},
            {0x6982, StatusWordErrors.Kind.READ, HResult.SCARD_E_NO_ACCESS},
            {0x6985, StatusWordErrors.Kind.READ, HResult.SCARD_E_NO_ACCESS},
            {0x6985, StatusWordErrors.Kind.AUTH, HResult.SCARD_W_SECURITY_VIOLATION},
            {0x63C2, StatusWordErrors.Kind.PIN, HResult.SCARD_W_WRONG_CHV},
            {0x63C2, StatusWordErrors.Kind.AUTH, HResult.SCARD_W_SECURITY_VIOLATION},
            {0x6300, StatusWordErrors.Kind.AUTH, HResult.SCARD_W_SECURITY_VIOLATION},
            {0x6300, StatusWordErrors.Kind.PIN, HResult.SCARD_W_WRONG_CHV},
            {0x6983, StatusWordErrors.Kind.PIN, HResult.SCARD_W_CHV_BLOCKED},
            {0x6984, StatusWordErrors.Kind.PIN, HResult.SCARD_W_CHV_BLOCKED},
            {0x6A84, StatusWordErrors.Kind.WRITE, HResult.SCARD_E_WRITE_TOO_MANY},
            {0x6700, StatusWordErrors.Kind.WRITE, HResult.SCARD_E_WRITE_TOO_MANY},
            {0x6700, StatusWordErrors.Kind.PIN, HResult.SCARD_E_INVALID_CHV},
            {0x6700, StatusWordErrors.Kind.OTHER, HResult.E_INVALIDARG},
            {0x6A80, StatusWordErrors.Kind.PIN, HResult.SCARD_E_INVALID_CHV},
            {0x6A80, StatusWordErrors.Kind.CREATE, HResult.E_INVALIDARG},
            {0x6B00, StatusWordErrors.Kind.READ, HResult.SCARD_W_EOF},
            {0x6A83, StatusWordErrors.Kind.READ, HResult.SCARD_W_EOF},
            {0x6B00, StatusWordErrors.Kind.WRITE, HResult.SCARD_E_WRITE_TOO_MANY},
            {0x6B00, StatusWordErrors.Kind.OTHER, HResult.SCARD_E_BAD_SEEK},
            {0x6A88, StatusWordErrors.Kind.PIN, HResult.E_INVALIDARG},
            {0x6A89, StatusWordErrors.Kind.CREATE, HResult.E_INVALIDARG},
            {0x6A86, StatusWordErrors.Kind.FILE, HResult.E_INVALIDARG},
            {0x6986, StatusWordErrors.Kind.READ, HResult.SCARD_E_NO_FILE},
            {0x6981, StatusWordErrors.Kind.READ, HResult.SCARD_E_UNSUPPORTED_FEATURE},
            {0x6D00, StatusWordErrors.Kind.OTHER, HResult.SCARD_E_UNSUPPORTED_FEATURE},
            {0x6E00, StatusWordErrors.Kind.OTHER, HResult.SCARD_E_UNSUPPORTED_FEATURE},
            {0x6882, StatusWordErrors.Kind.OTHER, HResult.SCARD_E_UNSUPPORTED_FEATURE},
            {0x6281, StatusWordErrors.Kind.READ, HResult.SCARD_E_COMM_DATA_LOST},
            {0x6F00, StatusWordErrors.Kind.OTHER, HResult.SCARD_E_UNEXPECTED},
            {0x1234, StatusWordErrors.Kind.OTHER, HResult.SCARD_E_UNEXPECTED},
        };
        for (Object[] row : table) {
            SCardException e = StatusWordErrors.failure((Integer) row[0], (StatusWordErrors.Kind) row[1], "doing it");
            assertThat(e.code()).as("%04X as %s", row[0], row[1]).isEqualTo(row[2]);
            assertThat(e.getMessage()).startsWith(String.format("doing it: SW %04X ", (Integer) row[0]));
        }
        assertThat(StatusWords.describe(0x6A82)).isEqualTo("SW 6A82 file or application not found");
        assertThat(StatusWords.meaning(0x6110)).isEqualTo("16 bytes remaining (GET RESPONSE)");
        assertThat(StatusWords.meaning(0x6C10)).isEqualTo("wrong Le: 16 bytes available");
        assertThat(StatusWords.meaning(0x1234)).isEqualTo("not an ISO 7816-4 status word");
    }
}
