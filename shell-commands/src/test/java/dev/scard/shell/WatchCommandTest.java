package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

import dev.scard.api.SCardEvent;

/** What scard:watch accepts and prints (the command itself runs in-framework: integration-tests). */
class WatchCommandTest {

    /** 14:03:07.512 today, local time, as an instant. */
    private static final Instant AT = LocalTime.of(14, 3, 7, 512_000_000).atDate(java.time.LocalDate.now())
            .atZone(ZoneId.systemDefault()).toInstant();

    @Test
    void aPlainNumberIsSecondsAndUnitsAreAccepted() {
        assertThat(WatchCommand.parseDuration("5")).isEqualTo(Duration.ofSeconds(5));
        assertThat(WatchCommand.parseDuration(" 0.5 ")).isEqualTo(Duration.ofMillis(500));
        assertThat(WatchCommand.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(WatchCommand.parseDuration("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(WatchCommand.parseDuration("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(WatchCommand.parseDuration("PT3S")).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void zeroNegativeAndNonsenseAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> WatchCommand.parseDuration("0")).withMessage(
                "watch duration '0' is zero; give seconds (5, 0.5) or omit it to watch until Ctrl-C"
                        + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> WatchCommand.parseDuration("-1"))
                .withMessage("timeout '-1' is negative [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> WatchCommand.parseDuration("soon")).withMessage(
                "'soon' is not a timeout (e.g. 500ms, 2s, 1.5s, 1m or plain milliseconds) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> WatchCommand.parseDuration(""))
                .withMessageContaining("no timeout given");
    }

    @Test
    void oneLinePerEventWithTimeTypeBackendReaderAndAtr() {
        assertThat(WatchCommand.line(new SCardEvent(SCardEvent.Type.CARD_INSERTED, "Simulated Reader 0", "simulator",
                "3B8801534341524453494D99"), AT))
                .isEqualTo("14:03:07.512  CARD_INSERTED   simulator  'Simulated Reader 0'"
                        + "  ATR 3B8801534341524453494D99");
        assertThat(WatchCommand.line(new SCardEvent(SCardEvent.Type.CARD_REMOVED, "Virtual PCD 00 00", "pcsc", ""),
                AT)).isEqualTo("14:03:07.512  CARD_REMOVED    pcsc       'Virtual PCD 00 00'");
        assertThat(WatchCommand.line(new SCardEvent(SCardEvent.Type.READER_REMOVED, "R", "simulator", null), AT))
                .isEqualTo("14:03:07.512  READER_REMOVED  simulator  'R'");
    }

    @Test
    void durationsInWords() {
        assertThat(WatchCommand.describe(Duration.ofSeconds(5))).isEqualTo("5 s");
        assertThat(WatchCommand.describe(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(WatchCommand.describe(Duration.ofMillis(250))).isEqualTo("250 ms");
    }
}
