package dev.ferry.host.api;

import static dev.ferry.host.api.JsonReplies.send;
import static dev.ferry.host.api.JsonReplies.sendError;
import static dev.ferry.host.api.JsonReplies.sendJson;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.ferry.host.FerryHost;
import dev.ferry.host.HostConfig;
import dev.ferry.host.http.Exchange;
import dev.ferry.host.http.HttpEndpoint;
import dev.ferry.host.image.HostImages;
import dev.ferry.host.metrics.PrometheusMetrics;
import dev.ferry.host.migration.OutgoingMigration;
import dev.ferry.host.template.TemplateStore;
import dev.ferry.host.vm.ConsoleBuffer;
import dev.ferry.host.vm.HostedVm;
import dev.ferry.host.vm.VmConflictException;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.MigrationStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The HTTP/JSON control API of a host (see {@code docs/host-api.md}). Every request must carry the host's API
 * token; every error is answered as {@link ErrorBody} with a stable {@link ErrorCode}.
 */
public final class ControlApi {

    /** How long a console write waits for a guest that reads its input slowly before answering with what went in. */
    static final long CONSOLE_INPUT_WAIT_MS = 2_000;

    /** Largest JSON request body accepted. */
    private static final int MAX_BODY = 1 << 20;

    private final FerryHost host;
    private final ControlSettings settings;
    private final HttpEndpoint endpoint;
    private final RefusalLog refusals;

    private ControlApi(FerryHost host, HostConfig config) throws IOException {
        this.host = host;
        this.settings = config.control();
        this.refusals = new RefusalLog(host::log);
        this.endpoint = HttpEndpoint.start(config.listen(), settings.tls(), settings.limits(), this::handle,
                JsonReplies::errorBody);
    }

    /** Binds {@code config.listen()} and serves {@code host}'s API there. */
    public static ControlApi start(FerryHost host, HostConfig config) throws IOException {
        return new ControlApi(host, config);
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return endpoint.address();
    }

    /** True when the API is served over TLS. */
    public boolean tls() {
        return endpoint.tls();
    }

    /** Stops serving. */
    public void stop() {
        endpoint.close();
    }

