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
                GuestFixtures.images(), new CopyOnWriteArrayList<String>()::add));
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.commandLine().execute(args);
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
