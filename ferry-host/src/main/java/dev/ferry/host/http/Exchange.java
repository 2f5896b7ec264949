package dev.ferry.host.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request on an {@link HttpEndpoint} and its answer. The body can be read once, and only its declared
 * length; the answer is sent once, with {@code Connection: close}: every connection carries one request.
 */
public final class Exchange {

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final RequestHead head;
    private final long contentLength;
    private final InputStream in;
    private final OutputStream out;
    private final InetSocketAddress remote;
    private final Deadline deadline;
    private final HttpLimits limits;
    private final Map<String, String> responseHeaders = new LinkedHashMap<>();
    private Body body;
    private int status;

    Exchange(RequestHead head, long contentLength, InputStream in, OutputStream out, InetSocketAddress remote,
            Deadline deadline, HttpLimits limits) {
        this.head = head;
        this.contentLength = contentLength;
        this.in = in;
        this.out = out;
        this.remote = remote;
        this.deadline = deadline;
        this.limits = limits;
    }

    /** The request method, e.g. {@code GET}. */
    public String method() {
        return head.method();
    }

    /** The request path as sent, still percent-encoded. */
    public String rawPath() {
        return head.rawPath();
    }

    /** The query string as sent, or {@code null}. */
    public String rawQuery() {
        return head.rawQuery();
    }

    /** The first value of request header {@code name} (any case), or {@code null}. */
    public String header(String name) {
        return head.header(name);
    }

    /** The length of the request body in bytes (0 when there is none). */
    public long contentLength() {
        return contentLength;
    }

    /** Where the request came from. */
    public InetSocketAddress remote() {
        return remote;
    }

    /**
     * The request body: exactly {@link #contentLength()} bytes, which must arrive within the endpoint's body
     * allowance. A client that asked to be told first gets {@code 100 Continue} now.
     */
    public InputStream body() throws IOException {
        if (body == null) {
            if (contentLength > 0 && head.expectsContinue()) {
                out.write(CONTINUE);
                out.flush();
            }
            body = new Body();
        }
        return body;
    }

    /** Sets a header of the answer (before {@link #respond}). */
    public void setHeader(String name, String value) {
        if (name.chars().anyMatch(c -> c <= ' ' || c == ':') || value.chars().anyMatch(c -> c == '\r' || c == '\n')) {
            throw new IllegalArgumentException("bad header " + name);
        }
        responseHeaders.put(name, value);
    }

    /** True once an answer was sent. */
    public boolean responded() {
        return status != 0;
    }

    /** The status answered, 0 before. */
    int status() {
        return status;
    }

    /** Sends the answer; it must reach the client within the endpoint's response timeout. */
    public void respond(int status, String contentType, byte[] content) throws IOException {
        if (this.status != 0) {
            throw new IllegalStateException("the request was answered already");
        }
        this.status = status;
        deadline.after(limits.responseTimeout().toNanos());
        write(out, status, contentType, responseHeaders, content);
    }

    /** Writes a complete answer to a connection. */
    static void write(OutputStream out, int status, String contentType, Map<String, String> headers, byte[] content)
            throws IOException {
        StringBuilder h = new StringBuilder(256).append("HTTP/1.1 ").append(status).append(' ')
                .append(StatusText.of(status)).append("\r\n");
        if (contentType != null) {
            h.append("Content-Type: ").append(contentType).append("\r\n");
        }
        h.append("Content-Length: ").append(content.length).append("\r\nConnection: close\r\n");
        headers.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
        out.write(h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(content);
        out.flush();
    }

    /** Bytes of the body nobody read. */
    long unread() {
        return body == null ? contentLength : body.remaining;
    }

    /** Reads and drops up to {@code max} unread body bytes, so that closing does not reset the answer. */
    void drain(long max) throws IOException {
        InputStream b = body == null ? new Body() : body;
        b.skipNBytes(Math.min(max, unread()));
    }

    /** The body: the connection's bytes up to the declared length. */
    private final class Body extends InputStream {

        private long remaining = contentLength;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new EOFException("the request body ended " + remaining + " bytes early");
            }
            remaining -= n;
            if (remaining == 0 && status == 0) {
                deadline.cancel();
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(in.available(), remaining);
        }
    }
}
