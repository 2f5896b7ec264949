package dev.ferry.bench.storage;

/**
 * What every local-disk migration run does, on either system: boot the guest with the disk writer, let it write for
 * {@code migrateAfterMs}, migrate, let it write on the target for {@code runAfterMs}, stop it, check the target's
 * disk.
 *
 * @param ramMiB             the guest's RAM
 * @param kernelArgs         the guest's kernel command line (the writer included)
 * @param bootTimeoutMs      how long the guest may take to start writing
 * @param migrateAfterMs     writing time before the migration starts
 * @param runAfterMs         writing time on the target before the VM is stopped
 * @param migrationTimeoutMs how long a migration may take
 */
record RunPlan(long ramMiB, String kernelArgs, long bootTimeoutMs, long migrateAfterMs, long runAfterMs,
        long migrationTimeoutMs) {
}
