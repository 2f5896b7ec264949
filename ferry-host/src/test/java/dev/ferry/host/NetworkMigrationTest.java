package dev.ferry.host;

import static dev.ferry.host.TestHosts.awaitDone;
import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.network.NetworkSettings;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.SwitchPort;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two hosts whose switches are linked over VXLAN on loopback: a VM that echoes Ethernet frames answers a client
 * attached to the other host's switch before and after it migrates, the new host announces it, the old host stops
 * delivering to it at once, and the source's report says when the announcement arrived.
 */
@Timeout(120)
class NetworkMigrationTest {

    private static final String VM_MAC = "52:54:00:aa:00:01";
    private static final MacAddress CLIENT = MacAddress.parse("02:00:00:00:00:99");

    private final List<String> logA = new CopyOnWriteArrayList<>();
    private final List<String> logB = new CopyOnWriteArrayList<>();
    private FerryHost a;
    private FerryHost b;

    @BeforeEach
    void start() throws Exception {
        InetSocketAddress va = freeUdp();
        InetSocketAddress vb = freeUdp();
        a = TestHosts.start("A", logA, new NetworkSettings(va, List.of(vb), 42, List.of()));
        b = TestHosts.start("B", logB, new NetworkSettings(vb, List.of(va), 42, List.of()));
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
    }

    @Test
    void theVmAnswersTheSameClientBeforeAndAfterItMovesAndIsAnnouncedFromItsNewHost() throws Exception {
        BlockingQueue<byte[]> heard = new LinkedBlockingQueue<>();
        SwitchPort client = b.network().switchboard().addUplinkPort("probe", (f, off, len) -> {
            heard.add(java.util.Arrays.copyOfRange(f, off, off + len));
            return true;
        });
        Answer created = postJson(a, "/v1/vms", Map.of("name", "echo", "image", "netecho", "mem", "16M",
                "args", "count=100", "nics", List.of("switch,mac=" + VM_MAC)));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        awaitConsole(a, "ready");

        byte[] echo = exchange(b, client, heard, 1);
        assertThat(MacAddress.read(echo, 0)).isEqualTo(CLIENT);
        assertThat(MacAddress.read(echo, 6)).isEqualTo(MacAddress.parse(VM_MAC));
        JsonNode netA = get(a, "/v1/network").json();
        assertThat(netA.path("ports")).anyMatch(p -> p.path("kind").asText().equals("vm")
                && p.path("mac").asText().equals(VM_MAC) && p.path("rx_frames").asLong() >= 1);
        assertThat(netA.path("vxlan").path("vni").asInt()).isEqualTo(42);

        Answer started = postJson(a, "/v1/vms/echo/migrate", Map.of("to", TestHosts.base(b).substring(7),
                "strategy", "precopy"));
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        JsonNode done = awaitDone(a, started.json().path("id").asText());
        assertThat(done.path("report").path("success").asBoolean()).as(done.toString()).isTrue();
        assertThat(done.path("report").path("network_announced_ms").isNumber()).as(done.toString()).isTrue();
        assertThat(done.path("report").path("network_announced_ms").asDouble()).isBetween(0.0, 2000.0);
        assertThat(a.network().switchboard().vmPort(MacAddress.parse(VM_MAC))).as("detached from A").isEmpty();
        assertThat(a.network().learnedOnLink(MacAddress.parse(VM_MAC))).as("A learned the announcement").isTrue();
        assertThat(logB).anyMatch(l -> l.contains("VM echo announced on the network"));

        heard.clear();
        byte[] after = exchange(b, client, heard, 2);
        assertThat(MacAddress.read(after, 6)).isEqualTo(MacAddress.parse(VM_MAC));
        JsonNode netB = get(b, "/v1/network").json();
        assertThat(netB.path("ports")).anyMatch(p -> p.path("kind").asText().equals("vm")
                && p.path("mac").asText().equals(VM_MAC));
        assertThat(netB.path("traffic")).anyMatch(t -> t.path("source").asText().equals(VM_MAC)
                && t.path("destination").asText().equals(CLIENT.toString()) && t.path("bytes").asLong() > 0);
        assertThat(get(b, "/metrics").body()).contains("ferry_switch_port_rx_frames_total{host=\"B\"");
    }

    /** Sends a frame from the client to the VM until its echo comes back (the first may be lost while learning). */
    private static byte[] exchange(FerryHost host, SwitchPort client, BlockingQueue<byte[]> heard, int tag)
            throws InterruptedException {
        byte[] frame = new byte[64];
        MacAddress.parse(VM_MAC).write(frame, 0);
        CLIENT.write(frame, 6);
        frame[12] = (byte) 0x88;
        frame[13] = (byte) 0xb5;
        frame[14] = (byte) tag;
        for (int attempt = 0; attempt < 50; attempt++) {
            host.network().switchboard().receive(client, frame, 0, frame.length);
            long deadline = System.nanoTime() + Duration.ofMillis(200).toNanos();
            byte[] f;
            while ((f = heard.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) != null) {
                if (f.length >= 15 && MacAddress.read(f, 0).equals(CLIENT) && f[14] == tag) {
                    return f;
                }
            }
        }
        throw new AssertionError("no echo of frame " + tag);
    }

    private static void awaitConsole(FerryHost host, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (get(host, "/v1/vms/echo/console").body().contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the VM never printed " + text);
    }

    private static InetSocketAddress freeUdp() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return new InetSocketAddress("127.0.0.1", s.getLocalPort());
        }
    }
}
