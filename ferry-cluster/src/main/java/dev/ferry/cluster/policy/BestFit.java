package dev.ferry.cluster.policy;

/**
 * Places a VM on the host with room for it that has the least room left afterwards, memory first, then CPU: packs
 * hosts tightly so others stay empty. Ties go to the host listed first.
 */
public final class BestFit extends CapacityPlacement {

    /** Best fit without CPU overcommit. */
    public BestFit() {
        this(1.0);
    }

    /** Best fit allowing busy cores up to {@code cpuOvercommit} x each host's cores. */
    public BestFit(double cpuOvercommit) {
        super(cpuOvercommit);
    }

    @Override
    boolean better(Room candidate, Room best) {
        return candidate.compareTo(best) < 0;
    }
}
