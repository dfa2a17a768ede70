package dev.scard.trace;

import java.io.IOException;
import java.io.Reader;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.iso7816.CommandApdu;

/**
 * Imports the APDU log of apdu4j's {@code LoggingCardTerminal}, which GlobalPlatformPro ({@code gp -d}) and the
 * apdu4j tool ({@code apdu4j -d}) print: one {@code A>>} line per command and one {@code A<<} line per response, and
 * {@code #} lines for the connection:
 *
 * <pre>
 * # SCardConnect("ACS ACR 38U-CCID 00 00", T=*) -&gt; T=1, 3BF81300008131FE15597562696B65793412
 * A&gt;&gt; T=1 (4+0008) 00A40400 08 A000000151000000 00
 * A&gt;&gt; (4+0008) 00A40400 08 A000000151000000 00
 * A&lt;&lt; (0018+2) (17ms) 6F108408A000000151000000A5049F6501FF 9000
 * # SCardBeginTransaction("ACS ACR 38U-CCID 00 00")
 * # SCardEndTransaction("ACS ACR 38U-CCID 00 00") in 3ms
 * # SCardDisconnect("ACS ACR 38U-CCID 00 00", true) tx:13/rx:22 in 152ms
 * </pre>
 *
 * Both the older command form with the protocol ({@code A>> T=1 (4+0008) ...}) and the newer one without it are read,
 * also with a channel ({@code A#1>>}) and the {@code B>>}/{@code B<<} lines of the buffer-based transmit. What
 * becomes of each line:
 * <ul>
 * <li>{@code A>>} and the next {@code A<<}: an exchange; the {@code (4+nnnn)} data length and the {@code (nnnn+2)}
 * response length must agree with the hex. A command whose response line is an error ({@code << SCARD_E_...}) is
 * left out.</li>
 * <li>{@code # SCardConnect(...) -> T=1, ATR} (the last before the first command, else the first after it): the
 * reader, protocol and ATR of the header (otherwise no reader, the protocol of an {@code A>> T=x} line or T=1, and
 * the ATR {@code 3B 00});</li>
 * <li>{@code # SCardBeginTransaction}: a lock; {@code # SCardEndTransaction}: an unlock ({@code LEAVE});
 * {@code # SCardDisconnect(..., true)}: a reset ({@code RESET}, as a disconnect with reset does to the card);</li>
 * <li>every other line is skipped (the tools print much more).</li>
 * </ul>
 * Times: the log gives how long each exchange took, so an entry's time is the sum of the exchanges before it. Commands
 * that carry a secret (see {@link dev.scard.iso7816.SecretCommands}) are imported redacted. The backend of an imported trace is
 * {@value #BACKEND}.
 *
 * <p>Errors name the line: {@code line 7: the response line says 18 data bytes but has 16}.
 */
public final class Apdu4jLogImporter {

    /** The {@link TraceHeader#backend()} of a trace imported from an apdu4j or GlobalPlatformPro log. */
    public static final String BACKEND = "apdu4j";

    /** The most lines an import reads: 4 million. */
    public static final long MAX_LINES = 4_000_000;

    private static final Pattern COMMAND = Pattern.compile(
            "^[AB](?:#\\d+)?>>\\s+(?:T=(\\S+)\\s+)?\\(4\\+(\\d+)\\)\\s+(.*?)\\s*(\\[malformed\\])?\\s*$");
    private static final Pattern RESPONSE = Pattern.compile(
            "^[AB](?:#\\d+)?<<\\s+\\((\\d+)\\+2\\)\\s+\\(([^)]*)\\)\\s+(.*?)\\s*$");
    private static final Pattern FAILED = Pattern.compile("^<<\\s");
    private static final Pattern CONNECT = Pattern.compile(
            "^# SCardConnect\\(\"(.*)\", [^)]*\\) -> T=([01CL]+)(?:, ([0-9A-Fa-f]+))?\\s*$");
    private static final Pattern BEGIN = Pattern.compile("^# SCardBeginTransaction\\(");
    private static final Pattern END = Pattern.compile("^# SCardEndTransaction\\(");
    private static final Pattern DISCONNECT = Pattern.compile("^# SCardDisconnect\\(\".*\", (true|false)\\)");
    private static final Pattern DURATION = Pattern.compile("^(?:(\\d+)s)?(\\d+)(?:\\.(\\d+))?ms$");

