package dev.scard.remote.transport.internal;

import dev.scard.api.HResult;

/** The service the transport tests export: answers, failures and values outside the allow-list. */
public interface Echo {

    /** Answers the command with its bytes reversed and 90 00 appended. */
    byte[] transmit(byte[] command);

    /** Returns {@code value} as it came. */
    Object echo(Object value);

    /** Throws an {@code SCardException} with {@code code}. */
    void fail(HResult code);

    /** Throws an {@code IllegalStateException} whose message must not travel. */
    void failOther();

    /** Returns a {@code HashMap}, which the allow-list does not allow. */
    Object unsafe();

    /** Sleeps for {@code millis}, then returns "awake". */
    String sleep(long millis) throws InterruptedException;
}
