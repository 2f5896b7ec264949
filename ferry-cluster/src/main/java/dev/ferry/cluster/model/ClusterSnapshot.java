package dev.ferry.cluster.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the cluster looks like at one moment: hosts, the VMs on them, and the traffic between VMs. The input of
 * every cluster policy, built by the manager from the hosts' reports or by the simulator from its model.
 *
 * @param atMillis the moment, in milliseconds of the caller's clock
 * @param hosts    every host, in a stable order
 * @param vms      every VM, each on one host of {@code hosts}
 * @param traffic  bytes per second between VMs
 */
public record ClusterSnapshot(long atMillis, List<HostState> hosts, List<VmState> vms, TrafficMatrix traffic) {

    /** Copies the lists and checks that every VM's host exists. */
    public ClusterSnapshot {
        hosts = List.copyOf(hosts);
        vms = List.copyOf(vms);
        Objects.requireNonNull(traffic, "traffic");
        Map<String, HostState> byName = new LinkedHashMap<>();
        for (HostState h : hosts) {
            if (byName.put(h.name(), h) != null) {
                throw new IllegalArgumentException("host " + h.name() + " is listed twice");
            }
        }
        for (VmState v : vms) {
            if (!byName.containsKey(v.host())) {
                throw new IllegalArgumentException("VM " + v.name() + " runs on unknown host " + v.host());
            }
        }
    }

    /** The host named {@code name}. */
    public Optional<HostState> host(String name) {
        return hosts.stream().filter(h -> h.name().equals(name)).findFirst();
    }

    /** The VM named {@code name}. */
    public Optional<VmState> vm(String name) {
        return vms.stream().filter(v -> v.name().equals(name)).findFirst();
    }

    /** The VMs on host {@code host}. */
    public List<VmState> vmsOn(String host) {
        List<VmState> list = new ArrayList<>();
        for (VmState v : vms) {
            if (v.host().equals(host)) {
                list.add(v);
            }
        }
        return list;
    }

    /** Cores the VMs on {@code host} keep busy. */
    public double cpuUsed(String host) {
        double sum = 0;
        for (VmState v : vms) {
            if (v.host().equals(host)) {
                sum += v.cpuDemand();
            }
        }
        return sum;
    }

    /** RAM reserved by the VMs on {@code host}. */
    public long memoryUsed(String host) {
        long sum = 0;
        for (VmState v : vms) {
            if (v.host().equals(host)) {
                sum += v.memoryBytes();
            }
        }
        return sum;
    }

    /** The host's CPU utilisation: busy cores over its cores (may exceed 1 when overcommitted). */
    public double utilization(HostState h) {
        return cpuUsed(h.name()) / h.cores();
    }

    /**
     * This snapshot after the moves and restarts of {@code plan} (VMs on their new hosts; power changes applied).
     */
    public ClusterSnapshot after(Plan plan) {
        Map<String, String> moved = new LinkedHashMap<>();
        for (Move m : plan.moves()) {
            moved.put(m.vm(), m.to());
        }
        for (Restart r : plan.restarts()) {
            moved.put(r.vm(), r.host());
        }
        List<VmState> v = new ArrayList<>(vms.size());
        for (VmState vm : vms) {
            String to = moved.get(vm.name());
            v.add(to == null ? vm : vm.on(to));
        }
        Map<String, PowerState> power = new LinkedHashMap<>();
        for (PowerChange p : plan.power()) {
            power.put(p.host(), p.to());
        }
        List<HostState> h = new ArrayList<>(hosts.size());
        for (HostState host : hosts) {
            PowerState p = power.get(host.name());
            h.add(p == null ? host : host.withPower(p));
        }
        return new ClusterSnapshot(atMillis, h, v, traffic);
    }
}
