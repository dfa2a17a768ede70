package dev.scard.api.trace;

import dev.scard.api.SCardServiceProperties;

/**
 * Service properties of a {@link CardTraceListener} that choose what it hears; every one given must match (and
 * {@link SCardServiceProperties#BACKEND} on a listener names the one backend it hears).
 */
public final class CardTraceProperties {

    /**
     * The reader(s) the listener hears: a reader name exactly as the backend spells it ({@code String}), or several
     * ({@code String[]} or a collection of {@code String}). The events of every attachment to these readers and the
     * readers' card insertions, removals and resets.
     */
    public static final String READER = "scard.trace.reader";
    /**
     * The one attachment the listener hears: a {@link TraceableManager#traceId()} ({@code String}). The events of that
     * manager, and the card insertions, removals and resets of the reader it is attached to.
     */
    public static final String ATTACHMENT = "scard.trace.attachment";

    private CardTraceProperties() {
    }
}
