/**
 * APDU traces of card sessions: what a card was sent and what it answered, with the events around it (resets,
 * reconnects, locks, removal, insertion), as recorded by the core or imported from another tool's log, and replayed
 * by the simulator.
 *
 * <ul>
 * <li>The model: {@link dev.scard.trace.Trace} (immutable), made of a {@link dev.scard.trace.TraceHeader} (reader,
 * backend, time, ATR, protocol) and {@link dev.scard.trace.TraceEntry} values in time order.</li>
 * <li>The file format {@code scard-trace/1} (one JSON object, UTF-8): written as the session goes by
 * {@link dev.scard.trace.TraceWriter} (entry by entry, a size limit, a valid file after {@code close}) and read by
 * {@link dev.scard.trace.TraceReader}, whose errors ({@link dev.scard.trace.TraceFormatException}) name the JSON
 * path of the problem, such as {@code $.entries[3].command: not hexadecimal}.</li>
 * <li>Importers of logs people already have: {@link dev.scard.trace.OpenScLogImporter} (OpenSC's debug log, the
 * {@code Outgoing APDU} / {@code Incoming APDU} blocks) and {@link dev.scard.trace.Apdu4jLogImporter} (the
 * {@code A>>} / {@code A<<} lines of apdu4j and GlobalPlatformPro) and {@link dev.scard.trace.PcscdLogImporter}
 * (pcscd's {@code --apdu} log); {@link dev.scard.trace.TraceFiles} tells the
 * kinds of file apart and reads any of them.</li>
 * <li>Secrets: {@link dev.scard.iso7816.SecretCommands} (the ISO 7816-4 bundle's one rule) tells which commands
 * carry a PIN or other secret, and
 * {@link dev.scard.trace.TraceEntry#redactedApdu} keeps only their header and Lc.</li>
 * </ul>
 *
 * <p>Plain values and static helpers; no services, no threads of their own. The writer may be called from several
 * threads; everything else is immutable.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.scard.trace;
