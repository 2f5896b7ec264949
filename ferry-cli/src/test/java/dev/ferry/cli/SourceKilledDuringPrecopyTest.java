package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The source host process is SIGKILLed in the middle of pre-copy: the target discards the partial VM and frees
 * its name, so the same name can be used there again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SourceKilledDuringPrecopyTest extends TwoHostProcesses {

    @Test
    void targetDiscardsThePartialVm() throws Exception {
        Path secret = HostProcess.secretFile(dir, "secret");
        a = HostProcess.start("A", secret);
        b = HostProcess.start("B", secret);
        a.postOk("/v1/vms", "{\"name\":\"s1\",\"image\":\"munch\",\"mem\":\"64M\",\"args\":[\"wss=16M\",\"rate=max\"]}");
        HostProcess.await(Duration.ofSeconds(10), "s1 to write its working set", () ->
                a.poll("/v1/vms/s1").path("memory_used_bytes").asLong() >= 16L << 20 ? true : null);
        String id = a.postOk("/v1/vms/s1/migrate", "{\"to\":\"" + b.control() + "\",\"strategy\":\"precopy\","
                + "\"bandwidth\":\"100M\",\"skip_redirtied\":false}").path("id").asText();
        HostProcess.await(Duration.ofSeconds(15), "pre-copy under way", () -> {
            JsonNode s = a.poll("/v1/migrations/" + id);
            assertThat(s.path("done").asBoolean()).as("ended before the kill: %s", s).isFalse();
            return "precopy".equals(s.path("phase").asText()) && s.path("bytes_sent").asLong() > 2L << 20 ? s : null;
        });
        assertThat(b.log()).contains("incoming VM s1");
        a.kill();

        HostProcess.await(Duration.ofSeconds(10), "B to discard the partial VM", () ->
                b.log().contains("incoming VM s1 did not arrive") ? true : null);
        assertThat(b.get("/v1/vms").path("vms")).isEmpty();
        HostProcess.Answer created = b.post("/v1/vms", "{\"name\":\"s1\",\"image\":\"idle\",\"mem\":\"16M\"}");
        assertThat(created.status()).as("%s", created).isEqualTo(201);
    }
}
