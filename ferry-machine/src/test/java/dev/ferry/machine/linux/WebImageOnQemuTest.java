package dev.ferry.machine.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.cpu.Cpu;
import dev.ferry.machine.image.GuestImages;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The web image on the reference machine, QEMU 7.2's {@code virt} with user-mode networking: the guest's HTTP, echo
 * and key-value ports are forwarded to loopback ports of this machine, and the test fetches {@code /big} and checks
 * its checksum, sends a line through the echo service, sets and reads back 1,000 keys, checks the key-value
 * server's replies to misses, conflicts and malformed commands, and — when Debian's
 * {@code libmemcached-tools} are installed — runs their protocol checker {@code memccapable} against the server.
 * Skipped when the Linux guest is not built.
 */
class WebImageOnQemuTest {

    private static final long TIMEOUT_MS = 120_000;
    private static final String APPEND = GuestImages.commandLine(GuestImages.WEB,
            "console=ttyS0 quiet ip=10.0.2.15::10.0.2.2:255.255.255.0:ferry:eth0:off");

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void servesBigEchoAndKeysThroughForwardedPorts() throws Exception {
        Path build = GuestFixtures.home().resolve("guests/build");
        GuestImages.LinuxGuest guest = new GuestImages(build).linux().orElse(null);
        assumeTrue(guest != null, "the Linux guest is not built (guests/linux/build.sh)");
        int http = freePort();
        int echo = freePort();
        int kv = freePort();
        String forwards = String.format("user,id=n0,hostfwd=tcp:127.0.0.1:%d-:%d,hostfwd=tcp:127.0.0.1:%d-:%d,"
                + "hostfwd=tcp:127.0.0.1:%d-:%d", http, WebChecks.HTTP, echo, WebChecks.ECHO, kv, WebChecks.KV);
        Process qemu = new ProcessBuilder(GuestFixtures.qemu(), "-machine", "virt", "-cpu", Cpu.QEMU_CPU,
                "-m", "256M", "-nographic", "-monitor", "none",
                "-kernel", guest.kernel().toString(), "-initrd", guest.initrd().toString(), "-append", APPEND,
                "-netdev", forwards, "-device", "virtio-net-device,netdev=n0")
                .redirectErrorStream(true).start();
        try (QemuConsole console = new QemuConsole(qemu, TIMEOUT_MS)) {
            console.await(WebChecks.readyLine("10.0.2.15/24"));

            WebChecks.checkHttp("127.0.0.1", http);
            WebChecks.checkEcho("127.0.0.1", echo);
            WebChecks.checkKeys("127.0.0.1", kv, 1000);
            WebChecks.checkKvReplies("127.0.0.1", kv);
            memccapable(kv);

            console.type("poweroff -f\n");
            assertThat(qemu.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS)).as("QEMU powers off").isTrue();
        } finally {
            qemu.destroyForcibly();
        }
    }

    /** Debian's memcached protocol checker (ASCII protocol) against the server, when it is installed. */
    private static void memccapable(int port) throws IOException, InterruptedException {
        Path tool = Path.of("/usr/bin/memccapable");
        if (!Files.isExecutable(tool)) {
            System.out.println("memccapable not installed (apt-get install libmemcached-tools): not run");
            return;
        }
        Process p = new ProcessBuilder(tool.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-a")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(out).as("memccapable -a").contains("All tests passed");
        assertThat(p.exitValue()).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
