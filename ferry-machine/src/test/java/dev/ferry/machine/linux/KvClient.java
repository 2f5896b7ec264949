package dev.ferry.machine.linux;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A client of memcached's text protocol for tests of the guest's key-value server: stores pipelined (all commands
 * written, then all replies read), retrievals with several keys per {@code get}.
 */
final class KvClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    KvClient(String host, int port, int timeoutMs) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), timeoutMs);
        socket.setSoTimeout(timeoutMs);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = new BufferedOutputStream(socket.getOutputStream());
    }

    /** Sends {@code set} for every entry (flags 0, no expiry), then returns the server's replies in order. */
    List<String> setAll(Map<String, byte[]> entries) throws IOException {
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            out.write(("set " + e.getKey() + " 0 0 " + e.getValue().length + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(e.getValue());
            out.write('\r');
            out.write('\n');
        }
        out.flush();
        String[] replies = new String[entries.size()];
        for (int i = 0; i < replies.length; i++) {
            replies[i] = line();
        }
        return List.of(replies);
    }

    /** One {@code get} of all {@code keys}: the values the server returned, by key (a cas field is ignored). */
    Map<String, byte[]> get(List<String> keys) throws IOException {
        out.write(("get " + String.join(" ", keys) + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        Map<String, byte[]> values = new HashMap<>();
        for (String l = line(); !l.equals("END"); l = line()) {
            String[] f = l.split(" ");
            if (f.length < 4 || f.length > 5 || !f[0].equals("VALUE")) {
                throw new IOException("unexpected reply to get: " + l);
            }
            byte[] data = in.readNBytes(Integer.parseInt(f[3]));
            if (!line().isEmpty()) {
                throw new IOException("value of " + f[1] + " not followed by CRLF");
            }
            values.put(f[1], data);
        }
        return values;
    }

    /** Sends one command line and returns the first line of the reply. */
    String command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return line();
    }

    /** Sends a storage command line and its data block and returns the reply. */
    String store(String line, byte[] data) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(data);
        out.write('\r');
        out.write('\n');
        out.flush();
        return line();
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException("connection closed after " + b.toString(StandardCharsets.UTF_8));
            }
            b.write(c);
        }
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
