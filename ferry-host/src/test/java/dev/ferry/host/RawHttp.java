package dev.ferry.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Sends bytes a well-behaved HTTP client would not send, and reads the whole answer. */
final class RawHttp {

    private RawHttp() {
    }

    /** An answer: status, headers (raw) and body. */
    record Reply(int status, String head, String body) {
    }

    /** Sends {@code request} as it is and reads until the server closes the connection (at most 10 s). */
    static Reply exchange(InetSocketAddress address, String request) {
        try (Socket s = new Socket()) {
            s.connect(address, 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int split = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.1 ") || split < 0) {
                throw new AssertionError("not an HTTP answer: " + text);
            }
            return new Reply(Integer.parseInt(text.substring(9, 12)), text.substring(0, split),
                    text.substring(split + 4));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
