package dev.ferry.host.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The request line and headers of an HTTP/1.x request, read strictly and within a size limit. Bodies are framed
 * by {@code Content-Length} only; {@code Transfer-Encoding} is refused.
 *
 * @param method   the request method, e.g. {@code GET}
 * @param rawPath  the path as sent (still percent-encoded)
 * @param rawQuery the query as sent, or {@code null}
 * @param headers  header values by name (case-insensitive)
 */
record RequestHead(String method, String rawPath, String rawQuery, Map<String, List<String>> headers) {

    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,16}");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final int MAX_HEADERS = 100;

    /** The first value of header {@code name}, or {@code null}. */
    String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** The body's length from {@code Content-Length}; 0 without one. */
    long contentLength() throws HttpFailure {
        if (headers.containsKey("Transfer-Encoding")) {
            throw new HttpFailure(411, "length_required", "send the request body with a Content-Length, not "
                    + "Transfer-Encoding");
        }
        List<String> values = headers.get("Content-Length");
        if (values == null) {
            return 0;
        }
        String first = values.getFirst().strip();
        for (String v : values) {
            if (!v.strip().equals(first)) {
                throw new HttpFailure(400, "bad_request", "conflicting Content-Length headers");
            }
        }
        if (first.isEmpty() || first.length() > 18 || !first.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new HttpFailure(400, "bad_request", "Content-Length is not a number");
        }
        return Long.parseLong(first);
    }

    /** True when the client waits for {@code 100 Continue} before it sends the body. */
    boolean expectsContinue() {
        String expect = header("Expect");
        return expect != null && expect.strip().equalsIgnoreCase("100-continue");
    }

    /**
     * Reads a request head from {@code in}, at most {@code maxBytes} of it.
     *
     * @return the head, or {@code null} when the connection ended before a request began
     * @throws HttpFailure  when the head is malformed or too large
     * @throws IOException  when the connection fails or ends in the middle
     */
    static RequestHead read(InputStream in, int maxBytes) throws IOException, HttpFailure {
        LineReader lines = new LineReader(in, maxBytes);
        String requestLine;
        do {
            requestLine = lines.next();
            if (requestLine == null) {
                return null;
            }
        } while (requestLine.isEmpty());
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || !METHOD.matcher(parts[0]).matches() || !parts[1].startsWith("/")) {
            throw new HttpFailure(400, "bad_request", "malformed request line");
        }
        if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0")) {
            throw new HttpFailure(505, "http_version_not_supported", "only HTTP/1.1 and HTTP/1.0 are spoken here");
        }
        String target = parts[1];
        if (target.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new HttpFailure(400, "bad_request", "malformed request target");
        }
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? null : target.substring(q + 1);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int count = 0;
        for (String line = lines.next(); ; line = lines.next()) {
            if (line == null) {
                throw new IOException("connection ended inside the request head");
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !TOKEN.matcher(line.substring(0, colon)).matches() || ++count > MAX_HEADERS) {
                throw new HttpFailure(400, "bad_request", count > MAX_HEADERS ? "more than " + MAX_HEADERS
                        + " headers" : "malformed header line");
            }
            headers.computeIfAbsent(line.substring(0, colon), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).strip());
        }
        return new RequestHead(parts[0], path, query, headers);
    }

    /** Lines of ISO-8859-1 text ending in LF (a CR before it dropped), at most {@code maxBytes} in all. */
    private static final class LineReader {

        private final InputStream in;
        private final int maxBytes;
        private final byte[] line;
        private int total;

        LineReader(InputStream in, int maxBytes) {
            this.in = in;
            this.maxBytes = maxBytes;
            this.line = new byte[maxBytes];
        }

        /** The next line, or {@code null} at the end of the stream before any byte of a line. */
        String next() throws IOException, HttpFailure {
            int n = 0;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    if (n == 0) {
                        return null;
                    }
                    throw new IOException("connection ended inside the request head");
                }
                if (++total > maxBytes) {
                    throw new HttpFailure(431, "header_too_large", "request line and headers are larger than "
                            + (maxBytes / 1024) + " KiB");
                }
                if (b == '\n') {
                    int end = n > 0 && line[n - 1] == '\r' ? n - 1 : n;
                    return new String(line, 0, end, StandardCharsets.ISO_8859_1);
                }
                line[n++] = (byte) b;
            }
        }
    }
}
