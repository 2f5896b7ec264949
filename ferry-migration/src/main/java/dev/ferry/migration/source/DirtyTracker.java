package dev.ferry.migration.source;

import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.memory.DirtyLog;
import java.util.BitSet;

/**
 * A migration's claim on its VM's dirty log: taken when pre-copy starts, harvested at safepoints of the running
 * vCPU (or directly while it is paused), released when the VM is paused for good or the migration gives up.
 */
final class DirtyTracker {

    private final VmRunner runner;
    private DirtyLog log;

    private DirtyTracker(VmRunner runner, DirtyLog log) {
        this.runner = runner;
        this.log = log;
    }

    /**
     * Claims the dirty log of the VM {@code runner} runs.
     *
     * @throws IllegalStateException when someone else holds it
     */
    static DirtyTracker claim(VmRunner runner, String owner) {
        DirtyLog log = runner.atSafepoint(() -> runner.machine().memory().claimDirtyLog(owner));
        return new DirtyTracker(runner, log);
    }

    /** Adds the pages written since the previous harvest to {@code into}; returns how many there were. */
    int harvestInto(BitSet into) {
        DirtyLog l = log;
        if (l == null) {
            return 0;
        }
        var pages = runner.atSafepoint(l::harvest);
        pages.addTo(into);
        return pages.cardinality();
    }

    /** Releases the claim (dirty logging stops). Idempotent. */
    void release() {
        DirtyLog l = log;
        if (l != null) {
            log = null;
            runner.atSafepoint(() -> {
                l.close();
                return null;
            });
        }
    }
}
