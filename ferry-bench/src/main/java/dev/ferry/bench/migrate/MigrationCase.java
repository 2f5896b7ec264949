package dev.ferry.bench.migrate;

import dev.ferry.migration.EncryptionPolicy;
import dev.ferry.migration.MigrationOptions;
import java.util.List;

/**
 * One named thing to measure: a workload, the Ferry variants that migrate it, and how QEMU migrates it for
 * comparison ({@code null}: Ferry only).
 *
 * @param name     what {@code --case} and the tables call it
 * @param workload the guest
 * @param ferry    Ferry's variants, each migrated once per repetition
 * @param qemu     QEMU's migration, or {@code null}
 */
public record MigrationCase(String name, Workload workload, List<FerryVariant> ferry, QemuPlan qemu) {

    /** One way Ferry migrates the case: a label for the tables, the options and the source's encryption policy. */
    public record FerryVariant(String label, MigrationOptions options, EncryptionPolicy encryption) {

        /** A variant with the default encryption policy (plain text on loopback). */
        public FerryVariant(String label, MigrationOptions options) {
            this(label, options, EncryptionPolicy.DEFAULT);
        }
    }

    /**
     * How QEMU migrates the case.
     *
     * @param strategy        {@code stopcopy}, {@code precopy}, {@code postcopy} or {@code hybrid}
     * @param downtimeLimitMs QEMU's {@code downtime-limit}; 0 keeps QEMU's default (300 ms)
     */
    public record QemuPlan(String strategy, long downtimeLimitMs) { }
}
