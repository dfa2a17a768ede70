package dev.scard.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class BuiltinsTest {

    private final Builtins builtins = new Builtins();

    @Test
    void echoJoinsItsArguments() {
        assertThat(builtins.echo("a", 1, "b")).isEqualTo("a 1 b");
        assertThat(builtins.echo()).isEmpty();
    }

    @Test
    void sleepTakesSecondsWithDecimals() {
        assertThat(Builtins.toMillis("1.5")).isEqualTo(1500);
        assertThat(Builtins.toMillis(" 0 ")).isZero();
        assertThat(Builtins.toMillis("0.0004")).isZero();
    }

    @Test
    void sleepRejectsWhatIsNotADuration() {
        assertThatIllegalArgumentException().isThrownBy(() -> Builtins.toMillis("soon"))
            .withMessage("sleep: 'soon' is not a number of seconds");
        assertThatIllegalArgumentException().isThrownBy(() -> Builtins.toMillis("-1"))
            .withMessageContaining("out of range");
        assertThatIllegalArgumentException().isThrownBy(() -> Builtins.toMillis("1e9"))
            .withMessageContaining("out of range");
    }
}
