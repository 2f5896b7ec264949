package dev.ferry.cluster.policy;

/**
 * Places a VM on the host with room for it that has the most room left afterwards, memory first, then CPU: spreads
 * load so VMs disturb each other least. Ties go to the host listed first.
 */
public final class Spread extends CapacityPlacement {

    /** Spread without CPU overcommit. */
    public Spread() {
        this(1.0);
    }

    /** Spread allowing busy cores up to {@code cpuOvercommit} x each host's cores. */
    public Spread(double cpuOvercommit) {
        super(cpuOvercommit);
    }

    @Override
    boolean better(Room candidate, Room best) {
        return candidate.compareTo(best) > 0;
    }
}
