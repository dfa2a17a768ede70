package dev.scard.itest.reliability;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.scard.api.Protocol;
import dev.scard.simulator.control.SimulatedCard;

/**
 * A plugged-in card model that takes its time: every command waits {@code delay} milliseconds, or (with
 * {@link #FOREVER}) until {@link #release()}, and then answers {@code 9000}. An interrupted wait answers
 * {@code 6F00}.
 */
final class BlockingCard implements SimulatedCard {

    /** The delay of a model that answers only after {@link #release()}. */
    static final long FOREVER = -1;

    private final long delayMillis;
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger commands = new AtomicInteger();

    BlockingCard(long delayMillis) {
        this.delayMillis = delayMillis;
    }

    /** Lets every waiting and later command answer at once. */
    void release() {
        released.countDown();
    }

    /** Commands that reached the model. */
    int commands() {
        return commands.get();
    }

    @Override
    public byte[] atr() {
        return VpcdCardProgram.ATR.clone();
    }

    @Override
    public Protocol protocol() {
        return Protocol.T1;
    }

    @Override
    public byte[] process(byte[] commandApdu) {
        commands.incrementAndGet();
        try {
            if (delayMillis == FOREVER) {
                released.await();
            } else {
                released.await(delayMillis, TimeUnit.MILLISECONDS);
            }
            return new byte[] {(byte) 0x90, 0x00};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new byte[] {0x6F, 0x00};
        }
    }

    @Override
    public void reset() {
        // no volatile state
    }
}
