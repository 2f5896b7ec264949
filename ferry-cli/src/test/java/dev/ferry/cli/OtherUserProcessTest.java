package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.api.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A second local user ({@code nobody}, run with {@code setpriv}) can reach a host's control API on loopback but
 * cannot use it: without the owner's token every request is a 401, and the token file is not readable to them.
 * Needs root (to start a child as another user), {@code setpriv} and {@code curl}; skipped otherwise.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OtherUserProcessTest extends TwoHostProcesses {

    private static final String NOBODY = "65534";

    /** Runs {@code command} as user nobody; answers its exit status and output. */
    private static Result asNobody(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "--"));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    private record Result(int status, String out) {
    }

    private static boolean available(String... command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void nobodyCannotListReadOrStopTheOwnersVms() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run a child as another user");
        assumeTrue(available("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "true"),
                "needs setpriv");
        assumeTrue(available("curl", "--version"), "needs curl");
        Path config = Files.createDirectories(dir.resolve("home/.config/ferry"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("home"), PosixFilePermissions.fromString("rwxr-xr-x"));
        a = HostProcess.start("A", HostProcess.secretFile(config, "secret"));
        a.postOk("/v1/vms", "{\"name\":\"owned\",\"image\":\"idle\"}");
        Path private0600 = Files.writeString(config.resolve("private.elf"), "root's file");
        Files.setPosixFilePermissions(private0600, PosixFilePermissions.fromString("rw-------"));

        String base = "http://" + a.control();
        String[][] attempts = {
            {"-X", "GET", base + "/v1/vms"},
            {"-X", "GET", base + "/v1/vms/owned/console"},
            {"-X", "POST", base + "/v1/vms/owned/stop"},
            {"-X", "DELETE", base + "/v1/vms/owned"},
            {"-X", "POST", "-H", "Content-Type: application/json", "--data",
                "{\"name\":\"mine\",\"image\":\"" + private0600 + "\"}", base + "/v1/vms"},
            {"-X", "GET", "-H", "Authorization: Bearer " + "0".repeat(64), base + "/v1/host"},
        };
        for (String[] attempt : attempts) {
            List<String> curl = new ArrayList<>(List.of("curl", "-s", "-w", "\n%{http_code}"));
            curl.addAll(List.of(attempt));
            Result r = asNobody(curl.toArray(String[]::new));
            String[] lines = r.out().strip().split("\n");
            assertThat(lines[lines.length - 1]).as(String.join(" ", attempt)).isEqualTo("401");
            JsonNode body = Json.mapper().readTree(lines[0]);
            assertThat(body.path("code").asText()).isEqualTo("unauthorized");
        }

        Result read = asNobody("cat", a.tokenFile().toString());
        assertThat(read.status()).isNotZero();
        assertThat(read.out()).contains("Permission denied");
        assertThat(asNobody("cat", private0600.toString()).status()).isNotZero();

        JsonNode vms = a.get("/v1/vms").path("vms");
        assertThat(vms).hasSize(1);
        assertThat(vms.get(0).path("name").asText()).isEqualTo("owned");
        assertThat(vms.get(0).path("state").asText()).isEqualTo("running");
        assertThat(a.log()).contains("control API: refused GET /v1/vms from 127.0.0.1:");
    }
}
