package dev.scard.simulator.internal.card;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.scard.iso7816.BerTlv;
import dev.scard.iso7816.BerTlv.DataObject;

/**
 * The sample card is a PKCS#15 card, walked with APDUs as a PKCS#15 reader walks it (EF.DIR, the application by its
 * AID, EF.ODF at 5031, EF.TokenInfo at 5032, the AODF and DODF the ODF names), and its PKCS#15 objects agree with the
 * card: every PIN object names a PIN of the card, with its length and the path where it is verified, and every data
 * object names a file that is readable under the object's access rule. OpenSC reads the same card in the
 * integration tests ({@code OpenScTest}).
 */
class SamplePkcs15Test extends CardTestSupport {

    private static final String MF = "3F00";

    /** The data objects of a DER encoding (BER-TLV with single-byte tags here), top level only. */
    private static List<DataObject> der(byte[] bytes, DataObject in) {
        return BerTlv.parse(bytes, in.offset(), in.length());
    }

    private static String text(byte[] bytes, DataObject object) {
        return new String(object.value(bytes), StandardCharsets.UTF_8);
    }

    /** READ BINARY of the whole selected transparent file (they are short). */
    private byte[] readSelected() {
        return HEX.parseHex(data("00B0000000", "9000"));
    }

    private byte[] selectApplicationAndRead(String fid) {
        assertThat(sw("00A4040C0C" + AID_5015)).isEqualTo("9000");
        assertThat(sw(apdu("00A4000C", fid))).as("select %s in the PKCS#15 application", fid).isEqualTo("9000");
        return readSelected();
    }

    @Test
    void efDirNamesThePkcs15Application() {
        selectPath("2F00");
        byte[] record = HEX.parseHex(data("00B2010400", "9000"));
        List<DataObject> template = BerTlv.parse(record);
        assertThat(template).hasSize(1);
        assertThat(template.get(0).tag()).isEqualTo(0x61);
        DataObject aid = der(record, template.get(0)).get(0);
        assertThat(aid.tag()).isEqualTo(0x4F);
        assertThat(HEX.formatHex(aid.value(record))).isEqualTo(AID_5015);
        assertThat(send("00A4040C0C" + AID_5015)).as("the AID selects DF 5015").isEqualTo("9000");
        assertThat(card.currentDf().path()).isEqualTo("3F00/5015");
    }

    @Test
    void theOdfNamesTheAodfAndTheDodf() {
        byte[] odf = selectApplicationAndRead("5031");
        assertThat(HEX.formatHex(odf)).isEqualTo("A806300404024421" + "A706300404024422");
        List<DataObject> entries = BerTlv.parse(odf);
        assertThat(entries).extracting(DataObject::tag).as("authObjects [8], dataObjects [7]")
                .containsExactly(0xA8, 0xA7);
        for (DataObject entry : entries) {
            DataObject path = der(odf, entry).get(0);
            assertThat(path.tag()).as("Path").isEqualTo(0x30);
            DataObject octets = der(odf, path).get(0);
            assertThat(octets.tag()).isEqualTo(0x04);
            String fid = HEX.formatHex(octets.value(odf));
            assertThat(sw(apdu("00A4000C", fid))).as("%s is in DF 5015", fid).isEqualTo("9000");
        }
    }

    @Test
    void theTokenInfoNamesTheToken() {
        byte[] info = selectApplicationAndRead("5032");
        List<DataObject> top = BerTlv.parse(info);
        assertThat(top).hasSize(1);
        assertThat(top.get(0).tag()).isEqualTo(0x30);
        List<DataObject> fields = der(info, top.get(0));
        assertThat(fields).extracting(DataObject::tag).containsExactly(0x02, 0x04, 0x0C, 0x80, 0x03);
        assertThat(fields.get(0).number(info)).as("version v1(0)").isZero();
        assertThat(HEX.formatHex(fields.get(1).value(info))).as("serial number").isEqualTo("0000000000000001");
        assertThat(text(info, fields.get(2))).as("manufacturerID").isEqualTo("SCard project");
        assertThat(text(info, fields.get(3))).as("label").isEqualTo("SCard sample card");
        assertThat(HEX.formatHex(fields.get(4).value(info))).as("tokenflags: prnGeneration (GET CHALLENGE)")
                .isEqualTo("0520");
        assertThat(sw("0084000008")).isEqualTo("9000");
    }

