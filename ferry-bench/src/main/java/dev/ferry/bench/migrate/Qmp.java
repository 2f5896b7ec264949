package dev.ferry.bench.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A minimal QEMU Machine Protocol client over a Unix socket: one JSON object per line each way. Asynchronous
 * events are skipped; a command returns its {@code return} value or throws with QEMU's error description.
 */
public final class Qmp implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    private Qmp(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
        JsonNode greeting = read();
        if (!greeting.has("QMP")) {
            throw new IOException("not a QMP greeting: " + greeting);
        }
        execute("qmp_capabilities", null);
    }

    /** Connects to the socket, retrying while QEMU has not created it yet, and negotiates capabilities. */
    public static Qmp connect(Path socket, Process qemu, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return new Qmp(ch);
            } catch (IOException e) {
                ch.close();
                if (!qemu.isAlive()) {
                    throw new IOException("QEMU exited with status " + qemu.exitValue() + " before QMP was up");
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("no QMP on " + socket + ": " + e.getMessage(), e);
                }
                Thread.sleep(20);
            }
        }
    }

    /** Runs a command and returns its {@code return} member. */
    public JsonNode execute(String command, ObjectNode arguments) throws IOException {
        ObjectNode request = JSON.createObjectNode().put("execute", command);
        if (arguments != null) {
            request.set("arguments", arguments);
        }
        out.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        while (true) {
            JsonNode reply = read();
            if (reply.has("return")) {
                return reply.get("return");
            }
            if (reply.has("error")) {
                throw new IOException(command + ": " + reply.get("error").path("desc").asText());
            }
        }
    }

    /** A fresh argument object for {@link #execute}. */
    public static ObjectNode args() {
        return JSON.createObjectNode();
    }

    private JsonNode read() throws IOException {
        String line = in.readLine();
        if (line == null) {
            throw new IOException("QMP connection closed");
        }
        return JSON.readTree(line);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
