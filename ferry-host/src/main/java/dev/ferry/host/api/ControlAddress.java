package dev.ferry.host.api;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Locale;

/**
 * Where a host's control API is, as users write it: {@code HOST:PORT}, optionally after {@code http://} or
 * {@code https://}. Without a scheme a loopback address means plain HTTP and any other address HTTPS, because a
 * host serves non-loopback addresses only over TLS.
 *
 * @param text    the address as given
 * @param address the resolved socket address
 * @param base    {@code scheme://host:port} with the host as given (so TLS checks the name the user wrote)
 */
public record ControlAddress(String text, InetSocketAddress address, URI base) {

    /** Parses {@code [http://|https://]HOST:PORT}; {@link IllegalArgumentException} with a readable message. */
    public static ControlAddress parse(String text) {
        String t = text == null ? "" : text.trim();
        String scheme = null;
        for (String s : new String[] {"http", "https"}) {
            if (t.toLowerCase(Locale.ROOT).startsWith(s + "://")) {
                scheme = s;
                t = t.substring(s.length() + 3);
            }
        }
        if (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        InetSocketAddress address = HostAddress.parse(t);
        if (scheme == null) {
            scheme = address.getAddress().isLoopbackAddress() ? "http" : "https";
        }
        String host = t.substring(0, t.lastIndexOf(':'));
        try {
            return new ControlAddress(text, address, URI.create(scheme + "://" + host + ":" + address.getPort()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an address (want HOST:PORT, e.g. 127.0.0.1:7101)");
        }
    }

    /** The URI of {@code path} (with its query) on this host. */
    public URI uri(String path) {
        return URI.create(base + path);
    }
}
