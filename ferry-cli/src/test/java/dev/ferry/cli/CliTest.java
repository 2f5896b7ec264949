package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.host.FerryHost;
import dev.ferry.host.HostConfig;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.api.Json;
import dev.ferry.host.api.ReportView;
import dev.ferry.host.api.RoundView;
import dev.ferry.host.auth.SharedSecret;
import dev.ferry.machine.board.GuestFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

    private final PrintStream realOut = System.out;
    private final PrintStream realErr = System.err;
    private ByteArrayOutputStream out;
    private ByteArrayOutputStream err;

    @BeforeEach
    void capture() {
        out = new ByteArrayOutputStream();
        err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(realOut);
        System.setErr(realErr);
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.commandLine().execute(TestToken.withToken(args));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private List<String> errLines() {
        String e = err.toString(StandardCharsets.UTF_8);
        return e.isEmpty() ? List.of() : List.of(e.split("\n"));
    }

    private static FerryHost host(String name) throws Exception {
        return FerryHost.start(new HostConfig(name, new InetSocketAddress("127.0.0.1", 0), null, new byte[32],
                GuestFixtures.images(), new CopyOnWriteArrayList<String>()::add, TestToken.settings()));
    }

    @Test
    void unknownOptionIsOneLineAndExitStatus2() {
        assertThat(run("vm", "list", "--hots", "x")).isEqualTo(2);
        assertThat(errLines()).singleElement().asString().startsWith("ferry: Unknown option");
        assertThat(run("migrate", "vm1", "--from", "127.0.0.1:1", "--to", "127.0.0.1:2", "--bogus")).isEqualTo(2);
        assertThat(errLines()).hasSize(1);
    }

    @Test
    void unreachableHostIsOneLineAndExitStatus2() {
        assertThat(run("vm", "list", "--host", "127.0.0.1:1")).isEqualTo(2);
        assertThat(errLines()).containsExactly(
                "ferry: cannot reach host 127.0.0.1:1 (connection refused) — is 'ferry host' running there?");
        assertThat(run("migrate", "--status", "A-1", "--from", "127.0.0.1:1")).isEqualTo(2);
        assertThat(errLines()).hasSize(1);
    }

    @Test
    void badInputIsOneLineAndExitStatus2() {
        assertThat(run("vm", "create", "--host", "127.0.0.1:1", "--name", "x", "--image", "munch", "--mem", "lots"))
                .isEqualTo(2);
        assertThat(errLines()).singleElement().asString().contains("'lots' is not a size");
        assertThat(run("vm", "list", "--host", "nohostport")).isEqualTo(2);
        assertThat(errLines()).singleElement().asString().contains("not an address");
        assertThat(run("migrate", "vm1", "--from", "127.0.0.1:1", "--to", "127.0.0.1:2", "--bandwidth", "fast"))
                .isEqualTo(2);
        assertThat(errLines()).singleElement().asString().contains("'fast' is not a rate");
        assertThat(run("migrate", "vm1", "--from", "127.0.0.1:1", "--to", "127.0.0.1:2", "--strategy", "warp"))
                .isEqualTo(2);
        assertThat(errLines()).containsExactly(
                "ferry: --strategy: 'warp' is not one of stopcopy, precopy, postcopy, hybrid, demand");
        assertThat(run("migrate", "vm1", "--from", "127.0.0.1:1")).isEqualTo(2);
        assertThat(errLines()).singleElement().asString().contains("--to");
        assertThat(run("migrate", "--status", "A-1", "--cancel", "A-1", "--from", "127.0.0.1:1")).isEqualTo(2);
        assertThat(errLines()).hasSize(1);
        assertThat(run("host", "--listen", "nowhere")).isEqualTo(2);
        assertThat(errLines()).singleElement().asString().startsWith("ferry: --listen: 'nowhere' is not an address");
        assertThat(run("host", "--listen", "127.0.0.1:0", "--max-handshakes", "10", "--max-handshakes-per-address",
                "20")).isEqualTo(2);
        assertThat(errLines()).containsExactly(
                "ferry: --max-handshakes-per-address must be between 1 and --max-handshakes (10)");
        assertThat(run("host", "--listen", "127.0.0.1:0", "--max-outgoing", "0")).isEqualTo(2);
        assertThat(errLines()).containsExactly("ferry: --max-outgoing must be between 1 and 10000");
        assertThat(run("host", "--encrypt", "sometimes")).isEqualTo(2);
        assertThat(errLines()).containsExactly("ferry: --encrypt: expected always, auto or never, not sometimes");
        assertThat(run("host", "--allow-plaintext")).isEqualTo(2);
        assertThat(errLines()).containsExactly("ferry: --allow-plaintext goes with --encrypt never");
    }

    @Test
    void vmCreateTakesKernelDiskAndNicOptions(@TempDir Path images) throws Exception {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(80).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x001002b7).putInt(0x00005337).putInt(0x0380006f).putInt(0);
        b.putLong(0).putLong(0).putInt(2).putInt(0).putLong(0).putLong(0x5643534952L).putInt(0x05435352).putInt(0);
        b.putInt(0x55530313).putInt(0x0062a023).putInt(0x0000006f).putInt(0);
        Files.write(images.resolve("Image"), b.array());
        Files.write(images.resolve("disk.img"), new byte[1024]);
        try (FerryHost host = FerryHost.start(new HostConfig("K", new InetSocketAddress("127.0.0.1", 0), null,
                new byte[32], new dev.ferry.machine.image.GuestImages(images), new CopyOnWriteArrayList<String>()::add,
                TestToken.settings()))) {
            String h = HostAddress.format(host.controlAddress());
            assertThat(run("vm", "create", "--host", h, "--name", "k1", "--kernel", "Image", "--bios", "none",
                    "--drive", "file=disk.img,format=raw", "--nic", "none", "--rng", "--append", "console=ttyS0",
                    "--deterministic", "--max-instructions", "1000")).as(errLines().toString()).isEqualTo(0);
            assertThat(out()).contains("created VM k1");
            var config = host.vm("k1").runner().machine().config();
            assertThat(config.mrom()).isTrue();
            assertThat(config.rng()).isTrue();
            assertThat(config.bootArgs()).isEqualTo("console=ttyS0");
            assertThat(config.drives()).hasSize(1);
            assertThat(config.nics()).singleElement().satisfies(n -> assertThat(n.mac()).isEqualTo("52:54:00:12:34:56"));
            assertThat(run("vm", "create", "--host", h, "--name", "k2", "--kernel", "/etc/passwd")).isEqualTo(2);
            assertThat(errLines()).containsExactly("ferry: kernel '/etc/passwd' is not a file in this host's image "
                    + "directory");
            assertThat(run("vm", "create", "--host", h, "--name", "k3", "--kernel", "Image", "--nic",
                    "tap:t0,mac=01:02:03:04:05:06")).isEqualTo(2);
            assertThat(errLines()).singleElement().asString().contains("is a multicast address");
            assertThat(run("vm", "create", "--host", h, "--name", "k4", "--kernel", "Image", "--image", "hello"))
                    .isEqualTo(2);
            assertThat(errLines()).containsExactly("ferry: --image and --kernel exclude each other: give one thing "
                    + "to boot");
        }
    }

    @Test
    void vmCommandsDriveAHost() throws Exception {
        try (FerryHost host = host("A")) {
            String h = HostAddress.format(host.controlAddress());
            assertThat(run("vm", "create", "--host", h, "--name", "web1", "--image", "munch", "--mem", "64M",
                    "wss=4M", "rate=max")).isEqualTo(0);
            assertThat(out()).contains("created VM web1").contains("64 MiB");
            assertThat(run("vm", "create", "--host", h, "--name", "web1", "--image", "munch")).isEqualTo(2);
            assertThat(errLines()).containsExactly("ferry: a VM named 'web1' already exists on host A");
            assertThat(run("vm", "create", "--host", h, "--name", "x", "--image", "nope")).isEqualTo(2);
            assertThat(errLines()).singleElement().asString().startsWith("ferry: image: unknown image 'nope'");

            assertThat(run("vm", "list", "--host", h)).isEqualTo(0);
            assertThat(out()).contains("web1").contains("running");
            assertThat(run("vm", "info", "--host", h, "web1")).isEqualTo(0);
            assertThat(out()).contains("state:             running").contains("pages/s");
            assertThat(run("vm", "pause", "--host", h, "web1")).isEqualTo(0);
            assertThat(out()).contains("paused");
            assertThat(run("vm", "state-hash", "--host", h, "web1")).isEqualTo(0);
            assertThat(out()).matches("state-hash: [0-9a-f]{64} instructions: [0-9]+\\R");
            assertThat(run("vm", "resume", "--host", h, "web1")).isEqualTo(0);
            long deadline = System.nanoTime() + 30_000_000_000L;
            do {
                assertThat(run("vm", "console", "--host", h, "web1")).isEqualTo(0);
            } while (out().isEmpty() && System.nanoTime() < deadline && sleepBriefly());
            assertThat(out()).startsWith("munch: wss=4096 KiB");
            assertThat(run("vm", "stop", "--host", h, "web1")).isEqualTo(0);
            assertThat(run("vm", "info", "--host", h, "web1")).isEqualTo(2);
            assertThat(errLines()).containsExactly("ferry: no VM named 'web1' on host A");
        }
    }

    @Test
    void templateCommandsMakeListShowUseAndDeleteATemplate() throws Exception {
        try (FerryHost host = host("A")) {
            String h = HostAddress.format(host.controlAddress());
            assertThat(run("vm", "create", "--host", h, "--name", "src", "--image", "idle")).isEqualTo(0);
            assertThat(run("template", "create", "t", "--from", "src", "--host", h)).isEqualTo(2);
            assertThat(errLines()).singleElement().asString().contains("pause it first");
            assertThat(run("vm", "pause", "--host", h, "src")).isEqualTo(0);
            assertThat(run("template", "create", "t", "--from", "src", "--host", h)).isEqualTo(0);
            assertThat(out()).startsWith("created template t: 128 MiB RAM, 0 disks").contains("saved state");
            assertThat(run("template", "create", "../t", "--from", "src", "--host", h)).isEqualTo(2);
            assertThat(errLines()).singleElement().asString().contains("is not a template name");
            assertThat(run("template", "list", "--host", h)).isEqualTo(0);
            assertThat(out()).contains("t ", "from VM src on A");
            assertThat(run("template", "show", "t", "--host", h)).isEqualTo(0);
            assertThat(out()).contains("\"format_version\" : 1", "\"source_vm\" : \"src\"");

            assertThat(run("vm", "create", "--host", h, "--name", "c", "--template", "t")).isEqualTo(0);
            assertThat(out()).contains("created VM c", "from template t (booted)", "running");
            assertThat(run("vm", "create", "--host", h, "--name", "d", "--template", "t", "--image", "idle"))
                    .isEqualTo(2);
            assertThat(errLines()).singleElement().asString().contains("--template gives the machine");
            assertThat(run("vm", "create", "--host", h, "--name", "d", "--template", "nope")).isEqualTo(2);
            assertThat(errLines()).singleElement().asString().contains("no template named 'nope'");
            assertThat(run("template", "delete", "t", "--host", h)).isEqualTo(2);
            assertThat(errLines()).singleElement().asString().contains("in use by VM c");
            assertThat(run("vm", "stop", "--host", h, "c")).isEqualTo(0);
            assertThat(run("template", "delete", "t", "--host", h)).isEqualTo(0);
            assertThat(run("template", "show", "t", "--host", h)).isEqualTo(2);
        }
    }

    @Test
    void vmCloneStartsCopiesAndSaysWhatItCost() throws Exception {
        try (FerryHost host = host("A")) {
            String h = HostAddress.format(host.controlAddress());
            assertThat(run("vm", "create", "--host", h, "--name", "m", "--image", "munch", "--mem", "32M",
                    "wss=2M")).isEqualTo(0);
            assertThat(run("vm", "clone", "--host", h, "m", "--count", "2", "--prefix", "c")).isEqualTo(0);
            assertThat(out()).startsWith("m: 2 clones; paused ").contains("shared").contains("  c-1 ")
                    .contains("  c-2 ");
            assertThat(run("vm", "list", "--host", h)).isEqualTo(0);
            assertThat(out()).contains("c-1").contains("c-2");
            assertThat(run("vm", "clone", "--host", h, "m", "--count", "65")).isEqualTo(2);
            assertThat(errLines()).containsExactly("ferry: count: make 1 to 64 clones, not 65");
            assertThat(run("vm", "clone", "--host", h, "m", "--count", "1", "--prefix", "c")).isEqualTo(2);
            assertThat(errLines()).singleElement().asString().contains("'c-1' already exists");
        }
    }

    @Test
    void theControlApiStaysOnLoopbackWithoutTls() {
        assertThat(run("host", "--listen", "0.0.0.0:7101")).isEqualTo(2);
        assertThat(errLines()).containsExactly("ferry: --listen: 0.0.0.0:7101 is not a loopback address: remote access "
                + "to the control API needs TLS (--tls-keystore FILE --tls-password-file FILE)");
        assertThat(run("host", "--tls-keystore", "x.p12")).isEqualTo(2);
        assertThat(errLines()).containsExactly("ferry: --tls-keystore and --tls-password-file go together");
    }

    @Test
    void weakOrExposedSecretAndTokenFilesAreRefused(@TempDir Path dir) throws Exception {
        Path zeros = Files.writeString(dir.resolve("zeros"), "0".repeat(32) + "\n");
        Files.setPosixFilePermissions(zeros, PosixFilePermissions.fromString("rw-------"));
        assertThat(run("host", "--secret-file", zeros.toString())).isEqualTo(2);
        assertThat(errLines()).singleElement().asString()
                .startsWith("ferry: secret file " + zeros + ": not a random secret (only 1 distinct digits)");

        Path exposed = Files.writeString(dir.resolve("exposed"), HexFormat.of().formatHex(
                new SecureRandom().generateSeed(32)) + "\n");
        Files.setPosixFilePermissions(exposed, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(run("host", "--secret-file", exposed.toString())).isEqualTo(2);
        assertThat(errLines()).containsExactly("ferry: secret file " + exposed + " may be read or changed by other "
                + "users (mode rw-r--r--); run 'chmod 600 " + exposed + "'");

        Path secret = dir.resolve("secret");
        SharedSecret.loadOrCreate(secret);
        assertThat(run("host", "--secret-file", secret.toString(), "--token-file", exposed.toString())).isEqualTo(2);
        assertThat(errLines()).singleElement().asString().startsWith("ferry: token file " + exposed + " may be read");
    }

    @Test
    void aLocalImageIsUploadedAndAMissingTokenIsExplained(@TempDir Path dir) throws Exception {
        Path mine = Files.copy(GuestFixtures.images().buildDir().resolve("hello.elf"), dir.resolve("mine.elf"));
        Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rw-------"));
        Path notElf = Files.writeString(dir.resolve("notes.elf"), "text");
        try (FerryHost host = host("A")) {
            String h = HostAddress.format(host.controlAddress());
            assertThat(run("vm", "create", "--host", h, "--name", "mine", "--image", mine.toString())).isEqualTo(0);
            assertThat(out()).matches("created VM mine on .*: mine\\.elf@[0-9a-f]{12}, 128 MiB, .*\\R");
            assertThat(run("vm", "create", "--host", h, "--name", "bad", "--image", notElf.toString())).isEqualTo(2);
            assertThat(errLines()).containsExactly("ferry: " + notElf + ": not an ELF file");
            assertThat(host.images().uploaded()).hasSize(1);

            out.reset();
            err.reset();
            Path missing = dir.resolve("no-token");
            assertThat(Main.commandLine().execute("vm", "list", "--host", h, "--token-file", missing.toString()))
                    .isEqualTo(2);
            assertThat(errLines()).containsExactly("ferry: host " + h + " refused the API token: " + missing
                    + " does not exist (a host creates it for the user who runs the host: run ferry as that user, or "
                    + "give --token-file)");
        }
    }

    @Test
    void badMigrateRequestsFailWithOneLine() throws Exception {
        try (FerryHost a = host("A"); FerryHost b = host("B")) {
            String ha = HostAddress.format(a.controlAddress());
            run("vm", "create", "--host", ha, "--name", "vm1", "--image", "idle");
            assertThat(run("migrate", "vm1", "--from", ha, "--to", ha)).isEqualTo(2);
            assertThat(run("migrate", "vm1", "--from", ha, "--to", "127.0.0.1:1")).isEqualTo(2);
            assertThat(errLines()).singleElement().asString()
                    .startsWith("ferry: cannot reach target host 127.0.0.1:1 (connection refused)");
            assertThat(run("migrate", "vm1", "--from", ha, "--to", HostAddress.format(b.controlAddress()),
                    "--streams", "99")).isEqualTo(2);
            assertThat(errLines()).containsExactly("ferry: --streams must be between 1 and 16");
            assertThat(run("migrate", "vm1", "--from", ha, "--to", HostAddress.format(b.controlAddress()),
                    "--switchover-timeout", "5")).isEqualTo(2);
            assertThat(errLines()).containsExactly(
                    "ferry: --switchover-timeout must be between 100 ms and 1 hour (or 0: automatic)");
            assertThat(run("migrate", "vm1", "--from", ha, "--to", HostAddress.format(b.controlAddress()),
                    "--strategy", "demand", "--demand-idle-push", "0")).isEqualTo(2);
            assertThat(errLines()).containsExactly("ferry: --demand-idle-push must be between 1 ms and 1 hour");
        }
    }

    @Test
    void reportJsonUsesSnakeCaseWithUnitsInTheNames() throws Exception {
        ReportView r = new ReportView("A-1", "vm1", "precopy", "completed", true, null,
                List.of(new RoundView(1, "precopy", 8192, 33_600_000, 120.5, 19_800, 0)), 812.3, 3.1, 40_000_000,
                Map.of("raw", 8000L, "zero", 192L), 0, 0, 0, List.of("converged after 1 round"),
                Map.of("pause", 0.2), 4.5, 262_144, 1_200_000, 3);
        String json = Json.mapper().writeValueAsString(r);
        assertThat(json).contains("\"network_announced_ms\":4.5");
        assertThat(json).contains("\"disk_blocks\":262144", "\"disk_bytes\":1200000", "\"disk_rounds\":3");
        assertThat(json).contains("\"total_time_ms\":812.3", "\"downtime_ms\":3.1", "\"bytes_on_wire\":40000000",
                "\"duration_ms\":120.5", "\"dirty_rate_pages_per_s\":19800.0", "\"rate_limit_bits_per_s\":0",
                "\"fault_latency_mean_ms\":0.0", "\"pages_by_encoding\":{", "\"postcopy_faults\":0");
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        ReportFormat.print(r, new PrintStream(text, true, StandardCharsets.UTF_8));
        assertThat(text.toString(StandardCharsets.UTF_8))
                .contains("migration A-1 of VM vm1 (precopy): completed")
                .contains("total migration time  812.3 ms")
                .contains("downtime              3.10 ms")
                .contains("note: converged after 1 round");
        ByteArrayOutputStream side = new ByteArrayOutputStream();
        ReportFormat.sideBySide("pre-copy", r, "post-copy", r, new PrintStream(side, true, StandardCharsets.UTF_8));
        assertThat(side.toString(StandardCharsets.UTF_8)).contains("pages raw").contains("downtime");
    }

    private static boolean sleepBriefly() throws InterruptedException {
        Thread.sleep(50);
        return true;
    }
}
