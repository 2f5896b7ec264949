package dev.ferry.bench.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.bench.measure.GcPauses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Ferry host in its own JVM ({@link ChildHostMain}), driven from the benchmark over its standard input and
 * output, one JSON object per line each way (the protocol is described on {@link ChildHostMain}). The child runs
 * with the same java binary and class path, {@code --enable-native-access=ALL-UNNAMED}, and the JVM's default
 * heap settings, so that its memory and GC pauses are those of a host started plainly. Its standard error goes to
 * a log file whose end is quoted when it fails.
 */
final class ChildHost implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long START_MILLIS = 60_000;
    private static final long QUIT_MILLIS = 10_000;

    private final String label;
    private final Process process;
    private final Path log;
    private final OutputStream in;
    private final BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
    private final InetSocketAddress receiver;

    private ChildHost(String label, Process process, Path log) throws IOException, InterruptedException {
        this.label = label;
        this.process = process;
        this.log = log;
        this.in = process.getOutputStream();
        Thread reader = new Thread(this::readReplies, "bench-host-" + label);
        reader.setDaemon(true);
        reader.start();
        JsonNode hello = await(START_MILLIS);
        String[] endpoint = hello.path("receiver").asText().split(":");
        this.receiver = new InetSocketAddress(endpoint[0], Integer.parseInt(endpoint[1]));
    }

    /** Starts a child host and waits until its migration receiver listens. */
    static ChildHost start(String label) throws IOException, InterruptedException {
        Path log = Files.createTempFile("ferry-bench-host-" + label + "-", ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--sun-misc-unsafe-memory-access")) {
                cmd.add(arg);
            }
        }
        String home = System.getProperty("ferry.home");
        if (home != null) {
            cmd.add("-Dferry.home=" + home);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ChildHostMain.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        try {
            return new ChildHost(label, p, log);
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /** The child's process id. */
    long pid() {
        return process.pid();
    }

    /** Where the child's migration receiver listens. */
    InetSocketAddress receiver() {
        return receiver;
    }

    /** A request object for {@link #call}. */
    static ObjectNode request(String command) {
        return JSON.createObjectNode().put("cmd", command);
    }

    /** Sends a request and waits for its reply; a reply with {@code ok: false} is an IOException. */
    JsonNode call(ObjectNode request, long timeoutMillis) throws IOException, InterruptedException {
        send(request);
        return await(timeoutMillis);
    }

    /** Sends a request without waiting; {@link #await} takes the reply (the child answers in order). */
    void send(ObjectNode request) throws IOException {
        try {
            in.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new IOException("host " + label + " is gone: " + logTail(), e);
        }
    }

    /** The next reply; a reply with {@code ok: false} is an IOException. */
    JsonNode await(long timeoutMillis) throws IOException, InterruptedException {
        JsonNode reply = replies.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (reply == null) {
            throw new IOException("host " + label + " did not answer in " + timeoutMillis / 1000 + " s");
        }
        if (reply.isMissingNode()) {
            replies.add(reply);
            throw new IOException("host " + label + " exited: " + logTail());
        }
        if (!reply.path("ok").asBoolean()) {
            throw new IOException("host " + label + ": " + reply.path("error").asText("failed"));
        }
        return reply;
    }

    /** Asks for the child's GC pauses during a window (sent now, answered by {@link #await}). */
    void sendGcQuery(Instant from, Instant to) throws IOException {
        send(request("gc").put("from", epochNanos(from)).put("to", epochNanos(to)));
    }

    /** The GC figures of a reply to {@code gc} (or of a {@code migrate} reply's {@code gc} member). */
    static GcPauses gcPauses(JsonNode reply) {
        return new GcPauses(reply.path("collections").asInt(), reply.path("longestPauseMs").asDouble(),
                reply.path("totalPauseMs").asDouble(), reply.path("complete").asBoolean());
    }

    static long epochNanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(0, epochNanos);
    }

    private void readReplies() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                try {
                    replies.add(JSON.readTree(line));
                } catch (IOException notJson) {
                    // the protocol stream carries only replies; anything else is ignored
                }
            }
        } catch (IOException ended) {
            // the child is gone
        }
        replies.add(MissingNode.getInstance());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "no error output (" + log + ")"
                    : String.join(" / ", lines.subList(Math.max(0, lines.size() - 3), lines.size())) + " (" + log + ")";
        } catch (IOException e) {
            return "no log (" + e.getMessage() + ")";
        }
    }

    /** Asks the child to quit, kills it if it does not, and removes its log unless it failed. */
    @Override
    public void close() throws InterruptedException {
        try {
            send(request("quit"));
        } catch (IOException gone) {
            // killed below if still alive
        }
        if (!process.waitFor(QUIT_MILLIS, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(QUIT_MILLIS, TimeUnit.MILLISECONDS);
        }
        try {
            if (process.exitValue() == 0) {
                Files.deleteIfExists(log);
            }
        } catch (IOException | IllegalThreadStateException kept) {
            // the log stays for a look
        }
    }
}
