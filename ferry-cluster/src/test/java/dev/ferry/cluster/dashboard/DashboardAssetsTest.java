package dev.ferry.cluster.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cluster.ManagerDaemon;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.auth.ApiToken;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The manager serves the dashboard's files to anyone (they hold no data) and nothing else without the token; the
 * link carries the token in its fragment; the migrate route refuses what it cannot do.
 */
class DashboardAssetsTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> send(ManagerDaemon m, String method, String path, ApiToken token,
            String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + HostAddress.format(m.address()) + path))
                .timeout(Duration.ofSeconds(10)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", token.authorization());
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Test
    void servesThePageWithoutTheTokenAndNoDataWithoutIt() throws Exception {
        ApiToken token = ApiToken.random();
        try (ManagerDaemon m = ManagerDaemon.start(new InetSocketAddress("127.0.0.1", 0), token, line -> { })) {
            HttpResponse<String> page = send(m, "GET", "/", null, null);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("default-src 'none'", "connect-src 'self'");
            assertThat(page.body()).contains("<title>Ferry cluster</title>", "/dashboard/dashboard.js");

            HttpResponse<String> js = send(m, "GET", "/dashboard/dashboard.js", null, null);
            assertThat(js.statusCode()).isEqualTo(200);
            assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
            assertThat(js.body()).contains("Authorization", "sessionStorage");
            assertThat(send(m, "GET", "/dashboard/dashboard.css", null, null).statusCode()).isEqualTo(200);

            assertThat(send(m, "GET", "/dashboard/other.js", null, null).statusCode()).isEqualTo(401);
            assertThat(send(m, "POST", "/", null, "").statusCode()).isEqualTo(401);
            assertThat(send(m, "GET", "/v1/hosts", null, null).statusCode()).isEqualTo(401);
            assertThat(send(m, "GET", "/v1/hosts", ApiToken.random(), null).statusCode()).isEqualTo(401);
            assertThat(send(m, "GET", "/v1/hosts", token, null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theLinkCarriesTheTokenInItsFragment() {
        ApiToken token = ApiToken.random();
        URI link = DashboardLink.of(new InetSocketAddress("127.0.0.1", 7200), token);
        assertThat(link.getScheme()).isEqualTo("http");
        assertThat(link.getAuthority()).isEqualTo("127.0.0.1:7200");
        assertThat(link.getPath()).isEqualTo("/");
        assertThat(link.getRawQuery()).isNull();
        assertThat(token.accepts("Bearer " + link.getFragment().substring("token=".length()))).isTrue();
    }

    @Test
    void migrateRefusesUnknownVmsAndHosts() throws Exception {
        ApiToken token = ApiToken.random();
        try (ManagerDaemon m = ManagerDaemon.start(new InetSocketAddress("127.0.0.1", 0), token, line -> { })) {
            HttpResponse<String> noVm = send(m, "POST", "/v1/vms/ghost/migrate", token, "{\"to\":\"H1\"}");
            assertThat(noVm.statusCode()).isEqualTo(409);
            assertThat(noVm.body()).contains("no VM 'ghost'");
            assertThat(send(m, "POST", "/v1/vms/ghost/migrate", token, "{}").statusCode()).isEqualTo(400);
            assertThat(send(m, "POST", "/v1/vms/ghost/migrate", null, "{\"to\":\"H1\"}").statusCode())
                    .isEqualTo(401);
        }
    }
}
