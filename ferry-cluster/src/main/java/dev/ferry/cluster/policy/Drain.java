package dev.ferry.cluster.policy;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.VmState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Empties one host for maintenance: each of its VMs, largest RAM first, gets a move to the host the placement
 * policy chooses, with the host itself counted as in maintenance and earlier moves of the plan counted on their
 * targets. A VM that fits nowhere stays, and the notes say so. Putting the host into maintenance is the caller's.
 */
public final class Drain implements ClusterPolicy {

    private final String hostName;
    private final PlacementPolicy placement;

    /** A drain of {@code hostName} that places VMs with {@code placement}. */
    public Drain(String hostName, PlacementPolicy placement) {
        this.hostName = Objects.requireNonNull(hostName, "hostName");
        this.placement = Objects.requireNonNull(placement, "placement");
    }

    @Override
    public Plan plan(ClusterSnapshot now) {
        Optional<HostState> host = now.host(hostName);
        if (host.isEmpty()) {
            return new Plan(List.of(), List.of(), List.of("drain: no host " + hostName));
        }
        List<HostState> hosts = new ArrayList<>();
        for (HostState h : now.hosts()) {
            hosts.add(h.name().equals(hostName) ? h.withMaintenance(true) : h);
        }
        ClusterSnapshot working = new ClusterSnapshot(now.atMillis(), hosts, now.vms(), now.traffic());
        List<VmState> vms = new ArrayList<>(now.vmsOn(hostName));
        vms.sort(Comparator.comparingLong(VmState::memoryBytes).reversed().thenComparing(VmState::name));
        List<Move> moves = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (VmState v : vms) {
            Optional<String> to = placement.place(new VmDemand(v.name(), v.memoryBytes(), v.cpuDemand()), working);
            if (to.isEmpty() || !working.host(to.get()).map(HostState::acceptsVms).orElse(false)) {
                notes.add("drain " + hostName + ": VM " + v.name() + " fits on no host; it stays");
                continue;
            }
            Move m = new Move(v.name(), hostName, to.get(), "drain " + hostName);
            moves.add(m);
            working = working.after(new Plan(List.of(m), List.of(), List.of()));
        }
        notes.add("drain " + hostName + ": " + moves.size() + " of " + vms.size() + " VMs move");
        return new Plan(moves, List.of(), notes);
    }
}
