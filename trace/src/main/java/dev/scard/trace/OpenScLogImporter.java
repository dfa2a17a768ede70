package dev.scard.trace;

import java.io.IOException;
import java.io.Reader;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.scard.api.Protocol;

/**
 * Imports OpenSC's debug log (what {@code opensc-tool}, {@code pkcs11-tool}, the PKCS#11 module and the other OpenSC
 * programs write with {@code debug = 3} or more in {@code opensc.conf}, or with {@code OPENSC_DEBUG=3} in the
 * environment): the APDUs its reader drivers log, each command as an {@code Outgoing APDU} block and each response as
 * an {@code Incoming APDU} block:
 *
 * <pre>
 * P:4711; T:0x140245136803648 10:23:45.123 [opensc-tool] reader-pcsc.c:347:pcsc_transmit: reader 'Virtual PCD 00 00'
 * P:4711; T:0x140245136803648 10:23:45.123 [opensc-tool] reader-pcsc.c:348:pcsc_transmit:
 * Outgoing APDU (13 bytes):
 * 00 A4 04 00 08 A0 00 00 03 08 00 00 10 ..............
 * P:4711; T:0x140245136803648 10:23:45.141 [opensc-tool] reader-pcsc.c:357:pcsc_transmit:
 * Incoming APDU (2 bytes):
 * 6A 82 j.
 * </pre>
 *
 * The older form (OpenSC before 0.13), {@code Outgoing APDU data [   13 bytes] =====} with the hex dump and a line of
 * {@code =} after it, is read too. Every other line is skipped, except these, which fill the header (each the last
 * one before the first command, else the first after it): a {@code reader '...'} line names the reader, a
 * {@code try to match card with ATR (n bytes):} dump (logged while OpenSC matches its drivers) or an
 * {@code ATR     : 3b:...} line (debug level 7 and up) gives the ATR (otherwise {@code 3B 00}), an
 * {@code Initial protocol: T=0}/{@code Final protocol: T=1} line the protocol (otherwise T=1). Entry times count
 * from the first exchange, from the log's time of day (a day is added where it goes back, past midnight). A command
 * without a response (the driver failed to transmit) is left out. Commands that carry a secret (see
 * {@link dev.scard.iso7816.SecretCommands}) are imported redacted: the PIN in the log does not reach
 * the trace. The backend of an imported trace is {@value #BACKEND}.
 *
 * <p>Errors name the line: {@code line 12: the Incoming APDU (4 bytes) ends after 2 bytes}.
 */
public final class OpenScLogImporter {

    /** The {@link TraceHeader#backend()} of a trace imported from an OpenSC debug log. */
    public static final String BACKEND = "opensc";

    /** The most lines an import reads: 4 million. */
    public static final long MAX_LINES = 4_000_000;

    private static final Pattern BLOCK = Pattern.compile(
            "^\\s*(Outgoing|Incoming) APDU(?: data \\[\\s*(\\d+) bytes?\\] =*| \\((\\d+) bytes?\\):)\\s*$");
    /** The ATR dump some drivers log while matching a card (card-authentic.c: every OpenSC tries it). */
    private static final Pattern ATR_BLOCK =
            Pattern.compile("^\\s*try to match card with ATR \\((\\d+) bytes?\\):\\s*$");
    private static final Pattern TIME = Pattern.compile("(?:^|\\s)(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3}) \\[");
    private static final Pattern READER = Pattern.compile(":\\s*reader '(.*)'\\s*$");
    private static final Pattern ATR = Pattern.compile("\\bATR\\s*:\\s*([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+)\\s*$");
    private static final Pattern PROTOCOL = Pattern.compile("(?:Initial|Final) protocol: T=([01])\\s*$");
    private static final Pattern HEX_PAIR = Pattern.compile("[0-9A-Fa-f]{2}");
    private static final long DAY_MILLIS = 24L * 3600 * 1000;

    private OpenScLogImporter() {
    }

