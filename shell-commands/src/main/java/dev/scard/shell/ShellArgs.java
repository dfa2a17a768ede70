package dev.scard.shell;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.shell.text.CommandUsage;

/**
 * Parses the words the commands take: share modes, dispositions, protocol lists and handle numbers (reader names
 * given in several words: {@link dev.scard.shell.text.CommandText#readerAndOption}). Every failure is an
 * {@link IllegalArgumentException} with one line that names the word and what was expected.
 */
final class ShellArgs {

    private ShellArgs() {
    }

    /** {@code shared} or {@code exclusive}, in any case. */
    static ShareMode shareMode(String word) {
        String w = lower(word);
        if (w.equals("shared")) {
            return ShareMode.SHARED;
        }
        if (w.equals("exclusive")) {
            return ShareMode.EXCLUSIVE;
        }
        throw ShellFailures.badInput("unknown share mode '" + CommandUsage.shown(word) + "' (use shared or exclusive)");
    }

    /**
     * One of the allowed dispositions by its name ({@code leave}, {@code reset}, {@code unpower},
     * {@code eject}), in any case.
     */
    static Disposition disposition(String word, Set<Disposition> allowed) {
        String w = lower(word);
        for (Disposition d : allowed) {
            if (d.name().toLowerCase(Locale.ROOT).equals(w)) {
                return d;
            }
        }
        for (Disposition d : Disposition.values()) {
            if (d.name().toLowerCase(Locale.ROOT).equals(w)) {
                throw ShellFailures.badInput("the disposition '" + w + "' is not allowed here (use " + names(allowed)
                        + ")");
            }
        }
        throw ShellFailures.badInput("unknown disposition '" + CommandUsage.shown(word) + "' (use " + names(allowed)
                + ")");
    }

    /**
     * Preferred protocols from a comma-separated list: {@code t0}, {@code t1}, {@code raw} (also written
     * {@code T=0}, {@code T=1}), or {@code any} for all three.
     */
    static Set<Protocol> protocols(String list) {
        Set<Protocol> result = EnumSet.noneOf(Protocol.class);
        for (String item : lower(list).split(",")) {
            switch (item.strip().replace("=", "")) {
                case "t0":
                    result.add(Protocol.T0);
                    break;
                case "t1":
                    result.add(Protocol.T1);
                    break;
                case "raw":
                    result.add(Protocol.RAW);
                    break;
                case "any":
                    result.addAll(EnumSet.of(Protocol.T0, Protocol.T1, Protocol.RAW));
                    break;
                default:
                    throw ShellFailures.badInput(
                            "unknown protocol '" + CommandUsage.shown(item.strip()) + "' in '"
                                    + CommandUsage.shown(list) + "' (use t0, t1, raw or any)");
            }
        }
        return result;
    }

    /** A handle number as {@code scard:connect} printed it (decimal, or hexadecimal with {@code 0x}). */
    static long handle(String word) {
        String w = word == null ? "" : word.strip();
        try {
            if (w.startsWith("0x") || w.startsWith("0X")) {
                return Long.parseUnsignedLong(w.substring(2), 16);
            }
            return Long.parseLong(w);
        } catch (NumberFormatException e) {
            throw ShellFailures.badInput("'" + CommandUsage.shown(word) + "' is not a handle number");
        }
    }

    /** Whether the word names a share mode. */
    static boolean isShareMode(String word) {
        String w = lower(word);
        return w.equals("shared") || w.equals("exclusive");
    }

    private static String lower(String word) {
        return word == null ? "" : word.strip().toLowerCase(Locale.ROOT);
    }

    private static String names(Set<Disposition> allowed) {
        List<String> names = new ArrayList<>();
        for (Disposition d : Disposition.values()) {
            if (allowed.contains(d)) {
                names.add(d.name().toLowerCase(Locale.ROOT));
            }
        }
        if (names.size() == 1) {
            return names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }

    /** Shorthand for a set of dispositions. */
    static Set<Disposition> of(Disposition... dispositions) {
        return EnumSet.copyOf(Arrays.asList(dispositions));
    }
}
