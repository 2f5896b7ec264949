package dev.ferry.cluster.manager;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.api.CreateVmRequest;
import dev.ferry.host.api.Json;
import dev.ferry.host.api.MigrateRequest;
import dev.ferry.host.api.MigrationView;
import dev.ferry.host.auth.ApiToken;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The manager's client of one host's control API (JSON over HTTP with the cluster's API token). A host's error
 * answer becomes an {@link IOException} carrying the host's own message.
 */
final class HostApi {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private final String base;
    private final ApiToken token;

    /** The host whose control API is at {@code address} (HOST:PORT). */
    HostApi(String address, ApiToken token) {
        this.base = "http://" + address;
        this.token = token;
    }

    /** Creates and starts a VM. */
    JsonNode createVm(CreateVmRequest req) throws IOException, InterruptedException {
        return send("POST", "/v1/vms", req);
    }

    /** Starts a migration of {@code vm}; returns its id on the host. */
    String migrate(String vm, MigrateRequest req) throws IOException, InterruptedException {
        return send("POST", "/v1/vms/" + encode(vm) + "/migrate", req).path("id").asText();
    }

    /** A migration of this host. */
    MigrationView migration(String id) throws IOException, InterruptedException {
        return Json.tolerant().treeToValue(send("GET", "/v1/migrations/" + encode(id), null), MigrationView.class);
    }

    /** Parks a VM's vCPU. */
    void pause(String vm) throws IOException, InterruptedException {
        send("POST", "/v1/vms/" + encode(vm) + "/pause", null);
    }

    /** Lets a paused VM run again. */
    void resume(String vm) throws IOException, InterruptedException {
        send("POST", "/v1/vms/" + encode(vm) + "/resume", null);
    }

    /** Makes template {@code name} of the paused VM {@code vm} (disks, state and boot files). */
    void createTemplate(String name, String vm) throws IOException, InterruptedException {
        send("POST", "/v1/templates", Map.of("name", name, "from", vm));
    }

    /** Deletes template {@code name}. */
    void deleteTemplate(String name) throws IOException, InterruptedException {
        send("DELETE", "/v1/templates/" + encode(name), null);
    }

    /** Stops and removes a VM. */
    void stopVm(String vm) throws IOException, InterruptedException {
        send("POST", "/v1/vms/" + encode(vm) + "/stop", null);
    }

    private JsonNode send(String method, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", token.authorization());
        if (body != null) {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<byte[]> res = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode json = res.body().length == 0 ? Json.mapper().nullNode() : Json.mapper().readTree(res.body());
        if (res.statusCode() >= 300) {
            String error = json.path("error").asText("");
            throw new IOException("host " + base.substring(7) + " answered " + res.statusCode()
                    + (error.isEmpty() ? "" : ": " + error));
        }
        return json;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
