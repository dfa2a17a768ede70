package dev.scard.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class TraceClockTest {

    private static final Instant T0 = Instant.parse("2026-12-07T01:00:00.000000001Z");

    @Test
    void betweenAnchorsTheTimeIsTheAnchorPlusTheNanosSinceIt() {
        TraceClock.Anchor anchor = new TraceClock.Anchor(T0, 5_000);
        assertThat(anchor.at(5_000)).isEqualTo(T0);
        assertThat(anchor.at(5_000 + 999_999_999L)).isEqualTo(Instant.parse("2026-12-07T01:00:01.000000000Z"));
        assertThat(anchor.at(5_000 + 3_000_000_123L)).isEqualTo(Instant.parse("2026-12-07T01:00:03.000000124Z"));
    }

    @Test
    void withinAnAnchorsSecondTheTimeIsThatOfPlusNanos() {
        TraceClock.Anchor anchor = new TraceClock.Anchor(T0, 5_000);
        assertThat(anchor.plusLessThanASecond(0)).isEqualTo(T0);
        assertThat(anchor.plusLessThanASecond(999_999_998L)).isEqualTo(Instant.parse("2026-12-07T01:00:00.999999999Z"))
                .isEqualTo(anchor.at(5_000 + 999_999_998L));
        assertThat(anchor.plusLessThanASecond(999_999_999L)).isEqualTo(Instant.parse("2026-12-07T01:00:01Z"))
                .isEqualTo(anchor.at(5_000 + 999_999_999L));
        TraceClock.Anchor late = new TraceClock.Anchor(Instant.parse("2026-12-07T01:00:00.999999999Z"), 0);
        assertThat(late.plusLessThanASecond(999_999_999L)).isEqualTo(Instant.parse("2026-12-07T01:00:01.999999998Z"))
                .isEqualTo(late.at(999_999_999L));
    }

    @Test
    void aNewAnchorFollowsTheWallClockWhenItIsAhead() {
        TraceClock.Anchor anchor = new TraceClock.Anchor(T0, 0);
        Instant wall = T0.plusMillis(1001);
        TraceClock.Anchor next = anchor.next(1_000_000_000L, wall);
        assertThat(next.wall()).isEqualTo(wall);
        assertThat(next.nanoTime()).isEqualTo(1_000_000_000L);
    }

    @Test
    void aWallClockSetBackNeverMakesTheTimeGoBack() {
        TraceClock.Anchor anchor = new TraceClock.Anchor(T0, 0);
        TraceClock.Anchor next = anchor.next(1_000_000_000L, T0.minus(Duration.ofHours(1)));
        assertThat(next.wall()).isEqualTo(T0.plusSeconds(1));
        assertThat(next.at(1_000_000_000L + 5)).isEqualTo(T0.plusSeconds(1).plusNanos(5));
        // a nanoTime earlier than the anchor's (another thread re-anchored meanwhile) keeps the anchor's time
        assertThat(anchor.next(-10, T0.minusSeconds(1)).wall()).isEqualTo(T0);
    }

    @Test
    void theTimesNeverDecreaseAndStayWithTheWallClock() throws InterruptedException {
        Instant before = Instant.now();
        Instant last = TraceClock.now();
        long end = System.nanoTime() + TraceClock.ANCHOR_NANOS * 5 / 2; // crosses two new anchors
        while (System.nanoTime() < end) {
            Instant next = TraceClock.now();
            assertThat(next).isAfterOrEqualTo(last);
            last = next;
            Thread.sleep(1);
        }
        Instant after = Instant.now();
        assertThat(last).isBetween(before, after.plusSeconds(1));
    }
}
