package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The documented risk of post-copy: a side dies after switchover, while the target still misses pages. The VM is
 * lost: the survivor keeps a VM that can never run on. Source death: the target lists the VM as running, but its
 * vCPU waits for the first absent page forever. Target death: the source's migration stays open in
 * {@code postcopy_paused} with the VM paused there, and can be neither cancelled nor recovered.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostKilledDuringPostcopyTest extends TwoHostProcesses {

    private String id;

    @BeforeEach
    void migrateIntoPostcopy() throws Exception {
        Path secret = HostProcess.secretFile(dir, "secret");
        a = HostProcess.start("A", secret);
        b = HostProcess.start("B", secret);
        a.postOk("/v1/vms", "{\"name\":\"p1\",\"image\":\"munch\",\"mem\":\"128M\",\"args\":[\"wss=32M\",\"rate=max\"]}");
        HostProcess.await(Duration.ofSeconds(10), "p1 to write its working set", () ->
                a.poll("/v1/vms/p1").path("memory_used_bytes").asLong() >= 32L << 20 ? true : null);
        id = a.postOk("/v1/vms/p1/migrate", "{\"to\":\"" + b.control() + "\",\"strategy\":\"postcopy\","
                + "\"bandwidth\":\"100M\"}").path("id").asText();
        HostProcess.await(Duration.ofSeconds(15), "post-copy", () -> {
            JsonNode s = a.poll("/v1/migrations/" + id);
            assertThat(s.path("done").asBoolean()).as("ended before post-copy: %s", s).isFalse();
            return "postcopy".equals(s.path("phase").asText()) ? s : null;
        });
    }

    @Test
    void sourceDeathLeavesTheTargetAVmThatNeverRunsOn() throws Exception {
        a.kill();

        long frozen = frozenInstructions(b);
        JsonNode vm = b.get("/v1/vms/p1");
        assertThat(vm.path("state").asText()).as("%s", vm).isEqualTo("running");
        assertThat(vm.path("memory_used_bytes").asLong()).as("pages present on the target").isLessThan(32L << 20);
        Thread.sleep(500);
        assertThat(b.get("/v1/vms/p1").path("instructions").asLong()).isEqualTo(frozen);
        assertThat(b.log()).contains("VM p1 arrived and runs here").doesNotContain("did not arrive");
        assertThat(b.get("/v1/host").path("vms").asInt()).isEqualTo(1);
        assertThat(b.post("/v1/vms/p1/stop", "").status()).as("a stuck VM can still be stopped").isEqualTo(200);
        assertThat(b.get("/v1/host").path("vms").asInt()).isZero();
    }

    @Test
    void targetDeathLeavesTheSourcePausedWithNoWayOut() throws Exception {
        b.kill();

        JsonNode paused = HostProcess.await(Duration.ofSeconds(10), "postcopy_paused", () -> {
            JsonNode s = a.poll("/v1/migrations/" + id);
            return "postcopy_paused".equals(s.path("phase").asText()) ? s : null;
        });
        assertThat(paused.path("done").asBoolean()).isFalse();
        JsonNode vm = a.get("/v1/vms/p1");
        assertThat(vm.path("state").asText()).as("%s", vm).isEqualTo("paused");
        assertThat(vm.path("migration").asText()).isEqualTo(id);
        assertThat(a.post("/v1/migrations/" + id + "/cancel", "").status()).isEqualTo(409);
        HostProcess.Answer recover = a.post("/v1/migrations/" + id + "/recover", "");
        assertThat(recover.status()).as("%s", recover).isEqualTo(502);
        assertThat(recover.body().path("error").asText()).contains("cannot reach target host");
        Thread.sleep(300);
        assertThat(a.get("/v1/migrations/" + id).path("phase").asText()).isEqualTo("postcopy_paused");
        assertThat(a.get("/v1/vms/p1").path("instructions").asLong()).isEqualTo(vm.path("instructions").asLong());
    }

    /** Waits until the VM's instruction count stops moving (it must within 10 s) and returns it. */
    private static long frozenInstructions(HostProcess host) throws InterruptedException {
        long[] last = {-1};
        return HostProcess.await(Duration.ofSeconds(10), "the VM's vCPU to block", () -> {
            long now = host.poll("/v1/vms/p1").path("instructions").asLong();
            boolean same = now == last[0];
            last[0] = now;
            if (!same) {
                sleep(250);
            }
            return same ? now : null;
        });
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
