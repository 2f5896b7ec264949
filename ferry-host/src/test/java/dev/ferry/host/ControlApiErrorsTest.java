package dev.ferry.host;

import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.machine.board.GuestFixtures;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every error the control API answers is one JSON object with a stable code and a message for people: no HTML,
 * no Java class names, no stack traces, whatever the client sends.
 */
class ControlApiErrorsTest {

    private FerryHost host;
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        host = TestHosts.start("A", Collections.synchronizedList(log));
    }

    @AfterEach
    void stop() {
        host.close();
    }

    /** Checks the error format and answers the code. */
    private static JsonNode error(int status, String body, int expectedStatus) {
        assertThat(status).as(body).isEqualTo(expectedStatus);
        JsonNode json = new Answer(status, body).json();
        assertThat(json.size()).as(body).isEqualTo(2);
        assertThat(json.path("error").isTextual()).as(body).isTrue();
        assertThat(json.path("code").asText()).as(body).matches("[a-z_]+");
        assertThat(json.path("error").asText()).as(body)
                .doesNotContain("dev.ferry", "java.", "Exception", "JsonToken", "Cannot invoke", "\n");
        return json;
    }

    private static JsonNode error(Answer a, int expectedStatus) {
        return error(a.status(), a.body(), expectedStatus);
    }

    private String auth() {
        return "Authorization: " + TestHosts.TOKEN.authorization() + "\r\n";
    }

    @Test
    void malformedBodiesAreNamedWithoutInternals() {
        JsonNode notJson = error(post(host, "/v1/vms", "{\"name\": "), 400);
        assertThat(notJson.path("code").asText()).isEqualTo("malformed_json");
        assertThat(notJson.path("error").asText()).startsWith("malformed JSON at line 1, column");

        JsonNode array = error(post(host, "/v1/vms", "[1, 2]"), 400);
        assertThat(array.path("code").asText()).isEqualTo("wrong_type");
        assertThat(array.path("error").asText()).isEqualTo("the request body must be one JSON object");

        JsonNode unknown = error(post(host, "/v1/vms", "{\"name\":\"x\",\"image\":\"hello\",\"colour\":\"red\"}"), 400);
        assertThat(unknown.path("code").asText()).isEqualTo("unknown_field");
        assertThat(unknown.path("error").asText()).isEqualTo("unknown field 'colour'");

        JsonNode type = error(post(host, "/v1/vms", "{\"name\":\"x\",\"image\":\"hello\",\"max_instructions\":[1]}"),
                400);
        assertThat(type.path("error").asText()).isEqualTo("field 'max_instructions' has the wrong type");

        JsonNode args = error(post(host, "/v1/vms", "{\"name\":\"x\",\"image\":\"hello\",\"args\":[{}]}"), 400);
        assertThat(args.path("error").asText()).isEqualTo("field 'args[0]' has the wrong type");

        JsonNode trailing = error(post(host, "/v1/vms", "{\"name\":\"x\",\"image\":\"hello\"} {}"), 400);
        assertThat(trailing.path("code").asText()).isEqualTo("wrong_type");

        error(post(host, "/v1/vms/none/migrate", "null"), 404);
        error(post(host, "/v1/migrations/none/recover", "null"), 404);
    }

    /** GET {@code target} as sent, with the token. */
    private RawHttp.Reply rawGet(String target) {
        return RawHttp.exchange(host.controlAddress(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + auth() + "\r\n");
    }

    @Test
    void badPathsAndQueriesAreJsonErrors() {
        RawHttp.Reply percent = rawGet("/v1/vms/%zz");
        assertThat(percent.head()).containsIgnoringCase("Content-Type: application/json");
        JsonNode escape = error(percent.status(), percent.body(), 400);
        assertThat(escape.path("code").asText()).isEqualTo("bad_request");
        assertThat(escape.path("error").asText()).startsWith("malformed path");
        RawHttp.Reply utf8 = rawGet("/v1/vms/%c3%28");
        error(utf8.status(), utf8.body(), 400);
        RawHttp.Reply query = rawGet("/v1/vms/x/console?offset=%g1");
        assertThat(error(query.status(), query.body(), 400).path("error").asText())
                .startsWith("malformed query string");
        assertThat(error(get(host, "/v1/nothing"), 404).path("code").asText()).isEqualTo("not_found");
        JsonNode method = error(TestHosts.send(HttpRequest.newBuilder(URI.create(TestHosts.base(host) + "/v1/host"))
                .DELETE()), 405);
        assertThat(method.path("code").asText()).isEqualTo("method_not_allowed");
    }

    @Test
    void requestsTheServerCannotParseGetTheSameFormat() {
        var address = host.controlAddress();
        RawHttp.Reply garbage = RawHttp.exchange(address, "HELLO THERE\r\n\r\n");
        assertThat(error(garbage.status(), garbage.body(), 400).path("error").asText())
                .isEqualTo("malformed request line");

        RawHttp.Reply version = RawHttp.exchange(address, "GET /v1/host HTTP/2.0\r\n\r\n");
        assertThat(error(version.status(), version.body(), 505).path("code").asText())
                .isEqualTo("http_version_not_supported");

        RawHttp.Reply huge = RawHttp.exchange(address, "GET /v1/host HTTP/1.1\r\nX-Pad: " + "a".repeat(20_000)
                + "\r\n\r\n");
        assertThat(error(huge.status(), huge.body(), 431).path("code").asText()).isEqualTo("header_too_large");

        RawHttp.Reply chunked = RawHttp.exchange(address, "POST /v1/vms HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                + auth() + "\r\n0\r\n\r\n");
        assertThat(error(chunked.status(), chunked.body(), 411).path("code").asText()).isEqualTo("length_required");

        RawHttp.Reply length = RawHttp.exchange(address, "POST /v1/vms HTTP/1.1\r\nContent-Length: 12x\r\n\r\n");
        error(length.status(), length.body(), 400);

        RawHttp.Reply tooBig = RawHttp.exchange(address, "POST /v1/vms HTTP/1.1\r\nContent-Length: 4000000\r\n"
                + auth() + "\r\n");
        assertThat(error(tooBig.status(), tooBig.body(), 413).path("code").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void imagesOutsideTheImageDirectoryAreAllRefusedAlike() throws Exception {
        Path dir = Files.createTempDirectory("ferry-probe");
        try {
            Path text = Files.writeString(dir.resolve("notes.elf"), "text");
            Path elf = Files.copy(
                    GuestFixtures.images().buildDir().resolve("hello.elf"),
                    dir.resolve("hello.elf"));
            Path hidden = dir.resolve("hidden");
            Files.createDirectory(hidden);
            Path inHidden = Files.copy(elf, hidden.resolve("x.elf"));
            Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("---------"));
            String[] probes = {text.toString(), elf.toString(), inHidden.toString(), dir.resolve("missing.elf")
                .toString(), "/etc/passwd", "/dev/zero", "../../../../etc/passwd"};
            List<String> answers = new ArrayList<>();
            for (String probe : probes) {
                Answer a = TestHosts.postJson(host, "/v1/vms", Map.of("name", "p", "image", probe));
                JsonNode e = error(a, 400);
                assertThat(e.path("code").asText()).isEqualTo("bad_image");
                answers.add(e.path("error").asText().replace(probe, "PATH"));
            }
            assertThat(answers).containsOnly("image: 'PATH' is not a built-in image or a file in this host's image "
                    + "directory; upload the file instead ('ferry vm create --image PATH' does)");
            assertThat(host.vms().all()).isEmpty();
        } finally {
            Files.walk(dir).sorted(Comparator.reverseOrder()).forEach(p -> {
                p.toFile().setWritable(true);
                p.toFile().setExecutable(true);
                p.toFile().delete();
            });
        }
    }
}
