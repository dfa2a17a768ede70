package dev.scard.api.trace;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard listener for the card trace: register a service of this type and the core calls it for every
 * {@link CardTraceEvent} that its {@link CardTraceProperties} properties let through (none of them: every event of
 * every backend).
 *
 * <p>APDU and attachment events are delivered on the thread that talks to the card, while the card is held for that
 * exchange, in the order the events happen on that attachment. Card insertions, removals and resets are delivered on
 * the core's event delivery thread of that backend (named {@code scard-<backend>-events}, the thread that then calls
 * the {@code SCardEventListener}s), in the order the backend reported them, never on the backend's own threads:
 * such an event may arrive after APDU events of commands sent after it happened; its {@link CardTraceEvent#time()}
 * is when the backend reported it. Return quickly (queue the event when more work is needed): the card, or the
 * backend's other event listeners, wait meanwhile. An exception thrown here is logged
 * once per listener and otherwise ignored; it never reaches the card session.
 */
@ConsumerType
public interface CardTraceListener {

    /** Receives one event. */
    void traced(CardTraceEvent event);
}