    @Test
    void everyPinObjectNamesAPinOfTheCard() {
        byte[] aodf = selectApplicationAndRead("4421");
        List<DataObject> pins = BerTlv.parse(aodf);
        assertThat(pins).hasSize(2);
        // label, auth ID, PIN flags (bit string), reference, path, the PIN's value on the sample card
        String[][] expected = {
            {"User PIN", "01", "0308", "01", MF, "1234"},
            {"DF 5015 PIN", "02", "0348", "0081", MF + "5015", "0000"}, // 0348: local, initialized
        };
        for (int i = 0; i < pins.size(); i++) {
            List<DataObject> object = der(aodf, pins.get(i));
            assertThat(object).extracting(DataObject::tag).as("common, auth-common, [1] PinAttributes")
                    .containsExactly(0x30, 0x30, 0xA1);
            List<DataObject> common = der(aodf, object.get(0));
            assertThat(text(aodf, common.get(0))).isEqualTo(expected[i][0]);
            assertThat(HEX.formatHex(der(aodf, object.get(1)).get(0).value(aodf))).as("authId")
                    .isEqualTo(expected[i][1]);
            List<DataObject> attributes = der(aodf, der(aodf, object.get(2)).get(0));
            assertThat(attributes).extracting(DataObject::tag)
                    .as("pinFlags, pinType, minLength, storedLength, maxLength, pinReference, path")
                    .containsExactly(0x03, 0x0A, 0x02, 0x02, 0x02, 0x80, 0x30);
            assertThat(HEX.formatHex(attributes.get(0).value(aodf))).isEqualTo(expected[i][2]);
            assertThat(attributes.get(1).number(aodf)).as("ascii-numeric").isEqualTo(1);
            String value = expected[i][5];
            for (int length = 2; length <= 4; length++) {
                assertThat(attributes.get(length).number(aodf)).as("min, stored, max length").isEqualTo(
                        value.length());
            }
            String reference = HEX.formatHex(attributes.get(5).value(aodf));
            assertThat(reference).isEqualTo(expected[i][3]);
            String path = HEX.formatHex(der(aodf, attributes.get(6)).get(0).value(aodf));
            assertThat(path).isEqualTo(expected[i][4]);

            // the PIN object is right: at its path, VERIFY with its reference takes the card's PIN
            assertThat(sw(apdu("00A4080C", path))).as("select %s", path).isEqualTo("9000");
            String p2 = reference.substring(reference.length() - 2);
            assertThat(sw("002000" + p2)).as("PIN %s not verified yet", p2).isEqualTo("63C3");
            assertThat(sw(apdu("002000" + p2, ascii(value)))).as("PIN %s", p2).isEqualTo("9000");
        }
    }

    @Test
    void everyDataObjectNamesAFileReadableUnderItsRule() {
        byte[] dodf = selectApplicationAndRead("4422");
        List<DataObject> objects = BerTlv.parse(dodf);
        assertThat(objects).hasSize(2);
        // label, auth ID (null: public), path relative to DF 5015, the file's content
        String[][] expected = {
            {"Auth key data", null, "4404", ascii("auth key 01 data")},
            {"PIN 01 data", "01", "4402", padded("read and update after PIN 01", 32)},
        };
        for (int i = 0; i < objects.size(); i++) {
            List<DataObject> object = der(dodf, objects.get(i));
            assertThat(object).extracting(DataObject::tag).as("opaqueDO: common, data-common, [1] Path")
                    .containsExactly(0x30, 0x30, 0xA1);
            List<DataObject> common = der(dodf, object.get(0));
            assertThat(text(dodf, common.get(0))).isEqualTo(expected[i][0]);
            assertThat(text(dodf, der(dodf, object.get(1)).get(0))).as("applicationName").isEqualTo("SCard sample");
            String fid = HEX.formatHex(der(dodf, der(dodf, object.get(2)).get(0)).get(0).value(dodf));
            assertThat(fid).isEqualTo(expected[i][2]);
            if (expected[i][1] == null) {
                assertThat(common).as("public: label only").hasSize(1);
            } else {
                assertThat(common).extracting(DataObject::tag).containsExactly(0x0C, 0x03, 0x04);
                assertThat(HEX.formatHex(common.get(1).value(dodf))).as("flags: private").isEqualTo("0780");
                assertThat(HEX.formatHex(common.get(2).value(dodf))).isEqualTo(expected[i][1]);
                assertThat(sw(apdu("00A4000C", fid))).isEqualTo("9000");
                assertThat(sw("00B0000000")).as("private: PIN %s first", expected[i][1]).isEqualTo("6982");
                verify01();
            }
            assertThat(sw(apdu("00A4000C", fid))).isEqualTo("9000");
            assertThat(HEX.formatHex(readSelected())).isEqualTo(expected[i][3]);
        }
    }
}
