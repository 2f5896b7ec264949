package dev.ferry.host;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.api.Json;
import dev.ferry.host.auth.ApiToken;
import dev.ferry.host.network.NetworkSettings;
import dev.ferry.machine.board.GuestFixtures;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** In-process hosts on loopback and a small HTTP client for tests. */
final class TestHosts {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The API token of every test host. */
    static final ApiToken TOKEN = ApiToken.random();

    private TestHosts() {
    }

    /**
     * A host on an ephemeral loopback port with a fixed test secret and {@link #TOKEN}; its log lines go to
     * {@code log}.
     */
    static FerryHost start(String name, List<String> log) throws IOException {
        byte[] secret = new byte[32];
        secret[0] = 42;
        return FerryHost.start(new HostConfig(name, new InetSocketAddress("127.0.0.1", 0), null, secret,
                GuestFixtures.images(), log::add, ControlSettings.of(TOKEN)));
    }

    /** As {@link #start(String, List)}, with a network linked and uplinked as {@code network} says. */
    static FerryHost start(String name, List<String> log, NetworkSettings network) throws IOException {
        byte[] secret = new byte[32];
        secret[0] = 42;
        return FerryHost.start(new HostConfig(name, new InetSocketAddress("127.0.0.1", 0), null, secret,
                GuestFixtures.images(), log::add, ControlSettings.of(TOKEN)).withNetwork(network));
    }

    static FerryHost start(String name) throws IOException {
        return start(name, new CopyOnWriteArrayList<>());
    }

    /** An HTTP answer: status and body. */
    record Answer(int status, String body) {
        JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    static String base(FerryHost host) {
        return "http://" + HostAddress.format(host.controlAddress());
    }

    static Answer get(FerryHost host, String path) {
        return send(HttpRequest.newBuilder(URI.create(base(host) + path)).GET());
    }

    static Answer post(FerryHost host, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(base(host) + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static Answer postJson(FerryHost host, String path, Object body) {
        try {
            return post(host, path, Json.mapper().writeValueAsString(body));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Sends {@code request} with {@link #TOKEN}. */
    static Answer send(HttpRequest.Builder request) {
        return sendAs(request.header("Authorization", TOKEN.authorization()));
    }

    /** Sends {@code request} as it is, with whatever authorization it carries. */
    static Answer sendAs(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = HTTP.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Polls a migration's status until it is done; returns the last status. */
    static JsonNode awaitDone(FerryHost host, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode m = get(host, "/v1/migrations/" + id).json();
            if (m.path("done").asBoolean()) {
                return m;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("migration " + id + " did not finish");
    }

    /** Polls the VM's console until it holds {@code text}. */
    static void awaitConsole(FerryHost host, String vm, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
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

    /** Polls the VM's info until its state is {@code state}. */
    static JsonNode awaitState(FerryHost host, String vm, String state, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode info;
        do {
            info = get(host, "/v1/vms/" + vm).json();
            if (state.equals(info.path("state").asText())) {
                return info;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("VM " + vm + " did not reach state " + state + ": " + info);
    }
}
