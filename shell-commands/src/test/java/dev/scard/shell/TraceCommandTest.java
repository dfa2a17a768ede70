package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.api.trace.CardTraceEvent;

/** How scard:trace prints the trace (the command itself runs in-framework: integration-tests). */
class TraceCommandTest {

    private static final Instant AT = LocalTime.of(14, 3, 7, 512_000_000).atDate(java.time.LocalDate.now())
            .atZone(ZoneId.systemDefault()).toInstant();
    private static final HexFormat HEX = HexFormat.of();

    private static CardTraceEvent apdu(String command, int withheld, String response, boolean byCore) {
        return CardTraceEvent.apdu(AT, "simulator", "Simulated Reader 0", "simulator/7", HEX.parseHex(command),
                withheld, HEX.parseHex(response), byCore);
    }

    @Test
    void anApduIsTwoLinesWithDirectionBytesAndTheStatusWordsMeaning() {
        assertThat(TraceCommand.lines(apdu("00A4000C023F00", 0, "9000", false), false)).containsExactly(
                "14:03:07.512  >> 00A4000C023F00",
                "14:03:07.512  << 9000  SW 9000 success");
        assertThat(TraceCommand.lines(apdu("00C0000002", 0, "AABB9000", true), true)).containsExactly(
                "14:03:07.512  [simulator/7]  >> 00C0000002  (by the core: GET RESPONSE after 61xx)",
                "14:03:07.512  [simulator/7]  << AABB9000  SW 9000 success");
        assertThat(TraceCommand.lines(apdu("00B0000004", 0, "6102", true), false).get(0))
                .isEqualTo("14:03:07.512  >> 00B0000004  (by the core: resent with the Le of 6Cxx)");
    }

    @Test
    void aSecretCommandShowsItsHeaderAndHowManyBytesWereWithheld() {
        assertThat(TraceCommand.lines(apdu("0020008108", 8, "63C2", false), false)).containsExactly(
                "14:03:07.512  >> 0020008108 + 8 data bytes withheld (secret)",
                "14:03:07.512  << 63C2  SW 63C2 verification failed, 2 tries left");
    }

    @Test
    void otherEventsAreOneLine() {
        assertThat(TraceCommand.lines(CardTraceEvent.of(CardTraceEvent.Type.RECONNECT, AT, "simulator", "R",
                "simulator/7", Disposition.UNPOWER, ShareMode.SHARED, Protocol.T1, "3B00"), false))
                .containsExactly("14:03:07.512  -- RECONNECT UNPOWER shared T1  ATR 3B00");
        assertThat(TraceCommand.lines(CardTraceEvent.of(CardTraceEvent.Type.REMOVED, AT, "simulator", "R", null,
                null, null, null, ""), true)).containsExactly("14:03:07.512  [reader]  -- REMOVED");
        assertThat(TraceCommand.lines(CardTraceEvent.of(CardTraceEvent.Type.UNLOCK, AT, "simulator", "R",
                "simulator/7", Disposition.RESET, null, null, null), false))
                .containsExactly("14:03:07.512  -- UNLOCK RESET");
    }
}
