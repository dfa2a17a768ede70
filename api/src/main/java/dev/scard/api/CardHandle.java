package dev.scard.api;

import java.util.Objects;

/**
 * A connection to a card handed out by {@link SCardResourceManager#connect}: the contract's {@code HSCARD}.
 *
 * <p>The handle belongs to whoever obtained it: {@link ISCardManage#attachByHandle(long)} uses it and
 * {@link ISCardManage#detach()} forgets it, but only {@link SCardResourceManager#disconnect} ends it.
 *
 * @param value the numeric handle, unique within its backend while connected (what the shell prints
 *        and {@code attachByHandle} takes)
 * @param backend the backend whose resource manager issued it
 * @param readerName the reader the card is in
 * @param shareMode the connection's share mode
 * @param protocol the protocol negotiated when connecting
 */
public record CardHandle(long value, String backend, String readerName, ShareMode shareMode, Protocol protocol) {

    /** Checks the arguments. */
    public CardHandle {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(readerName, "readerName");
        Objects.requireNonNull(shareMode, "shareMode");
        Objects.requireNonNull(protocol, "protocol");
    }
}
