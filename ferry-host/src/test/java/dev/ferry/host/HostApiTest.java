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
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HostApiTest {

    private final List<String> log = new CopyOnWriteArrayList<>();
    private FerryHost host;

    @BeforeEach
    void start() throws Exception {
        host = TestHosts.start("A", log);
    }

    @AfterEach
    void stop() {
        host.close();
    }

    @Test
    void hostTellsNameVersionAndAddress() {
        JsonNode info = get(host, "/v1/host").json();
        assertThat(info.path("name").asText()).isEqualTo("A");
        assertThat(info.path("version").asText()).isEqualTo(FerryHost.VERSION);
        assertThat(info.path("control").asText()).isEqualTo("127.0.0.1:" + host.controlAddress().getPort());
        assertThat(info.path("vms").asInt()).isZero();
    }

    @Test
    void vmLifecycleCreateListInfoPauseResumeHashStop() throws Exception {
        Answer created = postJson(host, "/v1/vms", Map.of("name", "web1", "image", "munch", "mem", "64M",
                "args", List.of("wss=4M", "rate=max")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("ram_bytes").asLong()).isEqualTo(64L << 20);
        assertThat(created.json().path("boot_args").asText()).isEqualTo("wss=4M rate=max");
        assertThat(log).anyMatch(l -> l.contains("VM web1 created"));

        JsonNode list = get(host, "/v1/vms").json().path("vms");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("name").asText()).isEqualTo("web1");
        assertThat(list.get(0).path("state").asText()).isEqualTo("running");

        JsonNode info = get(host, "/v1/vms/web1?dirty_rate=true").json();
        assertThat(info.path("state").asText()).isEqualTo("running");
        assertThat(info.path("dirty_rate_pages_per_s").asDouble()).isPositive();
        assertThat(info.path("memory_used_bytes").asLong()).isPositive();
        assertThat(info.path("instructions").asLong()).isPositive();
        assertThat(info.has("instruction_limit")).isFalse();

        assertThat(post(host, "/v1/vms/web1/pause", "").json().path("state").asText()).isEqualTo("paused");
        JsonNode h1 = get(host, "/v1/vms/web1/state-hash").json();
        JsonNode h2 = get(host, "/v1/vms/web1/state-hash").json();
        assertThat(h1.path("state_hash").asText()).hasSize(64).isEqualTo(h2.path("state_hash").asText());
        assertThat(h1.path("instructions").asLong()).isEqualTo(h2.path("instructions").asLong());
        assertThat(get(host, "/v1/vms/web1").json().path("state").asText()).isEqualTo("paused");
        assertThat(get(host, "/v1/vms/web1?dirty_rate=1").json().path("dirty_rate_pages_per_s").asDouble()).isZero();

        assertThat(post(host, "/v1/vms/web1/resume", "").json().path("state").asText()).isEqualTo("running");
        JsonNode h3 = get(host, "/v1/vms/web1/state-hash").json();
        assertThat(h3.path("instructions").asLong()).isGreaterThan(h1.path("instructions").asLong());
        assertThat(get(host, "/v1/vms/web1").json().path("state").asText()).isEqualTo("running");

        assertThat(post(host, "/v1/vms/web1/stop", "").status()).isEqualTo(200);
        assertThat(get(host, "/v1/vms/web1").status()).isEqualTo(404);
        assertThat(get(host, "/v1/vms").json().path("vms")).isEmpty();
    }

    @Test
    void consoleFollowsByOffset() throws Exception {
        postJson(host, "/v1/vms", Map.of("name", "h", "image", "hello", "args", "from=test"));
        awaitState(host, "h", "powered_off", Duration.ofSeconds(20));
        JsonNode info = get(host, "/v1/vms/h").json();
        assertThat(info.path("exit_code").asInt()).isZero();

        var first = TestHosts.send(HttpRequest.newBuilder(URI.create(TestHosts.base(host) + "/v1/vms/h/console?offset=0")));
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body()).startsWith("Hello from a Ferry guest").contains("bootargs: \"from=test\"");
        long end = first.body().getBytes(StandardCharsets.UTF_8).length;

        Answer part = get(host, "/v1/vms/h/console?offset=6&max=4");
        assertThat(part.body()).isEqualTo("from");
        Answer rest = get(host, "/v1/vms/h/console?offset=" + end + "&wait_ms=50");
        assertThat(rest.body()).isEmpty();

        Answer input = post(host, "/v1/vms/h/console", "abc");
        assertThat(input.json().path("accepted").asInt()).isEqualTo(3);
    }

    @Test
    void consoleReportsOffsetsInHeaders() throws Exception {
        postJson(host, "/v1/vms", Map.of("name", "h", "image", "hello"));
        awaitState(host, "h", "powered_off", Duration.ofSeconds(20));
        var r = TestHosts.HTTP.send(HttpRequest.newBuilder(
                URI.create(TestHosts.base(host) + "/v1/vms/h/console?offset=0&max=5"))
                .header("Authorization", TestHosts.TOKEN.authorization()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).isEqualTo("Hello");
        assertThat(r.headers().firstValue("X-Ferry-Offset")).hasValue("0");
        assertThat(r.headers().firstValue("X-Ferry-Next-Offset")).hasValue("5");
    }

    @Test
    void deterministicVmOnHostReachesTheSameStateAsADirectRun() throws Exception {
        long n = 3_000_000;
        Answer created = postJson(host, "/v1/vms", Map.of("name", "d", "image", "munch", "mem", "32M",
                "deterministic", true, "max_instructions", n, "args", "wss=4M passes=0"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        get(host, "/v1/vms/d?dirty_rate=1");
        JsonNode parked = awaitState(host, "d", "limit_reached", Duration.ofSeconds(60));
        assertThat(parked.path("instructions").asLong()).isEqualTo(n);
        JsonNode hash = get(host, "/v1/vms/d/state-hash").json();

        VirtMachine direct = GuestFixtures.boot("munch", "wss=4M passes=0", 32L << 20, true,
                new ByteArrayOutputStream());
        direct.run(n);
        assertThat(hash.path("instructions").asLong()).isEqualTo(n);
        assertThat(hash.path("state_hash").asText()).isEqualTo(direct.stateHash());
        assertThat(get(host, "/v1/vms/d").json().path("state").asText()).isEqualTo("limit_reached");
    }

    @Test
    void errorsAreJsonWithTheRightStatus() {
        Answer badImage = postJson(host, "/v1/vms", Map.of("name", "x", "image", "no-such-image"));
        assertThat(badImage.status()).isEqualTo(400);
        assertThat(badImage.json().path("error").asText()).contains("unknown image 'no-such-image'");

        assertThat(postJson(host, "/v1/vms", Map.of("name", "x", "image", "/nonexistent/x.elf")).status())
                .isEqualTo(400);
        assertThat(postJson(host, "/v1/vms", Map.of("name", "x", "image", "hello", "mem", "lots")).json()
                .path("error").asText()).startsWith("mem: 'lots' is not a size");
        assertThat(postJson(host, "/v1/vms", Map.of("name", "x", "image", "hello", "mem", "1M")).status())
                .isEqualTo(400);
        assertThat(postJson(host, "/v1/vms", Map.of("name", "bad name", "image", "hello")).status()).isEqualTo(400);
        assertThat(postJson(host, "/v1/vms", Map.of("image", "hello")).json().path("error").asText())
                .contains("name");

        assertThat(postJson(host, "/v1/vms", Map.of("name", "x", "image", "idle")).status()).isEqualTo(201);
        Answer dup = postJson(host, "/v1/vms", Map.of("name", "x", "image", "idle"));
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.json().path("error").asText()).contains("already exists");

        Answer unknown = get(host, "/v1/vms/nope");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("error").asText()).isEqualTo("no VM named 'nope' on host A");
        assertThat(post(host, "/v1/vms/nope/pause", "").status()).isEqualTo(404);
        assertThat(get(host, "/v1/vms/nope/state-hash").status()).isEqualTo(404);
        assertThat(get(host, "/v1/migrations/A-99").status()).isEqualTo(404);
        assertThat(get(host, "/v2/whatever").status()).isEqualTo(404);

        Answer malformed = post(host, "/v1/vms", "{\"name\": \"y\", ");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().path("error").asText()).startsWith("malformed JSON");
        Answer unknownField = post(host, "/v1/vms", "{\"nmae\": \"y\"}");
        assertThat(unknownField.status()).isEqualTo(400);
        assertThat(unknownField.json().path("error").asText()).isEqualTo("unknown field 'nmae'");
        assertThat(post(host, "/v1/vms", "").status()).isEqualTo(400);
        assertThat(post(host, "/v1/vms", "{\"name\": \"y\", \"image\": \"hello\", \"deterministic\": \"sure\"}")
                .status()).isEqualTo(400);
        assertThat(TestHosts.send(HttpRequest.newBuilder(URI.create(TestHosts.base(host) + "/v1/vms"))
                .PUT(HttpRequest.BodyPublishers.noBody())).status()).isEqualTo(405);
        assertThat(get(host, "/v1/vms/x/console?offset=-1").status()).isEqualTo(400);
    }

    @Test
    void migrationRequestsAreValidated() {
        postJson(host, "/v1/vms", Map.of("name", "m", "image", "idle"));
        assertThat(postJson(host, "/v1/vms/m/migrate", Map.of()).json().path("error").asText()).startsWith("to:");
        Answer badStrategy = postJson(host, "/v1/vms/m/migrate", Map.of("to", "127.0.0.1:1", "strategy", "teleport"));
        assertThat(badStrategy.status()).isEqualTo(400);
        assertThat(badStrategy.json().path("error").asText())
                .isEqualTo("strategy: 'teleport' is not one of stopcopy, precopy, postcopy, hybrid, demand");
        assertThat(postJson(host, "/v1/vms/m/migrate", Map.of("to", "127.0.0.1:1", "streams", 99)).json()
                .path("error").asText()).isEqualTo("--streams must be between 1 and 16");
        Answer unreachable = postJson(host, "/v1/vms/m/migrate", Map.of("to", "127.0.0.1:1"));
        assertThat(unreachable.status()).isEqualTo(502);
        assertThat(unreachable.json().path("error").asText())
                .startsWith("cannot reach target host 127.0.0.1:1 (connection refused)");
        assertThat(get(host, "/v1/vms/m").json().path("state").asText()).isEqualTo("running");
    }

    @Test
    void aMigratingVmRefusesControlAndKeepsItsDirtyLogToTheMigration() throws Exception {
        postJson(host, "/v1/vms", Map.of("name", "m", "image", "munch", "args", "wss=2M"));
        host.vm("m").beginMigration("A-42");
        JsonNode info = get(host, "/v1/vms/m?dirty_rate=true").json();
        assertThat(info.has("dirty_rate_pages_per_s")).isFalse();
        assertThat(info.path("migration").asText()).isEqualTo("A-42");
        Answer pause = post(host, "/v1/vms/m/pause", "");
        assertThat(pause.status()).isEqualTo(409);
        assertThat(pause.json().path("error").asText()).isEqualTo("cannot pause VM m while it migrates (migration A-42)");
        assertThat(post(host, "/v1/vms/m/resume", "").status()).isEqualTo(409);
        assertThat(get(host, "/v1/vms/m/state-hash").status()).isEqualTo(409);
        assertThat(post(host, "/v1/vms/m/stop", "").status()).isEqualTo(409);
        assertThat(postJson(host, "/v1/vms/m/migrate", Map.of("to", "127.0.0.1:1")).json().path("error").asText())
                .isEqualTo("VM m is already migrating (migration A-42)");
        host.vm("m").endMigration();
        assertThat(get(host, "/v1/vms/m?dirty_rate=true").json().has("dirty_rate_pages_per_s")).isTrue();
        assertThat(post(host, "/v1/vms/m/stop", "").status()).isEqualTo(200);
    }

    @Test
    void migrationsListStartsEmptyAndUnknownIdsAre404() {
        assertThat(get(host, "/v1/migrations").json().path("migrations")).isEmpty();
        assertThat(post(host, "/v1/migrations/A-7/cancel", "").status()).isEqualTo(404);
        assertThat(post(host, "/v1/migrations/A-7/recover", "").status()).isEqualTo(404);
    }

    @Test
    void metricsUseThePrometheusTextFormat() {
        postJson(host, "/v1/vms", Map.of("name", "m1", "image", "idle"));
        Answer metrics = get(host, "/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        for (String line : metrics.body().split("\n")) {
            if (line.startsWith("#")) {
                assertThat(line).matches("# (HELP|TYPE) ferry_[a-z_]+ .+");
            } else {
                assertThat(line).matches("ferry_[a-z_]+\\{([a-z_]+=\"[^\"]*\",?)*} (-?[0-9.eE+-]+|NaN)");
            }
        }
        assertThat(metrics.body())
                .contains("# TYPE ferry_vms gauge")
                .contains("ferry_vms{host=\"A\",state=\"running\"} 1")
                .contains("ferry_vms{host=\"A\",state=\"paused\"} 0")
                .contains("ferry_vm_instructions_retired_total{host=\"A\",vm=\"m1\"} ")
                .contains("ferry_migrations_total{host=\"A\",outcome=\"completed\"} 0")
                .contains("ferry_migration_last_downtime_seconds{host=\"A\"} NaN");
    }
}
