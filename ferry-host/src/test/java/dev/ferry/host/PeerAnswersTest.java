package dev.ferry.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.http.HttpEndpoint;
import dev.ferry.host.http.HttpLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A migration target that answers {@code GET /v1/host} with anything but a Ferry host's description is a 502
 * with a clear message, and the VM stays where it is: nothing a peer says can make the source fail.
 */
class PeerAnswersTest {

    private FerryHost host;
    private HttpEndpoint fake;
    private final AtomicInteger status = new AtomicInteger();
    private final AtomicReference<byte[]> body = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        host = TestHosts.start("A");
        fake = HttpEndpoint.start(new InetSocketAddress("127.0.0.1", 0), null, HttpLimits.DEFAULTS,
                ex -> ex.respond(status.get(), "application/json", body.get()), (code, message) -> new byte[0]);
        assertThat(TestHosts.postJson(host, "/v1/vms", Map.of("name", "v", "image", "idle")).status()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        host.close();
        fake.close();
    }

    private JsonNode migrateToFake(int answerStatus, String answer) {
        status.set(answerStatus);
        body.set(answer.getBytes(StandardCharsets.UTF_8));
        return migrateTo(HostAddress.format(fake.address()));
    }

    private JsonNode migrateTo(String target) {
        Answer a = TestHosts.postJson(host, "/v1/vms/v/migrate", Map.of("to", target));
        assertThat(a.status()).as(a.body()).isEqualTo(502);
        JsonNode error = a.json();
        assertThat(error.path("error").asText()).doesNotContain("dev.ferry", "Exception", "Cannot invoke", "null\"");
        assertThat(host.migrations().all()).isEmpty();
        assertThat(TestHosts.get(host, "/v1/vms/v").json().path("state").asText()).isEqualTo("running");
        return error;
    }

    @Test
    void nullGarbageAndWrongShapesAreBadAnswers() {
        String[] answers = {"null", "garbage", "[]", "\"host\"", "{}", "{\"name\": 5, \"control\": \"x\"}",
            "{\"name\": \"T\", \"control\": \"c\", \"vms\": \"many\"}", "{\"name\": \"T\"} trailing"};
        for (String answer : answers) {
            JsonNode e = migrateToFake(200, answer);
            assertThat(e.path("code").asText()).as(answer).isEqualTo("target_bad_answer");
            assertThat(e.path("error").asText()).as(answer).contains("does not look like a Ferry host");
        }
    }

    @Test
    void missingOrBadEndpointsStatusesAndHugeAnswersAreBadAnswers() {
        assertThat(migrateToFake(200, "{\"name\": \"T\", \"control\": \"c\"}").path("error").asText())
                .isEqualTo("target host T announced no migration endpoint");
        assertThat(migrateToFake(200, "{\"name\": \"T\", \"control\": \"c\", \"migration_endpoint\": \"nowhere\"}")
                .path("error").asText()).startsWith("target host T announced a bad migration endpoint");
        assertThat(migrateToFake(500, "{}").path("error").asText()).endsWith("answered HTTP 500");
        assertThat(migrateToFake(200, "{\"name\": \"" + "x".repeat(100_000) + "\"}").path("error").asText())
                .contains("larger than 64 KiB");
        JsonNode refused = migrateToFake(401, "{}");
        assertThat(refused.path("code").asText()).isEqualTo("target_refused");
        assertThat(refused.path("error").asText()).contains("refused this host's API token");
    }

    @Test
    void aTargetThatHangsUpIsUnreachable() throws Exception {
        JsonNode e;
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!silent.isClosed()) {
                    try (Socket s = silent.accept()) {
                        s.getInputStream().read();
                    } catch (IOException ignored) {
                        // the next one, or the test is over
                    }
                }
            });
            e = migrateTo("127.0.0.1:" + silent.getLocalPort());
        }
        assertThat(e.path("code").asText()).isEqualTo("target_unreachable");
        assertThat(e.path("error").asText()).startsWith("cannot reach target host");
    }
}
