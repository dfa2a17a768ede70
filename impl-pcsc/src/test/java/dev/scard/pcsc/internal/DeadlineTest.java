package dev.scard.pcsc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.scard.testsupport.Await;

/** {@link Deadline}: no deadline, passed ones, bounded ones, their order and their limits. */
class DeadlineTest {

    private static final long HOUR = TimeUnit.HOURS.toNanos(1);

    @Test
    void noneNeverExpiresAndLeavesAllTheTimeThereIs() {
        assertThat(Deadline.NONE.isBounded()).isFalse();
        assertThat(Deadline.NONE.isExpired()).isFalse();
        assertThat(Deadline.NONE.remainingNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(Deadline.NONE).hasToString("Deadline[none]");
    }

    @Test
    void zeroAndNegativeWaitsHavePassedAlready() {
        for (long nanos : new long[] {0, -1, -2, Long.MIN_VALUE}) {
            Deadline deadline = Deadline.after(nanos);
            assertThat(deadline).as("after(%d)", nanos).isEqualTo(Deadline.PASSED);
            assertThat(deadline.isBounded()).isTrue();
            assertThat(deadline.isExpired()).isTrue();
            assertThat(deadline.remainingNanos()).isZero();
        }
        assertThat(Deadline.after(Duration.ofMillis(-5))).isEqualTo(Deadline.PASSED);
        assertThat(Deadline.PASSED).hasToString("Deadline[passed]");
    }

    @Test
    void aBoundedDeadlineCountsDownAndExpires() throws Exception {
        Deadline hour = Deadline.after(HOUR);
        assertThat(hour.isBounded()).isTrue();
        assertThat(hour.isExpired()).isFalse();
        assertThat(hour.remainingNanos()).isPositive().isLessThanOrEqualTo(HOUR);
        assertThat(hour.toString()).startsWith("Deadline[in ").endsWith(" ms]");

        Deadline soon = Deadline.after(Duration.ofMillis(20));
        Await.until("20 ms passed", Duration.ofSeconds(10), soon::isExpired);
        assertThat(soon.remainingNanos()).isZero();
        assertThat(soon.isExpired()).as("stays expired").isTrue();
    }

    @Test
    void waitsOfAHundredYearsOrMoreHaveNoDeadline() {
        assertThat(Deadline.after(Deadline.MAX_NANOS)).isSameAs(Deadline.NONE);
        assertThat(Deadline.after(Long.MAX_VALUE)).isSameAs(Deadline.NONE);
        assertThat(Deadline.after(ChronoUnit.FOREVER.getDuration())).as("no overflow").isSameAs(Deadline.NONE);
        assertThat(Deadline.after(Duration.ofDays(365L * 200))).isSameAs(Deadline.NONE);
        assertThat(Deadline.after(Deadline.MAX_NANOS - 1).isBounded()).isTrue();
    }

    @Test
    void deadlinesAreOrderedWithNoneLastAndPassedFirst() {
        Deadline minute = Deadline.after(TimeUnit.MINUTES.toNanos(1));
        Deadline hour = Deadline.after(HOUR);
        assertThat(hour.isLaterThan(minute)).isTrue();
        assertThat(minute.isLaterThan(hour)).isFalse();
        assertThat(hour.isLaterThan(hour)).as("not strictly later than itself").isFalse();

        assertThat(Deadline.NONE.isLaterThan(hour)).isTrue();
        assertThat(hour.isLaterThan(Deadline.NONE)).isFalse();
        assertThat(Deadline.NONE.isLaterThan(Deadline.NONE)).isFalse();

        assertThat(minute.isLaterThan(Deadline.PASSED)).isTrue();
        assertThat(Deadline.PASSED.isLaterThan(minute)).isFalse();
        assertThat(Deadline.PASSED.isLaterThan(Deadline.PASSED)).isFalse();
        assertThat(Deadline.NONE.isLaterThan(Deadline.PASSED)).isTrue();
    }

    @Test
    void aNullDurationIsRejectedByName() {
        assertThatThrownBy(() -> Deadline.after((Duration) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("wait must not be null");
    }

    @Test
    void equalDeadlinesAreEqualValues() {
        Deadline hour = Deadline.after(HOUR);
        assertThat(hour).isEqualTo(hour).hasSameHashCodeAs(hour).isNotEqualTo(Deadline.NONE);
        assertThat(Deadline.NONE).isNotEqualTo(Deadline.PASSED);
    }
}
