package dev.scard.trace;

import java.util.List;

/**
 * A recorded card session: a {@link TraceHeader} and the {@link TraceEntry entries} in time order. Immutable.
 *
 * <p>Read one with {@link TraceReader} (the {@value TraceHeader#FORMAT} JSON) or {@link TraceFiles} (that JSON or
 * another tool's log), write one with {@link TraceWriter}.
 */
public final class Trace {

    private final TraceHeader header;
    private final List<TraceEntry> entries;

    private Trace(TraceHeader header, List<TraceEntry> entries) {
        this.header = header;
        this.entries = entries;
    }

    /**
     * A trace.
     *
     * @param header its header
     * @param entries its entries (copied), whose times never decrease
     * @throws IllegalArgumentException for a null header, a null entry, or an entry earlier than the one before it
     *         (the message names its index)
     */
    public static Trace of(TraceHeader header, List<TraceEntry> entries) {
        if (header == null || entries == null) {
            throw new IllegalArgumentException("a trace needs a header and a list of entries");
        }
        List<TraceEntry> copy = List.copyOf(entries);
        for (int i = 1; i < copy.size(); i++) {
            if (copy.get(i).time() < copy.get(i - 1).time()) {
                throw new IllegalArgumentException("entry " + i + " is earlier than the entry before it");
            }
        }
        return new Trace(header, copy);
    }

    /** The header. */
    public TraceHeader header() {
        return header;
    }

    /** The entries in time order (unmodifiable). */
    public List<TraceEntry> entries() {
        return entries;
    }

    /** How many entries are APDU exchanges. */
    public int apduCount() {
        return (int) entries.stream().filter(e -> e.type() == TraceEntry.Type.APDU).count();
    }

    /** A one-line description: the header and the number of entries (no APDU bytes). */
    @Override
    public String toString() {
        return "trace (" + header + ", " + entries.size() + " entries)";
    }

    /** Traces are equal when their headers and entries are. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Trace t && header.equals(t.header) && entries.equals(t.entries);
    }

    /** A hash of the header and entries. */
    @Override
    public int hashCode() {
        return 31 * header.hashCode() + entries.hashCode();
    }
}
