package dev.ferry.cluster.policy;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.TrafficMatrix;
import dev.ferry.cluster.model.VmState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Moves VMs that talk to each other a lot onto one host, so their traffic stays off the network. Pairs are taken
 * heaviest first (at or above the minimum rate); for a pair on different hosts the cheaper VM to migrate goes to
 * the other's host, else the other one, else both go to a third host with room for both (the one that saves most
 * traffic). A move is made only when it lowers the inter-host traffic, counting the VM's traffic with every VM,
 * and only to a host that takes VMs and has room (RAM, and busy cores within the overcommit limit). A VM moved
 * once is not moved again but may draw others to it, so chatty groups gather pair by pair. The plan's notes give
 * the inter-host traffic before and after.
 */
public final class TaskRemapping implements ClusterPolicy {

    private final double minBytesPerSec;
    private final double cpuOvercommit;
    private final MigrationTime time;

    /**
     * @param minBytesPerSec pairs with less traffic than this are left alone
     * @param cpuOvercommit  busy cores a target may reach, in units of its cores
     * @param time           expected migration time, to move the cheaper VM of a pair
     */
    public TaskRemapping(double minBytesPerSec, double cpuOvercommit, MigrationTime time) {
        if (!(minBytesPerSec >= 0) || !(cpuOvercommit > 0)) {
            throw new IllegalArgumentException("need a minimum rate >= 0 and a positive overcommit limit");
        }
        this.minBytesPerSec = minBytesPerSec;
        this.cpuOvercommit = cpuOvercommit;
        this.time = Objects.requireNonNull(time, "time");
    }

    /** Bytes per second between VMs on different hosts in {@code s} (pairs naming unknown VMs are ignored). */
    public static double interHostTraffic(ClusterSnapshot s) {
        Map<String, String> hostOf = new HashMap<>();
        for (VmState v : s.vms()) {
            hostOf.put(v.name(), v.host());
        }
        double sum = 0;
        for (Map.Entry<TrafficMatrix.Pair, Double> e : s.traffic().rates().entrySet()) {
            String ha = hostOf.get(e.getKey().a());
            String hb = hostOf.get(e.getKey().b());
            if (ha != null && hb != null && !ha.equals(hb)) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    @Override
    public Plan plan(ClusterSnapshot now) {
        Loads loads = Loads.of(now);
        Map<String, VmState> vms = new HashMap<>();
        for (VmState v : now.vms()) {
            vms.put(v.name(), v);
        }
        Map<String, Map<String, Double>> peers = new HashMap<>();
        List<Map.Entry<TrafficMatrix.Pair, Double>> pairs = new ArrayList<>();
        for (Map.Entry<TrafficMatrix.Pair, Double> e : now.traffic().rates().entrySet()) {
            String a = e.getKey().a();
            String b = e.getKey().b();
            if (!vms.containsKey(a) || !vms.containsKey(b) || a.equals(b)) {
                continue;
            }
            peers.computeIfAbsent(a, k -> new HashMap<>()).merge(b, e.getValue(), Double::sum);
            peers.computeIfAbsent(b, k -> new HashMap<>()).merge(a, e.getValue(), Double::sum);
            if (e.getValue() >= minBytesPerSec) {
                pairs.add(e);
            }
        }
        pairs.sort(Comparator.comparing((Map.Entry<TrafficMatrix.Pair, Double> e) -> e.getValue()).reversed()
                .thenComparing(e -> e.getKey().a()).thenComparing(e -> e.getKey().b()));
        List<Move> moves = new ArrayList<>();
        Set<String> moved = new HashSet<>();
        for (Map.Entry<TrafficMatrix.Pair, Double> e : pairs) {
            VmState a = vms.get(e.getKey().a());
            VmState b = vms.get(e.getKey().b());
            String ha = loads.hostOf(a.name());
            String hb = loads.hostOf(b.name());
            if (ha.equals(hb)) {
                continue;
            }
            String reason = String.format("%.0f B/s between %s and %s", e.getValue(), a.name(), b.name());
            List<VmState> order = new ArrayList<>(List.of(a, b));
            order.sort(Comparator.comparingDouble(time::seconds).thenComparing(VmState::name));
            boolean done = false;
            for (VmState v : order) {
                String to = v == a ? hb : ha;
                if (!moved.contains(v.name()) && fits(loads, v, to) && gain(loads, peers, v, to) > 0) {
                    move(loads, moves, moved, v, to, reason);
                    done = true;
                    break;
                }
            }
            if (!done && !moved.contains(a.name()) && !moved.contains(b.name())) {
                String third = thirdHost(loads, peers, a, b);
                if (third != null) {
                    move(loads, moves, moved, order.get(0), third, reason);
                    move(loads, moves, moved, order.get(1), third, reason);
                }
            }
        }
        Plan plan = new Plan(moves, List.of(), List.of());
        List<String> notes = List.of(String.format("inter-host traffic before: %.0f B/s, after: %.0f B/s",
                interHostTraffic(now), interHostTraffic(now.after(plan))));
        return new Plan(moves, List.of(), notes);
    }

    private boolean fits(Loads loads, VmState v, String host) {
        return loads.host(host).acceptsVms() && loads.hasRoom(host, v.cpuDemand(), v.memoryBytes(), cpuOvercommit);
    }

    /** Inter-host traffic saved by moving {@code v} to {@code to} as the working copy stands. */
    private static double gain(Loads loads, Map<String, Map<String, Double>> peers, VmState v, String to) {
        String from = loads.hostOf(v.name());
        double gain = 0;
        for (Map.Entry<String, Double> p : peers.getOrDefault(v.name(), Map.of()).entrySet()) {
            String h = loads.hostOf(p.getKey());
            if (h.equals(to)) {
                gain += p.getValue();
            } else if (h.equals(from)) {
                gain -= p.getValue();
            }
        }
        return gain;
    }

    /** The host, other than theirs, with room for both that saves the most traffic when both move; or null. */
    private String thirdHost(Loads loads, Map<String, Map<String, Double>> peers, VmState a, VmState b) {
        String ha = loads.hostOf(a.name());
        String hb = loads.hostOf(b.name());
        String best = null;
        double bestGain = 0;
        for (HostState h : loads.hosts()) {
            String t = h.name();
            if (t.equals(ha) || t.equals(hb) || !h.acceptsVms() || !loads.hasRoom(t, a.cpuDemand() + b.cpuDemand(),
                    a.memoryBytes() + b.memoryBytes(), cpuOvercommit)) {
                continue;
            }
            double g = gain(loads, peers, a, t);
            loads.move(a, t);
            g += gain(loads, peers, b, t);
            loads.move(a, ha);
            if (g > bestGain + Loads.EPSILON) {
                best = t;
                bestGain = g;
            }
        }
        return best;
    }

    private static void move(Loads loads, List<Move> moves, Set<String> moved, VmState v, String to, String why) {
        moves.add(new Move(v.name(), loads.hostOf(v.name()), to, why));
        loads.move(v, to);
        moved.add(v.name());
    }
}
