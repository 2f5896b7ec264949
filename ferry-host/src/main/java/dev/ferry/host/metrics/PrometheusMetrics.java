package dev.ferry.host.metrics;

import dev.ferry.host.FerryHost;
import dev.ferry.host.migration.OutgoingMigration;
import dev.ferry.host.migration.OutgoingMigrations;
import dev.ferry.host.network.HostNetwork;
import dev.ferry.host.vm.HostedVm;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.migration.MigrationReceiver;
import dev.ferry.migration.MigrationStatus;
import dev.ferry.migration.endpoint.Rejection;
import dev.ferry.net.switching.DropReason;
import dev.ferry.net.switching.PortTotals;
import dev.ferry.net.switching.SwitchSnapshot;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a host's figures in the Prometheus text exposition format (version 0.0.4) for {@code GET /metrics}. */
public final class PrometheusMetrics {

    private final StringBuilder out = new StringBuilder();

    private PrometheusMetrics() {
    }

    /** The metrics of {@code host} right now. */
    public static String render(FerryHost host) {
        PrometheusMetrics m = new PrometheusMetrics();
        m.vms(host.name(), host.vms().all());
        m.migrations(host.name(), host.migrations());
        m.incoming(host.name(), host.incomingMigrations());
        m.endpoint(host.name(), host.migrationEndpointGuard());
        m.network(host.name(), host.network());
        return m.out.toString();
    }

    private void network(String hostName, HostNetwork network) {
        SwitchSnapshot s = network.snapshot();
        String[][] counters = {
            {"ferry_switch_port_rx_frames_total", "Frames the switch accepted from each port."},
            {"ferry_switch_port_rx_bytes_total", "Bytes the switch accepted from each port."},
            {"ferry_switch_port_tx_frames_total", "Frames the switch delivered to each port."},
            {"ferry_switch_port_tx_bytes_total", "Bytes the switch delivered to each port."},
        };
        for (int i = 0; i < counters.length; i++) {
            header(counters[i][0], "counter", counters[i][1]);
            for (SwitchSnapshot.PortView p : s.ports()) {
                PortTotals t = p.totals();
                long v = switch (i) {
                    case 0 -> t.rxFrames();
                    case 1 -> t.rxBytes();
                    case 2 -> t.txFrames();
                    default -> t.txBytes();
                };
                sample(counters[i][0], labels("host", hostName, "port", p.name(), "kind", p.kind().key()), v);
            }
        }
        header("ferry_switch_port_dropped_total", "counter", "Frames from each port the switch dropped, by reason.");
        for (SwitchSnapshot.PortView p : s.ports()) {
            for (DropReason r : DropReason.values()) {
                sample("ferry_switch_port_dropped_total", labels("host", hostName, "port", p.name(), "kind",
                        p.kind().key(), "reason", lower(r)), p.totals().dropped(r));
            }
        }
        header("ferry_switch_pair_bytes_total", "counter", "Bytes between each pair of MACs (the traffic matrix).");
        for (SwitchSnapshot.PairTraffic t : s.traffic()) {
            sample("ferry_switch_pair_bytes_total", labels("host", hostName, "source", t.source().toString(),
                    "destination", t.destination().toString()), t.bytes());
        }
        header("ferry_switch_macs", "gauge", "Addresses the switch has learned.");
        sample("ferry_switch_macs", labels("host", hostName), s.macs().size());
        network.vxlanTotals().ifPresent(v -> {
            header("ferry_vxlan_received_total", "counter", "VXLAN datagrams received.");
            sample("ferry_vxlan_received_total", labels("host", hostName), v.received());
            header("ferry_vxlan_dropped_total", "counter", "VXLAN datagrams dropped, by reason.");
            sample("ferry_vxlan_dropped_total", labels("host", hostName, "reason", "non_peer"), v.nonPeer());
            sample("ferry_vxlan_dropped_total", labels("host", hostName, "reason", "wrong_vni"), v.wrongVni());
            sample("ferry_vxlan_dropped_total", labels("host", hostName, "reason", "malformed"), v.malformed());
            sample("ferry_vxlan_dropped_total", labels("host", hostName, "reason", "send_failed"), v.sendFailures());
        });
    }

    private void vms(String hostName, List<HostedVm> vms) {
        Map<VmRunner.RunState, Integer> byState = new EnumMap<>(VmRunner.RunState.class);
        for (VmRunner.RunState s : VmRunner.RunState.values()) {
            byState.put(s, 0);
        }
        for (HostedVm vm : vms) {
            byState.merge(vm.runner().state(), 1, Integer::sum);
        }
        header("ferry_vms", "gauge", "VMs on this host by state.");
        byState.forEach((s, n) -> sample("ferry_vms", labels("host", hostName, "state", lower(s)), n));
        header("ferry_vm_instructions_retired_total", "counter", "Instructions retired by each VM.");
        for (HostedVm vm : vms) {
            sample("ferry_vm_instructions_retired_total", labels("host", hostName, "vm", vm.name()),
                    vm.runner().machine().instructions());
        }
        header("ferry_vm_memory_used_bytes", "gauge", "Guest RAM holding data (pages written at least once).");
        for (HostedVm vm : vms) {
            sample("ferry_vm_memory_used_bytes", labels("host", hostName, "vm", vm.name()), vm.memoryUsedBytes());
        }
    }

