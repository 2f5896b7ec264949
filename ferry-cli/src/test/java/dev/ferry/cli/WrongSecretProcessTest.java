package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.api.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two host processes with different {@code --secret-file}s: {@code ferry migrate} fails (exit status 1) with the
 * authentication error in its JSON report, the VM never left the source, and the target built nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WrongSecretProcessTest extends TwoHostProcesses {

    @Test
    void migrationFailsAuthenticationAndTheVmStays() throws Exception {
        a = HostProcess.start("A", HostProcess.secretFile(dir, "secret-a"));
        b = HostProcess.start("B", HostProcess.secretFile(dir, "secret-b"));
        a.postOk("/v1/vms", "{\"name\":\"w1\",\"image\":\"munch\",\"mem\":\"64M\",\"args\":[\"wss=4M\",\"rate=max\"]}");
        long before = a.get("/v1/vms/w1").path("instructions").asLong();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        int status;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            status = Main.commandLine().execute("migrate", "w1", "--from", a.control(), "--to", b.control(), "--json",
                    "--token-file", a.tokenFile().toString());
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
        String json = out.toString(StandardCharsets.UTF_8).strip();
        assertThat(status).as("stdout %s, stderr %s", json, err).isEqualTo(1);
        JsonNode report = Json.mapper().readTree(json);
        assertThat(report.path("success").asBoolean()).isFalse();
        assertThat(report.path("error").asText()).startsWith("target failed authentication");
        assertThat(report.path("downtime_ms").asDouble()).isZero();

        JsonNode vm = a.get("/v1/vms/w1");
        assertThat(vm.path("state").asText()).isEqualTo("running");
        assertThat(vm.has("migration")).as("%s", vm).isFalse();
        HostProcess.await(Duration.ofSeconds(5), "w1 to run on", () ->
                a.poll("/v1/vms/w1").path("instructions").asLong() > vm.path("instructions").asLong() ? true : null);
        assertThat(vm.path("instructions").asLong()).isGreaterThan(before);
        assertThat(b.get("/v1/vms").path("vms")).isEmpty();
        assertThat(b.log()).doesNotContain("incoming VM");
        assertThat(a.log()).contains("failed: VM w1 stays here (target failed authentication");
    }
}
