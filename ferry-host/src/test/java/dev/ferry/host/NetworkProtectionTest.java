package dev.ferry.host;

import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.network.NetworkSettings;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.SwitchPort;
import java.time.Duration;
import java.util.Arrays;
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
 * A guest that floods its port and a guest that sends from another VM's MAC share a host with a well-behaved VM:
 * the flood is rate limited, the spoofed frames are dropped and counted, the good VM's address stays where it is,
 * and a client on the switch still gets every echo from it.
 */
@Timeout(120)
class NetworkProtectionTest {

    private static final String GOOD = "52:54:00:aa:00:02";
    private static final MacAddress CLIENT = MacAddress.parse("02:00:00:00:00:98");

    private FerryHost host;

    @BeforeEach
    void start() throws Exception {
        host = TestHosts.start("P", new CopyOnWriteArrayList<>(), NetworkSettings.LOCAL);
    }

    @AfterEach
    void stop() {
        host.close();
    }

    @Test
    void aFloodingAndASpoofingGuestDoNotDisturbAWellBehavedOne() throws Exception {
        BlockingQueue<byte[]> heard = new LinkedBlockingQueue<>();
        SwitchPort client = host.network().switchboard().addUplinkPort("probe", (f, off, len) -> {
            if (MacAddress.read(f, off).equals(CLIENT)) {
                heard.add(Arrays.copyOfRange(f, off, off + len));
            }
            return true;
        });
        create("good", "netecho", "count=100000000", "switch,mac=" + GOOD);
        awaitConsole("good", "ready");
        exchange(client, heard, 0);
        create("flood", "netflood", "mode=flood", "switch,mac=52:54:00:aa:00:03");
        create("spoof", "netflood", "mode=spoof src=" + GOOD.replace(":", "") + " dst=020000000098",
                "switch,mac=52:54:00:aa:00:04");
        awaitConsole("flood", "sent 10000");
        awaitConsole("spoof", "sent 10000");

        for (int tag = 1; tag <= 30; tag++) {
            exchange(client, heard, tag);
        }
        JsonNode ports = get(host, "/v1/network").json().path("ports");
        assertThat(port(ports, "52:54:00:aa:00:03").path("dropped_rate_limited").asLong()).as("flood limited")
                .isPositive();
        JsonNode spoof = port(ports, "52:54:00:aa:00:04");
        assertThat(spoof.path("dropped_spoofed").asLong()).as("spoofed frames dropped").isGreaterThan(10_000);
        assertThat(spoof.path("rx_frames").asLong()).as("none of them accepted").isZero();
        JsonNode macs = get(host, "/v1/network").json().path("macs");
        assertThat(macs).anyMatch(m -> m.path("mac").asText().equals(GOOD)
                && m.path("port").asInt() == port(ports, GOOD).path("id").asInt());
        assertThat(get(host, "/metrics").body()).contains("reason=\"spoofed\"");
    }

    private void create(String name, String image, String args, String nic) {
        Answer created = postJson(host, "/v1/vms", Map.of("name", name, "image", image, "mem", "16M", "args", args,
                "nics", List.of(nic)));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
    }

    private static JsonNode port(JsonNode ports, String mac) {
        for (JsonNode p : ports) {
            if (mac.equals(p.path("mac").asText())) {
                return p;
            }
        }
        throw new AssertionError("no port for " + mac + ": " + ports);
    }

    /** One echo through the good VM, within 20 tries of 200 ms each (a frame may meet a full queue). */
    private void exchange(SwitchPort client, BlockingQueue<byte[]> heard, int tag) throws InterruptedException {
        byte[] frame = new byte[64];
        MacAddress.parse(GOOD).write(frame, 0);
        CLIENT.write(frame, 6);
        frame[12] = (byte) 0x88;
        frame[13] = (byte) 0xb6;
        frame[14] = (byte) tag;
        for (int attempt = 0; attempt < 20; attempt++) {
            host.network().switchboard().receive(client, frame, 0, frame.length);
            long deadline = System.nanoTime() + Duration.ofMillis(200).toNanos();
            byte[] f;
            while ((f = heard.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) != null) {
                if (f.length > 14 && f[12] == (byte) 0x88 && f[13] == (byte) 0xb6 && f[14] == tag) {
                    return;
                }
            }
        }
        throw new AssertionError("the good VM did not echo frame " + tag);
    }

    private void awaitConsole(String vm, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (get(host, "/v1/vms/" + vm + "/console").body().contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("VM " + vm + " never printed " + text);
    }
}
