package dev.ferry.host;

import static dev.ferry.host.TestHosts.awaitDone;
import static dev.ferry.host.TestHosts.awaitState;
import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.post;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.vm.ConsoleBuffer;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.migration.ConsoleHistory;
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

    /** A slow migration (2 MiB of full pages at 5 Mbit/s) of a muncher that has touched its working set. */
    private String startSlowMigration() throws InterruptedException {
        createDeterministicMuncher(a, "vm1");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (get(a, "/v1/vms/vm1").json().path("memory_used_bytes").asLong() < (2L << 20)) {
            assertThat(System.nanoTime()).as("the guest touches its memory").isLessThan(deadline);
            Thread.sleep(20);
        }
        Answer started = postJson(a, "/v1/vms/vm1/migrate", Map.of("to", to(b), "strategy", "precopy",
                "bandwidth", "5M", "zero_pages", false));
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        return started.json().path("id").asText();
    }


    private static String unmigratedHash() {
        VirtMachine direct = GuestFixtures.boot("munch", ARGS, 32L << 20, true, new ByteArrayOutputStream());
        direct.run(N);
        return direct.stateHash();
    }

    private void migrateAndCompare(String strategy) throws Exception {
        createDeterministicMuncher(a, "vm1");
        ConsoleBuffer console = a.vms().get("vm1").orElseThrow().console();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (console.end() == 0) {
            assertThat(System.nanoTime()).as("the guest prints").isLessThan(deadline);
            Thread.sleep(10);
        }
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
        assertThat(get(a, "/metrics").body()).contains("ferry_migrations_total{host=\"A\",outcome=\"completed\"} 1",
                "ferry_migration_downtime_seconds_bucket{host=\"A\",le=\"0.0005\"}",
                "ferry_migration_downtime_seconds_bucket{host=\"A\",le=\"10\"} 1",
                "ferry_migration_downtime_seconds_bucket{host=\"A\",le=\"+Inf\"} 1",
                "ferry_migration_downtime_seconds_count{host=\"A\"} 1");
        awaitMetrics(b, "ferry_incoming_migrations_total{host=\"B\",outcome=\"completed\"} 1",
                "ferry_incoming_migrations_in_progress{host=\"B\"} 0");
        assertThat(get(b, "/metrics").body()).containsPattern("ferry_incoming_migration_wire_bytes_total\\{host=\"B\"\\} "
                + "[1-9][0-9]*\n");

        JsonNode info = get(b, "/v1/vms/vm1").json();
        assertThat(info.path("image").asText()).as("image travels with the VM").isEqualTo("munch");
        assertThat(info.path("boot_args").asText()).as("boot arguments travel with the VM").isEqualTo(ARGS);
        long printed = console.end();
        int carried = (int) Math.min(printed, ConsoleHistory.MAX_BYTES);
        ConsoleBuffer.Chunk there = b.vms().get("vm1").orElseThrow().console().read(0, carried, 0);
        assertThat(there).as("the last output on the source travels with the VM, at the same offsets")
                .usingRecursiveComparison().isEqualTo(console.read(printed - carried, carried, 0));
    }

    /** Polls the host's metrics until they contain every line (a target counts a migration once the source left). */
    private static void awaitMetrics(FerryHost host, String... lines) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String metrics;
        do {
            metrics = get(host, "/metrics").body();
            if (List.of(lines).stream().allMatch(metrics::contains)) {
                return;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        assertThat(metrics).contains(lines);
    }

    @Test
    void aDemandMigrationCompletesOnceTheRestIsPushed() throws Exception {
        Answer created = postJson(a, "/v1/vms", Map.of("name", "vm1", "image", "idle", "mem", "16M",
                "args", "touch=2M sleep=0"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        Answer early = post(a, "/v1/migrations/A-1/push-rest", "");
        assertThat(early.status()).isEqualTo(404);
        Answer started = postJson(a, "/v1/vms/vm1/migrate", Map.of("to", to(b), "strategy", "demand"));
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String id = started.json().path("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!get(a, "/v1/migrations/" + id).json().path("phase").asText().equals("postcopy")) {
            assertThat(System.nanoTime()).as("demand migration reaches post-copy").isLessThan(deadline);
            Thread.sleep(20);
        }
        Answer cancel = post(a, "/v1/migrations/" + id + "/cancel", "");
        assertThat(cancel.status()).isEqualTo(409);
        assertThat(cancel.json().path("error").asText()).contains("push-rest");
        Answer stop = post(a, "/v1/vms/vm1/stop", "");
        assertThat(stop.status()).isEqualTo(409);
        assertThat(stop.json().path("error").asText()).contains("push-rest");
        assertThat(get(a, "/v1/migrations/" + id).json().path("done").asBoolean()).as("waits for the rest").isFalse();

        Answer push = post(a, "/v1/migrations/" + id + "/push-rest", "");
        assertThat(push.status()).as(push.body()).isEqualTo(202);
        JsonNode done = awaitDone(a, id);
        assertThat(done.path("phase").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(get(a, "/v1/vms/vm1").status()).isEqualTo(404);
        assertThat(get(b, "/v1/vms/vm1").json().path("state").asText()).isEqualTo("running");
        Answer again = post(a, "/v1/migrations/" + id + "/push-rest", "");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().path("error").asText()).isEqualTo("migration " + id + " has already ended (completed)");
    }

    @Test
    void pushRestIsRefusedForOtherStrategies() throws Exception {
        String id = startSlowMigration();
        Answer push = post(a, "/v1/migrations/" + id + "/push-rest", "");
        assertThat(push.status()).isEqualTo(409);
        assertThat(push.json().path("error").asText()).contains("only applies to demand migrations");
        post(a, "/v1/migrations/" + id + "/cancel", "");
        awaitDone(a, id);
    }

    @Test
    void aCancelledMigrationReadsCancelled() throws Exception {
        String id = startSlowMigration();
        assertThat(post(a, "/v1/migrations/" + id + "/cancel", "").status()).isEqualTo(202);
        JsonNode done = awaitDone(a, id);
        assertThat(done.path("phase").asText()).isEqualTo("cancelled");
        assertThat(done.path("report").path("outcome").asText()).isEqualTo("cancelled");
        assertThat(done.path("report").path("success").asBoolean()).isFalse();
        assertThat(logA).anyMatch(l -> l.contains("migration " + id + " cancelled: VM vm1 stays here"));
        assertThat(get(a, "/metrics").body()).contains("ferry_migrations_total{host=\"A\",outcome=\"cancelled\"} 1");
        awaitMetrics(b, "ferry_incoming_migrations_total{host=\"B\",outcome=\"abandoned\"} 1");
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
