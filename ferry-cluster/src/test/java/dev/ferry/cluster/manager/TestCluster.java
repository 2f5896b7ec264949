package dev.ferry.cluster.manager;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.cluster.ManagerDaemon;
import dev.ferry.host.FerryHost;
import dev.ferry.host.HostConfig;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.api.Json;
import dev.ferry.host.auth.ApiToken;
import dev.ferry.host.membership.ClusterMembership;
import dev.ferry.host.network.NetworkSettings;
import dev.ferry.host.storage.StorageDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import dev.ferry.machine.board.GuestFixtures;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A manager and real hosts on loopback, in this JVM, that joined it; the tests' view of them over HTTP. */
final class TestCluster implements AutoCloseable {

    static final ApiToken TOKEN = ApiToken.random();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final ManagerDaemon manager;
    final List<FerryHost> hosts = new ArrayList<>();
    final List<ClusterMembership> members = new ArrayList<>();
    final List<String> log = new CopyOnWriteArrayList<>();
    /** The hosts' disk directories and the template directory they share. */
    final Path storage;

    /** A manager and {@code n} hosts H1..Hn, each offering {@code cores} cores and {@code memory} bytes. */
    TestCluster(int n, double cores, long memory) throws Exception {
        this(n, cores, memory, ManagerDaemon.defaultPolicies());
    }

    /** As above, with these policies. */
    TestCluster(int n, double cores, long memory, ClusterPolicies policies) throws Exception {
        this(n, cores, memory, policies, false);
    }

    /** As above; with {@code linked}, the hosts' switches are one segment over VXLAN on loopback. */
    TestCluster(int n, double cores, long memory, ClusterPolicies policies, boolean linked) throws Exception {
        manager = ManagerDaemon.start(new InetSocketAddress("127.0.0.1", 0), TOKEN, policies, log::add);
        manager.manager().checkpointEvery(0);
        storage = Files.createTempDirectory("ferry-cluster-test-");
        byte[] secret = new byte[32];
        secret[0] = 7;
        for (int i = 1; i <= n; i++) {
            String name = "H" + i;
            HostConfig config = new HostConfig(name, new InetSocketAddress("127.0.0.1", 0), null, secret,
                    GuestFixtures.images(), line -> log.add(name + ": " + line), ControlSettings.of(TOKEN))
                    .withStorage(new StorageDirs(storage.resolve(name), storage.resolve("templates")));
            if (linked) {
                List<InetSocketAddress> peers = new ArrayList<>();
                for (int k = 1; k <= n; k++) {
                    if (k != i) {
                        peers.add(vxlan(k));
                    }
                }
                config = config.withNetwork(new NetworkSettings(vxlan(i), peers, NetworkSettings.DEFAULT_VNI,
                        List.of()));
            }
            FerryHost h = FerryHost.start(config);
            hosts.add(h);
            members.add(ClusterMembership.join(h, manager.address(), TOKEN, cores, memory, Duration.ofMillis(300)));
        }
        awaitJson("/v1/hosts", a -> a.path("hosts").size() == n, Duration.ofSeconds(20));
    }

    /** The VXLAN endpoint of host {@code i}: loopback, a port of a range that tests keep for this. */
    private static InetSocketAddress vxlan(int i) {
        return new InetSocketAddress("127.0.0.1", 4870 + i);
    }

    /** Host {@code i} (1-based) reports again, now offering {@code cores} and {@code memory}. */
    void rejoin(int i, double cores, long memory) {
        members.get(i - 1).close();
        members.set(i - 1, ClusterMembership.join(hosts.get(i - 1), manager.address(), TOKEN, cores, memory,
                Duration.ofMillis(300)));
    }

    FerryHost host(String name) {
        return hosts.stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
    }

    /** Creates a bare-metal VM directly on a host. */
    void createOn(String host, String vm, String image, String mem, String args) throws Exception {
        createOn(host, vm, image, mem, args, List.of());
    }

    /** Creates a bare-metal VM directly on a host, with these network interfaces. */
    void createOn(String host, String vm, String image, String mem, String args, List<String> nics)
            throws Exception {
        JsonNode a = send(URI.create("http://" + HostAddress.format(host(host).controlAddress()) + "/v1/vms"),
                "POST", Map.of("name", vm, "image", image, "mem", mem, "args", args, "nics", nics));
        assertThat(a.path("name").asText()).as(a.toString()).isEqualTo(vm);
    }

    JsonNode get(String path) throws Exception {
        return send(URI.create("http://" + HostAddress.format(manager.address()) + path), "GET", null);
    }

    JsonNode post(String path, Object body) throws Exception {
        return send(URI.create("http://" + HostAddress.format(manager.address()) + path), "POST", body);
    }

    private static JsonNode send(URI uri, String method, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Authorization", TOKEN.authorization());
        if (body != null) {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return Json.mapper().readTree(r.body());
    }

    /** Polls {@code path} until {@code ok} holds; returns the last answer. */
    JsonNode awaitJson(String path, Predicate<JsonNode> ok, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = get(path);
            if (ok.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting on " + path + ": " + last + "\nlog:\n" + String.join("\n", log));
    }

    /** Waits until the manager has no migration queued or running and the hosts have reported since. */
    void awaitIdle(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!manager.manager().idle()) {
            assertThat(System.nanoTime()).as("migrations end in time; log:\n" + String.join("\n", log))
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
        Thread.sleep(1000);
    }

    @Override
    public void close() {
        members.forEach(ClusterMembership::close);
        hosts.forEach(FerryHost::close);
        manager.close();
        try (Stream<Path> files = Files.walk(storage)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
