package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.scard.api.RefType;
import dev.scard.api.SCardFlag;
import dev.scard.api.Tlv;

/** The parsing and decoding helpers of the file, PIN and authentication commands. */
class CardFormatsTest {

    private static Tlv tlv(int tag, String hex) {
        return Tlv.of(tag, java.util.HexFormat.of().parseHex(hex));
    }

    // ----------------------------------------------------------------------------------------------- HexDump

    @Test
    void dumpsSixteenBytesPerLineWithOffsetsAndAscii() {
        byte[] data = new byte[18];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (0x40 + i);
        }
        data[17] = 0x7F;
        assertThat(HexDump.dump(data, 0)).isEqualTo(String.join("\n",
                "0000  40 41 42 43 44 45 46 47  48 49 4A 4B 4C 4D 4E 4F  |@ABCDEFGHIJKLMNO|",
                "0010  50 7F                                             |P.|"));
        assertThat(HexDump.dump(new byte[] {0x20}, 0xFFFF0)).isEqualTo(
                "FFFF0  20                                                | |");
        assertThat(HexDump.dump(new byte[0], 0)).isEqualTo("(empty)");
    }

    // --------------------------------------------------------------------------------------------------- Fcp

    @Test
    void decodesDescriptorsOfEveryStructure() {
        assertThat(Fcp.of(List.of(tlv(0x82, "01"))).structure()).isEqualTo("transparent");
        assertThat(Fcp.of(List.of(tlv(0x82, "0221001005"))).recordsText()).isEqualTo("5 records of 16 bytes");
        assertThat(Fcp.of(List.of(tlv(0x82, "0621000803"))).sizeText()).isEqualTo("24");
        Fcp variable = Fcp.of(List.of(tlv(0x82, "0421002002")));
        assertThat(variable.structure()).isEqualTo("linear variable");
        assertThat(variable.recordsText()).isEqualTo("2 records (max 32 bytes)");
        assertThat(variable.sizeText()).isEqualTo("-");
        assertThat(Fcp.of(List.of(tlv(0x82, "022110"))).recordsText()).isEqualTo("records of 16 bytes");
        assertThat(Fcp.of(List.of(tlv(0x82, "0A"))).kind()).isEqualTo("iEF");
        assertThat(Fcp.of(List.of(tlv(0x82, "78"))).isDf()).isTrue(); // shareable DF
        assertThat(Fcp.of(List.of(tlv(0x82, "39"))).structure()).isEqualTo("BER-TLV data objects");
        assertThat(Fcp.of(List.of(tlv(0x82, "81"))).kindWords()).isEqualTo("proprietary (file descriptor 81)");
        assertThat(Fcp.of(List.of()).kind()).isEqualTo("?");
    }

    /**
     * ISO/IEC 7816-4 table 12: b6-b4 = 111 is a DF only with b3-b1 = 000 (38, shareable 78); 39 and 3A are EFs of
     * BER-TLV and SIMPLE-TLV data objects, shareable or not, and 3B-3F are reserved.
     */
    @Test
    void decodesDataObjectEfsAsEfsNotDfs() {
        for (String fdb : new String[] {"39", "79"}) {
            Fcp fcp = Fcp.of(List.of(tlv(0x82, fdb)));
            assertThat(fcp.isDf()).as(fdb).isFalse();
            assertThat(fcp.kind()).as(fdb).isEqualTo("EF");
            assertThat(fcp.kindWords()).as(fdb).isEqualTo("data object EF");
            assertThat(fcp.structure()).as(fdb).isEqualTo("BER-TLV data objects");
            assertThat(fcp.isRecordFile()).as(fdb).isFalse();
            assertThat(fcp.isTransparent()).as(fdb).isFalse();
        }
        for (String fdb : new String[] {"3A", "7A"}) {
            Fcp fcp = Fcp.of(List.of(tlv(0x82, fdb)));
            assertThat(fcp.isDf()).as(fdb).isFalse();
            assertThat(fcp.kindWords()).as(fdb).isEqualTo("data object EF");
            assertThat(fcp.structure()).as(fdb).isEqualTo("SIMPLE-TLV data objects");
            assertThat(fcp.isRecordFile()).as(fdb).isFalse(); // b3-b1 = 010 is not "linear fixed" here
        }
        for (String fdb : new String[] {"38", "78"}) {
            assertThat(Fcp.of(List.of(tlv(0x82, fdb))).kindWords()).as(fdb).isEqualTo("DF (dedicated file)");
        }
        Fcp reserved = Fcp.of(List.of(tlv(0x82, "3B")));
        assertThat(reserved.isDf()).isFalse();
        assertThat(reserved.kind()).isEqualTo("?");
        assertThat(reserved.kindWords()).isEqualTo("reserved (file descriptor 3B)");
        assertThat(reserved.structure()).isEmpty();
    }

    /** Thousands of nested templates (a hostile card) are opened to a few levels and then shown raw. */
    @Test
    void opensNestedTemplatesOnlyAFewLevelsDeep() {
        byte[] nested = nested(0xA1, 20_000);
        byte[] descriptor = template(0x82, new byte[] {0x01});
        byte[] content = Arrays.copyOf(descriptor, descriptor.length + nested.length);
        System.arraycopy(nested, 0, content, descriptor.length, nested.length);
        Fcp fcp = Fcp.of(List.of(Tlv.of(0x62, content)));
        assertThat(fcp.structure()).isEqualTo("transparent");
        List<String> lines = fcp.rawLines();
        assertThat(lines.size()).isLessThanOrEqualTo(Fcp.MAX_DEPTH + 2);
        int depth = 0;
        Fcp.Entry e = fcp.entries().get(1);
        while (!e.children().isEmpty()) {
            e = e.children().get(0);
            depth++;
        }
        assertThat(depth).isLessThan(Fcp.MAX_DEPTH);
        assertThat(e.value()).isNotEmpty(); // the rest, raw
        // a few levels are still opened
        byte[] three = template(0xA1, template(0xA1, template(0xA1, new byte[] {(byte) 0x80, 0x01, 0x00})));
        Fcp shallow = Fcp.of(List.of(Tlv.of(0x62, three)));
        assertThat(shallow.entries().get(0).children().get(0).children().get(0).children()).hasSize(1);
    }

    /** {@code levels} objects of this constructed tag, each in the one before, the innermost empty. */
    private static byte[] nested(int tag, int levels) {
        byte[] out = new byte[levels * 5];
        int start = out.length; // filled from the end: each object's value is what follows its header
        for (int i = 0; i < levels; i++) {
            int length = out.length - start;
            byte[] header;
            if (length < 0x80) {
                header = new byte[] {(byte) tag, (byte) length};
            } else if (length < 0x100) {
                header = new byte[] {(byte) tag, (byte) 0x81, (byte) length};
            } else if (length < 0x10000) {
                header = new byte[] {(byte) tag, (byte) 0x82, (byte) (length >> 8), (byte) length};
            } else {
                header = new byte[] {(byte) tag, (byte) 0x83, (byte) (length >> 16), (byte) (length >> 8),
                    (byte) length};
            }
            start -= header.length;
            System.arraycopy(header, 0, out, start, header.length);
        }
        return Arrays.copyOfRange(out, start, out.length);
    }

    /** A BER-TLV object with this one-byte tag and the concatenated values (long lengths as needed). */
    private static byte[] template(int tag, byte[]... values) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int length = 0;
        for (byte[] v : values) {
            length += v.length;
        }
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else if (length < 0x10000) {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length);
        } else {
            out.write(0x83);
            out.write(length >> 16);
            out.write(length >> 8);
            out.write(length);
        }
        for (byte[] v : values) {
            out.writeBytes(v);
        }
        return out.toByteArray();
    }

    @Test
    void opensAWholeTemplateAndSkipsMissingEntries() {
        Fcp fcp = Fcp.of(List.of(tlv(0x62, "82010183022001800200208000")));
        assertThat(fcp.fid()).isEqualTo("2001");
        assertThat(fcp.size()).isEqualTo(32);
        assertThat(fcp.rawLines()).containsExactly("  82 01 01  file descriptor", "  83 02 20 01  file identifier",
                "  80 02 00 20  data size", "  80 00  data size");
        assertThat(Fcp.of(List.of(Tlv.missing(0x80), tlv(0x82, "01"))).entries()).hasSize(1);
    }

    @Test
    void decodesShortIdentifiersLifeCycleAndAccess() {
        assertThat(Fcp.of(List.of(tlv(0x88, "58"))).sfi()).isEqualTo(11);
        assertThat(Fcp.of(List.of(tlv(0x88, "0B"))).sfi()).isEqualTo(-1); // bits 3-1 set: not ISO's coding
        assertThat(Fcp.of(List.of(tlv(0x88, ""))).sfi()).isZero(); // the EF has none
        assertThat(Fcp.lifeCycleWords(0x07)).isEqualTo("operational, activated (07)");
        assertThat(Fcp.lifeCycleWords(0x06)).isEqualTo("operational, deactivated (06)");
        assertThat(Fcp.lifeCycleWords(0x0F)).isEqualTo("termination (0F)");
        assertThat(Fcp.lifeCycleWords(0x01)).isEqualTo("creation (01)");
        assertThat(Fcp.of(List.of(tlv(0x82, "01"), tlv(0x8C, "7F00FF11B0A0C0FF"))).accessConditions())
                .containsExactly("DELETE always, TERMINATE never, ACTIVATE PIN (SE 1), DEACTIVATE external"
                        + " authentication and PIN, WRITE external authentication, UPDATE secure messaging,"
                        + " READ never");
        assertThat(Fcp.of(List.of(tlv(0x82, "38"), tlv(0x8C, "0610"))).accessConditions())
                .containsExactly("CREATE DF PIN, CREATE EF ?");
        assertThat(Fcp.of(List.of(tlv(0x8B, "2F0601"), tlv(0x82, "01"), tlv(0xAB, "800101900080011EA406830101950108")))
                .accessConditions()).containsExactly("rules in EF.ARR (8B 2F 06 01)",
                        "READ always, UPDATE PIN 01, WRITE PIN 01, DEACTIVATE PIN 01, ACTIVATE PIN 01");
        assertThat(Fcp.of(List.of(tlv(0xA1, "8C020100"))).rawLines()).containsExactly(
                "  A1 04  security attributes (proprietary template)",
                "    8C 02 01 00");
        assertThat(Fcp.of(List.of(tlv(0xA1, "800100810201018502020183 01FF".replace(" ", "")))).rawLines())
                .containsExactly("  A1 0E  security attributes (proprietary template)", "    80 01 00",
                        "    81 02 01 01", "    85 02 02 01", "    83 01 FF");
        // a proprietary template is a card's own business (this one is the SCard simulator's): named, shown raw
        assertThat(Fcp.of(List.of(tlv(0xA1, "8001008102010184020101850202018301FF"))).accessConditions())
                .containsExactly("proprietary template (A1), see the raw entries");
        assertThat(CardArgs.sfi("11")).isEqualTo(0x11);
        assertThat(CardArgs.sfi("0x1E")).isEqualTo(30);
        assertThatIllegalArgumentException().isThrownBy(() -> CardArgs.sfi("0"));
        assertThatIllegalArgumentException().isThrownBy(() -> CardArgs.sfi("123"));
        assertThat(Fcp.of(List.of(tlv(0xA5, "9F7F0101"))).rawLines()).containsExactly(
                "  A5 04  proprietary information", "    9F7F 01 01");
        // not BER-TLV inside: the bytes stay raw
        assertThat(Fcp.of(List.of(tlv(0xA5, "9F"))).rawLines()).containsExactly("  A5 01 9F  proprietary information");
    }

    // ------------------------------------------------------------------------------------------------ CardArgs

    @Test
    void readsPathsNumbersAndPinReferences() {
        assertThat(CardArgs.refType("aid:A000")).isEqualTo(RefType.BY_NAME);
        assertThat(CardArgs.refType("SFI:11")).isEqualTo(RefType.BY_SHORT_ID);
        assertThat(CardArgs.refType("3F00/5015")).isEqualTo(RefType.BY_ID);
        assertThat(CardArgs.refType("..")).isEqualTo(RefType.BY_ID);
        assertThat(CardArgs.number("0x10", "offset", 0, 100)).isEqualTo(16);
        assertThat(CardArgs.number(" 7 ", "offset", 0, 100)).isEqualTo(7);
        assertThat(CardArgs.pinRef("1")).isEqualTo(new CardArgs.PinRef(1, false));
        assertThat(CardArgs.pinRef("0x81")).isEqualTo(new CardArgs.PinRef(1, true));
        assertThat(CardArgs.pinRef("129").p2()).isEqualTo(0x81);
        assertThat(CardArgs.pinRef("chv2").label()).isEqualTo("PIN 2");
        assertThat(CardArgs.pinRef("0x9F").flags()).containsExactly(SCardFlag.IHV_LOCAL);
        assertThat(CardArgs.pinRef("31").flags()).containsExactly(SCardFlag.IHV_GLOBAL);
        assertThatIllegalArgumentException().isThrownBy(() -> CardArgs.pinRef("32"));
        assertThatIllegalArgumentException().isThrownBy(() -> CardArgs.pinRef("0x80"));
        assertThatIllegalArgumentException().isThrownBy(() -> CardArgs.pinRef("256"));
        assertThatIllegalArgumentException().isThrownBy(() -> CardArgs.pinRef("-1"));
    }

    @Test
    void readsCodesAsTextOrHexAndNeverShowsThem() {
        assertThat(CardArgs.code("PIN", "1234")).containsExactly(0x31, 0x32, 0x33, 0x34);
        assertThat(CardArgs.code("PIN", "hex:0A0B")).containsExactly(0x0A, 0x0B);
        assertThat(CardArgs.code("PIN", "HEX:0a:0b")).containsExactly(0x0A, 0x0B);
        assertThat(CardArgs.code("PIN", "0a:0B")).containsExactly(0x0A, 0x0B);
        assertThat(CardArgs.code("PIN", "12:345")).containsExactly('1', '2', ':', '3', '4', '5'); // not pairs: text
        assertThat(CardArgs.code("PIN", "pässword")).hasSize(9);
        for (String bad : new String[] {"hex:0G", "hex:ABC", "zz:00", "hex:", ""}) {
            assertThatIllegalArgumentException().isThrownBy(() -> CardArgs.code("PIN", bad))
                    .satisfies(e -> {
                        if (bad.startsWith("hex:") && bad.length() > 5) {
                            assertThat(e.getMessage()).doesNotContain(bad.substring(4));
                        }
                    });
        }
    }

    @Test
    void readsNewFileWords() {
        assertThat(CardArgs.newFile("EF")).isEqualTo(CardArgs.NewFile.TRANSPARENT);
        assertThat(CardArgs.newFile("linear-fixed").records()).isTrue();
        assertThat(CardArgs.newFile("cyclic").descriptor).isEqualTo(0x06);
        assertThat(CardArgs.newFile("df").records()).isFalse();
        assertThat(CardArgs.fid("4a05")).containsExactly(0x4A, 0x05);
        assertThatIllegalArgumentException().isThrownBy(() -> CardArgs.fid("FFFF"));
        assertThatIllegalArgumentException().isThrownBy(() -> CardArgs.fid("405"));
    }

    // ------------------------------------------------------------------------------------------- StatusWords

    @Test
    void explainsTheStatusWordAMessageNames() {
        assertThat(CardErrors.explainIn("card said SW 6982; try again")).isEqualTo(
                "card said SW 6982 (security status not satisfied); try again");
        // words after the status word explain it already (the card services write "SW 6B00 wrong parameters ...")
        assertThat(CardErrors.explainIn("cannot read 3F00/2F01: SW 6B00 wrong parameters (offset outside the EF)"))
                .isEqualTo("cannot read 3F00/2F01: SW 6B00 wrong parameters (offset outside the EF)");
        assertThat(CardErrors.explainIn("SW=6a82")).isEqualTo("SW=6a82 (file or application not found)");
        assertThat(CardErrors.explainIn("status word 69 85")).isEqualTo(
                "status word 69 85 (conditions of use not satisfied)");
        assertThat(CardErrors.explainIn("SW1SW2: 6A84")).endsWith("(not enough memory space in the file)");
        assertThat(CardErrors.explainIn("file not found (SW 6A82 file or application not found)"))
                .isEqualTo("file not found (SW 6A82 file or application not found)");
        assertThat(CardErrors.explainIn("file 6A82 not found")).isEqualTo("file 6A82 not found");
        assertThat(CardErrors.explainIn("no status word here")).isEqualTo("no status word here");
        assertThat(CardErrors.explainIn(null)).isNull();
    }
}
