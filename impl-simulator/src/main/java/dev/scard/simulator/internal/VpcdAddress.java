package dev.scard.simulator.internal;

import java.util.regex.Pattern;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * Where vpcd listens: a host (name or IP address, as written) and a port. Compared as written, so
 * {@code localhost:35963} and {@code 127.0.0.1:35963} count as two addresses.
 */
record VpcdAddress(String host, int port) {

    /** Letters, digits, dots, hyphens and underscores (names, IPv4), colons and a zone (IPv6). */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:%-]{1,253}");

    /**
     * Checks a host and port as given to {@code serve}.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} naming what is wrong
     */
    static VpcdAddress of(String host, int port) {
        if (host == null || host.isBlank()) {
            throw new SCardException(HResult.E_INVALIDARG, "no vpcd host given (use an IP address such as "
                    + "127.0.0.1, or a host name)");
        }
        String trimmed = host.strip();
        if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
            trimmed = trimmed.substring(1, trimmed.length() - 1);
        }
        if (!HOST.matcher(trimmed).matches()) {
            throw new SCardException(HResult.E_INVALIDARG, "'" + host + "' is not a host name or IP address");
        }
        if (port < 1 || port > 0xFFFF) {
            throw new SCardException(HResult.E_INVALIDARG, "vpcd port " + port + " is out of range (1 to 65535; "
                    + "vpcd's slots listen on 35963 and 35964)");
        }
        return new VpcdAddress(trimmed, port);
    }

    /**
     * Parses {@code host:port}, the host optionally an IPv6 address in brackets ({@code [::1]:35963}).
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} naming what is wrong
     */
    static VpcdAddress parse(String text) {
        String address = text == null ? "" : text.strip();
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new SCardException(HResult.E_INVALIDARG, "'" + address + "' is not a vpcd address: use "
                    + "<host>:<port>, such as 127.0.0.1:35963");
        }
        String host = address.substring(0, colon);
        if (host.indexOf(':') >= 0 && !(host.startsWith("[") && host.endsWith("]"))) {
            throw new SCardException(HResult.E_INVALIDARG, "'" + address + "': write an IPv6 address in brackets, "
                    + "such as [::1]:35963");
        }
        String portText = address.substring(colon + 1);
        if (!portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new SCardException(HResult.E_INVALIDARG, "'" + portText + "' in '" + address
                    + "' is not a port number");
        }
        if (portText.length() > 5) {
            throw new SCardException(HResult.E_INVALIDARG, "vpcd port " + portText + " is out of range (1 to 65535)");
        }
        int port = Integer.parseInt(portText);
        return of(host, port);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
