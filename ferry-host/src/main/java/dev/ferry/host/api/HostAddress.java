package dev.ferry.host.api;

import java.net.InetSocketAddress;

/** {@code HOST:PORT} or {@code [IPv6]:PORT}, as users write host addresses. */
public final class HostAddress {

    private HostAddress() {
    }

    /** Parses and resolves an address; a message naming the problem otherwise. */
    public static InetSocketAddress parse(String text) {
        String t = text == null ? "" : text.trim();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not an address (want HOST:PORT, e.g. 127.0.0.1:7101)");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "': the port must be a number from 0 to 65535");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("'" + text + "': unknown host " + host);
        }
        return address;
    }

    /** Formats an address as {@code HOST:PORT} with the numeric host. */
    public static String format(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
