package dev.ferry.cluster.policy;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.VmState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A policy's working copy of the cluster's load: each host's busy cores and reserved RAM and each VM's host,
 * tallied once from a snapshot and updated as the policy plans moves, so a plan never needs a fresh pass over every
 * VM and later decisions see earlier ones.
 */
final class Loads {

    /** Slack for comparing sums of doubles against limits. */
    static final double EPSILON = 1e-9;

    private final Map<String, HostState> hosts = new LinkedHashMap<>();
    private final Map<String, double[]> cpu = new HashMap<>();
    private final Map<String, long[]> memory = new HashMap<>();
    private final Map<String, List<VmState>> vmsOn = new HashMap<>();
    private final Map<String, String> hostOf = new HashMap<>();

    private Loads() {
    }

    /** The loads of {@code s}. */
    static Loads of(ClusterSnapshot s) {
        Loads l = new Loads();
        for (HostState h : s.hosts()) {
            l.hosts.put(h.name(), h);
            l.cpu.put(h.name(), new double[1]);
            l.memory.put(h.name(), new long[1]);
            l.vmsOn.put(h.name(), new ArrayList<>());
        }
        for (VmState v : s.vms()) {
            l.add(v, v.host());
        }
        return l;
    }

    Collection<HostState> hosts() {
        return hosts.values();
    }

    HostState host(String name) {
        return hosts.get(name);
    }

    /** Changes a host's power state in the working copy (a host woken, or put into standby). */
    void setPower(String name, PowerState p) {
        hosts.put(name, hosts.get(name).withPower(p));
    }

    double cpu(String host) {
        return cpu.get(host)[0];
    }

    long memory(String host) {
        return memory.get(host)[0];
    }

    double utilization(String host) {
        return cpu(host) / hosts.get(host).cores();
    }

    /** The VMs the working copy has on {@code host}, in snapshot order then arrival order. */
    List<VmState> vmsOn(String host) {
        return List.copyOf(vmsOn.get(host));
    }

    /** The host the working copy has {@code vm} on. */
    String hostOf(String vm) {
        return hostOf.get(vm);
    }

    /** Whether {@code host} has room for {@code cpuDemand} and {@code bytes} within {@code cpuLimit} x its cores. */
    boolean hasRoom(String host, double cpuDemand, long bytes, double cpuLimit) {
        HostState h = hosts.get(host);
        return memory(host) + bytes <= h.memoryBytes() && cpu(host) + cpuDemand <= h.cores() * cpuLimit + EPSILON;
    }

    /** Whether {@code host} uses more RAM than it has. */
    boolean overMemory(String host) {
        return memory(host) > hosts.get(host).memoryBytes();
    }

    /** Puts {@code v} on {@code host} (its {@code host} field is ignored). */
    void add(VmState v, String host) {
        cpu.get(host)[0] += v.cpuDemand();
        memory.get(host)[0] += v.memoryBytes();
        vmsOn.get(host).add(v);
        hostOf.put(v.name(), host);
    }

    /** Takes {@code v} off the host the working copy has it on. */
    void remove(VmState v) {
        String host = hostOf.remove(v.name());
        cpu.get(host)[0] -= v.cpuDemand();
        memory.get(host)[0] -= v.memoryBytes();
        vmsOn.get(host).removeIf(x -> x.name().equals(v.name()));
    }

    /** Moves {@code v} to {@code host}. */
    void move(VmState v, String host) {
        remove(v);
        add(v, host);
    }
}
