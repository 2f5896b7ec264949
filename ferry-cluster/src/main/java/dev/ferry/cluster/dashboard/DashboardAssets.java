package dev.ferry.cluster.dashboard;

import dev.ferry.host.http.Exchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The web dashboard's files, served by the manager from its own jar: the page at {@code /} and its script and
 * style sheet under {@code /dashboard/}. They hold no cluster data, so they are served without the API token; the
 * script reads the token from the URL's fragment ({@code #token=...}, which browsers never send) and calls the API
 * with it. The content security policy lets the page load nothing but these files and talk to nothing but the
 * manager.
 */
public final class DashboardAssets {

    /** One file: its media type and bytes. */
    private record Asset(String type, byte[] body) {
    }

    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** Where a file is in the jar (under {@code /dashboard/}) and its media type. */
    private record Resource(String name, String type) {
    }

    /** Request path -> file. */
    private static final Map<String, Resource> ROUTES = Map.of(
            "/", new Resource("index.html", "text/html; charset=utf-8"),
            "/dashboard/dashboard.js", new Resource("dashboard.js", "text/javascript; charset=utf-8"),
            "/dashboard/dashboard.css", new Resource("dashboard.css", "text/css; charset=utf-8"));

    private static final Map<String, Asset> ASSETS = load();

    private DashboardAssets() {
    }

    private static Map<String, Asset> load() {
        Map<String, Asset> m = new HashMap<>();
        for (var e : ROUTES.entrySet()) {
            String resource = "/dashboard/" + e.getValue().name();
            try (InputStream in = DashboardAssets.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("the dashboard's " + resource + " is missing from the jar");
                }
                m.put(e.getKey(), new Asset(e.getValue().type(), in.readAllBytes()));
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        return Map.copyOf(m);
    }

    /** The dashboard's file at {@code rawPath}, if there is one. */
    private static Optional<Asset> find(String method, String rawPath) {
        if (!method.equals("GET")) {
            return Optional.empty();
        }
        return Optional.ofNullable(ASSETS.get(rawPath));
    }

    /**
     * Answers a request for one of the dashboard's files and returns true; returns false, without answering, for
     * any other request.
     */
    public static boolean serve(Exchange ex) throws IOException {
        Optional<Asset> a = find(ex.method(), ex.rawPath());
        if (a.isEmpty()) {
            return false;
        }
        ex.setHeader("Content-Security-Policy", CSP);
        ex.setHeader("X-Content-Type-Options", "nosniff");
        ex.setHeader("Referrer-Policy", "no-referrer");
        ex.setHeader("Cache-Control", "no-cache");
        ex.respond(200, a.get().type(), a.get().body());
        return true;
    }
}
