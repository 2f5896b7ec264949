package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The target host process is SIGKILLed in the middle of a pre-copy round: the migration fails with a clear
 * error, the VM keeps running on the source, and (deterministic VM) reaches the very state it reaches without
 * any migration.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TargetKilledDuringPrecopyTest extends TwoHostProcesses {

    private static final long LIMIT = 2_000_000_000L;
    private static final String[] ARGS = {"wss=32M", "rate=max"};

    @Test
    void migrationFailsAndTheVmRunsOnUnchanged() throws Exception {
        Path secret = HostProcess.secretFile(dir, "secret");
        a = HostProcess.start("A", secret);
        b = HostProcess.start("B", secret);
        a.postOk("/v1/vms", "{\"name\":\"d1\",\"image\":\"munch\",\"mem\":\"128M\",\"deterministic\":true,"
                + "\"max_instructions\":" + LIMIT + ",\"args\":[\"" + String.join("\",\"", ARGS) + "\"]}");
        HostProcess.await(Duration.ofSeconds(10), "d1 to write its working set", () ->
                a.poll("/v1/vms/d1").path("memory_used_bytes").asLong() >= 32L << 20 ? true : null);
        String id = a.postOk("/v1/vms/d1/migrate", "{\"to\":\"" + b.control() + "\",\"strategy\":\"precopy\","
                + "\"bandwidth\":\"200M\",\"skip_redirtied\":false}").path("id").asText();

        JsonNode killedAt = HostProcess.await(Duration.ofSeconds(15), "pre-copy under way", () -> {
            JsonNode s = a.poll("/v1/migrations/" + id);
            assertThat(s.path("done").asBoolean()).as("migration ended before the kill: %s", s).isFalse();
            return "precopy".equals(s.path("phase").asText()) && s.path("bytes_sent").asLong() > 4L << 20 ? s : null;
        });
        b.kill();

        CompletableFuture<String> reference = CompletableFuture.supplyAsync(
                () -> HostProcess.referenceHash("128M", LIMIT, ARGS));
        JsonNode done = HostProcess.await(Duration.ofSeconds(15), "the migration to end", () -> {
            JsonNode s = a.poll("/v1/migrations/" + id);
            return s.path("done").asBoolean() ? s : null;
        });
        assertThat(done.path("phase").asText()).as("%s", done).isEqualTo("failed");
        assertThat(done.path("report").path("success").asBoolean()).isFalse();
        assertThat(done.path("error").asText()).as("%s (killed at %s)", done, killedAt)
                .startsWith("connection to the target lost");

        JsonNode vm = a.get("/v1/vms/d1");
        assertThat(vm.path("state").asText()).as("still runs on A (or already parked at its limit): %s", vm)
                .isIn("running", "limit_reached");
        assertThat(vm.has("migration")).as("%s", vm).isFalse();
        HostProcess.await(Duration.ofSeconds(30), "d1 to reach its instruction limit", () -> {
            JsonNode v = a.poll("/v1/vms/d1");
            return "limit_reached".equals(v.path("state").asText()) ? v : null;
        });
        JsonNode hash = a.get("/v1/vms/d1/state-hash");
        assertThat(hash.path("instructions").asLong()).isEqualTo(LIMIT);
        assertThat(hash.path("state_hash").asText()).isEqualTo(reference.get(40, TimeUnit.SECONDS));
        assertThat(a.log()).contains("migration " + id + " failed: VM d1 stays here");
    }
}