    private void migrations(String hostName, OutgoingMigrations migrations) {
        header("ferry_migrations_total", "counter", "Migrations started here that ended, by outcome.");
        for (OutgoingMigration.Outcome o : OutgoingMigration.Outcome.values()) {
            sample("ferry_migrations_total", labels("host", hostName, "outcome", lower(o)), migrations.count(o));
        }
        List<OutgoingMigration> running = migrations.running();
        header("ferry_migrations_in_progress", "gauge", "Migrations under way from this host (queued ones not "
                + "counted).");
        sample("ferry_migrations_in_progress", labels("host", hostName),
                running.stream().filter(r -> !r.queued()).count());
        header("ferry_migrations_queued", "gauge", "Migrations from this host waiting for a slot (--max-outgoing).");
        sample("ferry_migrations_queued", labels("host", hostName), migrations.queued());
        header("ferry_migration_sent_bytes_total", "counter", "Bytes on the wire of finished migrations.");
        sample("ferry_migration_sent_bytes_total", labels("host", hostName), migrations.bytesSent());
        header("ferry_migration_last_downtime_seconds", "gauge", "Downtime of the last completed migration.");
        sample("ferry_migration_last_downtime_seconds", labels("host", hostName), migrations.lastDowntimeMs() / 1e3);
        header("ferry_migration_last_total_time_seconds", "gauge", "Total time of the last completed migration.");
        sample("ferry_migration_last_total_time_seconds", labels("host", hostName),
                migrations.lastTotalTimeMs() / 1e3);
        histogram("ferry_migration_downtime_seconds", "Downtime of completed migrations from this host.", hostName,
                migrations.downtimeSeconds());

        String[] names = {"ferry_migration_round", "ferry_migration_remaining_pages",
            "ferry_migration_dirty_rate_pages_per_second", "ferry_migration_rate_limit_bits_per_second",
            "ferry_migration_throttle_ratio", "ferry_migration_in_flight_sent_bytes"};
        String[] help = {"Current pre-copy round.", "Pages still to send.", "Pages dirtied per second in the last round.",
            "Current send-rate limit (0 = unlimited).", "Fraction of time the vCPU is throttled.",
            "Bytes sent so far by the migration under way."};
        MigrationStatus[] statuses = running.stream().map(OutgoingMigration::status).toArray(MigrationStatus[]::new);
        for (int i = 0; i < names.length; i++) {
            header(names[i], "gauge", help[i]);
            for (int j = 0; j < statuses.length; j++) {
                MigrationStatus s = statuses[j];
                String l = labels("host", hostName, "id", running.get(j).id(), "vm", s.vm(), "phase", lower(s.phase()));
                double v = switch (i) {
                    case 0 -> s.round();
                    case 1 -> s.remainingPages();
                    case 2 -> s.dirtyRatePagesPerSec();
                    case 3 -> s.rateLimitBitsPerSec();
                    case 4 -> s.throttle();
                    default -> s.bytesSent();
                };
                sample(names[i], l, v);
            }
        }
    }

    private void incoming(String hostName, MigrationReceiver.Totals in) {
        header("ferry_incoming_migrations_in_progress", "gauge", "Migrations into this host under way (post-copy "
                + "ones until the last page arrived).");
        sample("ferry_incoming_migrations_in_progress", labels("host", hostName), in.inProgress());
        header("ferry_incoming_migrations_total", "counter", "Migrations into this host that ended, by outcome.");
        sample("ferry_incoming_migrations_total", labels("host", hostName, "outcome", "completed"), in.completed());
        sample("ferry_incoming_migrations_total", labels("host", hostName, "outcome", "abandoned"), in.abandoned());
        sample("ferry_incoming_migrations_total", labels("host", hostName, "outcome", "refused"), in.refused());
        header("ferry_incoming_migration_wire_bytes_total", "counter", "Bytes on the wire of migrations into this "
                + "host, both directions (nearly all of them received).");
        sample("ferry_incoming_migration_wire_bytes_total", labels("host", hostName), in.wireBytes());
    }

    private void endpoint(String hostName, MigrationReceiver.Guard guard) {
        header("ferry_incoming_migrations_queued", "gauge", "Migrations into this host told to wait for a slot "
                + "(--max-incoming); their sources ask again.");
        sample("ferry_incoming_migrations_queued", labels("host", hostName), guard.queued());
        header("ferry_migration_endpoint_handshakes", "gauge", "Connections to the migration endpoint that have not "
                + "authenticated yet.");
        sample("ferry_migration_endpoint_handshakes", labels("host", hostName), guard.handshakes());
        header("ferry_migration_endpoint_rejections_total", "counter", "Connections the migration endpoint dropped "
                + "before they authenticated, by reason.");
        for (Rejection r : Rejection.values()) {
            sample("ferry_migration_endpoint_rejections_total", labels("host", hostName, "reason", r.label()),
                    guard.rejections().getOrDefault(r, 0L));
        }
    }

    private void histogram(String name, String help, String hostName, Histogram.Snapshot h) {
        header(name, "histogram", help);
        for (int i = 0; i < h.bounds().length; i++) {
            sample(name + "_bucket", labels("host", hostName, "le",
                    BigDecimal.valueOf(h.bounds()[i]).stripTrailingZeros().toPlainString()), h.cumulative()[i]);
        }
        sample(name + "_bucket", labels("host", hostName, "le", "+Inf"), h.count());
        sample(name + "_sum", labels("host", hostName), h.sum());
        sample(name + "_count", labels("host", hostName), h.count());
    }

    private void header(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String name, String labels, double value) {
        out.append(name).append(labels).append(' ').append(format(value)).append('\n');
    }

    private static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    private static String labels(String... kv) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (i > 0) {
                b.append(',');
            }
            b.append(kv[i]).append("=\"").append(escape(kv[i + 1])).append('"');
        }
        return b.append('}').toString();
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
