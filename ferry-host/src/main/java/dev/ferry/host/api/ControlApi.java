package dev.ferry.host.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.host.FerryHost;
import dev.ferry.host.metrics.PrometheusMetrics;
import dev.ferry.host.migration.OutgoingMigration;
import dev.ferry.host.vm.ConsoleBuffer;
import dev.ferry.host.vm.HostedVm;
import dev.ferry.host.vm.VmConflictException;
import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.MigrationStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP/JSON control API of a host (see {@code docs/host-api.md}). It is unauthenticated: it listens on
 * loopback by default and must not be exposed to a network.
 */
public final class ControlApi {

    /** Largest request body accepted. */
    private static final int MAX_BODY = 1 << 20;

    private final FerryHost host;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    private ControlApi(FerryHost host, HttpServer server) {
        this.host = host;
        this.server = server;
    }

    /** Binds {@code listen} and serves {@code host}'s API. */
    public static ControlApi start(FerryHost host, InetSocketAddress listen) throws IOException {
        HttpServer server = HttpServer.create(listen, 64);
        ControlApi api = new ControlApi(host, server);
        server.createContext("/", api::handle);
        server.setExecutor(api.executor);
        server.start();
        return api;
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops serving. */
    public void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (ApiException e) {
                sendJson(ex, e.status(), new ErrorBody(e.getMessage()));
            } catch (VmConflictException e) {
                sendJson(ex, 409, new ErrorBody(e.getMessage()));
            } catch (UnrecognizedPropertyException e) {
                sendJson(ex, 400, new ErrorBody("unknown field '" + e.getPropertyName() + "'"));
            } catch (MismatchedInputException e) {
                String field = e.getPath().isEmpty() ? null : e.getPath().getLast().getFieldName();
                sendJson(ex, 400, new ErrorBody(field != null ? "field '" + field + "' has the wrong type"
                        : "malformed request: " + e.getOriginalMessage()));
            } catch (JacksonException e) {
                sendJson(ex, 400, new ErrorBody("malformed JSON: " + e.getOriginalMessage()));
            } catch (IllegalArgumentException e) {
                sendJson(ex, 400, new ErrorBody(e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                host.log("internal error on " + ex.getRequestMethod() + " " + ex.getRequestURI() + ": " + e);
                sendJson(ex, 500, new ErrorBody("internal error: " + e.getMessage()));
            }
        } catch (IOException e) {
            return;
        }
    }

    private void route(HttpExchange ex) throws IOException, InterruptedException {
        String method = ex.getRequestMethod();
        List<String> p = segments(ex.getRequestURI().getRawPath());
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        if (p.equals(List.of("metrics"))) {
            requireMethod(ex, "GET");
            sendText(ex, 200, "text/plain; version=0.0.4; charset=utf-8", PrometheusMetrics.render(host));
            return;
        }
        if (p.size() < 2 || !p.get(0).equals("v1")) {
            throw notFound(ex);
        }
        switch (p.get(1)) {
            case "host" -> {
                if (p.size() != 2) {
                    throw notFound(ex);
                }
                requireMethod(ex, "GET");
                sendJson(ex, 200, host.info());
            }
            case "vms" -> vms(ex, method, p, query);
            case "migrations" -> migrations(ex, method, p);
            default -> throw notFound(ex);
        }
    }

    private void vms(HttpExchange ex, String method, List<String> p, Map<String, String> query)
            throws IOException, InterruptedException {
        if (p.size() == 2) {
            if (method.equals("GET")) {
                List<VmInfo> list = new ArrayList<>();
                for (HostedVm vm : host.vms().all()) {
                    list.add(host.describe(vm, false));
                }
                sendJson(ex, 200, new VmList(list));
            } else {
                requireMethod(ex, "POST");
                HostedVm vm = host.createVm(readJson(ex, CreateVmRequest.class));
                sendJson(ex, 201, host.describe(vm, false));
            }
            return;
        }
        String name = p.get(2);
        if (p.size() == 3) {
            if (method.equals("DELETE")) {
                host.stopVm(name);
                sendJson(ex, 200, Map.of("stopped", name));
            } else {
                requireMethod(ex, "GET");
                boolean sample = flag(query.get("dirty_rate"));
                sendJson(ex, 200, host.describe(host.vm(name), sample));
            }
            return;
        }
        if (p.size() != 4) {
            throw notFound(ex);
        }
        switch (p.get(3)) {
            case "pause" -> {
                requireMethod(ex, "POST");
                HostedVm vm = host.vm(name);
                vm.pause();
                sendJson(ex, 200, host.describe(vm, false));
            }
            case "resume" -> {
                requireMethod(ex, "POST");
                HostedVm vm = host.vm(name);
                vm.resume();
                sendJson(ex, 200, host.describe(vm, false));
            }
            case "stop" -> {
                requireMethod(ex, "POST");
                host.stopVm(name);
                sendJson(ex, 200, Map.of("stopped", name));
            }
            case "state-hash" -> {
                if (!method.equals("POST")) {
                    requireMethod(ex, "GET");
                }
                HostedVm.StateHash h = host.vm(name).stateHash();
                sendJson(ex, 200, new StateHashResponse(h.sha256(), h.instructions()));
            }
            case "console" -> console(ex, method, host.vm(name), query);
            case "migrate" -> {
                requireMethod(ex, "POST");
                HostedVm vm = host.vm(name);
                OutgoingMigration m = host.startMigration(vm.name(), readJson(ex, MigrateRequest.class));
                sendJson(ex, 202, new MigrationStarted(m.id(), vm.name(), m.to(),
                        m.strategy().name().toLowerCase(Locale.ROOT)));
            }
            default -> throw notFound(ex);
        }
    }

    private void console(HttpExchange ex, String method, HostedVm vm, Map<String, String> query)
            throws IOException, InterruptedException {
        if (method.equals("POST")) {
            byte[] input = readBody(ex);
            for (byte b : input) {
                vm.runner().machine().consoleInput(b);
            }
            sendJson(ex, 200, Map.of("accepted", input.length));
            return;
        }
        requireMethod(ex, "GET");
        long offset = longParam(query, "offset", 0, 0, Long.MAX_VALUE);
        int max = (int) longParam(query, "max", 65536, 1, ConsoleBuffer.DEFAULT_CAPACITY);
        long waitMs = longParam(query, "wait_ms", 0, 0, 30_000);
        ConsoleBuffer.Chunk chunk = vm.console().read(offset, max, waitMs);
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        ex.getResponseHeaders().set("X-Ferry-Offset", Long.toString(chunk.offset()));
        ex.getResponseHeaders().set("X-Ferry-Next-Offset", Long.toString(chunk.next()));
        send(ex, 200, chunk.data());
    }

    private void migrations(HttpExchange ex, String method, List<String> p) throws IOException {
        if (p.size() == 2) {
            requireMethod(ex, "GET");
            sendJson(ex, 200, new MigrationList(host.migrations().all().stream().map(ControlApi::view).toList()));
            return;
        }
        OutgoingMigration m = host.migration(p.get(2));
        if (p.size() == 3) {
            requireMethod(ex, "GET");
            sendJson(ex, 200, view(m));
            return;
        }
        if (p.size() != 4) {
            throw notFound(ex);
        }
        requireMethod(ex, "POST");
        switch (p.get(3)) {
            case "cancel" -> host.cancelMigration(m.id());
            case "push-rest" -> host.pushRest(m.id());
            case "recover" -> {
                byte[] body = readBody(ex);
                RecoverRequest req = body.length == 0 ? new RecoverRequest(null)
                        : Json.readRequest(body, RecoverRequest.class);
                host.recoverMigration(m.id(), req.to());
            }
            default -> throw notFound(ex);
        }
        sendJson(ex, 202, view(m));
    }

    /** The API's view of a migration: its status, and the report once done. */
    public static MigrationView view(OutgoingMigration m) {
        OutgoingMigration.Snapshot snap = m.snapshot();
        MigrationStatus s = snap.status();
        MigrationReport report = snap.report();
        return new MigrationView(m.id(), m.vmName(), m.to(), m.strategy().name().toLowerCase(Locale.ROOT),
                s.phase().name().toLowerCase(Locale.ROOT), s.round(), s.remainingPages(), s.dirtyRatePagesPerSec(),
                s.rateLimitBitsPerSec(), s.throttle(), s.bytesSent(), s.elapsedMillis(), s.error(), report != null,
                report == null ? null : ReportView.of(report, snap.outcome().label()));
    }

    // ---------------------------------------------------------------- plumbing

    private static ApiException notFound(HttpExchange ex) {
        return ApiException.notFound("no such endpoint: " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
    }

    private static void requireMethod(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equals(method)) {
            ex.getResponseHeaders().set("Allow", method);
            throw new ApiException(405, ex.getRequestURI().getPath() + " takes " + method + ", not "
                    + ex.getRequestMethod());
        }
    }

    private static <T> T readJson(HttpExchange ex, Class<T> type) throws IOException {
        byte[] body = readBody(ex);
        if (body.length == 0) {
            throw ApiException.badRequest("the request needs a JSON body");
        }
        return Json.readRequest(body, type);
    }

    private static byte[] readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                throw new ApiException(413, "request body larger than " + MAX_BODY + " bytes");
            }
            return body;
        }
    }

    private static void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, status, Json.mapper().writeValueAsBytes(body));
    }

    private static void sendText(HttpExchange ex, int status, String contentType, String text) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        send(ex, status, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    private static boolean flag(String v) {
        return v != null && (v.isEmpty() || v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes"));
    }

    private static long longParam(Map<String, String> q, String name, long def, long min, long max) {
        String v = q.get(name);
        if (v == null) {
            return def;
        }
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + ": '" + v + "' is not a number from " + min + " to " + max);
        }
    }

    /** {@code POST /v1/migrations/ID/recover}: optionally a new control API address of the target. */
    public record RecoverRequest(String to) { }
}
