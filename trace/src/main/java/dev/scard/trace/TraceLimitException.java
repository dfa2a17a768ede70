package dev.scard.trace;

import java.io.IOException;

/**
 * A {@link TraceWriter} refused an entry because the file would go beyond its size limit. The writer stays usable for
 * {@link TraceWriter#close()}, which leaves a complete file with the entries before.
 */
public final class TraceLimitException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * A refused entry.
     *
     * @param message what limit was reached
     */
    public TraceLimitException(String message) {
        super(message);
    }
}
