package dev.scard.shell;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;

/**
 * Parses the words the commands take: share modes, dispositions, protocol lists, handle numbers and reader
 * names given in several words. Every failure is an {@link IllegalArgumentException} with one line that names
 * the word and what was expected.
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
        throw ShellFailures.badInput("unknown share mode '" + word + "' (use shared or exclusive)");
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
        throw ShellFailures.badInput("unknown disposition '" + word + "' (use " + names(allowed) + ")");
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
                            "unknown protocol '" + item.strip() + "' in '" + list + "' (use t0, t1, raw or any)");
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
            throw ShellFailures.badInput("'" + word + "' is not a handle number");
        }
    }

    /**
     * A reader name typed as one quoted argument or as several words ({@code Simulated Reader 0} without
     * quotes arrives as three), optionally followed by a last word that {@code isOption} accepts (a share mode,
     * a disposition).
     *
     * @param lister the command that lists the readers, for the message when no name is given
     * @return the reader name and the optional last word (null when absent)
     */
    static String[] readerAndOption(String[] words, Predicate<String> isOption, String lister) {
        List<String> list = new ArrayList<>();
        if (words != null) {
            for (String w : words) {
                list.add(String.valueOf(w));
            }
        }
        String option = null;
        if (list.size() > 1 && isOption.test(list.get(list.size() - 1))) {
            option = list.remove(list.size() - 1);
        }
        String reader = String.join(" ", list).strip();
        if (reader.isEmpty()) {
            throw ShellFailures.badInput("no reader given (" + lister + " lists them)");
        }
        return new String[] {reader, option};
    }

    /** Where vpcd listens, as {@code sim:serve} takes it. */
    record VpcdAddress(String host, int port) {
    }

    /**
     * A vpcd address {@code <host>:<port>}, the host an IPv6 address in brackets ({@code [::1]:35963}); the host
     * itself is checked by the simulator.
     */
    static VpcdAddress vpcdAddress(String word) {
        String w = word == null ? "" : word.strip();
        int colon = w.lastIndexOf(':');
        String host = colon < 0 ? "" : w.substring(0, colon);
        String port = colon < 0 ? "" : w.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw ShellFailures.badInput("'" + w + "': write an IPv6 address in brackets, such as [::1]:35963");
        }
        if (host.isEmpty() || port.isEmpty()) {
            throw ShellFailures.badInput("'" + w + "' is not a vpcd address: use <host>:<port>, such as "
                    + "127.0.0.1:35963 (vpcd's first slot; 35964 is the second)");
        }
        if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 0xFFFF) {
            throw ShellFailures.badInput("'" + port + "' in '" + w + "' is not a port number from 1 to 65535");
        }
        return new VpcdAddress(host, Integer.parseInt(port));
    }

    /** Whether the word is meant as a vpcd address (it has a colon; reader names that do are quoted). */
    static boolean isVpcdAddress(String word) {
        return word != null && word.indexOf(':') >= 0;
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