    private void handle(Exchange ex) throws IOException {
        try {
            if (!settings.token().accepts(ex.header("Authorization"))) {
                refusals.refused(ex, ex.header("Authorization") == null ? "no token" : "wrong token");
                ex.setHeader("WWW-Authenticate", "Bearer realm=\"ferry\"");
                throw new ApiException(ErrorCode.UNAUTHORIZED, "this host needs its API token (Authorization: "
                        + "Bearer TOKEN); the ferry command sends the one in the token file of the user who runs it");
            }
            route(ex);
        } catch (ApiException e) {
            sendError(ex, e.status(), e.code().code(), e.getMessage());
        } catch (VmConflictException e) {
            sendError(ex, 409, ErrorCode.CONFLICT.code(), e.getMessage());
        } catch (UnrecognizedPropertyException e) {
            sendError(ex, 400, ErrorCode.UNKNOWN_FIELD.code(), "unknown field '" + e.getPropertyName() + "'");
        } catch (MismatchedInputException e) {
            String field = fieldPath(e);
            sendError(ex, 400, ErrorCode.WRONG_TYPE.code(), field.isEmpty()
                    ? "the request body must be one JSON object" : "field '" + field + "' has the wrong type");
        } catch (JsonMappingException e) {
            String field = fieldPath(e);
            sendError(ex, 400, ErrorCode.BAD_REQUEST.code(), field.isEmpty() ? "the request body cannot be used"
                    : "field '" + field + "' has a value that cannot be used");
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            sendError(ex, 400, ErrorCode.MALFORMED_JSON.code(), "malformed JSON" + (at == null ? ""
                    : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
        } catch (IllegalArgumentException e) {
            sendError(ex, 400, ErrorCode.BAD_REQUEST.code(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sendError(ex, 503, ErrorCode.UNAVAILABLE.code(), "the host is shutting down");
        } catch (RuntimeException e) {
            host.log("internal error on " + ex.method() + " " + ex.rawPath() + ": " + e);
            sendError(ex, 500, ErrorCode.INTERNAL.code(), "internal error (the host's log has the details)");
        }
    }

    private void route(Exchange ex) throws IOException, InterruptedException {
        String method = ex.method();
        List<String> p = RequestTarget.segments(ex.rawPath());
        Map<String, String> query = RequestTarget.query(ex.rawQuery());
        if (p.equals(List.of("metrics"))) {
            requireMethod(ex, "GET");
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                    PrometheusMetrics.render(host).getBytes(StandardCharsets.UTF_8));
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
            case "network" -> {
                if (p.size() != 2) {
                    throw notFound(ex);
                }
                requireMethod(ex, "GET");
                sendJson(ex, 200, NetworkView.of(host.network()));
            }
            case "images" -> images(ex, method, p, query);
            case "templates" -> templates(ex, method, p);
            case "migrations" -> migrations(ex, method, p);
            default -> throw notFound(ex);
        }
    }

    private void vms(Exchange ex, String method, List<String> p, Map<String, String> query)
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
            case "clone" -> {
                requireMethod(ex, "POST");
                sendJson(ex, 201, host.cloneVm(name, readJson(ex, CloneRequest.class)));
            }
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

    private void templates(Exchange ex, String method, List<String> p) throws IOException {
        if (p.size() == 2) {
            if (method.equals("GET")) {
                List<TemplateList.Entry> list = new ArrayList<>();
                for (TemplateStore.Listed t : host.templates().list()) {
                    list.add(new TemplateList.Entry(t.name(), t.manifest(), t.error()));
                }
                sendJson(ex, 200, new TemplateList(host.templates().directory().toString(), list));
            } else {
                requireMethod(ex, "POST");
                sendJson(ex, 201, host.createTemplate(readJson(ex, CreateTemplateRequest.class)));
            }
            return;
        }
        if (p.size() != 3) {
            throw notFound(ex);
        }
        String name = p.get(2);
        if (method.equals("DELETE")) {
            host.deleteTemplate(name);
            sendJson(ex, 200, Map.of("deleted", name));
        } else {
            requireMethod(ex, "GET");
            sendJson(ex, 200, host.templates().read(name));
        }
    }

    private void images(Exchange ex, String method, List<String> p, Map<String, String> query) throws IOException {
        if (p.size() != 2) {
            throw notFound(ex);
        }
        HostImages images = host.images();
        if (method.equals("GET")) {
            sendJson(ex, 200, new ImageList(images.builtIn(), images.uploaded()));
            return;
        }
        requireMethod(ex, "POST");
        if (ex.contentLength() == 0) {
            throw ApiException.badRequest("send the image file as the request body");
        }
        if (ex.contentLength() > images.maxUploadBytes()) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the image is " + ex.contentLength() + " bytes, more "
                    + "than this host takes (" + images.maxUploadBytes() + "; ferry host --max-image-size)");
        }
        try (InputStream body = ex.body()) {
            HostImages.Upload upload = images.upload(query.get("name"), ex.contentLength(), body);
            host.log("image " + upload.image() + " uploaded (" + upload.bytes() + " bytes)");
            sendJson(ex, 201, new ImageUploaded(upload.image(), upload.bytes()));
        } catch (ImageFormatException e) {
            throw new ApiException(ErrorCode.BAD_IMAGE, "image: " + e.getMessage());
        }
    }

    private void console(Exchange ex, String method, HostedVm vm, Map<String, String> query)
            throws IOException, InterruptedException {
        if (method.equals("POST")) {
            byte[] input = readBody(ex);
            sendJson(ex, 200, Map.of("accepted", feedConsole(vm, input)));
            return;
        }
        requireMethod(ex, "GET");
        long offset = longParam(query, "offset", 0, 0, Long.MAX_VALUE);
        int max = (int) longParam(query, "max", 65536, 1, ConsoleBuffer.DEFAULT_CAPACITY);
        long waitMs = longParam(query, "wait_ms", 0, 0, 30_000);
        ConsoleBuffer.Chunk chunk = vm.console().read(offset, max, waitMs);
        ex.setHeader("X-Ferry-Offset", Long.toString(chunk.offset()));
        ex.setHeader("X-Ferry-Next-Offset", Long.toString(chunk.next()));
        send(ex, 200, "application/octet-stream", chunk.data());
    }

    /**
     * Offers {@code input} to the VM's UART in order, waiting while its receive buffer is full (as QEMU's character
     * back end waits for the device), for at most {@link #CONSOLE_INPUT_WAIT_MS}; returns how many bytes went in.
     */
    private static int feedConsole(HostedVm vm, byte[] input) throws InterruptedException {
        long deadline = System.nanoTime() + CONSOLE_INPUT_WAIT_MS * 1_000_000L;
        int n = 0;
        while (n < input.length) {
            if (vm.runner().machine().consoleInput(input[n])) {
                n++;
            } else if (System.nanoTime() - deadline > 0) {
                break;
            } else {
                Thread.sleep(1);
            }
        }
        return n;
    }

    private void migrations(Exchange ex, String method, List<String> p) throws IOException {
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
                        : Json.mapper().readValue(body, RecoverRequest.class);
                host.recoverMigration(m.id(), req == null ? null : req.to());
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
                report == null ? null : ReportView.of(report, snap.outcome().label(), m.networkAnnouncedMs()));
    }

    // ---------------------------------------------------------------- plumbing

    private static ApiException notFound(Exchange ex) {
        return ApiException.notFound("no such endpoint: " + ex.method() + " " + ex.rawPath());
    }

    private static void requireMethod(Exchange ex, String method) {
        if (!ex.method().equals(method)) {
            ex.setHeader("Allow", method);
            throw new ApiException(ErrorCode.METHOD_NOT_ALLOWED, ex.rawPath() + " takes " + method + ", not "
                    + ex.method());
        }
    }

    private static <T> T readJson(Exchange ex, Class<T> type) throws IOException {
        byte[] body = readBody(ex);
        if (body.length == 0) {
            throw ApiException.badRequest("the request needs a JSON body");
        }
        return Json.readRequest(body, type);
    }

    private static byte[] readBody(Exchange ex) throws IOException {
        if (ex.contentLength() > MAX_BODY) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "request body larger than " + MAX_BODY + " bytes");
        }
        try (InputStream in = ex.body()) {
            return in.readAllBytes();
        }
    }

    /** The dotted path of the field a binding error is about ({@code args[2]}), empty for the body itself. */
    private static String fieldPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
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

    /** {@code GET /v1/images}: the built-in images and the uploaded ones this host holds. */
    public record ImageList(List<String> builtIn, List<String> uploaded) { }

    /** {@code POST /v1/images}: the name to create VMs from the uploaded image with. */
    public record ImageUploaded(String image, long bytes) { }
}
