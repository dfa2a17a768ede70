package dev.scard.recorder.internal;

import java.io.Closeable;
import java.io.IOException;
import java.time.Instant;

import dev.scard.api.Protocol;
import dev.scard.api.trace.CardTraceEvent;

/**
 * Where a recording writes: a trace file in the {@code scard-trace/1} format, written as it goes. The seam between
 * the recording (what to write, when) and the file format's writer. Not thread-safe: {@link SessionFile} calls it
 * under its monitor.
 */
interface TraceSink extends Closeable {

    /** The file's header, before any entry. */
    void begin(Header header) throws IOException;

    /**
     * One entry: an APDU (its command already without secret data) or an event of the format ({@code reset},
     * {@code reconnect}, {@code lock}, {@code unlock}, {@code removed}, {@code inserted}).
     *
     * @param millis the entry's time, milliseconds since {@link Header#recordedAt()}, never less than the last one's
     */
    void entry(CardTraceEvent event, double millis) throws IOException;

    /** Completes the file (the entries' and the object's ends) and closes it. */
    @Override
    void close() throws IOException;

    /**
     * What the file starts with.
     *
     * @param reader the reader
     * @param backend its backend
     * @param recordedAt when the recording started
     * @param atrHex the card's ATR, upper-case hex, empty when none
     * @param protocol the protocol, or null when not known
     */
    record Header(String reader, String backend, Instant recordedAt, String atrHex, Protocol protocol) {
    }
}
