package dev.ferry.migration.source;

import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.memory.DirtyLog;
import dev.ferry.migration.transfer.TransferUnits;
import java.util.BitSet;

/**
 * A migration's claim on its VM's dirty log: taken when pre-copy starts, harvested at safepoints of the running
 * vCPU (or directly while it is paused), released when the VM is paused for good or the migration gives up. The
 * dirty logs of the disks the migration copies ({@link TransferUnits}) are started, harvested and stopped with it.
 */
final class DirtyTracker {

    private final VmRunner runner;
    private final TransferUnits units;
    private DirtyLog log;

    private DirtyTracker(VmRunner runner, TransferUnits units, DirtyLog log) {
        this.runner = runner;
        this.units = units;
        this.log = log;
    }

    /**
     * Claims the dirty log of the VM {@code runner} runs.
     *
     * @throws IllegalStateException when someone else holds it
     */
    static DirtyTracker claim(VmRunner runner, TransferUnits units, String owner) {
        DirtyLog log = runner.atSafepoint(() -> {
            DirtyLog claimed = runner.machine().memory().claimDirtyLog(owner);
            units.startDiskLogs();
            return claimed;
        });
        return new DirtyTracker(runner, units, log);
    }

    /** Adds the pages and disk blocks written since the previous harvest to {@code into}. */
    void harvestInto(BitSet into) {
        DirtyLog l = log;
        if (l == null) {
            return;
        }
        var pages = runner.atSafepoint(l::harvest);
        pages.addTo(into);
        units.harvestDisks(into);
    }

    /** Releases the claim (dirty logging stops). Idempotent. */
    void release() {
        DirtyLog l = log;
        if (l != null) {
            log = null;
            runner.atSafepoint(() -> {
                l.close();
                units.stopDiskLogs();
                return null;
            });
        }
    }
}
