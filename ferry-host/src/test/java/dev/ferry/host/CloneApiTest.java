package dev.ferry.host;

import static dev.ferry.host.TestHosts.awaitState;
import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.vm.HostedVm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/vms/NAME/clone} with bare-metal guests: what it makes, and what it refuses. */
class CloneApiTest {

    private FerryHost host;

    @BeforeEach
    void start() throws Exception {
        host = TestHosts.start("A");
    }

    @AfterEach
    void stop() {
        host.close();
    }

    @Test
    void aDeterministicClonesStateIsItsParents() throws Exception {
        long n = 2_000_000;
        Answer created = postJson(host, "/v1/vms", Map.of("name", "d", "image", "munch", "mem", "32M",
                "deterministic", true, "max_instructions", n, "args", "wss=4M passes=0"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        awaitState(host, "d", "limit_reached", Duration.ofSeconds(60));
        String parentHash = get(host, "/v1/vms/d/state-hash").json().path("state_hash").asText();

        Answer cloned = postJson(host, "/v1/vms/d/clone", Map.of("count", 2));
        assertThat(cloned.status()).as(cloned.body()).isEqualTo(201);
        JsonNode clones = cloned.json().path("clones");
        assertThat(clones).extracting(c -> c.path("name").asText()).containsExactly("d-1", "d-2");
        assertThat(cloned.json().path("snapshot_bytes").asLong()).isPositive().isLessThanOrEqualTo(32L << 20);
        for (String name : List.of("d-1", "d-2")) {
            awaitState(host, name, "limit_reached", Duration.ofSeconds(10));
            JsonNode hash = get(host, "/v1/vms/" + name + "/state-hash").json();
            assertThat(hash.path("instructions").asLong()).isEqualTo(n);
            assertThat(hash.path("state_hash").asText()).as(name).isEqualTo(parentHash);
        }
        assertThat(get(host, "/v1/vms/d/state-hash").json().path("state_hash").asText()).isEqualTo(parentHash);
    }

    @Test
    void aCloneMigratesLikeAnyVm() throws Exception {
        long n = 1_500_000;
        assertThat(postJson(host, "/v1/vms", Map.of("name", "d", "image", "munch", "mem", "32M",
                "deterministic", true, "max_instructions", n, "args", "wss=4M passes=0")).status()).isEqualTo(201);
        awaitState(host, "d", "limit_reached", Duration.ofSeconds(60));
        String parentHash = get(host, "/v1/vms/d/state-hash").json().path("state_hash").asText();
        assertThat(postJson(host, "/v1/vms/d/clone", Map.of("count", 1)).status()).isEqualTo(201);
        try (FerryHost b = TestHosts.start("B")) {
            Answer started = postJson(host, "/v1/vms/d-1/migrate", Map.of("to",
                    TestHosts.base(b).substring("http://".length()), "strategy", "precopy"));
            assertThat(started.status()).as(started.body()).isEqualTo(202);
            JsonNode done = TestHosts.awaitDone(host, started.json().path("id").asText());
            assertThat(done.path("report").path("success").asBoolean()).as(done.toString()).isTrue();
            JsonNode hash = get(b, "/v1/vms/d-1/state-hash").json();
            assertThat(hash.path("state_hash").asText()).as("the clone's RAM, read from its shared snapshot, "
                    + "arrived whole").isEqualTo(parentHash);
        }
    }

    @Test
    void clonesOfARunningVmRunOnTheirOwn() throws Exception {
        assertThat(postJson(host, "/v1/vms", Map.of("name", "m", "image", "munch", "mem", "32M",
                "args", "wss=2M")).status()).isEqualTo(201);
        Thread.sleep(300);
        Answer cloned = postJson(host, "/v1/vms/m/clone", Map.of("count", 3, "prefix", "w"));
        assertThat(cloned.status()).as(cloned.body()).isEqualTo(201);
        System.out.println("clone of a running munch: " + cloned.body());
        for (String name : List.of("w-1", "w-2", "w-3")) {
            long before = get(host, "/v1/vms/" + name).json().path("instructions").asLong();
            Thread.sleep(200);
            JsonNode info = get(host, "/v1/vms/" + name).json();
            assertThat(info.path("state").asText()).isEqualTo("running");
            assertThat(info.path("instructions").asLong()).as(name + " runs").isGreaterThan(before);
        }
        assertThat(get(host, "/v1/vms/m").json().path("state").asText()).as("the parent runs on").isEqualTo("running");
    }

    @Test
    void badRequestsAreRefusedAndCreateNothing() {
        assertThat(postJson(host, "/v1/vms", Map.of("name", "x", "image", "idle")).status()).isEqualTo(201);

        assertThat(postJson(host, "/v1/vms/nope/clone", Map.of("count", 1)).status()).isEqualTo(404);
        for (int count : new int[] {0, -1, 65}) {
            Answer bad = postJson(host, "/v1/vms/x/clone", Map.of("count", count));
            assertThat(bad.status()).as("count " + count).isEqualTo(400);
            assertThat(bad.json().path("error").asText()).contains("count");
        }
        assertThat(postJson(host, "/v1/vms/x/clone", Map.of()).status()).isEqualTo(400);
        assertThat(postJson(host, "/v1/vms/x/clone", Map.of("count", 2, "prefix", "bad name")).status())
                .isEqualTo(400);
        assertThat(postJson(host, "/v1/vms/x/clone", Map.of("count", 1, "ips", List.of("10.0.0.5/24"))).status())
                .as("addresses for a VM without one").isEqualTo(400);

        assertThat(postJson(host, "/v1/vms", Map.of("name", "x-2", "image", "idle")).status()).isEqualTo(201);
        Answer clash = postJson(host, "/v1/vms/x/clone", Map.of("count", 3));
        assertThat(clash.status()).isEqualTo(409);
        assertThat(clash.json().path("error").asText()).contains("x-2");
        assertThat(host.vms().all()).extracting(HostedVm::name).as("nothing was created")
                .containsExactly("x", "x-2");

        HostedVm x = host.vms().get("x").orElseThrow();
        x.beginMigration("A-1");
        Answer migrating = postJson(host, "/v1/vms/x/clone", Map.of("count", 1, "prefix", "y"));
        assertThat(migrating.status()).isEqualTo(409);
        assertThat(migrating.json().path("error").asText()).contains("migrating");
        x.endMigration();
        assertThat(host.vms().all()).extracting(HostedVm::name).containsExactly("x", "x-2");

        assertThat(postJson(host, "/v1/vms/x/clone", Map.of("count", 1, "prefix", "y")).status()).isEqualTo(201);
        assertThat(host.vms().all()).extracting(HostedVm::name).containsExactly("x", "x-2", "y-1");
    }
}
