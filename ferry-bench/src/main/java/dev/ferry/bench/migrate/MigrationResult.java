package dev.ferry.bench.migrate;

import dev.ferry.bench.measure.GcPauses;

/**
 * The figures of one measured migration, the same for both engines.
 *
 * @param engine     {@code ferry} or {@code qemu}
 * @param caseName   the case it belongs to
 * @param variant    how the engine migrated ({@code precopy}, {@code frequency+delay-hot}, ...)
 * @param workload   what was migrated
 * @param success    the VM ended up running on the target
 * @param totalMs    from the start of the migration until the source could let go of the VM
 * @param downtimeMs time the guest did not run on either side
 * @param bytes      bytes sent (Ferry: every byte on the wire; QEMU: RAM bytes transferred)
 * @param rounds     pre-copy rounds or dirty-log syncs
 * @param gcSource   GC pauses of the source JVM during the migration (Ferry only)
 * @param gcTarget   GC pauses of the target JVM during the migration (Ferry only)
 * @param note       why it failed, or what happened on the way
 */
public record MigrationResult(String engine, String caseName, String variant, Workload workload, boolean success,
        double totalMs, double downtimeMs, long bytes, int rounds, GcPauses gcSource, GcPauses gcTarget,
        String note) {

    /** A run that produced no figures. */
    public static MigrationResult failed(String engine, MigrationCase c, String variant, String why) {
        return new MigrationResult(engine, c.name(), variant, c.workload(), false, Double.NaN, Double.NaN, -1, 0,
                GcPauses.UNKNOWN, GcPauses.UNKNOWN, why);
    }
}
