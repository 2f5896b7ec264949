package dev.ferry.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.api.ControlAddress;
import dev.ferry.host.api.Json;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * Talks to a host's control API with the user's API token ({@link TokenFile}). Every failure becomes a
 * {@link UserError} with one line: the host's own error message (exit status 2 when the request was at fault or a
 * target host is unreachable, 1 when the host failed), or why the host could not be reached (exit status 2).
 */
public final class HostClient {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String address;
    private final ControlAddress control;
    private final TokenFile token;

    /** A client for the host whose control API is at {@code address} ({@code [https://]HOST:PORT}). */
    public HostClient(String address, TokenFile token) {
        try {
            this.control = ControlAddress.parse(address);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        this.address = address;
        this.token = token;
    }

    /** The address as the user gave it. */
    public String address() {
        return address;
    }

    /** The token this client sends. */
    public TokenFile token() {
        return token;
    }

    /** GET, answer as JSON. */
    public JsonNode get(String path) {
        return json(send(request(path).GET(), Duration.ofSeconds(30)));
    }

    /** GET, answer as a record. */
    public <T> T get(String path, Class<T> type) {
        return convert(get(path), type);
    }

    /** POST a JSON body ({@code null}: none), answer as JSON. */
    public JsonNode post(String path, Object body) {
        byte[] bytes;
        try {
            bytes = body == null ? new byte[0] : Json.mapper().writeValueAsBytes(body);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
        return json(send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)), Duration.ofSeconds(60)));
    }

    /** DELETE, answer as JSON. */
    public JsonNode delete(String path) {
        return json(send(request(path).DELETE(), Duration.ofSeconds(30)));
    }

    /** POST raw bytes, answer as JSON. */
    public JsonNode postBytes(String path, byte[] body) {
        return json(send(request(path).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), Duration.ofSeconds(30)));
    }

    /**
     * Uploads an image file, read as the calling user and streamed, to {@code POST /v1/images}; answers the name
     * the host gave it.
     */
    public String uploadImage(Path file) {
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.ofFile(file);
        } catch (FileNotFoundException e) {
            throw new UserError(file + ": cannot read the file");
        }
        String name = URLEncoder.encode(String.valueOf(file.getFileName()), StandardCharsets.UTF_8);
        JsonNode answer = json(send(request("/v1/images?name=" + name)
                .header("Content-Type", "application/octet-stream").POST(body), Duration.ofMinutes(10)));
        JsonNode image = answer.path("image");
        if (!image.isTextual()) {
            throw new UserError("host " + address + " did not name the uploaded image (not a Ferry host?)", 1);
        }
        return image.asText();
    }

    /** GET raw bytes (the console), with the response headers. */
    public HttpResponse<byte[]> getBytes(String path, Duration timeout) {
        return send(request(path).GET(), timeout);
    }

    /** Converts a JSON answer to a record. */
    public static <T> T convert(JsonNode node, Class<T> type) {
        try {
            return Json.tolerant().treeToValue(node, type);
        } catch (JacksonException e) {
            throw new UserError("unexpected answer from the host (is it the same Ferry version as this command?)", 1);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(control.uri(path));
        token.authorization().ifPresent(value -> b.header("Authorization", value));
        return b;
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request, Duration timeout) {
        HttpResponse<byte[]> response;
        try {
            response = HTTP.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw unreachable("connection refused");
        } catch (HttpTimeoutException e) {
            throw unreachable("no answer in time");
        } catch (SSLException e) {
            throw unreachable("TLS failed: " + e.getMessage());
        } catch (IOException e) {
            throw unreachable(e.getMessage() == null ? "connection failed" : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted", 130);
        }
        if (response.statusCode() == 401) {
            throw new UserError("host " + address + " refused the API token: " + token.whyRefused());
        }
        if (response.statusCode() >= 400) {
            String message = "host " + address + " answered HTTP " + response.statusCode();
            try {
                JsonNode error = Json.mapper().readTree(response.body()).path("error");
                if (error.isTextual()) {
                    message = error.asText();
                }
            } catch (IOException e) {
                message += " (not a Ferry host?)";
            }
            throw new UserError(message, isBadInput(response.statusCode()) ? Main.EXIT_BAD_INPUT : 1);
        }
        return response;
    }

    /** 4xx, and a target host that cannot be reached (502, 504), are the user's to fix. */
    private static boolean isBadInput(int status) {
        return status < 500 || status == 502 || status == 504;
    }

    private UserError unreachable(String why) {
        return new UserError("cannot reach host " + address + " (" + why + ") — is 'ferry host' running there?");
    }

    private JsonNode json(HttpResponse<byte[]> response) {
        try {
            return Json.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new UserError("host " + address + " did not answer with JSON (not a Ferry host?)", 1);
        }
    }
}
