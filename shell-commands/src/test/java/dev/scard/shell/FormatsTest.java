package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.ShareMode;
import dev.scard.shell.text.CommandText;

class FormatsTest {

    private static final byte[] ATR = HexFormat.of().parseHex("3B8880010102030405060708");

    @Test
    void tabulatesReaders() {
        List<ReaderInfo> readers = List.of(
                new ReaderInfo("Simulated Reader 0", "simulator", CardState.SPECIFIC_MODE, ATR, false),
                new ReaderInfo("Simulated Reader 1", "simulator", CardState.ABSENT, null, false),
                new ReaderInfo("Virtual PCD 00 00", "pcsc", CardState.SPECIFIC_MODE, ATR, true));
        assertThat(Formats.readerTable(readers, List.of())).isEqualTo(String.join("\n",
                "Reader              Backend    Card     Exclusive  ATR",
                "Simulated Reader 0  simulator  present  no         3B8880010102030405060708",
                "Simulated Reader 1  simulator  absent   no         -",
                "Virtual PCD 00 00   pcsc       present  yes        3B8880010102030405060708"));
    }

    @Test
    void saysWhenThereAreNoReadersAndListsProblemsUnderTheTable() {
        assertThat(Formats.readerTable(List.of(), List.of())).isEqualTo("No readers");
        assertThat(Formats.readerTable(List.of(), List.of("Backend 'pcsc': down [SCARD_E_NO_SERVICE 0x8010001D]")))
                .isEqualTo("No readers\nBackend 'pcsc': down [SCARD_E_NO_SERVICE 0x8010001D]");
    }

    @Test
    void tablesHaveNoTrailingSpaces() {
        String table = CommandText.table(List.of(new String[] {"a", "b"}, new String[] {"long value", ""}));
        assertThat(table).isEqualTo("a           b\nlong value");
    }

    @Test
    void describesACardAttachment() {
        CardStatus status = new CardStatus(CardState.SPECIFIC_MODE, Protocol.T1, "Simulated Reader 0", ATR);
        assertThat(Formats.attached(status, null, ShareMode.SHARED))
                .isEqualTo("Attached to 'Simulated Reader 0' (shared, T1, ATR 3B8880010102030405060708)");
        assertThat(Formats.attached(status, "handle 5", null))
                .isEqualTo("Attached to 'Simulated Reader 0' via handle 5 (T1, ATR 3B8880010102030405060708)");
    }

    @Test
    void describesAReaderAttachment() {
        CardStatus status = new CardStatus(CardState.ABSENT, Protocol.UNDEFINED, "Simulated Reader 1", null);
        assertThat(Formats.attached(status, null, ShareMode.EXCLUSIVE)).isEqualTo("Attached to 'Simulated Reader 1'"
                + " (exclusive, no card: a reader attachment; insert a card, then scard:reconnect)");
    }

    @Test
    void showsStatusWithTheContractNumbers() {
        CardStatus status = new CardStatus(CardState.SPECIFIC_MODE, Protocol.T1, "Simulated Reader 0", ATR);
        assertThat(Formats.status(status, "simulator", null)).isEqualTo(String.join("\n",
                "Reader:   Simulated Reader 0",
                "Backend:  simulator",
                "State:    SPECIFIC_MODE (6)",
                "Protocol: T1 (2)",
                "ATR:      3B8880010102030405060708"));
    }

    @Test
    void showsStatusOfAReaderAttachmentByHandle() {
        CardStatus status = new CardStatus(CardState.ABSENT, Protocol.UNDEFINED, "R", null);
        assertThat(Formats.status(status, "pcsc", 7L)).isEqualTo(String.join("\n",
                "Reader:   R",
                "Backend:  pcsc",
                "Handle:   7",
                "State:    ABSENT (1)",
                "Protocol: UNDEFINED (0)",
                "ATR:      -"));
        assertThat(Formats.numbered(Protocol.RAW)).isEqualTo("RAW (255)");
    }

    @Test
    void showsAResponseWithoutData() {
        assertThat(Formats.response(new byte[] {0x6A, (byte) 0x82}))
                .isEqualTo("SW 6A82 file or application not found");
    }

    @Test
    void showsPrintableDataAsText() {
        assertThat(Formats.response(HexFormat.of().parseHex("48656C6C6F9000")))
                .isEqualTo("Data: 48 65 6C 6C 6F\nText: \"Hello\"\nSW 9000 success");
    }

    @Test
    void wrapsLongDataAtSixteenBytesAndShowsNoTextForBinaryData() {
        byte[] response = new byte[20];
        for (int i = 0; i < 18; i++) {
            response[i] = (byte) i;
        }
        response[18] = (byte) 0x90;
        assertThat(Formats.response(response)).isEqualTo(
                "Data: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F\n"
                + "      10 11\n"
                + "SW 9000 success");
    }

    @Test
    void showsExactlySixteenBytesOnOneLine() {
        byte[] response = new byte[18];
        response[16] = (byte) 0x63;
        response[17] = (byte) 0xC2;
        assertThat(Formats.response(response)).isEqualTo(
                "Data: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
                + "SW 63C2 verification failed, 2 tries left");
    }

    @Test
    void toleratesAResponseWithoutStatusWord() {
        assertThat(Formats.response(new byte[] {0x12})).isEqualTo("Response without status word: 12");
        assertThat(Formats.response(new byte[0])).isEqualTo("Response without status word: -");
    }
}
