package dev.scard.remote.transport.internal;

import java.util.HashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * The tests' {@link Echo}; counts its calls. Public: Aries RSA's TCP provider, timed side by side in
 * {@link TransportTiming}, calls only public classes.
 */
public final class EchoService implements Echo {

    /** How many calls it had. */
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public byte[] transmit(byte[] command) {
        calls.incrementAndGet();
        byte[] response = new byte[command.length + 2];
        for (int i = 0; i < command.length; i++) {
            response[i] = command[command.length - 1 - i];
        }
        response[command.length] = (byte) 0x90;
        return response;
    }

    @Override
    public Object echo(Object value) {
        calls.incrementAndGet();
        return value;
    }

    @Override
    public void fail(HResult code) {
        calls.incrementAndGet();
        throw new SCardException(code, "failed as asked");
    }

    @Override
    public void failOther() {
        calls.incrementAndGet();
        throw new IllegalStateException("PIN 1234 in a message");
    }

    @Override
    public Object unsafe() {
        calls.incrementAndGet();
        return new HashMap<>();
    }

    @Override
    public String sleep(long millis) throws InterruptedException {
        calls.incrementAndGet();
        Thread.sleep(millis);
        return "awake";
    }
}
