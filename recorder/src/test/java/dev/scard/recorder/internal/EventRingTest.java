package dev.scard.recorder.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class EventRingTest {

    @Test
    void keepsTheOrderRefusesWhenFullAndTakesAgainOnceDrained() {
        EventRing<Integer> ring = new EventRing<>(4);
        assertThat(ring.capacity()).isEqualTo(4);
        assertThat(ring.isEmpty()).isTrue();
        assertThat(ring.size()).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(ring.offer(i)).isTrue();
            assertThat(ring.size()).isEqualTo(i + 1);
        }
        assertThat(ring.offer(4)).as("full").isFalse();
        assertThat(ring.size()).isEqualTo(4);
        List<Integer> taken = new ArrayList<>();
        assertThat(ring.drainTo(taken, 3)).isEqualTo(3);
        assertThat(taken).containsExactly(0, 1, 2);
        assertThat(ring.size()).isEqualTo(1);
        assertThat(ring.offer(5)).isTrue();
        assertThat(ring.offer(6)).isTrue();
        assertThat(ring.offer(7)).isTrue();
        assertThat(ring.offer(8)).isFalse();
        taken.clear();
        assertThat(ring.drainTo(taken, 100)).isEqualTo(4);
        assertThat(taken).containsExactly(3, 5, 6, 7);
        assertThat(ring.isEmpty()).isTrue();
        assertThat(ring.size()).isZero();
        assertThat(ring.drainTo(taken, 100)).isZero();
    }

    @Test
    void aCapacityIsRoundedUpToAPowerOfTwo() {
        assertThat(new EventRing<>(5).capacity()).isEqualTo(8);
        assertThat(new EventRing<>(16_384).capacity()).isEqualTo(16_384);
        assertThat(new EventRing<>(0).capacity()).isEqualTo(4);
    }

    @Test
    void twoProducersLoseNothingAndKeepEachOnesOrder() throws InterruptedException {
        EventRing<long[]> ring = new EventRing<>(64);
        int each = 50_000;
        Runnable[] producers = new Runnable[2];
        Thread[] threads = new Thread[2];
        for (int p = 0; p < 2; p++) {
            int producer = p;
            producers[p] = () -> {
                for (int i = 0; i < each; i++) {
                    long[] element = {producer, i};
                    while (!ring.offer(element)) {
                        Thread.onSpinWait();
                    }
                }
            };
            threads[p] = new Thread(producers[p], "ring producer " + p);
            threads[p].setDaemon(true);
            threads[p].start();
        }
        long[] next = new long[2];
        List<long[]> batch = new ArrayList<>();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while ((next[0] < each || next[1] < each) && System.nanoTime() < deadline) {
            ring.drainTo(batch, 16);
            for (long[] element : batch) {
                assertThat(element[1]).isEqualTo(next[(int) element[0]]);
                next[(int) element[0]]++;
            }
            batch.clear();
        }
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        assertThat(next).containsExactly(each, each);
        assertThat(ring.isEmpty()).isTrue();
    }
}