    /**
     * Reads an OpenSC debug log.
     *
     * @param log the log's text (not closed here)
     * @param recordedAt the trace's start time (the log has the time of day only; a caller may take the file's
     *        modification time, or the time of the import)
     * @throws TraceFormatException naming the line of a malformed APDU block, or when the log holds no exchange
     * @throws IOException when the reader fails
     */
    public static Trace read(Reader log, Instant recordedAt) throws IOException {
        LogImport in = new LogImport(log, BACKEND, recordedAt, MAX_LINES);
        long clock = -1;
        long first = -1;
        long previous = -1;
        long days = 0;
        byte[] pending = null;
        double pendingTime = 0;
        for (String line = in.next(); line != null; line = in.next()) {
            Matcher block = BLOCK.matcher(line);
            if (block.find()) {
                boolean outgoing = block.group(1).equals("Outgoing");
                int length = Integer.parseInt(block.group(2) != null ? block.group(2) : block.group(3));
                String what = block.group(1) + " APDU (" + length + " byte" + (length == 1 ? "" : "s") + ")";
                byte[] bytes = dump(in, length, what);
                if (outgoing) {
                    pending = bytes;
                    if (first < 0 && clock >= 0) {
                        first = clock;
                    }
                    pendingTime = clock < 0 || first < 0 ? in.lastTime() : clock - first;
                } else {
                    if (pending == null) {
                        throw in.error("an Incoming APDU without an Outgoing APDU before it");
                    }
                    in.exchange(pendingTime, pending, bytes);
                    pending = null;
                }
                continue;
            }
            Matcher atrBlock = ATR_BLOCK.matcher(line);
            if (atrBlock.find()) {
                int length = Integer.parseInt(atrBlock.group(1));
                in.atr(dump(in, length, "ATR (" + length + " bytes)"));
                continue;
            }
            Matcher time = TIME.matcher(line);
            if (time.find()) {
                long millis = ((Long.parseLong(time.group(1)) * 60 + Long.parseLong(time.group(2))) * 60
                        + Long.parseLong(time.group(3))) * 1000 + Long.parseLong(time.group(4));
                if (previous >= 0 && millis < previous) {
                    days++;
                }
                previous = millis;
                clock = millis + days * DAY_MILLIS;
            }
            Matcher reader = READER.matcher(line);
            if (reader.find()) {
                in.readerName(reader.group(1));
            }
            Matcher atr = ATR.matcher(line);
            if (atr.find()) {
                in.atr(in.hex(atr.group(1), ":", "the ATR"));
            }
            Matcher protocol = PROTOCOL.matcher(line);
            if (protocol.find()) {
                in.protocol(protocol.group(1).equals("0") ? Protocol.T0 : Protocol.T1);
            }
        }
        return in.trace("OpenSC's 'Outgoing APDU' / 'Incoming APDU' blocks");
    }

    /**
     * Reads the hex dump after a block's first line: lines of up to 16 two-digit bytes, each followed by a space,
     * then the bytes as text (which may look like hex too, so only as many pairs as the block still needs are read).
     */
    private static byte[] dump(LogImport in, int length, String what) throws IOException {
        byte[] bytes = new byte[length];
        int n = 0;
        while (n < length) {
            String line = in.next();
            if (line == null) {
                throw in.error("the log ends inside the " + what + " after " + n + " bytes");
            }
            int pos = 0;
            int onLine = 0;
            while (n < length && onLine < 16) {
                if (pos + 2 > line.length() || !HEX_PAIR.matcher(line).region(pos, pos + 2).matches()
                        || (pos + 2 < line.length() && line.charAt(pos + 2) != ' ')) {
                    break;
                }
                bytes[n++] = (byte) Integer.parseInt(line, pos, pos + 2, 16);
                pos += 3;
                onLine++;
            }
            if (onLine == 0) {
                throw in.error("the " + what + " ends after " + n + " bytes");
            }
            if (n < length && onLine < 16) {
                throw in.error("the " + what + " ends after " + n + " bytes");
            }
        }
        return bytes;
    }
}
