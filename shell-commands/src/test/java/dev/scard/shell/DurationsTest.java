package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void readsUnits() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(Durations.parse("2min")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void readsPlainNumbersAsMilliseconds() {
        assertThat(Durations.parse("250")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void ignoresCaseAndSpaces() {
        assertThat(Durations.parse(" 2S ")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("500 ms")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void readsIso8601() {
        assertThat(Durations.parse("PT2S")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("pt0.5s")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void rejectsWhatIsNotATimeout() {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("2x"))
                .withMessage("'2x' is not a timeout (e.g. 500ms, 2s, 1.5s, 1m or plain milliseconds)" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("soon"))
                .withMessage("'soon' is not a timeout (e.g. 500ms, 2s, 1.5s, 1m or plain milliseconds)" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("PTxS"))
                .withMessageStartingWith("'PTxS' is not a timeout");
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse(""))
                .withMessageStartingWith("no timeout given");
    }

    @Test
    void rejectsNegativeTimeouts() {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("-1"))
                .withMessage("timeout '-1' is negative" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("PT-2S"))
                .withMessage("timeout 'PT-2S' is negative" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void rejectsTimeoutsTooLongForADuration() {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("99999999999999h"))
                .withMessage("timeout '99999999999999h' is too long" + " [E_INVALIDARG 0x80070057]");
    }
}
