package dev.ferry.cluster.policy;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.TrafficMatrix;
import dev.ferry.cluster.model.VmState;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Small snapshots for the policy tests, in GiB and cores. */
final class Clusters {

    static final long GIB = 1L << 30;

    private Clusters() {
    }

    static HostState host(String name, double cores, long memGib) {
        return new HostState(name, cores, memGib * GIB, PowerState.ON, false);
    }

    static VmState vm(String name, String host, double cpu, long memGib) {
        return new VmState(name, host, cpu, memGib * GIB, memGib * GIB, 0);
    }

    static ClusterSnapshot snapshot(long at, List<HostState> hosts, List<VmState> vms) {
        return new ClusterSnapshot(at, hosts, vms, TrafficMatrix.EMPTY);
    }

    /** Checks the invariants every plan keeps: no VM moved twice, no host over its RAM after the plan. */
    static void checkInvariants(ClusterSnapshot before, Plan plan) {
        Set<String> seen = new HashSet<>();
        for (Move m : plan.moves()) {
            if (!seen.add(m.vm())) {
                throw new AssertionError("VM " + m.vm() + " moves twice: " + plan.moves());
            }
            if (!before.vm(m.vm()).orElseThrow().host().equals(m.from())) {
                throw new AssertionError("move " + m + " does not start where the VM runs");
            }
        }
        ClusterSnapshot after = before.after(plan);
        for (HostState h : after.hosts()) {
            if (after.memoryUsed(h.name()) > h.memoryBytes()
                    && after.memoryUsed(h.name()) > before.memoryUsed(h.name())) {
                throw new AssertionError("host " + h.name() + " over its RAM after " + plan.moves());
            }
        }
    }
}
