package dev.scard.simulator.control;

import java.util.regex.Pattern;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * Where vpcd listens: a host (name or IP address, as written) and a port, as {@link SimulatorControl#serve} takes
 * them, the {@code sim:serve} command reads them and the simulator's configuration writes them
 * ({@code <host>:<port>}, an IPv6 host in brackets: {@code [::1]:35963}). Compared as written, so
 * {@code localhost:35963} and {@code 127.0.0.1:35963} count as two addresses. Added in 1.1.0.
 *
 * @param host the host name or IP address, without brackets
 * @param port the TCP port, 1 to 65535
 */
public record VpcdAddress(String host, int port) {

    /** Letters, digits, dots, hyphens and underscores (names, IPv4), colons and a zone (IPv6). */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:%-]{1,253}");
    /** The longest {@code host:port}: a 253-character host in brackets, a colon and 5 digits. */
    private static final int MAX_LENGTH = 253 + 2 + 1 + 5;
    private static final String SLOTS = "vpcd's first slot; 35964 is the second";

    /**
     * Checks a host and port as given to {@code serve}.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} naming what is wrong
     */
    public static VpcdAddress of(String host, int port) {
        if (host == null || host.isBlank()) {
            throw invalid("no vpcd host given (use an IP address such as 127.0.0.1, or a host name)");
        }
        String trimmed = host.strip();
        if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
            trimmed = trimmed.substring(1, trimmed.length() - 1);
        }
        if (!HOST.matcher(trimmed).matches()) {
            throw invalid("'" + host + "' is not a host name or IP address");
        }
        if (port < 1 || port > 0xFFFF) {
            throw invalid("vpcd port " + port + " is out of range (1 to 65535; vpcd's slots listen on 35963 and "
                    + "35964)");
        }
        return new VpcdAddress(trimmed, port);
    }

    /**
     * Parses {@code host:port}, the host optionally an IPv6 address in brackets ({@code [::1]:35963}).
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} naming the text and what was expected
     */
    public static VpcdAddress parse(String text) {
        String address = text == null ? "" : text.strip();
        if (address.length() > MAX_LENGTH) {
            throw invalid("a vpcd address of " + address.length() + " characters is too long (a host name has at most"
                    + " 253, a port 5 digits)");
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw invalid("'" + address + "' is not a vpcd address: use <host>:<port>, such as 127.0.0.1:35963 ("
                    + SLOTS + ")");
        }
        String host = address.substring(0, colon);
        if (host.indexOf(':') >= 0 && !(host.startsWith("[") && host.endsWith("]"))) {
            throw invalid("'" + address + "': write an IPv6 address in brackets, such as [::1]:35963");
        }
        String portText = address.substring(colon + 1);
        if (portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(portText) < 1 || Integer.parseInt(portText) > 0xFFFF) {
            throw invalid("'" + portText + "' in '" + address + "' is not a port number from 1 to 65535");
        }
        return of(host, Integer.parseInt(portText));
    }

    /** Whether a word is meant as a vpcd address (it has a colon; reader names that have one are quoted). */
    public static boolean isVpcdAddress(String word) {
        return word != null && word.indexOf(':') >= 0;
    }

    private static SCardException invalid(String detail) {
        return new SCardException(HResult.E_INVALIDARG, detail);
    }

    /** {@code host:port}, an IPv6 host in brackets. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
