package dev.scard.trace;

import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

import dev.scard.api.Protocol;

/**
 * The header of a {@link Trace}: where and when it was recorded and the card's answer to reset. Immutable; the ATR
 * is copied in and out.
 *
 * <p>In the JSON ({@value #FORMAT}) these are the top-level fields {@code format}, {@code reader}, {@code backend},
 * {@code recordedAt} (an ISO 8601 instant), {@code atr} (hex) and {@code protocol} ({@code "T0"} or {@code "T1"}).
 */
public final class TraceHeader {

    /** The value of the {@code format} field of every trace file this version reads and writes. */
    public static final String FORMAT = "scard-trace/1";

    private final String reader;
    private final String backend;
    private final Instant recordedAt;
    private final byte[] atr;
    private final Protocol protocol;

    private TraceHeader(String reader, String backend, Instant recordedAt, byte[] atr, Protocol protocol) {
        this.reader = reader;
        this.backend = backend;
        this.recordedAt = recordedAt;
        this.atr = atr;
        this.protocol = protocol;
    }

    /**
     * A header.
     *
     * @param reader the reader the session was recorded on (any text, also empty)
     * @param backend the backend that carried it ({@code "simulator"}, {@code "pcsc"}, or the tool an imported trace
     *        comes from, such as {@code "opensc"})
     * @param recordedAt when the recording began; entry times count from it
     * @param atr the card's ATR when the recording began, 2 to 33 bytes (copied)
     * @param protocol the protocol the card spoke, {@link Protocol#T0} or {@link Protocol#T1}
     * @throws IllegalArgumentException for a null value, an ATR out of range or another protocol
     */
    public static TraceHeader of(String reader, String backend, Instant recordedAt, byte[] atr, Protocol protocol) {
        if (reader == null || backend == null || recordedAt == null) {
            throw new IllegalArgumentException("reader, backend and recordedAt must not be null");
        }
        if (protocol != Protocol.T0 && protocol != Protocol.T1) {
            throw new IllegalArgumentException("the protocol must be T0 or T1");
        }
        return new TraceHeader(reader, backend, recordedAt, TraceEntry.checkAtr(atr).clone(), protocol);
    }

    /** The reader the session was recorded on. */
    public String reader() {
        return reader;
    }

    /** The backend (or tool) that carried the session. */
    public String backend() {
        return backend;
    }

    /** When the recording began. */
    public Instant recordedAt() {
        return recordedAt;
    }

    /** The card's ATR (a copy). */
    public byte[] atr() {
        return atr.clone();
    }

    /** The card's protocol, T0 or T1. */
    public Protocol protocol() {
        return protocol;
    }

    /** The header's fields, for messages. */
    @Override
    public String toString() {
        return "reader '" + reader + "', backend " + backend + ", recorded at " + recordedAt + ", ATR "
                + HexFormat.of().withUpperCase().formatHex(atr) + ", " + protocol;
    }

    /** Headers are equal when every field is. */
    @Override
    public boolean equals(Object other) {
        return other instanceof TraceHeader h && reader.equals(h.reader) && backend.equals(h.backend)
                && recordedAt.equals(h.recordedAt) && Arrays.equals(atr, h.atr) && protocol == h.protocol;
    }

    /** A hash of every field. */
    @Override
    public int hashCode() {
        return Objects.hash(reader, backend, recordedAt, Arrays.hashCode(atr), protocol);
    }
}