    private Apdu4jLogImporter() {
    }

    /**
     * Reads an apdu4j or GlobalPlatformPro log.
     *
     * @param log the log's text (not closed here)
     * @param recordedAt the trace's start time (the log has no dates)
     * @throws TraceFormatException naming the line of a malformed {@code A>>}/{@code A<<} line, or when the log holds
     *         no exchange
     * @throws IOException when the reader fails
     */
    public static Trace read(Reader log, Instant recordedAt) throws IOException {
        LogImport in = new LogImport(log, BACKEND, recordedAt, MAX_LINES);
        double clock = 0;
        byte[] pending = null;
        for (String line = in.next(); line != null; line = in.next()) {
            Matcher command = COMMAND.matcher(line);
            if (command.matches()) {
                if (command.group(1) != null) {
                    in.protocol(protocol(command.group(1)));
                }
                pending = in.hex(command.group(3), " ", "the command");
                int nc = Integer.parseInt(command.group(2));
                if (command.group(4) == null) {
                    int actual = dataLength(in, pending);
                    if (actual != nc) {
                        throw in.error("the command line says " + nc + " data bytes but its command has " + actual);
                    }
                }
                continue;
            }
            Matcher response = RESPONSE.matcher(line);
            if (response.matches()) {
                if (pending == null) {
                    throw in.error("a response line without a command line before it");
                }
                byte[] bytes = in.hex(response.group(3), " ", "the response");
                int data = Integer.parseInt(response.group(1));
                if (bytes.length != data + 2) {
                    throw in.error("the response line says " + data + " data bytes but has "
                            + Math.max(0, bytes.length - 2));
                }
                in.exchange(clock, pending, bytes);
                clock += duration(in, response.group(2));
                pending = null;
                continue;
            }
            if (line.startsWith("A>>") || line.startsWith("A<<") || line.startsWith("B>>")
                    || line.startsWith("B<<")) {
                throw in.error("not an apdu4j APDU line (expected 'A>> (4+nnnn) <hex>' or "
                        + "'A<< (nnnn+2) (time) <hex>')");
            }
            if (FAILED.matcher(line).find()) {
                pending = null;
                continue;
            }
            Matcher connect = CONNECT.matcher(line);
            if (connect.matches()) {
                in.readerName(connect.group(1));
                in.protocol(protocol(connect.group(2)));
                if (connect.group(3) != null) {
                    in.atr(in.hex(connect.group(3), "", "the ATR"));
                }
            } else if (BEGIN.matcher(line).find()) {
                in.event(TraceEntry.lock(Math.max(clock, in.lastTime())));
            } else if (END.matcher(line).find()) {
                in.event(TraceEntry.unlock(Math.max(clock, in.lastTime()), Disposition.LEAVE));
            } else {
                Matcher disconnect = DISCONNECT.matcher(line);
                if (disconnect.find() && disconnect.group(1).equals("true")) {
                    in.event(TraceEntry.reset(Math.max(clock, in.lastTime()), Disposition.RESET));
                }
            }
        }
        return in.trace("apdu4j's 'A>>' / 'A<<' lines");
    }

    private static Protocol protocol(String name) {
        return name.equals("0") ? Protocol.T0 : Protocol.T1;
    }

    private static int dataLength(LogImport in, byte[] command) throws TraceFormatException {
        try {
            return CommandApdu.parse(command).nc();
        } catch (IllegalArgumentException e) {
            throw in.error("not a well-formed command APDU (" + e.getMessage() + ")");
        }
    }

    /** {@code 17ms}, {@code 1.23ms}, {@code 2s15ms} in milliseconds; anything else is an error. */
    private static double duration(LogImport in, String text) throws TraceFormatException {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw in.error("the response's duration is not a time such as 17ms, 1.23ms or 2s15ms");
        }
        double millis = Long.parseLong(m.group(2));
        if (m.group(1) != null) {
            millis += Long.parseLong(m.group(1)) * 1000;
        }
        if (m.group(3) != null) {
            millis += Double.parseDouble("0." + m.group(3));
        }
        return millis;
    }
}
