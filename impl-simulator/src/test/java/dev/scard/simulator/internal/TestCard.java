package dev.scard.simulator.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import dev.scard.api.Protocol;
import dev.scard.simulator.control.SimulatedCard;

/**
 * A card model for tests: answers like {@link MinimalIsoCard} (or with a fixed protocol), counts resets and
 * commands, records every command's P1, can block inside a command, and detects concurrent calls.
 */
class TestCard implements SimulatedCard {
    final MinimalIsoCard delegate = new MinimalIsoCard();
    final Protocol protocol;
    final AtomicInteger resets = new AtomicInteger();
    final AtomicInteger commands = new AtomicInteger();
    final List<Integer> p1s = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger inside = new AtomicInteger();
    volatile boolean concurrentCallSeen;
    /** When set, a command with INS {@code EE} waits here after counting {@link #entered}. */
    volatile CountDownLatch blockOn;
    final CountDownLatch entered = new CountDownLatch(1);

    TestCard() {
        this(Protocol.T1);
    }

    TestCard(Protocol protocol) {
        this.protocol = protocol;
    }

    @Override
    public byte[] atr() {
        return delegate.atr();
    }

    @Override
    public Protocol protocol() {
        return protocol;
    }

    @Override
    public byte[] process(byte[] commandApdu) {
        if (inside.incrementAndGet() != 1) {
            concurrentCallSeen = true;
        }
        try {
            commands.incrementAndGet();
            if (commandApdu.length >= 4) {
                p1s.add(commandApdu[2] & 0xFF);
            }
            if (commandApdu.length >= 2 && (commandApdu[1] & 0xFF) == 0xEE && blockOn != null) {
                entered.countDown();
                try {
                    blockOn.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new byte[] {(byte) 0x90, 0x00};
            }
            return delegate.process(commandApdu);
        } finally {
            inside.decrementAndGet();
        }
    }

    @Override
    public void reset() {
        resets.incrementAndGet();
    }
}
