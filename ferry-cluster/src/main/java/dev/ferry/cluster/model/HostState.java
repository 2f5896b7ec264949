package dev.ferry.cluster.model;

import java.util.Objects;

/**
 * A host as the policies see it: capacity and condition. Load comes from the VMs on it ({@link ClusterSnapshot}).
 *
 * @param name        the host's name in the cluster
 * @param cores       CPU capacity in cores (a VM's demand is counted in cores too)
 * @param memoryBytes RAM the host gives its VMs
 * @param power       on, standby or failed
 * @param maintenance drained or draining: keeps its VMs' moves going but takes no new ones
 */
public record HostState(String name, double cores, long memoryBytes, PowerState power, boolean maintenance) {

    /** Validates the fields. */
    public HostState {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(power, "power");
        if (!(cores > 0) || memoryBytes <= 0) {
            throw new IllegalArgumentException("host " + name + " needs positive cores and memory");
        }
    }

    /** True when new VMs may be placed here (on and not in maintenance). */
    public boolean acceptsVms() {
        return power == PowerState.ON && !maintenance;
    }

    /** This host with another power state. */
    public HostState withPower(PowerState p) {
        return new HostState(name, cores, memoryBytes, p, maintenance);
    }

    /** This host in or out of maintenance. */
    public HostState withMaintenance(boolean m) {
        return new HostState(name, cores, memoryBytes, power, m);
    }
}
