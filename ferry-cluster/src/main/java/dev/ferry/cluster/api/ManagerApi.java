package dev.ferry.cluster.api;

import static dev.ferry.host.api.JsonReplies.send;
import static dev.ferry.host.api.JsonReplies.sendError;
import static dev.ferry.host.api.JsonReplies.sendJson;

import com.fasterxml.jackson.core.JacksonException;
import dev.ferry.cluster.dashboard.DashboardAssets;
import dev.ferry.cluster.manager.ClusterManager;
import dev.ferry.host.api.CreateVmRequest;
import dev.ferry.host.api.HostReport;
import dev.ferry.host.api.Json;
import dev.ferry.host.api.JsonReplies;
import dev.ferry.host.api.RequestTarget;
import dev.ferry.host.auth.ApiToken;
import dev.ferry.host.http.Exchange;
import dev.ferry.host.http.HttpEndpoint;
import dev.ferry.host.http.HttpLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The cluster manager's HTTP/JSON API, with the same bearer token as the hosts' ({@code docs/cluster.md} lists
 * the routes): hosts report to it, operators and the dashboard read the inventory and start plans.
 */
public final class ManagerApi implements AutoCloseable {


    private final ClusterManager manager;
    private final ApiToken token;
    private final Consumer<String> log;
    private final HttpEndpoint endpoint;

    private ManagerApi(ClusterManager manager, ApiToken token, InetSocketAddress listen, Consumer<String> log)
            throws IOException {
        this.manager = manager;
        this.token = token;
        this.log = log;
        this.endpoint = HttpEndpoint.start(listen, null, HttpLimits.DEFAULTS, this::handle, JsonReplies::errorBody);
    }

    /** Serves {@code manager} at {@code listen} (loopback: the API has no TLS). */
    public static ManagerApi start(ClusterManager manager, ApiToken token, InetSocketAddress listen,
            Consumer<String> log) throws IOException {
        if (listen.getAddress() == null || !listen.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the manager listens on loopback only (it has no TLS yet)");
        }
        return new ManagerApi(manager, token, listen, log);
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return endpoint.address();
    }

    private void handle(Exchange ex) throws IOException {
        try {
            if (DashboardAssets.serve(ex)) {
                return;
            }
            if (!token.accepts(ex.header("Authorization"))) {
                ex.setHeader("WWW-Authenticate", "Bearer realm=\"ferry\"");
                sendError(ex, 401, "unauthorized", "the manager needs the cluster's API token (Authorization: Bearer "
                        + "TOKEN)");
                return;
            }
            route(ex);
        } catch (JacksonException e) {
            sendError(ex, 400, "malformed_json", "the request body is not the JSON this route takes");
        } catch (IllegalArgumentException e) {
            sendError(ex, 400, "bad_request", e.getMessage());
        } catch (IllegalStateException e) {
            sendError(ex, 409, "conflict", e.getMessage());
        } catch (IOException e) {
            sendError(ex, 502, "host_failed", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sendError(ex, 503, "unavailable", "the manager is shutting down");
        } catch (RuntimeException e) {
            log.accept("internal error on " + ex.method() + " " + ex.rawPath() + ": " + e);
            sendError(ex, 500, "internal", "internal error (the manager's log has the details)");
        }
    }

    private void route(Exchange ex) throws IOException, InterruptedException {
        List<String> p = RequestTarget.segments(ex.rawPath());
        String method = ex.method();
        if (p.equals(List.of("metrics")) && method.equals("GET")) {
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics().getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (p.size() < 2 || !p.get(0).equals("v1")) {
            sendError(ex, 404, "not_found", "no such route: " + ex.rawPath());
            return;
        }
        String route = method + " " + String.join("/", p.subList(1, p.size()));
        switch (route) {
            case "GET status" -> sendJson(ex, 200, manager.status());
            case "GET hosts" -> sendJson(ex, 200, Map.of("hosts", manager.hosts()));
            case "GET vms" -> sendJson(ex, 200, Map.of("vms", manager.vms()));
            case "GET migrations" -> sendJson(ex, 200, Map.of("migrations", manager.migrations()));
            case "POST hosts/report" -> sendJson(ex, 200, manager.report(read(ex, HostReport.class)));
            case "POST vms" -> sendJson(ex, 201, manager.createVm(read(ex, CreateVmRequest.class)));
            case "POST consolidate" -> sendJson(ex, 202, manager.consolidate());
            case "POST balance" -> sendJson(ex, 202, manager.balance());
            case "POST remap" -> sendJson(ex, 202, manager.remap());
            default -> {
                if (p.size() == 4 && p.get(1).equals("vms") && p.get(3).equals("migrate") && method.equals("POST")) {
                    sendJson(ex, 202, manager.migrate(p.get(2), read(ex, MigrateVmRequest.class).to()));
                    return;
                }
                if (p.size() == 4 && p.get(1).equals("hosts") && method.equals("POST")) {
                    switch (p.get(3)) {
                        case "drain" -> {
                            sendJson(ex, 202, manager.drain(p.get(2)));
                            return;
                        }
                        case "undrain" -> {
                            manager.undrain(p.get(2));
                            sendJson(ex, 200, Map.of("undrained", p.get(2)));
                            return;
                        }
                        default -> {
                        }
                    }
                }
                sendError(ex, 404, "not_found", "no such route: " + method + " " + ex.rawPath());
            }
        }
    }

    /** The body of {@code POST /v1/vms/{vm}/migrate}: the host to move the VM to. */
    private record MigrateVmRequest(String to) {
    }

    private static <T> T read(Exchange ex, Class<T> type) throws IOException {
        return Json.readRequest(ex.body().readAllBytes(), type);
    }

    /** Prometheus text: the status figures. */
    private String metrics() {
        ClusterViews.Status s = manager.status();
        StringBuilder b = new StringBuilder();
        gauge(b, "ferry_cluster_hosts", "Hosts known to the manager.", s.hosts());
        gauge(b, "ferry_cluster_hosts_on", "Hosts on.", s.hostsOn());
        gauge(b, "ferry_cluster_hosts_standby", "Hosts in standby.", s.hostsStandby());
        gauge(b, "ferry_cluster_hosts_failed", "Hosts declared failed.", s.hostsFailed());
        gauge(b, "ferry_cluster_vms", "VMs in the cluster.", s.vms());
        gauge(b, "ferry_cluster_migrations_running", "Migrations running.", s.migrationsRunning());
        gauge(b, "ferry_cluster_migrations_queued", "Migrations queued.", s.migrationsQueued());
        gauge(b, "ferry_cluster_power_watts", "Power draw by the power model.", s.powerWatts());
        gauge(b, "ferry_cluster_energy_kwh", "Energy used since the manager started.", s.energyKwh());
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, double value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" gauge\n");
        b.append(name).append(' ').append(String.format(Locale.ROOT, "%.6g", value)).append('\n');
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
