package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 7, defect 6, with real processes: the target host is stopped (SIGSTOP) as the migration enters its
 * stop-and-copy. The source must not hold the VM paused beyond the switchover deadline: it aborts before COMMIT,
 * resumes the VM and reports the deadline; the target, once continued (SIGCONT), holds no copy of the VM.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FrozenTargetProcessTest extends TwoHostProcesses {

    private static final long DEADLINE_MS = 2000;

    @Test
    void theSourceResumesTheVmAtTheSwitchoverDeadline() throws Exception {
        Path secret = HostProcess.secretFile(dir, "secret");
        a = HostProcess.start("A", secret);
        b = HostProcess.start("B", secret);
        a.postOk("/v1/vms", "{\"name\":\"d1\",\"image\":\"munch\",\"mem\":\"128M\",\"args\":[\"wss=32M\","
                + "\"rate=max\"]}");
        HostProcess.await(Duration.ofSeconds(20), "d1 to write its working set", () ->
                a.poll("/v1/vms/d1").path("memory_used_bytes").asLong() >= 32L << 20 ? true : null);
        // 32 MiB at 100 Mbit/s: a stop-and-copy of about 2.7 s, longer than the deadline
        String id = a.postOk("/v1/vms/d1/migrate", "{\"to\":\"" + b.control() + "\",\"strategy\":\"stopcopy\","
                + "\"bandwidth\":\"100M\",\"switchover_timeout_ms\":" + DEADLINE_MS + "}").path("id").asText();

        HostProcess.await(Duration.ofSeconds(20), "the stop-and-copy", () -> {
            JsonNode s = a.poll("/v1/migrations/" + id);
            assertThat(s.path("done").asBoolean()).as("ended before the stop-and-copy: %s", s).isFalse();
            return "stop_and_copy".equals(s.path("phase").asText()) ? s : null;
        });
        b.signal("STOP");
        long stopped = System.nanoTime();
        try {
            JsonNode vm = HostProcess.await(Duration.ofSeconds(15), "d1 to run on A again", () -> {
                JsonNode v = a.poll("/v1/vms/d1");
                return "running".equals(v.path("state").asText()) ? v : null;
            });
            double pausedMs = (System.nanoTime() - stopped) / 1e6;
            assertThat(pausedMs).as("d1 runs again about the deadline after the target froze: %s", vm)
                    .isLessThan(DEADLINE_MS + 1500);

            JsonNode done = HostProcess.await(Duration.ofSeconds(10), "the migration to end", () -> {
                JsonNode s = a.poll("/v1/migrations/" + id);
                return s.path("done").asBoolean() ? s : null;
            });
            assertThat(done.path("phase").asText()).as("%s", done).isEqualTo("failed");
            assertThat(done.path("error").asText()).contains("did not confirm the switchover within the deadline of "
                    + DEADLINE_MS + " ms");
            JsonNode report = done.path("report");
            assertThat(report.path("downtime_ms").asDouble()).as("%s", report).isLessThan(DEADLINE_MS + 1000.0);
            assertThat(report.path("notes").toString()).contains("switchover deadline of " + DEADLINE_MS + " ms");
            // the VM resumes a moment before the failed migration lets go of it: ask again now that it has ended
            JsonNode after = a.poll("/v1/vms/d1");
            assertThat(after.has("migration")).as("%s", after).isFalse();
            long before = after.path("instructions").asLong();
            HostProcess.await(Duration.ofSeconds(10), "d1 to run on", () ->
                    a.poll("/v1/vms/d1").path("instructions").asLong() > before ? true : null);
        } finally {
            b.signal("CONT");
        }

        HostProcess.await(Duration.ofSeconds(20), "B to discard its copy", () ->
                b.log().contains("incoming VM d1 did not arrive") ? true : null);
        assertThat(b.get("/v1/vms/d1", Duration.ofSeconds(10)).status()).isEqualTo(404);
        assertThat(b.get("/v1/vms").path("vms").size()).isZero();
        assertThat(a.log()).contains("migration " + id + " failed: VM d1 stays here");
    }
}
