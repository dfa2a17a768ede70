package dev.scard.shell;

import java.util.Locale;

/**
 * The hex dump of {@code scard:cat}, laid out like {@code hexdump -C}: an offset column, sixteen bytes in two
 * groups of eight, and the bytes as ASCII between bars ({@code .} for anything not printable), so a line never
 * ends in spaces:
 *
 * <pre>
 * 0000  53 43 61 72 64 20 73 69  6D 75 6C 61 74 6F 72 20  |SCard simulator |
 * 0010  73 61 6D 70 6C 65 20 63  61 72 64 00 00 00 00 00  |sample card.....|
 * </pre>
 */
final class HexDump {

    static final int BYTES_PER_LINE = 16;

    private HexDump() {
    }

    /**
     * The dump of the bytes, offsets counted from {@code base}; the offset column has four hex digits, more when
     * the offsets need them. No trailing newline; {@code "(empty)"} for no bytes.
     */
    static String dump(byte[] data, long base) {
        if (data.length == 0) {
            return "(empty)";
        }
        long last = base + data.length - 1;
        int digits = Math.max(4, Long.toHexString(last).length());
        String offsetFormat = "%0" + digits + "X";
        StringBuilder out = new StringBuilder();
        for (int start = 0; start < data.length; start += BYTES_PER_LINE) {
            if (start > 0) {
                out.append('\n');
            }
            out.append(String.format(Locale.ROOT, offsetFormat, base + start)).append("  ");
            StringBuilder ascii = new StringBuilder();
            for (int i = 0; i < BYTES_PER_LINE; i++) {
                if (i == 8) {
                    out.append(' ');
                }
                int index = start + i;
                if (index < data.length) {
                    int b = data[index] & 0xFF;
                    out.append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
                            .append(Character.toUpperCase(Character.forDigit(b & 0x0F, 16))).append(' ');
                    ascii.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
                } else {
                    out.append("   ");
                }
            }
            out.append(" |").append(ascii).append('|');
        }
        return out.toString();
    }
}
