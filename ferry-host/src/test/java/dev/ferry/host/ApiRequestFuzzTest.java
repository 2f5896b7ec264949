package dev.ferry.host;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JacksonException;
import dev.ferry.host.api.ApiException;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.api.Json;
import dev.ferry.host.api.MigrateRequest;
import dev.ferry.machine.fuzz.FuzzProperty;
import dev.ferry.machine.image.GuestImages;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Requests of the control API with arbitrary bodies and paths, sent with the host's token to a real host whose
 * image directory is empty (so no request boots a VM unless it uploaded a valid rv64 ELF first), and migration
 * requests decoded as the host decodes them: every answer is a 2xx or
 * a 4xx, never a 5xx, and decoding a request ends in the exceptions the API turns into 400s.
 */
class ApiRequestFuzzTest {

    private static final List<String> PATHS = List.of("/v1/vms", "/v1/vms/x", "/v1/vms/x/migrate", "/v1/images",
            "/v1/images?name=x", "/v1/migrations", "/v1/migrations/x", "/v1/migrations/x/recover", "/v1/host",
            "/metrics");
    private static final List<String> METHODS = List.of("GET", "POST", "DELETE", "PUT");
    private static Path images;
    private static FerryHost host;

    @BeforeAll
    static void start() throws Exception {
        images = Files.createTempDirectory("ferry-fuzz-images");
        host = FerryHost.start(new HostConfig("fuzz", new InetSocketAddress("127.0.0.1", 0), null, new byte[32],
                new GuestImages(images), line -> { }, ControlSettings.of(TestHosts.TOKEN)));
    }

    @AfterAll
    static void stop() throws Exception {
        host.close();
        try (var files = Files.walk(images)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @DictionaryEntries({"{\"name\":\"a\",", "\"image\":\"hello\",", "\"mem\":", "\"args\":[",
        "\"deterministic\":true", "\"max_instructions\":", "\"balloon\":", "\"to\":", "\"strategy\":",
        "\"streams\":", "\"bandwidth\":", "\"rate\":", "\"max_downtime_ms\":", "\"delay_hot\":",
        "\"on_stall\":", "null", "\"128M\"", "\"1e30\"", "-1", "[null]", "{}", "\"precopy\""})
    @FuzzTest(maxDuration = "3s")
    void requests(FuzzedDataProvider data) throws Exception {
        FuzzProperty.allowLoopbackConnections();
        int mode = data.consumeInt(0, 2);
        String method = METHODS.get(data.consumeInt(0, METHODS.size() - 1));
        String path = mode == 2 ? "/v1/" + data.consumeString(40) : PATHS.get(data.consumeInt(0, PATHS.size() - 1));
        byte[] body = data.consumeRemainingAsBytes();
        if (mode == 0 || mode == 2) {
            URI uri;
            try {
                uri = URI.create("http://" + HostAddress.format(host.controlAddress()) + path);
            } catch (IllegalArgumentException notAUri) {
                return;
            }
            HttpResponse<String> r = TestHosts.HTTP.send(HttpRequest.newBuilder(uri)
                    .header("Authorization", TestHosts.TOKEN.authorization())
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 500) {
                throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return;
        }
        FuzzProperty.holds(16L << 20, List.of(JacksonException.class, IllegalArgumentException.class,
                ApiException.class), () -> {
                    try {
                        Json.readRequest(body, MigrateRequest.class).toOptions();
                    } catch (ApiException e) {
                        if (e.status() >= 500) {
                            throw new AssertionError("status " + e.status() + ": " + e.getMessage(), e);
                        }
                        throw e;
                    }
                });
    }
}
