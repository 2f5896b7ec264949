package dev.ferry.host;

import static dev.ferry.host.TestHosts.awaitDone;
import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.network.NetworkSettings;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.linux.WebChecks;
import dev.ferry.net.testing.Netns;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clients across live migrations of Linux VMs between two hosts linked over VXLAN: host A's TAP uplink is moved
 * into a network namespace this test creates (10.77.0.1/24 there), and Debian's {@code ping}, {@code curl} and
 * memcached clients ({@code memccp}, {@code memccat}) run inside it. Needs root, {@code /dev/net/tun}, the clients
 * and the built Linux guest; skipped otherwise. The namespace goes away in every case.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class NetworkClientsTest {

    private static final String CLIENT = "10.77.0.1";
    private static final Duration BOOT = Duration.ofMinutes(5);
    /** An ICMP echo of busybox ping's default 56 data bytes, as an Ethernet frame. */
    private static final long PING_FRAME_BYTES = 98;
    private static final Pattern PING_REPLY = Pattern.compile("^\\[(\\d+\\.\\d+)] \\d+ bytes from .*icmp_seq=(\\d+)");

    private final List<String> logA = new CopyOnWriteArrayList<>();
    private final List<String> logB = new CopyOnWriteArrayList<>();
    private final String tap = "fyup" + Netns.ID;
    private final String ns = "ferry-nc-" + Netns.ID;
    private Netns net;
    private FerryHost a;
    private FerryHost b;

    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Netns.usable() && Files.exists(Path.of("/dev/net/tun")), "needs root, ping and /dev/net/tun");
        for (String tool : List.of("curl", "memccp", "memccat")) {
            assumeTrue(Files.isExecutable(Path.of("/usr/bin", tool)), "needs " + tool);
        }
        assumeTrue(new GuestImages(GuestFixtures.home().resolve("guests/build")).linux().isPresent(),
                "the Linux guest is not built (guests/linux/build.sh)");
        InetSocketAddress va = freeUdp();
        InetSocketAddress vb = freeUdp();
        a = TestHosts.start("A", logA, new NetworkSettings(va, List.of(vb), 42, List.of("tap:" + tap)));
        b = TestHosts.start("B", logB, new NetworkSettings(vb, List.of(va), 42, List.of()));
        net = new Netns();
        net.run(new String[] {"ip", "netns", "add", ns}, "ip", "netns", "del", ns);
        Netns.run("ip", "link", "set", tap, "netns", ns);
        Netns.run("ip", "-n", ns, "addr", "add", CLIENT + "/24", "dev", tap);
        Netns.run("ip", "-n", ns, "link", "set", tap, "up");
        Netns.run("ip", "-n", ns, "link", "set", "lo", "up");
    }

    @AfterEach
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @Test
    void pingDownloadsAndKeysSurvivePreCopyAndPostCopyMigrations() throws Exception {
        create(a, "web", "web", "10.77.0.10/24", "console=ttyS0 quiet");
        awaitConsole(a, "web", "ferry-web ready address 10.77.0.10/24");
        assertThat(inNamespace(List.of("ping", "-c", "3", "-W", "10", "10.77.0.10"), 60).exit()).as("ping")
                .isZero();
        Map<String, String> keys = storeKeys(10_000);

        Path pingLog = tmp.resolve("ping.log");
        Process ping = new ProcessBuilder("ip", "netns", "exec", ns, "ping", "-D", "-n", "-i", "0.005", "-W", "1",
                "-w", "600", "10.77.0.10").redirectErrorStream(true).redirectOutput(pingLog.toFile()).start();
        String expected = WebChecks.sha256(WebChecks.ferryBytes(WebChecks.BIG));

        Process download = startDownload("pre");
        double preStart = epochSeconds();
        JsonNode pre = migrate(a, "web", b, "precopy");
        double preEnd = epochSeconds();
        assertThat(pre.path("network_announced_ms").isNumber()).as(pre.toString()).isTrue();
        assertThat(downloaded(download, "pre")).as("/big across a pre-copy migration").isEqualTo(expected);
        assertThat(b.vms().get("web")).isPresent();

        download = startDownload("post");
        double postStart = epochSeconds();
        JsonNode post = migrate(b, "web", a, "postcopy");
        double postEnd = epochSeconds();
        assertThat(downloaded(download, "post")).as("/big across a post-copy migration").isEqualTo(expected);

        Outcome sum = inNamespace(List.of("curl", "-sS", "--max-time", "120", "http://10.77.0.10/big.sha256"), 180);
        assertThat(sum.output()).as("a new request, served from A again").isEqualTo(expected + "  big\n");
        assertThat(a.vms().get("web")).isPresent();
        assertThat(b.vms().get("web")).isEmpty();

        Outcome read = inNamespace(readKeysCommand(keys), 600);
        assertThat(read.exit()).as(read.output()).isZero();
        assertThat(read.output()).as("every key reads back after two migrations (memccat ends each with a newline)")
                .isEqualTo(String.join("\n", keys.values()) + "\n");

        new ProcessBuilder("kill", "-INT", Long.toString(ping.pid())).start().waitFor();
        assertThat(ping.waitFor(30, TimeUnit.SECONDS)).as("ping ends on SIGINT").isTrue();
        String replies = Files.readString(pingLog);
        double preGap = longestGapMs(replies, preStart, preEnd + 2);
        double postGap = longestGapMs(replies, postStart, postEnd + 2);
        double gap = longestGapMs(replies, 0, Double.MAX_VALUE);
        System.out.printf(Locale.ROOT, "web VM, ping -i 0.005 from a namespace: A->B pre-copy downtime %.1f ms, "
                + "announced %.1f ms after, longest ping gap %.1f ms; B->A post-copy downtime %.1f ms, longest ping gap "
                + "%.1f ms; longest gap of the whole run %.1f ms%n", pre.path("downtime_ms").asDouble(),
                pre.path("network_announced_ms").asDouble(), preGap, post.path("downtime_ms").asDouble(), postGap, gap);
        assertThat(gap).as("ping answers again after the moves").isLessThan(30_000);
    }

    @Test
    void twoVmsThatTalkEndUpOnOneHostAndTheirTrafficStopsCrossingTheLink() throws Exception {
        create(b, "p2", "linux", "10.77.0.22/24", "console=ttyS0 quiet");
        awaitConsole(b, "p2", "ferry:/root #");
        create(a, "p1", "linux", "10.77.0.21/24", "console=ttyS0 quiet ferry.run=ping_-i_0.2_10.77.0.22");
        awaitConsole(a, "p1", "bytes from 10.77.0.22");
        String mac1 = a.vms().get("p1").orElseThrow().runner().machine().config().nics().get(0).mac();
        String mac2 = b.vms().get("p2").orElseThrow().runner().machine().config().nics().get(0).mac();
        assertThat(pairBytes(a, mac1, mac2)).as("A sees p1 -> p2").isPositive();
        assertThat(pairBytes(b, mac2, mac1)).as("B sees p2 -> p1").isPositive();

        JsonNode report = migrate(a, "p1", b, "precopy");
        assertThat(report.path("success").asBoolean()).isTrue();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (pairBytes(b, mac1, mac2) == 0) {
            assertThat(System.nanoTime()).as("p1's pings reach B's switch from its new port").isLessThan(deadline);
            Thread.sleep(100);
        }
        JsonNode ports = get(b, "/v1/network").json().path("ports");
        assertThat(ports).anyMatch(p -> p.path("kind").asText().equals("vm") && p.path("mac").asText().equals(mac1));
        assertThat(ports).anyMatch(p -> p.path("kind").asText().equals("vm") && p.path("mac").asText().equals(mac2));

        Thread.sleep(1000);
        long linkBefore = linkTxFrames(b);
        long pairBefore = pairBytes(b, mac1, mac2);
        Thread.sleep(4000);
        long pingFrames = (pairBytes(b, mac1, mac2) - pairBefore) / PING_FRAME_BYTES;
        long linkFrames = linkTxFrames(b) - linkBefore;
        System.out.printf("p1 and p2 on one host: %d ping frames p1 -> p2 in 4 s, %d frames from B over the link%n",
                pingFrames, linkFrames);
        assertThat(pingFrames).as("p1 keeps pinging p2").isGreaterThanOrEqualTo(5);
        assertThat(linkFrames).as("frames B still floods over the link (broadcasts only)").isLessThan(pingFrames / 2);
    }

    // ---------------------------------------------------------------- the VMs

    private static void create(FerryHost host, String name, String image, String ip, String args) {
        Answer created = postJson(host, "/v1/vms", Map.of("name", name, "image", image, "ip", ip, "args", args));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
    }

    private static void awaitConsole(FerryHost host, String vm, String text) throws InterruptedException {
        long deadline = System.nanoTime() + BOOT.toNanos();
        String console = "";
        while (System.nanoTime() < deadline) {
            console = get(host, "/v1/vms/" + vm + "/console").body();
            if (console.contains(text)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("VM " + vm + " never printed '" + text + "':\n" + console);
    }

    private static JsonNode migrate(FerryHost from, String vm, FerryHost to, String strategy) throws Exception {
        Answer started = postJson(from, "/v1/vms/" + vm + "/migrate", Map.of("to",
                TestHosts.base(to).substring("http://".length()), "strategy", strategy));
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        JsonNode done = awaitDone(from, started.json().path("id").asText());
        assertThat(done.path("report").path("success").asBoolean()).as(done.toString()).isTrue();
        return done.path("report");
    }

    private static long pairBytes(FerryHost host, String from, String to) {
        for (JsonNode t : get(host, "/v1/network").json().path("traffic")) {
            if (t.path("source").asText().equals(from) && t.path("destination").asText().equals(to)) {
                return t.path("bytes").asLong();
            }
        }
        return 0;
    }

    private static long linkTxFrames(FerryHost host) {
        long n = 0;
        for (JsonNode p : get(host, "/v1/network").json().path("ports")) {
            if (p.path("kind").asText().equals("link")) {
                n += p.path("tx_frames").asLong();
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- the clients

    private Process startDownload(String name) throws IOException {
        return start(List.of("curl", "-sS", "--limit-rate", "100k", "--max-time", "600", "-o",
                tmp.resolve(name).toString(), "http://10.77.0.10/big"));
    }

    private String downloaded(Process curl, String name) throws Exception {
        assertThat(curl.waitFor(10, TimeUnit.MINUTES)).as("curl ends").isTrue();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.exitValue()).as("curl: " + out).isZero();
        return WebChecks.sha256(Files.readAllBytes(tmp.resolve(name)));
    }

    /** Stores {@code count} keys with {@code memccp} (a file per key), returns them with their values in order. */
    private Map<String, String> storeKeys(int count) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("keys"));
        Map<String, String> keys = new LinkedHashMap<>();
        List<String> cmd = new ArrayList<>(List.of("memccp", "--servers=10.77.0.10:11211"));
        for (int i = 0; i < count; i++) {
            String key = String.format("k%05d", i);
            String value = "value " + i + " " + "v".repeat(i % 50);
            Files.writeString(dir.resolve(key), value);
            keys.put(key, value);
            cmd.add(dir.resolve(key).toString());
        }
        Outcome stored = inNamespace(cmd, 600);
        assertThat(stored.exit()).as("memccp: " + stored.output()).isZero();
        return keys;
    }

    private static List<String> readKeysCommand(Map<String, String> keys) {
        List<String> cmd = new ArrayList<>(List.of("memccat", "--servers=10.77.0.10:11211"));
        cmd.addAll(keys.keySet());
        return cmd;
    }

    private record Outcome(int exit, String output) { }

    private Outcome inNamespace(List<String> cmd, long timeoutSeconds) throws Exception {
        Process p = start(cmd);
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd.get(0) + " did not end within " + timeoutSeconds + " s");
        }
        return new Outcome(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private Process start(List<String> cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(cmd);
        return new ProcessBuilder(full).redirectErrorStream(!cmd.get(0).equals("memccat")).start();
    }

    /**
     * The longest time between two consecutive replies in {@code ping -D}'s output, in ms, of those gaps that end
     * within [{@code from}, {@code to}] (seconds since the epoch).
     */
    static double longestGapMs(String pingOutput, double from, double to) {
        double last = Double.NaN;
        double gap = 0;
        Map<Integer, Boolean> seen = new HashMap<>();
        for (String line : pingOutput.split("\n")) {
            Matcher m = PING_REPLY.matcher(line);
            if (!m.find() || seen.put(Integer.parseInt(m.group(2)), Boolean.TRUE) != null) {
                continue;
            }
            double t = Double.parseDouble(m.group(1));
            if (!Double.isNaN(last) && t >= from && t <= to) {
                gap = Math.max(gap, (t - last) * 1000);
            }
            last = t;
        }
        return gap;
    }

    private static double epochSeconds() {
        return System.currentTimeMillis() / 1000.0;
    }

    private static InetSocketAddress freeUdp() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return new InetSocketAddress("127.0.0.1", s.getLocalPort());
        }
    }
}
