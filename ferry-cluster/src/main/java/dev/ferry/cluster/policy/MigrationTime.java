package dev.ferry.cluster.policy;

import dev.ferry.cluster.model.VmState;

/**
 * How long moving a VM live is expected to take, in seconds: what the policies compare when they choose which VM
 * to move ("minimum migration time"). {@link #overLink} is the closed form; the scheduler's cost model (which runs
 * the engine's own policies) can stand in for it.
 */
@FunctionalInterface
public interface MigrationTime {

    /** Bytes in a guest page. */
    int PAGE_SIZE = 4096;

    /** The highest dirty share of the link the closed form takes into account: beyond it pre-copy does not end. */
    double MAX_DIRTY_SHARE = 0.95;

    /** Expected seconds to move {@code vm}. */
    double seconds(VmState vm);

    /**
     * Pre-copy's geometric series (Clark et al.): the touched bytes over the link, divided by one minus the share of
     * the link the guest's dirtying takes (capped at {@link #MAX_DIRTY_SHARE}, where pre-copy would give up and
     * stop and copy).
     */
    static MigrationTime overLink(double linkBytesPerSec) {
        if (!(linkBytesPerSec > 0)) {
            throw new IllegalArgumentException("the link rate must be positive");
        }
        return vm -> {
            double share = Math.min(MAX_DIRTY_SHARE, vm.dirtyPagesPerSec() * PAGE_SIZE / linkBytesPerSec);
            return vm.touchedBytes() / linkBytesPerSec / (1 - share);
        };
    }
}
