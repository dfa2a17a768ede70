package dev.scard.trace;

import java.io.IOException;
import java.io.Reader;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.scard.api.Protocol;

/**
 * Imports the log of pcsc-lite's daemon started with {@code --apdu} ({@code pcscd -f --apdu}, also with
 * {@code -d}): every command pcscd passes to a reader driver as an {@code APDU:} line and the card's response
 * (data and status word) as an {@code SW:} line, each line starting with the microseconds since the line before:
 *
 * <pre>
 * 00015191 APDU: 00 A4 04 0C 0C A0 00 00 00 63 50 4B 43 53 2D 31 35
 * 00003731 SW: 90 00
 * 00000084 APDU: 00 84 00 00 08
 * 00000515 SW: C9 E0 CA CB FD 6A 70 70 90 00
 * </pre>
 *
 * With {@code -d} pcscd also logs which reader a client connects to ({@code SCardConnect() Attempting Connect to
 * <reader> using protocol: 3}), the card's ATR ({@code Card ATR: 3B 88 ...}), the protocol
 * ({@code SCardConnect() Active Protocol: T=1}) and removals and insertions ({@code Card Removed From <reader>},
 * {@code Card inserted into <reader>} and the {@code Card ATR:} line after it): the last of each before the first
 * exchange fills the header (otherwise no reader, the ATR {@code 3B 00} and T=1), and a removal or insertion in the
 * header's reader after it becomes a {@code removed} or {@code inserted} entry. Terminal colour codes are ignored;
 * every other line is skipped. A command without a response (the transmit failed) is left out. Times are the sum of
 * the microseconds, counted from the first command. Commands that carry a secret (see
 * {@link dev.scard.iso7816.SecretCommands}) are imported redacted. The backend of an imported trace is {@value #BACKEND}.
 *
 * <p>pcscd does not say which reader an {@code APDU:} line went to: the log should hold the session of one card
 * (sessions on several readers at once would be imported as one). Errors name the line:
 * {@code line 4: an SW line without an APDU line before it}.
 */
public final class PcscdLogImporter {

    /** The {@link TraceHeader#backend()} of a trace imported from a pcscd log. */
    public static final String BACKEND = "pcscd";

    /** The most lines an import reads: 4 million. */
    public static final long MAX_LINES = 4_000_000;

    private static final Pattern COLOUR = Pattern.compile("\u001B\\[[0-9;]*m");
    private static final Pattern DELTA = Pattern.compile("^(\\d{8}) ");
    private static final Pattern APDU = Pattern.compile("^APDU: ([0-9A-Fa-f ]*)$");
    private static final Pattern SW = Pattern.compile("^SW: ([0-9A-Fa-f ]*)$");
    private static final Pattern CONNECT =
            Pattern.compile("SCardConnect\\(\\) Attempting Connect to (.+) using protocol");
    private static final Pattern PROTOCOL = Pattern.compile("SCardConnect\\(\\) Active Protocol: T=([01])\\s*$");
    private static final Pattern ATR = Pattern.compile("^Card ATR: ([0-9A-Fa-f ]+)$");
    private static final Pattern REMOVED = Pattern.compile("Card Removed From (.+?)\\s*$");
    private static final Pattern INSERTED = Pattern.compile("Card inserted into (.+?)\\s*$");

    private PcscdLogImporter() {
    }

    /**
     * Reads a pcscd {@code --apdu} log.
     *
     * @param log the log's text (not closed here)
     * @param recordedAt the trace's start time (the log has no dates)
     * @throws TraceFormatException naming the line of a malformed {@code APDU:} or {@code SW:} line, or when the log
     *         holds no exchange
     * @throws IOException when the reader fails
     */
    public static Trace read(Reader log, Instant recordedAt) throws IOException {
        LogImport in = new LogImport(log, BACKEND, recordedAt, MAX_LINES);
        long micros = 0;
        long first = -1;
        byte[] pending = null;
        double pendingTime = 0;
        boolean insertedPending = false;
        for (String raw = in.next(); raw != null; raw = in.next()) {
            String line = COLOUR.matcher(raw).replaceAll("").strip();
            Matcher delta = DELTA.matcher(line);
            if (delta.find()) {
                micros += Long.parseLong(delta.group(1));
                line = line.substring(delta.end()).strip();
            }
            Matcher apdu = APDU.matcher(line);
            if (apdu.matches()) {
                pending = in.hex(apdu.group(1), " ", "the APDU");
                if (first < 0) {
                    first = micros;
                }
                pendingTime = (micros - first) / 1000.0;
                continue;
            }
            Matcher sw = SW.matcher(line);
            if (sw.matches()) {
                if (pending == null) {
                    throw in.error("an SW line without an APDU line before it");
                }
                in.exchange(pendingTime, pending, in.hex(sw.group(1), " ", "the response"));
                pending = null;
                continue;
            }
            double now = first < 0 ? 0 : Math.max(in.lastTime(), (micros - first) / 1000.0);
            Matcher atr = ATR.matcher(line);
            if (atr.matches()) {
                byte[] value = in.hex(atr.group(1), " ", "the ATR");
                if (insertedPending && value.length >= 2 && value.length <= 33) {
                    in.event(TraceEntry.inserted(now, value));
                    insertedPending = false;
                } else {
                    in.atr(value);
                }
                continue;
            }
            insertedPending = false;
            Matcher connect = CONNECT.matcher(line);
            if (connect.find()) {
                in.readerName(connect.group(1));
                continue;
            }
            Matcher protocol = PROTOCOL.matcher(line);
            if (protocol.find()) {
                in.protocol(protocol.group(1).equals("0") ? Protocol.T0 : Protocol.T1);
                continue;
            }
            if (in.hasEntries()) {
                Matcher removed = REMOVED.matcher(line);
                Matcher inserted = INSERTED.matcher(line);
                if (removed.find() && removed.group(1).equals(in.readerName())) {
                    in.event(TraceEntry.removed(now));
                } else if (inserted.find() && inserted.group(1).equals(in.readerName())) {
                    insertedPending = true; // the ATR follows on the next line
                }
            }
        }
        return in.trace("pcscd's 'APDU:' / 'SW:' lines (pcscd --apdu)");
    }
}
