package dev.ferry.storage.nbd;

import dev.ferry.machine.device.block.BlockBackendException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Where an NBD export lives, as QEMU and nbdkit spell it: {@code nbd://HOST[:PORT]/EXPORT} over TCP (port 10809 by
 * default) or {@code nbd+unix:///EXPORT?socket=PATH} over a Unix domain socket. An empty export name is the
 * server's default export.
 *
 * @param host   the server's host name or address (null for a Unix socket)
 * @param port   the TCP port (0 for a Unix socket)
 * @param socket the Unix socket's path (null for TCP)
 * @param export the export's name
 */
public record NbdAddress(String host, int port, Path socket, String export) {

    /** The port NBD servers listen on unless told otherwise (IANA-registered). */
    public static final int DEFAULT_PORT = 10809;

    /** Longest export name the protocol allows, in UTF-8 bytes. */
    static final int MAX_EXPORT_NAME = 4096;

    public NbdAddress {
        if ((host == null) == (socket == null)) {
            throw new IllegalArgumentException("an NBD address has either a host or a Unix socket");
        }
        if (host != null && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("NBD port " + port + " is out of range");
        }
        if (export == null || export.getBytes(StandardCharsets.UTF_8).length > MAX_EXPORT_NAME) {
            throw new IllegalArgumentException("NBD export name missing or longer than 4096 bytes");
        }
    }

    /** An export served over TCP. */
    public static NbdAddress tcp(String host, int port, String export) {
        return new NbdAddress(host, port, null, export);
    }

    /** An export served over a Unix domain socket. */
    public static NbdAddress unix(Path socket, String export) {
        return new NbdAddress(null, 0, socket, export);
    }

    /**
     * Parses {@code nbd://HOST[:PORT]/EXPORT} or {@code nbd+unix:///EXPORT?socket=PATH}.
     *
     * @throws BlockBackendException with a one-line message naming the text if it is not such an address
     */
    public static NbdAddress parse(String text) throws BlockBackendException {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw bad(text, e.getReason());
        }
        String scheme = uri.getScheme();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String export = decode(path.startsWith("/") ? path.substring(1) : path);
        try {
            if ("nbd".equals(scheme)) {
                if (uri.getHost() == null) {
                    throw bad(text, "no host");
                }
                if (uri.getRawQuery() != null) {
                    throw bad(text, "nbd:// takes no query");
                }
                String host = uri.getHost();
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                return tcp(host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), export);
            }
            if ("nbd+unix".equals(scheme)) {
                if (uri.getRawAuthority() != null) {
                    throw bad(text, "nbd+unix:// takes no host (write nbd+unix:///EXPORT?socket=PATH)");
                }
                String query = uri.getRawQuery();
                if (query == null || !query.startsWith("socket=") || query.indexOf('&') >= 0
                        || query.length() == "socket=".length()) {
                    throw bad(text, "expected ?socket=PATH");
                }
                return unix(Path.of(decode(query.substring("socket=".length()))), export);
            }
        } catch (IllegalArgumentException e) {
            throw bad(text, e.getMessage());
        }
        throw bad(text, "expected nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH");
    }

    /** The socket address to connect to. */
    SocketAddress socketAddress() {
        return socket != null ? UnixDomainSocketAddress.of(socket) : new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        if (socket != null) {
            return "nbd+unix:///" + export + "?socket=" + socket;
        }
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return "nbd://" + h + (port == DEFAULT_PORT ? "" : ":" + port) + "/" + export;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static BlockBackendException bad(String text, String why) {
        return new BlockBackendException("NBD address " + text + " is not valid: " + why);
    }
}
