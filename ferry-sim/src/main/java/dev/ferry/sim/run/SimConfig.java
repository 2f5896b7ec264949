package dev.ferry.sim.run;

import dev.ferry.cluster.energy.PowerModel;
import dev.ferry.migration.MigrationOptions;
import java.util.Objects;

/**
 * How a run goes: its length and sample interval, the hosts' power model and link rate, the policies' parameters,
 * the migration queue's limits and the migration options the cost model runs.
 *
 * @param durationMillis     simulated time
 * @param sampleMillis       interval between samples (loads updated, policies run, energy metered)
 * @param power              every host's power model
 * @param linkBytesPerSec    each host's link
 * @param lower              consolidation: hosts under this utilisation are emptied when they can be
 * @param upper              consolidation: hosts over it shed VMs
 * @param loadBalancing      null for none, else the load-balancing threshold and window
 * @param perHost            migrations at once per host
 * @param perLink            migrations at once between two hosts
 * @param migration          the options whose policy the cost model runs
 * @param pdmShare           share of a VM's CPU demand lost while it migrates (10% in Beloglazov's model)
 */
public record SimConfig(long durationMillis, long sampleMillis, PowerModel power, double linkBytesPerSec,
        double lower, double upper, LoadBalancingConfig loadBalancing, int perHost, int perLink,
        MigrationOptions migration, double pdmShare) {

    /**
     * Load balancing after consolidation at every sample.
     *
     * @param threshold    utilisation above which a host is overloaded
     * @param windowMillis how long it must stay above before it sheds a VM
     */
    public record LoadBalancingConfig(double threshold, long windowMillis) {
    }

    /** Validates the figures. */
    public SimConfig {
        Objects.requireNonNull(power, "power");
        Objects.requireNonNull(migration, "migration");
        if (durationMillis <= 0 || sampleMillis <= 0 || !(linkBytesPerSec > 0) || !(pdmShare >= 0 && pdmShare <= 1)) {
            throw new IllegalArgumentException("need a positive duration, sample interval and link rate, and a PDM "
                    + "share in 0..1");
        }
    }
}
