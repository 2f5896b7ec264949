package dev.ferry.bench.migrate;

/**
 * The figures of one measured migration, the same for both engines.
 *
 * @param engine      {@code ferry} or {@code qemu}
 * @param variant     strategy as listed in the table ({@code precopy+aids} for Ferry's convergence aids)
 * @param testCase    what was migrated
 * @param success     the VM ended up running on the target
 * @param totalMs     from the start of the migration until the source could let go of the VM
 * @param downtimeMs  time the guest did not run on either side
 * @param bytes       bytes sent (Ferry: every byte on the wire; QEMU: RAM bytes transferred)
 * @param rounds      pre-copy rounds or dirty-log syncs
 * @param note        why it failed, or what happened on the way
 */
public record MigrationResult(String engine, String variant, MigrationCase testCase, boolean success,
        double totalMs, double downtimeMs, long bytes, int rounds, String note) {

    /** A run that produced no figures. */
    public static MigrationResult failed(String engine, String variant, MigrationCase testCase, String why) {
        return new MigrationResult(engine, variant, testCase, false, Double.NaN, Double.NaN, -1, 0, why);
    }
}
