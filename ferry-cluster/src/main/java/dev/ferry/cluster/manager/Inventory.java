package dev.ferry.cluster.manager;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.TrafficMatrix;
import dev.ferry.cluster.model.VmState;
import dev.ferry.host.api.HostReport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the manager knows of its hosts: each one's last report, when it came, its power state and maintenance flag,
 * and the traffic rates between VMs computed from the switches' cumulative counters. Frames between VMs on two
 * hosts cross both hosts' switches, so a directed pair's rate is the largest any one switch saw, not their sum. Thread-safe (one lock);
 * {@link #snapshot} turns it into the input of the policies. Time is given by the caller (milliseconds of a
 * monotonic clock).
 */
final class Inventory {

    /** One host. */
    static final class Host {
        final String name;
        HostReport report;
        long lastReportMillis;
        PowerState power = PowerState.ON;
        boolean maintenance;
        /** Set when the host was declared failed: it must discard its VMs when it reports again. */
        boolean fenceOnReturn;
        Map<String, Long> trafficBytes = new HashMap<>();
        /** Bytes per second from one endpoint to another (VM names, or MACs of VMs elsewhere), "from\0to". */
        Map<String, Double> trafficRates = new HashMap<>();

        Host(String name) {
            this.name = name;
        }
    }

    private final Map<String, Host> hosts = new LinkedHashMap<>();

    /** Records a report that arrived at {@code nowMillis}; returns the host's record. */
    synchronized Host report(HostReport r, long nowMillis) {
        Host h = hosts.computeIfAbsent(r.name(), Host::new);
        Map<String, Long> bytes = new HashMap<>();
        Map<String, Double> rates = new HashMap<>();
        double secs = h.report == null ? 0 : (nowMillis - h.lastReportMillis) / 1000.0;
        for (HostReport.Traffic t : r.traffic() == null ? List.<HostReport.Traffic>of() : r.traffic()) {
            String key = t.from() + "\u0000" + t.to();
            bytes.put(key, t.bytes());
            Long before = h.trafficBytes.get(key);
            if (secs > 0 && before != null && t.bytes() >= before) {
                rates.merge(key, (t.bytes() - before) / secs, Double::sum);
            }
        }
        h.trafficBytes = bytes;
        h.trafficRates = rates;
        h.report = r;
        h.lastReportMillis = nowMillis;
        if (h.power == PowerState.FAILED && !h.fenceOnReturn) {
            h.power = PowerState.ON;
        }
        return h;
    }

    /** The last report of the failed host {@code host} about VM {@code vm}, if any. */
    synchronized Optional<HostReport.Vm> lastKnown(String host, String vm) {
        Host h = hosts.get(host);
        if (h == null || h.report == null) {
            return Optional.empty();
        }
        return h.report.vms().stream().filter(v -> v.name().equals(vm)).findFirst();
    }

    /** The host named {@code name}. */
    synchronized Optional<Host> host(String name) {
        return Optional.ofNullable(hosts.get(name));
    }

    /** Every host, in the order they joined. */
    synchronized List<Host> hosts() {
        return new ArrayList<>(hosts.values());
    }

    /** Sets a host's maintenance flag; false when there is no such host. */
    synchronized boolean maintenance(String name, boolean on) {
        Host h = hosts.get(name);
        if (h == null) {
            return false;
        }
        h.maintenance = on;
        return true;
    }

    /** Sets a host's power state. */
    synchronized void power(String name, PowerState p) {
        Host h = hosts.get(name);
        if (h != null) {
            h.power = p;
        }
    }

    /**
     * Hosts whose last report is older than {@code failAfterMillis} at {@code nowMillis} become FAILED (and are
     * fenced when they report again); returns their names.
     */
    synchronized List<String> expire(long nowMillis, long failAfterMillis) {
        List<String> failed = new ArrayList<>();
        for (Host h : hosts.values()) {
            if (h.power == PowerState.ON && h.report != null && nowMillis - h.lastReportMillis > failAfterMillis) {
                h.power = PowerState.FAILED;
                h.fenceOnReturn = true;
                failed.add(h.name);
            }
        }
        return failed;
    }

    /**
     * The policies' view of the hosts that reported. A VM reported by two hosts (around a migration's switchover)
     * counts once, on the host that reported it without a migration; a VM only moving away counts on its source; a
     * VM of a failed host counts there (as its last report had it) until another host reports it.
     */
    synchronized ClusterSnapshot snapshot(long nowMillis) {
        List<HostState> hs = new ArrayList<>();
        Map<String, VmState> settled = new LinkedHashMap<>();
        Map<String, VmState> leaving = new LinkedHashMap<>();
        Map<String, VmState> lost = new LinkedHashMap<>();
        Map<String, Double> directed = new HashMap<>();
        Map<String, String> macs = new HashMap<>();
        for (Host h : hosts.values()) {
            if (h.report != null && h.power != PowerState.FAILED) {
                for (HostReport.Vm v : h.report.vms()) {
                    for (String mac : v.macs() == null ? List.<String>of() : v.macs()) {
                        macs.put(mac, v.name());
                    }
                }
            }
        }
        for (Host h : hosts.values()) {
            if (h.report == null) {
                continue;
            }
            hs.add(new HostState(h.name, h.report.cores(), h.report.memoryBytes(), h.power, h.maintenance));
            for (HostReport.Vm v : h.report.vms()) {
                if (v.state().equals("powered_off") || v.state().equals("closed")) {
                    continue;
                }
                double dirty = v.dirtyPagesPerS() == null ? 0 : v.dirtyPagesPerS();
                VmState vm = new VmState(v.name(), h.name, v.cpuBusy(), Math.max(1, v.ramBytes()), v.touchedBytes(),
                        dirty);
                (h.power == PowerState.FAILED ? lost : v.migration() == null ? settled : leaving).putIfAbsent(v.name(),
                        vm);
            }
            h.trafficRates.forEach((k, v) -> {
                int cut = k.indexOf('\u0000');
                String from = macs.getOrDefault(k.substring(0, cut), k.substring(0, cut));
                String to = macs.getOrDefault(k.substring(cut + 1), k.substring(cut + 1));
                directed.merge(from + '\u0000' + to, v, Math::max);
            });
        }
        leaving.forEach(settled::putIfAbsent);
        lost.forEach(settled::putIfAbsent);
        Map<TrafficMatrix.Pair, Double> traffic = new HashMap<>();
        directed.forEach((k, rate) -> {
            int cut = k.indexOf('\u0000');
            String from = k.substring(0, cut);
            String to = k.substring(cut + 1);
            if (settled.containsKey(from) && settled.containsKey(to) && !from.equals(to)) {
                traffic.merge(TrafficMatrix.Pair.of(from, to), rate, Double::sum);
            }
        });
        return new ClusterSnapshot(nowMillis, hs, new ArrayList<>(settled.values()), TrafficMatrix.of(traffic));
    }
}
