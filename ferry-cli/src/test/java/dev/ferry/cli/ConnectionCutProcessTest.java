package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.host.api.HostAddress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The network between two host processes fails: the source is told (by a stand-in control API that answers
 * {@code GET /v1/host} for B) to migrate through a TCP relay in front of B's migration endpoint, and the test
 * resets every relayed connection at once. During pre-copy the migration fails and the VM stays on A; during
 * post-copy it pauses, and {@code recover} to B's real control API finishes it, the deterministic VM reaching
 * the state it reaches without migration.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionCutProcessTest extends TwoHostProcesses {

    private static final long LIMIT = 300_000_000L;
    private static final String[] ARGS = {"wss=16M", "rate=max"};

    private Relay relay;
    private HttpServer fakeB;

    @BeforeEach
    void start() throws Exception {
        Path secret = HostProcess.secretFile(dir, "secret");
        a = HostProcess.start("A", secret);
        b = HostProcess.start("B", secret);
        relay = new Relay(HostAddress.parse(b.migrationEndpoint()));
        String info = b.get("/v1/host").toString().replace("\"" + b.migrationEndpoint() + "\"",
                "\"" + HostAddress.format(relay.address()) + "\"");
        fakeB = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        fakeB.createContext("/v1/host", exchange -> {
            byte[] body = info.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        fakeB.start();
    }

    @AfterEach
    void stop() {
        if (fakeB != null) {
            fakeB.stop(0);
        }
        if (relay != null) {
            relay.close();
        }
    }

    private String fakeControl() {
        return HostAddress.format(fakeB.getAddress());
    }

    private void createVm(String name) throws Exception {
        a.postOk("/v1/vms", "{\"name\":\"" + name + "\",\"image\":\"munch\",\"mem\":\"64M\",\"deterministic\":true,"
                + "\"max_instructions\":" + LIMIT + ",\"args\":[\"" + String.join("\",\"", ARGS) + "\"]}");
        HostProcess.await(Duration.ofSeconds(10), name + " to write its working set", () ->
                a.poll("/v1/vms/" + name).path("memory_used_bytes").asLong() >= 16L << 20 ? true : null);
    }

    private JsonNode awaitPhase(String id, String phase) throws InterruptedException {
        return HostProcess.await(Duration.ofSeconds(25), "phase " + phase, () -> {
            JsonNode s = a.poll("/v1/migrations/" + id);
            assertThat(s.path("done").asBoolean() && !s.path("phase").asText().equals(phase))
                    .as("migration ended early: %s", s).isFalse();
            return phase.equals(s.path("phase").asText()) ? s : null;
        });
    }

    @Test
    void cutDuringPrecopyFailsAndTheVmStays() throws Exception {
        createVm("c1");
        String id = a.postOk("/v1/vms/c1/migrate", "{\"to\":\"" + fakeControl() + "\",\"strategy\":\"precopy\","
                + "\"bandwidth\":\"100M\",\"skip_redirtied\":false}").path("id").asText();
        HostProcess.await(Duration.ofSeconds(15), "pre-copy under way", () -> {
            JsonNode s = a.poll("/v1/migrations/" + id);
            assertThat(s.path("done").asBoolean()).as("ended before the cut: %s", s).isFalse();
            return "precopy".equals(s.path("phase").asText()) && s.path("bytes_sent").asLong() > 2L << 20 ? s : null;
        });
        assertThat(relay.cut()).as("relayed connections").isGreaterThanOrEqualTo(2);

        JsonNode done = awaitPhase(id, "failed");
        assertThat(done.path("error").asText()).as("%s", done).startsWith("connection to the target lost");
        JsonNode vm = a.get("/v1/vms/c1");
        assertThat(vm.path("state").asText()).as("%s", vm).isIn("running", "limit_reached");
        assertThat(vm.has("migration")).isFalse();
        HostProcess.await(Duration.ofSeconds(10), "B to discard the partial VM", () ->
                b.log().contains("incoming VM c1 did not arrive") ? true : null);
        assertThat(b.get("/v1/vms").path("vms")).isEmpty();
    }

    @Test
    void cutDuringPostcopyPausesAndRecoverFinishes() throws Exception {
        createVm("c2");
        CompletableFuture<String> reference = CompletableFuture.supplyAsync(
                () -> HostProcess.referenceHash("64M", LIMIT, ARGS));
        String id = a.postOk("/v1/vms/c2/migrate", "{\"to\":\"" + fakeControl() + "\",\"strategy\":\"postcopy\","
                + "\"bandwidth\":\"100M\"}").path("id").asText();
        awaitPhase(id, "postcopy");
        // the source is in post-copy once it sent COMMIT; cut only once the target has it and runs the VM
        HostProcess.await(Duration.ofSeconds(20), "c2 to run on B", () ->
                "running".equals(b.poll("/v1/vms/c2").path("state").asText()) ? true : null);
        assertThat(relay.cut()).as("relayed connections").isGreaterThanOrEqualTo(2);

        JsonNode paused = awaitPhase(id, "postcopy_paused");
        assertThat(paused.path("done").asBoolean()).isFalse();
        assertThat(a.post("/v1/migrations/" + id + "/cancel", "").status()).isEqualTo(409);
        JsonNode stuck = b.get("/v1/vms/c2");
        assertThat(stuck.path("state").asText()).as("%s", stuck).isEqualTo("running");
        assertThat(stuck.path("instructions").asLong()).as("%s", stuck).isLessThan(LIMIT);

        a.postOk("/v1/migrations/" + id + "/recover", "{\"to\":\"" + b.control() + "\"}");
        JsonNode done;
        try {
            done = awaitPhase(id, "completed");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nstatus: " + a.get("/v1/migrations/" + id) + "\nA:\n"
                    + a.log() + "\nB:\n" + b.log(), e);
        }
        assertThat(done.path("report").path("success").asBoolean()).as("%s", done).isTrue();
        assertThat(a.get("/v1/vms/c2", Duration.ofSeconds(5)).status()).isEqualTo(404);
        HostProcess.await(Duration.ofSeconds(30), "c2 to reach its limit on B", () ->
                "limit_reached".equals(b.poll("/v1/vms/c2").path("state").asText()) ? true : null);
        JsonNode hash = b.get("/v1/vms/c2/state-hash");
        assertThat(hash.path("instructions").asLong()).isEqualTo(LIMIT);
        assertThat(hash.path("state_hash").asText()).isEqualTo(reference.get(40, TimeUnit.SECONDS));
    }

    /** A TCP relay to one address whose connections the test can reset all at once. */
    private static final class Relay implements AutoCloseable {

        private final InetSocketAddress to;
        private final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        Relay(InetSocketAddress to) throws IOException {
            this.to = to;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().name("relay-accept").start(this::accept);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket in = server.accept();
                    Socket out = new Socket();
                    sockets.add(in);
                    sockets.add(out);
                    out.connect(to, 2000);
                    Thread.ofPlatform().daemon().name("relay-up").start(() -> pump(in, out));
                    Thread.ofPlatform().daemon().name("relay-down").start(() -> pump(out, in));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static void pump(Socket from, Socket to) {
            byte[] buf = new byte[64 * 1024];
            try (InputStream is = from.getInputStream(); OutputStream os = to.getOutputStream()) {
                for (int n; (n = is.read(buf)) >= 0; ) {
                    os.write(buf, 0, n);
                }
            } catch (IOException e) {
                // the relay was cut or a side closed
            }
        }

        /** Resets every relayed connection (RST to both sides); answers how many pairs there were. */
        int cut() {
            int pairs = sockets.size() / 2;
            for (Socket s : sockets) {
                try {
                    s.setSoLinger(true, 0);
                    s.close();
                } catch (IOException e) {
                    // closed already
                }
            }
            sockets.clear();
            return pairs;
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException e) {
                // nothing to do
            }
            cut();
        }
    }
}
