package dev.ferry.cluster.policy;

import dev.ferry.cluster.model.ClusterSnapshot;
import java.util.Optional;

/**
 * Where a new VM (or one restarted after its host failed) goes: a plain object, figures in, a host name out (empty
 * when no host that takes VMs has room).
 */
public interface PlacementPolicy {

    /** The host for {@code vm} in {@code cluster}, or empty when none fits. */
    Optional<String> place(VmDemand vm, ClusterSnapshot cluster);
}
