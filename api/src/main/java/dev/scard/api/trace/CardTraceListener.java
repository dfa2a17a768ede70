package dev.scard.api.trace;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard listener for the card trace: register a service of this type and the core calls it for every
 * {@link CardTraceEvent} that its {@link CardTraceProperties} properties let through (none of them: every event of
 * every backend).
 *
 * <p>Called on the thread that talks to the card, while the card is held for that exchange, in the order the events
 * happen on that attachment; card insertions, removals and resets come from the backend's event thread. Return
 * quickly (queue the event when more work is needed): the card waits meanwhile. An exception thrown here is logged
 * once per listener and otherwise ignored; it never reaches the card session.
 */
@ConsumerType
public interface CardTraceListener {

    /** Receives one event. */
    void traced(CardTraceEvent event);
}
