package dev.ferry.net.vxlan;

import java.net.InetSocketAddress;

/**
 * Parses peer and local addresses as the host's command line gives them: {@code HOST:PORT}, or {@code HOST} for
 * VXLAN's standard port 4789 ({@code [v6]:PORT} for IPv6).
 */
public final class VxlanPeer {

    private VxlanPeer() {
    }

    /**
     * The resolved socket address {@code text} names.
     *
     * @throws IllegalArgumentException with a one-line message if it is not an address, or the host is unknown
     */
    public static InetSocketAddress parse(String text) {
        String host = text;
        String port = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 < text.length() && text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("VXLAN address '" + text + "' is not [IPV6]:PORT");
            }
            host = text.substring(1, close);
            port = close + 1 < text.length() ? text.substring(close + 2) : null;
        } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            host = text.substring(0, text.indexOf(':'));
            port = text.substring(text.indexOf(':') + 1);
        }
        InetSocketAddress a = new InetSocketAddress(host, port == null ? VxlanHeader.DEFAULT_PORT : port(text, port));
        if (host.isEmpty() || a.isUnresolved()) {
            throw new IllegalArgumentException("VXLAN address '" + text + "': unknown host '" + host + "'");
        }
        return a;
    }

    private static int port(String text, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p >= 0 && p <= 65_535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("VXLAN address '" + text + "' has no valid UDP port");
    }
}
