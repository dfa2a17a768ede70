package dev.scard.simulator.shell;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.shell.text.CommandUsage;

/**
 * Where vpcd listens, as {@code sim:serve} takes it: {@code <host>:<port>}, the host an IPv6 address in brackets
 * ({@code [::1]:35963}); the host itself is checked by the simulator.
 *
 * @param host the host name or IP address, without brackets
 * @param port the TCP port, 1 to 65535
 */
record VpcdAddress(String host, int port) {

    /**
     * Parses an address.
     *
     * @throws SCardException {@code E_INVALIDARG} naming the word and what was expected
     */
    static VpcdAddress parse(String word) {
        String w = word == null ? "" : word.strip();
        int colon = w.lastIndexOf(':');
        String host = colon < 0 ? "" : w.substring(0, colon);
        String port = colon < 0 ? "" : w.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw badInput("'" + CommandUsage.shown(w) + "': write an IPv6 address in brackets, such as [::1]:35963");
        }
        if (host.isEmpty() || port.isEmpty()) {
            throw badInput("'" + CommandUsage.shown(w) + "' is not a vpcd address: use <host>:<port>, such as "
                    + "127.0.0.1:35963 (vpcd's first slot; 35964 is the second)");
        }
        if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 0xFFFF) {
            throw badInput("'" + CommandUsage.shown(port) + "' in '" + CommandUsage.shown(w)
                    + "' is not a port number from 1 to 65535");
        }
        return new VpcdAddress(host, Integer.parseInt(port));
    }

    /** Whether the word is meant as a vpcd address (it has a colon; reader names that do are quoted). */
    static boolean isVpcdAddress(String word) {
        return word != null && word.indexOf(':') >= 0;
    }

    private static SCardException badInput(String detail) {
        return new SCardException(HResult.E_INVALIDARG, detail);
    }
}
