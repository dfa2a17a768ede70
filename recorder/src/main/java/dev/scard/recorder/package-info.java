/**
 * Recording card sessions into trace files: {@link dev.scard.recorder.SessionRecorder}, the service the
 * {@code scard:record} command uses to record one attachment, and the {@link dev.scard.recorder.Recording} it
 * returns. A file is one JSON object in the {@code scard-trace/1} format (reader, backend, ATR, protocol, each
 * command and response with its time, the events that matter), with the data of secret commands withheld.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.scard.recorder;
