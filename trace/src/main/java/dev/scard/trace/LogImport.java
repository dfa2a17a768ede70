package dev.scard.trace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import dev.scard.api.Protocol;
import dev.scard.iso7816.HexDigits;
import dev.scard.iso7816.SecretCommands;

/**
 * What the log importers share: reading lines with their numbers, the header values a log may or may not give, and
 * turning command/response pairs into entries (secret commands {@linkplain TraceEntry#redactedApdu redacted}).
 */
final class LogImport {

    /** The ATR of an imported trace whose log does not show one: {@code 3B 00} (no interface or historical bytes). */
    static final byte[] DEFAULT_ATR = {0x3B, 0x00};

    private final BufferedReader lines;
    private final String backend;
    private final Instant recordedAt;
    private final long maxLines;
    private final List<TraceEntry> entries = new ArrayList<>();
    private int lineNumber;
    private String reader;
    private byte[] atr;
    private Protocol protocol;
    private double lastTime;

    LogImport(Reader log, String backend, Instant recordedAt, long maxLines) {
        if (log == null || recordedAt == null) {
            throw new IllegalArgumentException("no log or no recording time given");
        }
        this.lines = log instanceof BufferedReader b ? b : new BufferedReader(log);
        this.backend = backend;
        this.recordedAt = recordedAt;
        this.maxLines = maxLines;
    }

    /** The next line, or null at the end. */
    String next() throws IOException {
        String line = lines.readLine();
        if (line != null) {
            lineNumber++;
            if (lineNumber > maxLines) {
                throw error("the log has more than " + maxLines + " lines, the most an import reads");
            }
        }
        return line;
    }

    int lineNumber() {
        return lineNumber;
    }

    TraceFormatException error(String problem) {
        return TraceFormatException.atLine(lineNumber, problem);
    }

    /** Hex digits of a log, with the given separators; the error names the line. */
    byte[] hex(String text, String separators, String what) throws TraceFormatException {
        try {
            return HexDigits.decode(text, 0, separators);
        } catch (IllegalArgumentException e) {
            throw error(what + " is not hexadecimal (" + e.getMessage() + ")");
        }
    }

    /** The reader: the last one the log names before the first exchange, else the first one after it. */
    void readerName(String name) {
        if (reader == null || entries.isEmpty()) {
            reader = name;
        }
    }

    /** The ATR (2 to 33 bytes, others are ignored), chosen as {@link #readerName} is. */
    void atr(byte[] value) {
        if ((atr == null || entries.isEmpty()) && value.length >= 2 && value.length <= 33) {
            atr = value;
        }
    }

    /** The protocol, chosen as {@link #readerName} is. */
    void protocol(Protocol value) {
        if (protocol == null || entries.isEmpty()) {
            protocol = value;
        }
    }

    /** The reader chosen so far, or null. */
    String readerName() {
        return reader;
    }

    boolean hasEntries() {
        return !entries.isEmpty();
    }

    /** Adds an exchange at a time (never before the entry before); a secret command is kept redacted. */
    void exchange(double time, byte[] command, byte[] response) throws TraceFormatException {
        if (command.length < 4) {
            throw error("a command of " + command.length + " bytes; a command has at least the 4-byte header");
        }
        if (response.length < 2) {
            throw error("a response of " + response.length + " bytes; a response has at least the status word");
        }
        double t = Math.max(lastTime, time);
        boolean secret = SecretCommands.secretLength(command) > 0;
        try {
            entries.add(secret ? TraceEntry.redactedApdu(t, command, response, false)
                    : TraceEntry.apdu(t, command, response, false));
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        } finally {
            if (secret) {
                Arrays.fill(command, (byte) 0); // the PIN stays in the log's text, not in this import's bytes
            }
        }
        lastTime = t;
    }

    /** Adds an event entry made at a time (never before the entry before). */
    void event(TraceEntry entry) {
        entries.add(entry);
        lastTime = entry.time();
    }

    double lastTime() {
        return lastTime;
    }

    /** The trace, or an error when the log held no exchange. */
    Trace trace(String expected) throws TraceFormatException {
        if (entries.stream().noneMatch(e -> e.type() == TraceEntry.Type.APDU)) {
            throw error("no APDU exchange found (expected " + expected + ")");
        }
        return Trace.of(TraceHeader.of(reader == null ? "" : reader, backend, recordedAt,
                atr == null ? DEFAULT_ATR : atr, protocol == null ? Protocol.T1 : protocol), entries);
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().withUpperCase().formatHex(bytes);
    }
}
