package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.FerryHost;
import dev.ferry.host.HostConfig;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.api.Json;
import dev.ferry.machine.board.GuestFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code ferry migrate} between two in-process hosts. Needs the migration engine. */
class MigrateCommandTest {

    private final PrintStream realOut = System.out;
    private final PrintStream realErr = System.err;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private FerryHost a;
    private FerryHost b;
    private String ha;
    private String hb;

    @BeforeEach
    void start() throws Exception {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        a = host("A");
        b = host("B");
        ha = HostAddress.format(a.controlAddress());
        hb = HostAddress.format(b.controlAddress());
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
        System.setOut(realOut);
        System.setErr(realErr);
    }

    private static FerryHost host(String name) throws Exception {
        return FerryHost.start(new HostConfig(name, new InetSocketAddress("127.0.0.1", 0), null, new byte[32],
                GuestFixtures.images(), new CopyOnWriteArrayList<String>()::add, TestToken.settings()));
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.commandLine().execute(TestToken.withToken(args));
    }

    @Test
    void migratesThereAndBackPrintingReports() throws Exception {
        assertThat(run("vm", "create", "--host", ha, "--name", "web1", "--image", "munch", "--mem", "64M",
                "wss=8M", "rate=5000")).isZero();
        assertThat(run("migrate", "web1", "--from", ha, "--to", hb, "--strategy", "precopy", "--json")).isZero();
        String json = out.toString(StandardCharsets.UTF_8).strip();
        assertThat(json.lines()).hasSize(1);
        JsonNode report = Json.mapper().readTree(json);
        assertThat(report.path("success").asBoolean()).isTrue();
        assertThat(report.has("total_time_ms")).isTrue();
        assertThat(report.has("downtime_ms")).isTrue();
        assertThat(report.path("bytes_on_wire").asLong()).isPositive();
        assertThat(report.path("rounds").get(0).has("dirty_rate_pages_per_s")).isTrue();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("completed");
        String id = report.path("id").asText();

        assertThat(run("vm", "info", "--host", hb, "web1")).isZero();
        assertThat(run("migrate", "web1", "--from", hb, "--to", ha, "--strategy", "postcopy", "--prepage", "8"))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("(postcopy): completed", "downtime");
        assertThat(run("migrate", "--status", id, "--from", ha)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("completed");
        assertThat(run("vm", "state-hash", "--host", ha, "web1")).isZero();
    }

    @Test
    void statusAsJsonIsOneJsonObject() throws Exception {
        assertThat(run("vm", "create", "--host", ha, "--name", "web1", "--image", "idle")).isZero();
        assertThat(run("migrate", "web1", "--from", ha, "--to", hb, "--json")).isZero();
        String id = Json.mapper().readTree(out.toString(StandardCharsets.UTF_8)).path("id").asText();
        assertThat(run("migrate", "--status", id, "--from", ha, "--json")).isZero();
        String json = out.toString(StandardCharsets.UTF_8).strip();
        assertThat(json.lines()).hasSize(1);
        JsonNode status = Json.mapper().readTree(json);
        assertThat(status.path("id").asText()).isEqualTo(id);
        assertThat(status.path("phase").asText()).isEqualTo("completed");
        assertThat(status.path("report").path("outcome").asText()).isEqualTo("completed");
    }

    @Test
    void aCancelledMigrationReadsCancelledAndExitsWith3() throws Exception {
        assertThat(run("vm", "create", "--host", ha, "--name", "web1", "--image", "munch", "--mem", "64M",
                "wss=16M", "rate=max")).isZero();
        long touched = System.nanoTime() + 30_000_000_000L;
        while (new HostClient(ha, TokenFile.of(TestToken.TOKEN)).get("/v1/vms/web1").path("memory_used_bytes").asLong() < (8L << 20)) {
            assertThat(System.nanoTime()).as("the guest touches its memory").isLessThan(touched);
            Thread.sleep(20);
        }
        JsonNode started = Json.mapper().valueToTree(new HostClient(ha, TokenFile.of(TestToken.TOKEN)).post("/v1/vms/web1/migrate",
                Map.of("to", hb, "bandwidth", "10M", "zero_pages", false)));
        String id = started.path("id").asText();
        assertThat(run("migrate", "--cancel", id, "--from", ha)).as(err.toString(StandardCharsets.UTF_8)).isZero();
        long deadline = System.nanoTime() + 30_000_000_000L;
        int status;
        do {
            status = run("migrate", "--status", id, "--from", ha);
            Thread.sleep(20);
        } while (status == 0 && System.nanoTime() < deadline);
        assertThat(status).isEqualTo(MigrateCommand.EXIT_CANCELLED);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("cancelled")
                .contains("(precopy): CANCELLED — cancelled by the user").doesNotContain("FAILED");
        assertThat(run("migrate", "--push-rest", id, "--from", ha)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).strip())
                .isEqualTo("ferry: migration " + id + " is a precopy migration: push-rest only applies to demand "
                        + "migrations (the others push every page by themselves)");
    }

    @Test
    void pushRestFinishesADemandMigration() throws Exception {
        assertThat(run("vm", "create", "--host", ha, "--name", "web1", "--image", "idle", "touch=2M",
                "sleep=0")).isZero();
        JsonNode started = Json.mapper().valueToTree(new HostClient(ha, TokenFile.of(TestToken.TOKEN)).post("/v1/vms/web1/migrate",
                Map.of("to", hb, "strategy", "demand")));
        String id = started.path("id").asText();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!new HostClient(ha, TokenFile.of(TestToken.TOKEN)).get("/v1/migrations/" + id).path("phase").asText().equals("postcopy")) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(run("migrate", "--push-rest", id, "--from", ha)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("pushing the pages the target has not pulled");
        int status;
        do {
            status = run("migrate", "--status", id, "--from", ha);
            Thread.sleep(20);
        } while (!out.toString(StandardCharsets.UTF_8).contains("(demand): completed")
                && System.nanoTime() < deadline);
        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("(demand): completed");
    }

    @Test
    void aFailedMigrationExitsWith1AndStillPrintsTheReport() {
        assertThat(run("vm", "create", "--host", ha, "--name", "web1", "--image", "idle")).isZero();
        assertThat(run("vm", "create", "--host", hb, "--name", "web1", "--image", "idle")).isZero();
        int status = run("migrate", "web1", "--from", ha, "--to", hb);
        if (status == 1) {
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("FAILED");
        } else {
            assertThat(status).isEqualTo(2);
        }
        assertThat(run("vm", "info", "--host", ha, "web1")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("state:             running");
    }
}
