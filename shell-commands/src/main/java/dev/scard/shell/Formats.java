package dev.scard.shell;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.ContractValue;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.ShareMode;
import dev.scard.iso7816.StatusWords;
import dev.scard.shell.text.CommandText;

/**
 * Turns API values into the text the commands return. Output is deterministic (no times, no identities), has
 * no trailing newline and no trailing spaces, so tests can compare it.
 */
final class Formats {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final HexFormat SPACED = HexFormat.ofDelimiter(" ").withUpperCase();
    /** Bytes per line of response data. */
    static final int BYTES_PER_LINE = 16;

    private Formats() {
    }

    /** Upper-case hex without separators; {@code "-"} for no bytes. */
    static String hex(byte[] bytes) {
        return bytes.length == 0 ? "-" : HEX.formatHex(bytes);
    }

    /**
     * The reader table of {@code scard:readers}:
     *
     * <pre>
     * Reader              Backend    Card     Exclusive  ATR
     * Simulated Reader 0  simulator  present  no         3B8880010102030405060708
     * Simulated Reader 1  simulator  absent   no         -
     * </pre>
     *
     * @param readers the readers, in the order to show
     * @param problems one line per backend that could not list its readers, shown under the table
     */
    static String readerTable(List<ReaderInfo> readers, List<String> problems) {
        StringBuilder out = new StringBuilder();
        if (readers.isEmpty()) {
            out.append("No readers");
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"Reader", "Backend", "Card", "Exclusive", "ATR"});
            for (ReaderInfo r : readers) {
                rows.add(new String[] {r.name(), r.backend(), r.cardPresent() ? "present" : "absent",
                    r.exclusive() ? "yes" : "no", hex(r.atr())});
            }
            out.append(CommandText.table(rows));
        }
        for (String problem : problems) {
            out.append('\n').append(problem);
        }
        return out.toString();
    }

    /**
     * What {@code scard:attach} and {@code scard:attach-handle} print:
     * {@code Attached to 'Simulated Reader 0' (shared, T1, ATR 3B88...)}, or for a reader with no card
     * {@code Attached to 'Simulated Reader 1' (shared, no card: a reader attachment; insert a card, then
     * scard:reconnect)}.
     *
     * @param via {@code null}, or how the attachment was made ({@code "handle 5"})
     * @param mode the share mode, or {@code null} when not known
     */
    static String attached(CardStatus status, String via, ShareMode mode) {
        StringBuilder out = new StringBuilder("Attached to '").append(status.readerName()).append('\'');
        if (via != null) {
            out.append(" via ").append(via);
        }
        out.append(" (");
        if (mode != null) {
            out.append(word(mode)).append(", ");
        }
        if (status.state() == CardState.ABSENT) {
            out.append("no card: a reader attachment; insert a card, then scard:reconnect)");
        } else {
            out.append(protocol(status.protocol())).append(", ATR ").append(hex(status.atr())).append(')');
        }
        return out.toString();
    }

    /**
     * What {@code scard:status} prints:
     *
     * <pre>
     * Reader:   Simulated Reader 0
     * Backend:  simulator
     * State:    SPECIFIC_MODE (6)
     * Protocol: T1 (2)
     * ATR:      3B8880010102030405060708
     * </pre>
     *
     * @param handle the handle the session attached by, or null
     */
    static String status(CardStatus status, String backend, Long handle) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Reader:", status.readerName()});
        rows.add(new String[] {"Backend:", backend});
        if (handle != null) {
            rows.add(new String[] {"Handle:", String.valueOf(handle)});
        }
        rows.add(new String[] {"State:", numbered(status.state())});
        rows.add(new String[] {"Protocol:", numbered(status.protocol())});
        rows.add(new String[] {"ATR:", hex(status.atr())});
        return labelled(rows);
    }

    /** {@code label value} lines with the values aligned one space after the longest label. */
    static String labelled(List<String[]> rows) {
        int width = 0;
        for (String[] row : rows) {
            width = Math.max(width, row[0].length());
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            if (out.length() > 0) {
                out.append('\n');
            }
            out.append((row[0] + " ".repeat(width - row[0].length() + 1) + row[1]).stripTrailing());
        }
        return out.toString();
    }

    /**
     * A card's answer as {@code scard:apdu} prints it: the data in rows of {@value #BYTES_PER_LINE} bytes,
     * the data as text when every byte is printable ASCII, then the status word and its meaning:
     *
     * <pre>
     * Data: 48 65 6C 6C 6F
     * Text: "Hello"
     * SW 9000 success
     * </pre>
     */
    static String response(byte[] response) {
        if (response.length < 2) {
            return "Response without status word: " + hex(response);
        }
        int dataLength = response.length - 2;
        StringBuilder out = new StringBuilder();
        if (dataLength > 0) {
            for (int offset = 0; offset < dataLength; offset += BYTES_PER_LINE) {
                out.append(offset == 0 ? "Data: " : "\n      ")
                        .append(SPACED.formatHex(response, offset, Math.min(dataLength, offset + BYTES_PER_LINE)));
            }
            if (printable(response, dataLength)) {
                out.append("\nText: \"")
                        .append(new String(response, 0, dataLength, java.nio.charset.StandardCharsets.US_ASCII))
                        .append('"');
            }
            out.append('\n');
        }
        int sw = (response[dataLength] & 0xFF) << 8 | response[dataLength + 1] & 0xFF;
        return out.append(StatusWords.describe(sw)).toString();
    }

    private static boolean printable(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] < 0x20 || bytes[i] > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /** A share mode or disposition as the commands take it: {@code shared}, {@code exclusive}, {@code reset}. */
    static String word(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    /** {@code T0}, {@code T1}, {@code RAW}, or {@code no protocol} for {@link Protocol#UNDEFINED}. */
    static String protocol(Protocol protocol) {
        return protocol == Protocol.UNDEFINED ? "no protocol" : protocol.name();
    }

    /** An enum constant with its contract value: {@code T1 (2)}, {@code SPECIFIC_MODE (6)}. */
    static <E extends Enum<E> & ContractValue> String numbered(E constant) {
        return constant.name() + " (" + constant.value() + ")";
    }
}
