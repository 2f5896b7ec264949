package dev.ferry.cluster.policy;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.VmState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A policy's working copy of the cluster's load: each host's busy cores and reserved RAM and each VM's host,
 * tallied once from a snapshot and updated as the policy plans moves, so a plan never needs a fresh pass over every
 * VM and later decisions see earlier ones. Hosts are numbered in snapshot order; the loops that visit every host
 * for every VM use the numbers (arrays, no lookups), which keeps plans fast at data-center scale.
 */
final class Loads {

    /** Slack for comparing sums of doubles against limits. */
    static final double EPSILON = 1e-9;

    private final HostState[] hosts;
    private final Map<String, Integer> index = new HashMap<>();
    private final boolean[] accepts;
    private final double[] cores;
    private final long[] capacity;
    private final double[] cpu;
    private final long[] memory;
    private final List<List<VmState>> vmsOn;
    private final Map<String, Integer> hostOf = new HashMap<>();

    private Loads(List<HostState> list) {
        hosts = list.toArray(new HostState[0]);
        accepts = new boolean[hosts.length];
        cores = new double[hosts.length];
        capacity = new long[hosts.length];
        cpu = new double[hosts.length];
        memory = new long[hosts.length];
        vmsOn = new ArrayList<>(hosts.length);
        for (int i = 0; i < hosts.length; i++) {
            index.put(hosts[i].name(), i);
            accepts[i] = hosts[i].acceptsVms();
            cores[i] = hosts[i].cores();
            capacity[i] = hosts[i].memoryBytes();
            vmsOn.add(new ArrayList<>());
        }
    }

    /** The loads of {@code s}. */
    static Loads of(ClusterSnapshot s) {
        Loads l = new Loads(s.hosts());
        for (VmState v : s.vms()) {
            l.add(v, l.index.get(v.host()));
        }
        return l;
    }

    /** Hosts in snapshot order. */
    List<HostState> hosts() {
        return Arrays.asList(hosts);
    }

    int size() {
        return hosts.length;
    }

    int index(String host) {
        return index.get(host);
    }

    HostState host(int i) {
        return hosts[i];
    }

    HostState host(String name) {
        return hosts[index(name)];
    }

    /** Changes a host's power state in the working copy (a host woken, or put into standby). */
    void setPower(String name, PowerState p) {
        int i = index(name);
        hosts[i] = hosts[i].withPower(p);
        accepts[i] = hosts[i].acceptsVms();
    }

    /** Whether host {@code i} takes VMs in the working copy. */
    boolean accepts(int i) {
        return accepts[i];
    }

    double cores(int i) {
        return cores[i];
    }

    double cpu(int i) {
        return cpu[i];
    }

    double cpu(String host) {
        return cpu[index(host)];
    }

    long memory(int i) {
        return memory[i];
    }

    long memory(String host) {
        return memory[index(host)];
    }

    double utilization(int i) {
        return cpu[i] / cores[i];
    }

    double utilization(String host) {
        return utilization(index(host));
    }

    /** The VMs the working copy has on {@code host}, in snapshot order then arrival order. */
    List<VmState> vmsOn(String host) {
        return List.copyOf(vmsOn.get(index(host)));
    }

    /** The host the working copy has {@code vm} on. */
    String hostOf(String vm) {
        return hosts[hostOf.get(vm)].name();
    }

    /** Whether host {@code i} has room for {@code cpuDemand} and {@code bytes} within {@code cpuLimit} x its cores. */
    boolean hasRoom(int i, double cpuDemand, long bytes, double cpuLimit) {
        return memory[i] + bytes <= capacity[i] && cpu[i] + cpuDemand <= cores[i] * cpuLimit + EPSILON;
    }

    boolean hasRoom(String host, double cpuDemand, long bytes, double cpuLimit) {
        return hasRoom(index(host), cpuDemand, bytes, cpuLimit);
    }

    /** Whether {@code host} uses more RAM than it has. */
    boolean overMemory(String host) {
        int i = index(host);
        return memory[i] > capacity[i];
    }

    /** Puts {@code v} on {@code host} (its {@code host} field is ignored). */
    void add(VmState v, String host) {
        add(v, index(host));
    }

    private void add(VmState v, int i) {
        cpu[i] += v.cpuDemand();
        memory[i] += v.memoryBytes();
        vmsOn.get(i).add(v);
        hostOf.put(v.name(), i);
    }

    /** Takes {@code v} off the host the working copy has it on. */
    void remove(VmState v) {
        int i = hostOf.remove(v.name());
        cpu[i] -= v.cpuDemand();
        memory[i] -= v.memoryBytes();
        vmsOn.get(i).removeIf(x -> x.name().equals(v.name()));
    }

    /** Moves {@code v} to {@code host}. */
    void move(VmState v, String host) {
        remove(v);
        add(v, host);
    }
}
