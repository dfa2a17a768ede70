package dev.scard.api.trace;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Implemented by the {@link dev.scard.api.ISCardManage} instances of the core: the id its events carry in the trace
 * ({@link CardTraceEvent#attachment()}), for a {@link CardTraceListener} registered with
 * {@link CardTraceProperties#ATTACHMENT} to hear this manager's attachments only. Test with {@code instanceof} on the
 * service object.
 */
@ProviderType
public interface TraceableManager {

    /**
     * This manager's id in the trace, such as {@code simulator/7}: unique within the framework while the manager
     * exists, the same for each of its attachments.
     */
    String traceId();
}
