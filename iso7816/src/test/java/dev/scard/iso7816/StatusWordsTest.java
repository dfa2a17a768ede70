package dev.scard.iso7816;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The one status-word table: ISO 7816-4 wording, patterns, groups, foreign words. */
class StatusWordsTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "9000|success",
        "6281|warning: part of returned data may be corrupted",
        "6282|warning: end of file or record reached before reading Ne bytes",
        "6283|warning: selected file deactivated",
        "6300|warning: no information given, memory changed",
        "6381|warning: file filled up by the last write",
        "6400|execution error: memory unchanged",
        "6581|memory failure",
        "6700|wrong length",
        "6881|logical channel not supported",
        "6882|secure messaging not supported",
        "6982|security status not satisfied",
        "6983|authentication method blocked",
        "6984|reference data not usable",
        "6985|conditions of use not satisfied",
        "6986|command not allowed (no current EF)",
        "6A80|incorrect parameters in the command data field",
        "6A81|function not supported",
        "6A82|file or application not found",
        "6A83|record not found",
        "6A84|not enough memory space in the file",
        "6A86|incorrect parameters P1-P2",
        "6A88|referenced data or reference data not found",
        "6B00|wrong parameters P1-P2 (offset outside the file)",
        "6D00|instruction code not supported or invalid",
        "6E00|class not supported",
        "6F00|no precise diagnosis",
    })
    void knowsTheIsoStatusWords(String sw, String meaning) {
        assertThat(StatusWords.meaning(Integer.parseInt(sw, 16))).isEqualTo(meaning);
    }

    @Test
    void describesWithTheWordInUpperCaseHex() {
        assertThat(StatusWords.describe(0x6A82)).isEqualTo("SW 6A82 file or application not found");
        assertThat(StatusWords.describe(0x9000)).isEqualTo("SW 9000 success");
        assertThat(StatusWords.describe(0x0000)).isEqualTo("SW 0000 not an ISO 7816-4 status word");
    }

    @Test
    void countsTheTriesLeftIn63Cx() {
        assertThat(StatusWords.meaning(0x63C3)).isEqualTo("verification failed, 3 tries left");
        assertThat(StatusWords.meaning(0x63C1)).isEqualTo("verification failed, 1 try left");
        assertThat(StatusWords.meaning(0x63C0)).isEqualTo("verification failed, 0 tries left");
        assertThat(StatusWords.meaning(0x63CF)).isEqualTo("verification failed, 15 tries left");
    }

    @Test
    void countsTheBytesRemainingIn61xx() {
        assertThat(StatusWords.meaning(0x6110)).isEqualTo("16 bytes remaining (GET RESPONSE)");
        assertThat(StatusWords.meaning(0x6100)).isEqualTo("256 or more bytes remaining (GET RESPONSE)");
    }

    @Test
    void tellsTheRightLeIn6Cxx() {
        assertThat(StatusWords.meaning(0x6C0A)).isEqualTo("wrong Le: 10 bytes available");
        assertThat(StatusWords.meaning(0x6C00)).isEqualTo("wrong Le: 256 bytes available");
    }

    @Test
    void fallsBackToTheGroupOfSw1() {
        assertThat(StatusWords.meaning(0x6999)).isEqualTo("command not allowed");
        assertThat(StatusWords.meaning(0x6A99)).isEqualTo("wrong parameters P1-P2");
        assertThat(StatusWords.meaning(0x6712)).isEqualTo("wrong length");
        assertThat(StatusWords.meaning(0x6381)).isEqualTo("warning: file filled up by the last write");
        assertThat(StatusWords.meaning(0x6382)).isEqualTo("warning, memory changed");
        assertThat(StatusWords.meaning(0x6590)).isEqualTo("execution error, memory changed");
    }

    @Test
    void namesTriggeringByTheCard() {
        assertThat(StatusWords.meaning(0x6202)).isEqualTo("triggering by the card (warning)");
        assertThat(StatusWords.meaning(0x6280)).isEqualTo("triggering by the card (warning)");
        assertThat(StatusWords.meaning(0x6402)).isEqualTo("triggering by the card (execution error)");
    }

    @Test
    void namesProprietaryAndForeignWords() {
        assertThat(StatusWords.meaning(0x9001)).isEqualTo("proprietary status (outside ISO 7816-4)");
        assertThat(StatusWords.meaning(0x9F10)).isEqualTo("proprietary status (outside ISO 7816-4)");
        assertThat(StatusWords.meaning(0x6000)).isEqualTo("not an ISO 7816-4 status word");
        assertThat(StatusWords.meaning(0xFFFF)).isEqualTo("not an ISO 7816-4 status word");
    }

    @Test
    void everyTwoByteWordHasAMeaning() {
        for (int sw = 0; sw <= 0xFFFF; sw++) {
            assertThat(StatusWords.meaning(sw)).isNotBlank();
        }
    }

    @Test
    void rejectsValuesThatAreNotTwoBytes() {
        assertThatIllegalArgumentException().isThrownBy(() -> StatusWords.meaning(0x10000));
        assertThatIllegalArgumentException().isThrownBy(() -> StatusWords.meaning(-1));
    }

    @Test
    void readsTheWordAtTheEndOfAResponse() {
        assertThat(StatusWords.of(new byte[] {1, 2, (byte) 0x90, 0x00}, 4)).isEqualTo(StatusWords.OK);
        assertThat(StatusWords.of(new byte[] {(byte) 0x6A, (byte) 0x82, 0x55}, 2)).isEqualTo(0x6A82);
        assertThatIllegalArgumentException().isThrownBy(() -> StatusWords.of(new byte[] {(byte) 0x90}, 1))
                .withMessage("a response APDU of 1 bytes has no status word");
    }

    @Test
    void recognisesCounters() {
        assertThat(StatusWords.isCounter(0x63C0)).isTrue();
        assertThat(StatusWords.isCounter(0x63CF)).isTrue();
        assertThat(StatusWords.isCounter(0x6300)).isFalse();
        assertThat(StatusWords.isCounter(0x6BC0)).isFalse();
    }
}
