package dev.ferry.cluster.policy;

/** Places a VM on the first host, in the snapshot's order, that takes VMs and has room for it. */
public final class FirstFit extends CapacityPlacement {

    /** First fit without CPU overcommit (busy cores up to the host's cores). */
    public FirstFit() {
        this(1.0);
    }

    /** First fit allowing busy cores up to {@code cpuOvercommit} x each host's cores. */
    public FirstFit(double cpuOvercommit) {
        super(cpuOvercommit);
    }

    @Override
    boolean better(Room candidate, Room best) {
        return false;
    }

    @Override
    boolean firstWins() {
        return true;
    }
}
