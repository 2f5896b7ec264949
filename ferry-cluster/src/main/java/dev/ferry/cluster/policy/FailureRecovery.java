package dev.ferry.cluster.policy;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.Restart;
import dev.ferry.cluster.model.VmState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Restarts the VMs of failed (fenced) hosts elsewhere: each gets a {@link Restart} on the host the placement policy
 * chooses, earlier restarts of the plan counted on their hosts. A host the placement names that does not take VMs
 * (failed, in standby or in maintenance) is refused; a VM with no host stays down, and the notes say so.
 */
public final class FailureRecovery implements ClusterPolicy {

    private final PlacementPolicy placement;

    /** Recovery that places VMs with {@code placement}. */
    public FailureRecovery(PlacementPolicy placement) {
        this.placement = Objects.requireNonNull(placement, "placement");
    }

    @Override
    public Plan plan(ClusterSnapshot now) {
        ClusterSnapshot working = now;
        List<Restart> restarts = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (HostState h : now.hosts()) {
            if (h.power() != PowerState.FAILED) {
                continue;
            }
            for (VmState v : now.vmsOn(h.name())) {
                Optional<String> to = placement.place(new VmDemand(v.name(), v.memoryBytes(), v.cpuDemand()),
                        working);
                if (to.isEmpty() || !working.host(to.get()).map(HostState::acceptsVms).orElse(false)) {
                    notes.add("VM " + v.name() + " of failed " + h.name() + " has no host to restart on");
                    continue;
                }
                Restart r = new Restart(v.name(), to.get(), "host " + h.name() + " failed");
                restarts.add(r);
                working = working.after(new Plan(List.of(), List.of(), List.of(), List.of(r)));
            }
        }
        return new Plan(List.of(), List.of(), notes, restarts);
    }
}
