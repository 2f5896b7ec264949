package dev.ferry.cluster.policy;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.Plan;

/**
 * A decision about VMs that run already — consolidation, load balancing, task remapping, a drain — as a plain
 * object: a snapshot in, a {@link Plan} out, no threads, no I/O, time only from the snapshot. A policy may keep
 * state between calls (a load window), so one instance serves one cluster. The manager and the simulator call
 * the same classes.
 */
public interface ClusterPolicy {

    /** The plan for the cluster as {@code now} shows it. */
    Plan plan(ClusterSnapshot now);
}
