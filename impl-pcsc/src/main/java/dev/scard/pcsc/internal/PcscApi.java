package dev.scard.pcsc.internal;

import java.util.List;

/**
 * The PC/SC functions the backend calls, one Java method per C function, in the platform's own values (protocol
 * masks, state words, return codes): {@link JnaPcscApi} binds them to the native library; unit tests substitute a
 * fake. Every method returns the function's return code ({@code SCARD_S_SUCCESS} is 0) and fills its out
 * parameters only on success. Implementations are thread-safe to the extent the PC/SC library is: calls on one
 * context are serialized by the library; a handle may be disconnected while another thread waits in a call on it.
 */
interface PcscApi {

    /** The timeout of {@link #getStatusChange} that never ends ({@code INFINITE}). */
    int INFINITE = -1;

    /** The pseudo reader whose state changes when readers are added or removed ({@code \\?PnP?\Notification}). */
    String PNP_NOTIFICATION = "\\\\?PnP?\\Notification";

    /** The platform whose values this API uses. */
    PcscPlatform platform();

    /** A short description of the library for log lines, e.g. {@code libpcsclite.so.1}. */
    String description();

    /** {@code SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context)}. */
    int establishContext(long[] context);

    /** {@code SCardReleaseContext}. */
    int releaseContext(long context);

    /** {@code SCardIsValidContext}. */
    int isValidContext(long context);

    /**
     * {@code SCardListReaders} with the two-call size query; the names are added to {@code names} in the library's
     * order. {@code SCARD_E_NO_READERS_AVAILABLE} is returned as it is.
     */
    int listReaders(long context, List<String> names);

    /**
     * {@code SCardGetStatusChange} for these readers, each with {@link ReaderState#currentState} as the known state;
     * fills each {@link ReaderState#eventState} and {@link ReaderState#atr}. Waits up to {@code timeoutMillis}
     * ({@link #INFINITE} for ever) for a reader's state to differ from the known one; {@code SCARD_E_TIMEOUT} when
     * none did. The reader {@link #PNP_NOTIFICATION} reports readers that appear or disappear.
     */
    int getStatusChange(long context, int timeoutMillis, ReaderState[] readers);

    /**
     * {@code SCardCancel}: ends an {@code SCardGetStatusChange} that another thread is waiting in on {@code context}
     * (it returns {@code SCARD_E_CANCELLED}). With no call waiting, pcsc-lite does nothing.
     */
    int cancel(long context);

    /** {@code SCardConnect}; {@code out[0]} receives the handle, {@code out[1]} the active protocol. */
    int connect(long context, String readerName, int shareMode, int preferredProtocols, long[] out);

    /** {@code SCardReconnect}; {@code activeProtocol[0]} receives the active protocol. */
    int reconnect(long handle, int shareMode, int preferredProtocols, int initialization, long[] activeProtocol);

    /** {@code SCardDisconnect}. */
    int disconnect(long handle, int disposition);

    /** {@code SCardBeginTransaction}. */
    int beginTransaction(long handle);

    /** {@code SCardEndTransaction}. */
    int endTransaction(long handle, int disposition);

    /** {@code SCardStatus}: the state word, the active protocol and the ATR (the reader's name is not asked for). */
    int status(long handle, StatusResult out);

    /**
     * {@code SCardGetAttrib}; the attribute's value goes to {@code value[0]}. pcsc-lite checks the card's
     * transaction before it asks the driver and, unlike SCardTransmit, does not wait for it: the backend uses it to
     * see whether another application holds the card locked without waiting ({@link PcscPlatform#probesLocks()}).
     */
    int getAttrib(long handle, int attribute, byte[][] value);

    /** Buffers for {@link #transmit} that one connection reuses (native memory for the command and the answer). */
    TransmitBuffer newTransmitBuffer();

    /**
     * {@code SCardTransmit} with the {@code SCARD_IO_REQUEST} of {@code activeProtocol}; the answer is in
     * {@code buffer} afterwards. The buffer takes commands up to 65,544 bytes and answers up to 65,538 bytes
     * (extended APDUs).
     */
    int transmit(long handle, int activeProtocol, byte[] command, TransmitBuffer buffer);

    /** One {@code SCARD_READERSTATE} entry. */
    final class ReaderState {
        final String readerName;
        int currentState;
        long eventState;
        byte[] atr = new byte[0];

        ReaderState(String readerName) {
            this.readerName = readerName;
        }
    }

    /** {@code SCardStatus}' out parameters. */
    final class StatusResult {
        long state;
        long protocol;
        byte[] atr = new byte[0];
    }

    /** A connection's reusable transmit buffers; the answer of the last {@link #transmit}. */
    interface TransmitBuffer extends AutoCloseable {

        /** A copy of the last answer. */
        byte[] response();

        /** Frees native memory; the buffer must not be used afterwards. */
        @Override
        void close();
    }
}
