package dev.ferry.machine.device.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The TAP back end against a real TAP interface the test creates, moved into a network namespace of its own with
 * a namespace-only address: the "guest" sends an ARP request through the back end and the namespace's kernel must
 * answer it through the back end. Needs root (CAP_NET_ADMIN) and {@code ip}; skipped otherwise.
 */
class TapBackendTest {

    private static final byte[] GUEST_MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    private static final byte[] GUEST_IP = {10, (byte) 213, 0, 2};
    private static final byte[] HOST_IP = {10, (byte) 213, 0, 1};

    private final String tap = "fytap" + ProcessHandle.current().pid() % 100000;
    private final String ns = "ferry-tap-test-" + ProcessHandle.current().pid();
    private TapBackend backend;

    private static boolean root() {
        return "root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/net/tun"));
    }

    private static int ip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (backend != null) {
            backend.close();
        }
        if (root()) {
            ip("netns", "del", ns);
            ip("tuntap", "del", "dev", tap, "mode", "tap");
        }
    }

    private static byte[] arpRequest() {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(GUEST_MAC).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        b.put(GUEST_MAC).put(GUEST_IP).put(new byte[6]).put(HOST_IP);
        return b.array();
    }

    @Test
    void framesGoBothWaysThroughATapInANamespace() throws Exception {
        assumeTrue(root(), "needs root and /dev/net/tun");
        assertThat(ip("tuntap", "add", "dev", tap, "mode", "tap")).isZero();
        backend = TapBackend.open(tap);
        BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        backend.attach((f, off, len) -> received.add(java.util.Arrays.copyOfRange(f, off, off + len)));
        assertThat(ip("netns", "add", ns)).isZero();
        assertThat(ip("link", "set", tap, "netns", ns)).isZero();
        assertThat(ip("-n", ns, "addr", "add", "10.213.0.1/24", "dev", tap)).isZero();
        assertThat(ip("-n", ns, "link", "set", tap, "up")).isZero();

        byte[] reply = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (reply == null && System.nanoTime() < deadline) {
            backend.send(arpRequest(), 0, 42);
            byte[] f;
            while ((f = received.poll(200, TimeUnit.MILLISECONDS)) != null) {
                if (f.length >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2) {
                    reply = f;
                    break;
                }
            }
        }
        assertThat(reply).as("an ARP reply from the namespace").isNotNull();
        assertThat(java.util.Arrays.copyOfRange(reply, 0, 6)).as("addressed to the guest").isEqualTo(GUEST_MAC);
        assertThat(java.util.Arrays.copyOfRange(reply, 28, 32)).as("for the namespace's address").isEqualTo(HOST_IP);
        assertThat(backend.sendErrors()).isZero();
    }

    @Test
    void badNamesAndMissingPrivilegeGiveOneLine() {
        assertThatThrownBy(() -> TapBackend.open("no such/name")).isInstanceOf(IOException.class)
                .hasMessageContaining("not a valid interface name");
        assertThatThrownBy(() -> NetBackendFactory.STANDARD.open("udp:1.2.3.4", "52:54:00:12:34:56"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("none, tap:NAME");
    }
}
