package dev.ferry.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.auth.ApiToken;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every endpoint of the control API needs the host's token; refusals are logged without flooding the log. */
class ControlApiAuthTest {

    private final List<String> log = new CopyOnWriteArrayList<>();
    private FerryHost host;

    @BeforeEach
    void start() throws Exception {
        host = TestHosts.start("A", log);
    }

    @AfterEach
    void stop() {
        host.close();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(TestHosts.base(host) + path));
    }

    @Test
    void requestsWithoutTheTokenAreRefusedEverywhere() {
        assertThat(TestHosts.postJson(host, "/v1/vms", Map.of("name", "mine", "image", "idle")).status())
                .isEqualTo(201);
        List<HttpRequest.Builder> attempts = List.of(request("/v1/host").GET(), request("/v1/vms").GET(),
                request("/v1/vms/mine/console").GET(), request("/v1/vms/mine/stop").POST(
                        HttpRequest.BodyPublishers.noBody()), request("/v1/vms/mine").DELETE(),
                request("/metrics").GET(), request("/v1/images").POST(HttpRequest.BodyPublishers.ofString("x")),
                request("/v1/vms").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"theirs\",\"image\":\"/root/private.elf\"}")));
        for (HttpRequest.Builder attempt : attempts) {
            for (String header : new String[] {null, ApiToken.random().authorization(), "Basic cm9vdDpyb290",
                TestHosts.TOKEN.authorization().substring(7)}) {
                HttpRequest.Builder b = attempt.copy();
                if (header != null) {
                    b.header("Authorization", header);
                }
                Answer a = TestHosts.sendAs(b);
                assertThat(a.status()).isEqualTo(401);
                assertThat(a.json().path("code").asText()).isEqualTo("unauthorized");
            }
        }
        assertThat(host.vms().all()).singleElement().satisfies(vm -> assertThat(vm.name()).isEqualTo("mine"));
        assertThat(TestHosts.get(host, "/v1/vms/mine").json().path("state").asText()).isEqualTo("running");
    }

    @Test
    void refusalsAreLoggedAtMostOnceASecond() throws Exception {
        for (int i = 0; i < 50; i++) {
            assertThat(TestHosts.sendAs(request("/v1/vms").GET()).status()).isEqualTo(401);
        }
        List<String> lines = log.stream().filter(l -> l.startsWith("control API: refused")).toList();
        assertThat(lines).hasSizeBetween(1, 3);
        assertThat(lines.getFirst()).matches("control API: refused GET /v1/vms from 127\\.0\\.0\\.1:\\d+ \\(no token\\)");
        Thread.sleep(1100);
        TestHosts.sendAs(request("/v1/host").GET().header("Authorization", "Bearer 00"));
        List<String> all = log.stream().filter(l -> l.startsWith("control API: refused")).toList();
        assertThat(all.getLast()).contains("(wrong token)");
        assertThat(all).anyMatch(l -> l.contains("more refused since the last"));
        // every refusal is either a line of its own or counted in the next line logged (the loop may cross a second)
        long counted = all.stream().mapToLong(l -> {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("; (\\d+) more refused").matcher(l);
            return 1 + (m.find() ? Long.parseLong(m.group(1)) : 0);
        }).sum();
        assertThat(counted).isEqualTo(51);
    }
}
