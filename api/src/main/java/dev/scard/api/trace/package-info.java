/**
 * The card trace: every APDU that reaches a card and the events that matter around it (attach, reset, reconnect,
 * lock, unlock, removal, insertion, detach), as the core sees them once for every backend. Register a
 * {@link dev.scard.api.trace.CardTraceListener} service (whiteboard) to receive them; filter by reader, backend or
 * one attachment with the properties of {@link dev.scard.api.trace.CardTraceProperties}. The data of commands that
 * carry a PIN or key is withheld before any listener sees it.
 *
 * <p>Interfaces and values only; the core implements them.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.scard.api.trace;
