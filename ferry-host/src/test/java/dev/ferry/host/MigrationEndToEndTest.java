package dev.ferry.host;

import static dev.ferry.host.TestHosts.awaitState;
import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.post;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.VirtMachine;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two hosts in this process migrate VMs through their control APIs. Needs the migration engine. */
class MigrationEndToEndTest {

    private static final long N = 200_000_000;
    private static final String ARGS = "wss=2M passes=0";

    private final List<String> logA = new CopyOnWriteArrayList<>();
    private final List<String> logB = new CopyOnWriteArrayList<>();
    private FerryHost a;
    private FerryHost b;

    @BeforeEach
    void start() throws Exception {
        a = TestHosts.start("A", logA);
        b = TestHosts.start("B", logB);
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
    }

    private String to(FerryHost host) {
        return TestHosts.base(host).substring("http://".length());
    }

    private void createDeterministicMuncher(FerryHost host, String name) {
        Answer created = postJson(host, "/v1/vms", Map.of("name", name, "image", "munch", "mem", "32M",
                "deterministic", true, "max_instructions", N, "args", ARGS));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
    }

    private JsonNode awaitDone(FerryHost host, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode m = get(host, "/v1/migrations/" + id).json();
            if (m.path("done").asBoolean()) {
                return m;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("migration " + id + " did not finish");
    }

    private static String unmigratedHash() {
        VirtMachine direct = GuestFixtures.boot("munch", ARGS, 32L << 20, true, new ByteArrayOutputStream());
        direct.run(N);
        return direct.stateHash();
    }

    private void migrateAndCompare(String strategy) throws Exception {
        createDeterministicMuncher(a, "vm1");
        Thread.sleep(200);
        Answer started = postJson(a, "/v1/vms/vm1/migrate", Map.of("to", to(b), "strategy", strategy));
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String id = started.json().path("id").asText();

        JsonNode done = awaitDone(a, id);
        assertThat(done.path("phase").asText()).as(done.toString()).isEqualTo("completed");
        JsonNode report = done.path("report");
        assertThat(report.path("success").asBoolean()).as(report.toString()).isTrue();
        assertThat(report.path("total_time_ms").asDouble()).isPositive();
        assertThat(report.path("bytes_on_wire").asLong()).isPositive();

        assertThat(get(a, "/v1/vms/vm1").status()).isEqualTo(404);
        awaitState(b, "vm1", "limit_reached", Duration.ofSeconds(120));
        JsonNode hash = get(b, "/v1/vms/vm1/state-hash").json();
        assertThat(hash.path("instructions").asLong()).isEqualTo(N);
        assertThat(hash.path("state_hash").asText()).isEqualTo(unmigratedHash());
        assertThat(logA).anyMatch(l -> l.contains("migration " + id + " completed") && l.contains("downtime"));
        assertThat(get(a, "/metrics").body()).contains("ferry_migrations_total{host=\"A\",outcome=\"completed\"} 1");
    }

    @Test
    void precopyMigrationKeepsTheDeterministicState() throws Exception {
        migrateAndCompare("precopy");
    }

    @Test
    void postcopyMigrationKeepsTheDeterministicState() throws Exception {
        migrateAndCompare("postcopy");
    }

    @Test
    void aRefusedMigrationLeavesTheVmRunningOnTheSource() throws Exception {
        createDeterministicMuncher(a, "vm1");
        postJson(b, "/v1/vms", Map.of("name", "vm1", "image", "idle"));
        Answer started = postJson(a, "/v1/vms/vm1/migrate", Map.of("to", to(b), "strategy", "precopy"));
        if (started.status() == 202) {
            JsonNode done = awaitDone(a, started.json().path("id").asText());
            assertThat(done.path("report").path("success").asBoolean()).isFalse();
        }
        JsonNode info = get(a, "/v1/vms/vm1").json();
        assertThat(info.path("state").asText()).isIn("running", "limit_reached");
        assertThat(info.has("migration")).isFalse();
        assertThat(post(a, "/v1/vms/vm1/pause", "").status()).isEqualTo(200);
    }
}
