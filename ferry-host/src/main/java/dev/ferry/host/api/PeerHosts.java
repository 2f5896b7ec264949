package dev.ferry.host.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.auth.ApiToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * Asks other hosts' control APIs what a migration needs to know about them, with this host's API token. Every
 * way a peer can fail — unreachable, refusing the token, answering something that is not a Ferry host's answer,
 * too slowly or too much — becomes an {@link ApiException} with a 502 or 504 code and one clear line; nothing a
 * peer sends can make this host fail.
 */
public final class PeerHosts {

    /** Largest answer read from a peer. */
    private static final int MAX_ANSWER = 64 * 1024;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ApiToken token;

    /** Peers are asked with {@code token}. */
    public PeerHosts(ApiToken token) {
        this.token = token;
    }

    /** What {@code GET /v1/host} of the host at {@code to} says, checked to be a Ferry host's description. */
    public HostInfo describe(String to) {
        ControlAddress control;
        try {
            control = ControlAddress.parse(to);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("to: " + e.getMessage());
        }
        JsonNode answer = get(control, "/v1/host");
        if (!answer.isObject() || !answer.path("name").isTextual() || !answer.path("control").isTextual()) {
            throw new ApiException(ErrorCode.TARGET_BAD_ANSWER, "target " + to + " does not look like a Ferry host "
                    + "(its /v1/host answer is not a host description)");
        }
        try {
            return Json.tolerant().treeToValue(answer, HostInfo.class);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new ApiException(ErrorCode.TARGET_BAD_ANSWER, "target " + to + " does not look like a Ferry host "
                    + "(its /v1/host answer has fields of the wrong type)");
        }
    }

    /**
     * The migration endpoint the host at {@code to} announces; an unspecified address in it (0.0.0.0) means the
     * address {@code to} was reached at.
     */
    public InetSocketAddress migrationEndpoint(String to, HostInfo info) {
        if (info.migrationEndpoint() == null || info.migrationEndpoint().isBlank()) {
            throw new ApiException(ErrorCode.TARGET_BAD_ANSWER, "target host " + info.name()
                    + " announced no migration endpoint");
        }
        InetSocketAddress endpoint;
        try {
            endpoint = HostAddress.parse(info.migrationEndpoint());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.TARGET_BAD_ANSWER, "target host " + info.name()
                    + " announced a bad migration endpoint: " + e.getMessage());
        }
        if (endpoint.getAddress().isAnyLocalAddress()) {
            endpoint = new InetSocketAddress(ControlAddress.parse(to).address().getAddress(), endpoint.getPort());
        }
        return endpoint;
    }

    private JsonNode get(ControlAddress control, String path) {
        String to = control.text();
        HttpRequest request = HttpRequest.newBuilder(control.uri(path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", token.authorization()).GET().build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(MAX_ANSWER + 1);
            }
            if (response.statusCode() == 401) {
                throw new ApiException(ErrorCode.TARGET_REFUSED, "target host " + to + " refused this host's API "
                        + "token; hosts that migrate to each other need the same token file (~/.config/ferry/token)");
            }
            if (response.statusCode() != 200) {
                throw new ApiException(ErrorCode.TARGET_BAD_ANSWER, "target host " + to + " answered HTTP "
                        + response.statusCode());
            }
            if (body.length > MAX_ANSWER) {
                throw new ApiException(ErrorCode.TARGET_BAD_ANSWER, "target " + to + " does not look like a Ferry "
                        + "host (its answer is larger than " + MAX_ANSWER / 1024 + " KiB)");
            }
            return Json.tolerant().readTree(body);
        } catch (ConnectException e) {
            throw new ApiException(ErrorCode.TARGET_UNREACHABLE, "cannot reach target host " + to
                    + " (connection refused) — is 'ferry host' running there?");
        } catch (HttpTimeoutException e) {
            throw new ApiException(ErrorCode.TARGET_TIMEOUT, "target host " + to + " did not answer in time");
        } catch (JacksonException e) {
            throw new ApiException(ErrorCode.TARGET_BAD_ANSWER, "target " + to + " does not look like a Ferry host "
                    + "(its answer is not JSON)");
        } catch (SSLException e) {
            throw new ApiException(ErrorCode.TARGET_UNREACHABLE, "cannot reach target host " + to
                    + " (TLS failed: " + e.getMessage() + ")");
        } catch (IOException e) {
            throw new ApiException(ErrorCode.TARGET_UNREACHABLE, "cannot reach target host " + to + " ("
                    + (e.getMessage() == null ? "connection failed" : e.getMessage()) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.UNAVAILABLE, "interrupted");
        }
    }
}
