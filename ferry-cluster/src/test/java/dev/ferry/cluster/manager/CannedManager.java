package dev.ferry.cluster.manager;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.host.api.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the manager that serves the dashboard's files from the classpath and fixed answers on the API
 * routes, for states a real cluster passes through too quickly to catch (a migration in its third round).
 */
final class CannedManager implements AutoCloseable {

    private final HttpServer server;
    private final String token;
    private final Map<String, Object> answers;
    private final AtomicInteger unauthorized = new AtomicInteger();

    /** Serves {@code answers} (path -> JSON body) to requests that carry {@code token}. */
    CannedManager(String token, Map<String, Object> answers) throws IOException {
        this.token = token;
        this.answers = answers;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** API requests that came without the token. */
    int unauthorized() {
        return unauthorized.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        try (ex) {
            if (path.equals("/") || path.startsWith("/dashboard/")) {
                String name = path.equals("/") ? "/dashboard/index.html" : path;
                try (InputStream in = CannedManager.class.getResourceAsStream(name)) {
                    if (in == null) {
                        ex.sendResponseHeaders(404, -1);
                        return;
                    }
                    byte[] body = in.readAllBytes();
                    ex.getResponseHeaders().set("Content-Type", name.endsWith(".js") ? "text/javascript"
                            : name.endsWith(".css") ? "text/css" : "text/html; charset=utf-8");
                    ex.sendResponseHeaders(200, body.length);
                    ex.getResponseBody().write(body);
                }
                return;
            }
            if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                unauthorized.incrementAndGet();
                ex.sendResponseHeaders(401, -1);
                return;
            }
            Object answer = answers.get(path);
            if (answer == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = Json.mapper().writeValueAsBytes(answer);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
