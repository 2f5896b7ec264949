package dev.ferry.machine.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.image.GuestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web image on Ferry with real clients: the VM's network interface is a TAP device the test creates, opens
 * through the machine and then moves into a network namespace of its own, with 10.213.7.1/24 there and the guest at
 * 10.213.7.2 (the kernel's {@code ip=}). From inside the namespace {@code curl} fetches {@code /big} (its checksum is
 * checked here), {@link WebChecks} runs as a program (HTTP, echo, 1,000 keys), and so does Debian's
 * {@code memccapable} when it is installed. Needs root and {@code /dev/net/tun}, and the built Linux guest; skipped
 * otherwise. The namespace and the device are removed in every case.
 */
class WebImageOnFerryTest {

    private static final String GUEST = "10.213.7.2";
    private static final String PEER = "10.213.7.1";
    private static final long BOOT_TIMEOUT_MS = 15 * 60_000;
    private static final long CLIENT_TIMEOUT_S = 600;

    private final String tap = "fyweb" + ProcessHandle.current().pid() % 100000;
    private final String ns = "ferry-web-test-" + ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    void servesBigEchoAndKeysToClientsInANamespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/net/tun")),
                "needs root and /dev/net/tun");
        assumeTrue(new GuestImages(GuestFixtures.home().resolve("guests/build")).linux().isPresent(),
                "the Linux guest is not built (guests/linux/build.sh)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "needs curl");
        VirtMachine m = null;
        Thread vcpu = null;
        try {
            assertThat(run("ip", "tuntap", "add", "dev", tap, "mode", "tap")).isZero();
            String append = GuestImages.commandLine(GuestImages.WEB, "console=ttyS0 quiet ip=" + GUEST + "::" + PEER
                    + ":255.255.255.0:ferry:eth0:off");
            ConsoleLog console = new ConsoleLog();
            m = LinuxFixtures.boot(LinuxFixtures.config(false, append, console)
                    .withNics(List.of(new NicConfig("52:54:00:12:34:56", "tap:" + tap))));
            assertThat(run("ip", "netns", "add", ns)).isZero();
            assertThat(run("ip", "link", "set", tap, "netns", ns)).isZero();
            assertThat(run("ip", "-n", ns, "addr", "add", PEER + "/24", "dev", tap)).isZero();
            assertThat(run("ip", "-n", ns, "link", "set", tap, "up")).isZero();
            assertThat(run("ip", "-n", ns, "link", "set", "lo", "up")).isZero();
            VirtMachine machine = m;
            vcpu = new Thread(() -> machine.run(Long.MAX_VALUE), "web-vcpu");
            vcpu.start();
            long t0 = System.nanoTime();
            console.await(WebChecks.readyLine(GUEST + "/24"), BOOT_TIMEOUT_MS);
            System.out.printf("web image on Ferry: ready after %.1f s%n", (System.nanoTime() - t0) / 1e9);

            Path big = tmp.resolve("big");
            assertThat(run("ip", "netns", "exec", ns, "curl", "-sS", "--max-time", Long.toString(CLIENT_TIMEOUT_S),
                    "-o", big.toString(), "http://" + GUEST + "/big")).as("curl /big").isZero();
            assertThat(WebChecks.sha256(Files.readAllBytes(big)))
                    .isEqualTo(WebChecks.sha256(WebChecks.ferryBytes(WebChecks.BIG)));

            String java = ProcessHandle.current().info().command().orElse(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> checks = List.of("ip", "netns", "exec", ns, java, "-cp", System.getProperty("java.class.path"),
                    WebChecks.class.getName(), GUEST);
            StringBuilder out = new StringBuilder();
            assertThat(run(checks, out)).as("WebChecks in the namespace: %s", out).isZero();
            assertThat(out).contains("web checks passed");

            if (Files.isExecutable(Path.of("/usr/bin/memccapable"))) {
                StringBuilder capable = new StringBuilder();
                run(List.of("ip", "netns", "exec", ns, "memccapable", "-h", GUEST, "-p",
                        Integer.toString(WebChecks.KV), "-a"), capable);
                assertThat(capable).as("memccapable -a").contains("All tests passed");
            }
        } finally {
            if (m != null) {
                m.requestStop();
                if (vcpu != null) {
                    vcpu.join(30_000);
                }
                m.close();
            }
            run("ip", "netns", "del", ns);
            run("ip", "tuntap", "del", "dev", tap, "mode", "tap");
        }
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        return run(List.of(cmd), new StringBuilder());
    }

    /** Runs {@code cmd}, appends its output (stdout and stderr) to {@code out}, returns its exit status. */
    private static int run(List<String> cmd, StringBuilder out) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        if (!p.waitFor(CLIENT_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
