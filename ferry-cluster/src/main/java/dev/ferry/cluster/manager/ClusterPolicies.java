package dev.ferry.cluster.manager;

import dev.ferry.cluster.policy.ClusterPolicy;
import dev.ferry.cluster.policy.PlacementPolicy;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The policies one manager runs: where new VMs go, and the plans of consolidation, load balancing, task remapping
 * and drains (a drain's policy is made per host, with the placement policy).
 *
 * @param placement     where a new VM goes
 * @param consolidation the consolidation policy
 * @param balancing     the load-balancing policy
 * @param remapping     the task-remapping policy
 * @param drain         the drain policy of a host, given its name and the placement policy
 */
public record ClusterPolicies(PlacementPolicy placement, ClusterPolicy consolidation, ClusterPolicy balancing,
        ClusterPolicy remapping, BiFunction<String, PlacementPolicy, ClusterPolicy> drain) {

    /** Validates the fields. */
    public ClusterPolicies {
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(consolidation, "consolidation");
        Objects.requireNonNull(balancing, "balancing");
        Objects.requireNonNull(remapping, "remapping");
        Objects.requireNonNull(drain, "drain");
    }
}
