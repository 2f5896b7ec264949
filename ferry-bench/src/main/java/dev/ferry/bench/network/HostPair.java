package dev.ferry.bench.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.host.FerryHost;
import dev.ferry.host.HostConfig;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.auth.ApiToken;
import dev.ferry.host.network.NetworkSettings;
import dev.ferry.machine.image.GuestImages;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Two Ferry hosts in this JVM, A and B, on loopback, whose switches are linked over VXLAN (UDP on 127.0.0.1, ports
 * the OS had free), sharing a migration secret and an API token. Host A also serves a TAP uplink. The benchmark
 * drives both through their HTTP control APIs, as a user would.
 */
final class HostPair implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL = Duration.ofSeconds(60);

    private final ApiToken token = ApiToken.random();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private FerryHost a;
    private FerryHost b;

    private HostPair() {
    }

    /** Starts A (with uplink {@code tap:TAP}, created here) and B, their switches linked on VNI {@code vni}. */
    static HostPair start(String tap, int vni) throws IOException {
        HostPair pair = new HostPair();
        try {
            InetSocketAddress va = freeUdp();
            InetSocketAddress vb = freeUdp();
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            pair.a = FerryHost.start(pair.config("A", secret)
                    .withNetwork(new NetworkSettings(va, List.of(vb), vni, List.of("tap:" + tap))));
            pair.b = FerryHost.start(pair.config("B", secret)
                    .withNetwork(new NetworkSettings(vb, List.of(va), vni, List.of())));
            return pair;
        } catch (IOException | RuntimeException e) {
            pair.close();
            throw e;
        }
    }

    private HostConfig config(String name, byte[] secret) {
        return new HostConfig(name, new InetSocketAddress("127.0.0.1", 0), null, secret,
                GuestImages.ofInstallation(), line -> log.add(name + ": " + line), ControlSettings.of(token));
    }

    /** Host A, which has the uplink. */
    FerryHost a() {
        return a;
    }

    /** Host B. */
    FerryHost b() {
        return b;
    }

    /** The other host. */
    FerryHost other(FerryHost host) {
        return host == a ? b : a;
    }

    /** The hosts' log lines so far, each prefixed with the host's name. */
    List<String> log() {
        return List.copyOf(log);
    }

    /** {@code host}'s control API address, as a migrate request's {@code to} names it. */
    static String control(FerryHost host) {
        return HostAddress.format(host.controlAddress());
    }

    /** GET {@code path} from {@code host} as JSON; a status other than 2xx is an IOException. */
    JsonNode get(FerryHost host, String path) throws IOException, InterruptedException {
        return JSON.readTree(send(host, path, HttpRequest.newBuilder().GET()));
    }

    /** GET {@code path} from {@code host} as text. */
    String text(FerryHost host, String path) throws IOException, InterruptedException {
        return send(host, path, HttpRequest.newBuilder().GET());
    }

    /** POST {@code body} as JSON to {@code path} on {@code host}; a status other than 2xx is an IOException. */
    JsonNode post(FerryHost host, String path, Object body) throws IOException, InterruptedException {
        return JSON.readTree(send(host, path, HttpRequest.newBuilder().header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))));
    }

    private String send(FerryHost host, String path, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request.uri(URI.create("http://" + control(host) + path)).timeout(CALL)
                .header("Authorization", token.authorization()).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() / 100 != 2) {
            throw new IOException("host " + host.name() + " answered " + path + " with " + r.statusCode() + ": "
                    + r.body());
        }
        return r.body();
    }

    /** Stops both hosts: their VMs end, A's TAP device goes away. */
    @Override
    public void close() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    private static InetSocketAddress freeUdp() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return new InetSocketAddress("127.0.0.1", s.getLocalPort());
        }
    }
}
