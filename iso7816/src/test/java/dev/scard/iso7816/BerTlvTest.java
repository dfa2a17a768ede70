package dev.scard.iso7816;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BerTlvTest {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private static byte[] hex(String hex) {
        return HEX.parseHex(hex.replace(" ", ""));
    }

    @Test
    void parsesTagsOfOneToThreeBytesWithoutCopying() {
        byte[] data = hex("9F7F02AABB 8A0105 5F800101FF 62 00");
        List<BerTlv.DataObject> objects = BerTlv.parse(data);
        assertThat(objects).containsExactly(new BerTlv.DataObject(0x9F7F, 3, 2), new BerTlv.DataObject(0x8A, 7, 1),
                new BerTlv.DataObject(0x5F8001, 12, 1), new BerTlv.DataObject(0x62, 15, 0));
        assertThat(objects.get(0).value(data)).containsExactly(0xAA, 0xBB);
        assertThat(objects.get(0).number(data)).isEqualTo(0xAABB);
        assertThat(objects.get(3).constructed()).isTrue();
        assertThat(objects.get(1).constructed()).isFalse();
    }

    @Test
    void parsesARangeOfALargerArray() {
        byte[] data = hex("FFFF 8301AA 8A0105 EEEE");
        assertThat(BerTlv.parse(data, 2, 6)).containsExactly(new BerTlv.DataObject(0x83, 4, 1),
                new BerTlv.DataObject(0x8A, 7, 1));
        assertThatThrownBy(() -> BerTlv.parse(data, 8, 4)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void skipsPadding00AndFfBeforeBetweenAndAfterObjects() {
        byte[] data = hex("00FF 8301AA 0000FF 8A0105 FF00");
        assertThat(BerTlv.parse(data)).extracting(BerTlv.DataObject::tag).containsExactly(0x83, 0x8A);
        assertThat(BerTlv.parse(hex("000000FFFF"))).isEmpty();
        assertThat(BerTlv.parse(new byte[0])).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "53 05, 5",             // short form
        "53 7F, 127",           // the longest short form
        "53 81 80, 128",        // one length byte
        "53 81 05, 5",          // longer than needed: accepted, as BER allows
        "53 82 0100, 256",      // two length bytes
        "53 83 000100, 256",    // three length bytes
        "53 84 00000100, 256",  // four length bytes: the longest length field ISO 7816-4 defines
    })
    void readsEveryLengthFormIso7816Defines(String header, int length) {
        byte[] head = hex(header);
        byte[] data = new byte[head.length + length];
        System.arraycopy(head, 0, data, 0, head.length);
        assertThat(BerTlv.parse(data)).containsExactly(new BerTlv.DataObject(0x53, head.length, length));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "82| tag 82 has no length",
        "8205AA| tag 82 claims 5 bytes, 1 are left",
        "9F| tag 9F at offset 0 is cut short",
        "9F81| tag 9F81 at offset 0 is cut short",
        "9F818101| tag at offset 0 has more than 3 bytes",
        "8280| tag 82 has an indefinite length (80)",
        "828501020304050607| tag 82 has an invalid length byte 85",
        "82FF| tag 82 has an invalid length byte FF",
        "828201| tag 82 has a length field cut short",
        "8284FFFFFFFF| tag 82 claims 4294967295 bytes, 0 are left",
        "8301AA 8A| tag 8A has no length",
    })
    void rejectsBrokenEncodingsSayingWhy(String bytes, String why) {
        byte[] data = hex(bytes);
        assertThatIllegalArgumentException().isThrownBy(() -> BerTlv.parse(data)).withMessage(why);
    }

    @Test
    void writesTheShortestLengthField() {
        assertThat(BerTlv.encode(0x53, new byte[0])).containsExactly(0x53, 0x00);
        assertThat(BerTlv.encode(0x53, new byte[127])).startsWith(0x53, 0x7F).hasSize(129);
        assertThat(BerTlv.encode(0x53, new byte[128])).startsWith(0x53, 0x81, 0x80).hasSize(131);
        assertThat(BerTlv.encode(0x53, new byte[300])).startsWith(0x53, 0x82, 0x01, 0x2C);
        assertThat(BerTlv.encode(0x53, new byte[65536])).startsWith(0x53, 0x83, 0x01, 0x00, 0x00);
        assertThat(BerTlv.encode(0x9F7F, new byte[] {1})).containsExactly(0x9F, 0x7F, 0x01, 0x01);
        assertThat(BerTlv.encode(0x5F8001, new byte[] {1})).containsExactly(0x5F, 0x80, 0x01, 0x01, 0x01);
        assertThat(BerTlv.lengthFieldSize(0x7F)).isEqualTo(1);
        assertThat(BerTlv.lengthFieldSize(0xFF)).isEqualTo(2);
        assertThat(BerTlv.lengthFieldSize(0xFFFF)).isEqualTo(3);
        assertThat(BerTlv.lengthFieldSize(0xFFFFFF)).isEqualTo(4);
        assertThat(BerTlv.lengthFieldSize(0x1000000)).isEqualTo(5);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BerTlv.writeLength(out, 0x1000000);
        assertThat(out.toByteArray()).containsExactly(0x84, 0x01, 0x00, 0x00, 0x00);
        assertThatIllegalArgumentException().isThrownBy(() -> BerTlv.writeLength(new ByteArrayOutputStream(), -1));
    }

    @Test
    void whatItWritesItReadsBack() {
        for (int length : new int[] {0, 1, 127, 128, 255, 256, 65535, 65536}) {
            byte[] value = new byte[length];
            for (int i = 0; i < length; i++) {
                value[i] = (byte) i;
            }
            byte[] encoded = BerTlv.encode(0x9F7F, value);
            List<BerTlv.DataObject> objects = BerTlv.parse(encoded);
            assertThat(objects).as("length %d", length).hasSize(1);
            assertThat(objects.get(0).tag()).isEqualTo(0x9F7F);
            assertThat(objects.get(0).value(encoded)).as("length %d", length).isEqualTo(value);
        }
    }

    @Test
    void checksTags() {
        assertThat(BerTlv.validTag(0x82)).isTrue();
        assertThat(BerTlv.validTag(0x9F7F)).isTrue();
        assertThat(BerTlv.validTag(0x5F8001)).isTrue();
        assertThat(BerTlv.validTag(0x5F20)).isTrue();
        assertThat(BerTlv.validTag(0x1F)).as("announces a second byte").isFalse();
        assertThat(BerTlv.validTag(0x8282)).as("a second byte without the announcement").isFalse();
        assertThat(BerTlv.validTag(0x9F80)).as("announces a third byte").isFalse();
        assertThat(BerTlv.validTag(0xFF)).as("padding").isFalse();
        assertThat(BerTlv.validTag(0xFF01)).as("padding").isFalse();
        assertThat(BerTlv.validTag(0)).isFalse();
        assertThat(BerTlv.validTag(0x1000000)).isFalse();
        assertThat(BerTlv.isConstructed(0x62)).isTrue();
        assertThat(BerTlv.isConstructed(0xBF0C)).isTrue();
        assertThat(BerTlv.isConstructed(0x9F7F)).isFalse();
        assertThat(BerTlv.tagBytes(0x5F8001)).containsExactly(0x5F, 0x80, 0x01);
    }

    @Test
    void convertsUnsignedNumbers() {
        assertThat(BerTlv.unsigned(0)).containsExactly(0);
        assertThat(BerTlv.unsigned(255)).containsExactly(0xFF);
        assertThat(BerTlv.unsigned(32768)).containsExactly(0x80, 0x00);
        assertThatIllegalArgumentException().isThrownBy(() -> BerTlv.unsigned(-1));
        assertThat(BerTlv.number(new byte[] {1, 0})).isEqualTo(256);
        assertThat(BerTlv.number(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}))
                .isEqualTo(0xFFFFFFFFL);
        assertThat(BerTlv.number(new byte[0])).isEqualTo(-1);
        assertThat(BerTlv.number(new byte[5])).isEqualTo(-1);
        assertThat(BerTlv.number(null)).isEqualTo(-1);
    }
}
