package dev.ferry.bench.storage;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One local-disk migration of the benchmark, by Ferry or by QEMU, with its figures and the verdict on the target's
 * disk. A figure a system does not report is {@code NaN} (times) or -1 (counts).
 *
 * @param run        the run's number, from 1
 * @param system     {@code ferry} or {@code qemu}
 * @param strategy   {@code precopy} or {@code postcopy}
 * @param migrated   true when the VM ran on the target at the end
 * @param totalMs    from the migrate request until the source let go of the VM
 * @param downtimeMs the VM paused on the source until it ran on the target
 * @param ramBytes   bytes of memory (and device state) on the wire
 * @param diskBytes  bytes of disk blocks on the wire
 * @param diskBlocks 4 KiB disk blocks sent (Ferry)
 * @param rounds     rounds of the migration (Ferry: every round; QEMU: dirty-log syncs of RAM)
 * @param diskRounds rounds that sent disk blocks (Ferry)
 * @param check      the target's disk after its VM stopped, or null when it could not be checked
 * @param note       what went wrong or needs saying, or empty
 */
record DiskMigrationResult(int run, String system, String strategy, boolean migrated, double totalMs,
        double downtimeMs, long ramBytes, long diskBytes, long diskBlocks, int rounds, int diskRounds, DiskCheck check,
        String note) {

    /**
     * The figures of a Ferry migration report ({@code GET /v1/migrations/ID}'s {@code report}): memory bytes are the
     * bytes on the wire less the disk's.
     */
    static DiskMigrationResult ferry(int run, String strategy, JsonNode report) {
        boolean ok = report.path("success").asBoolean();
        long wire = report.path("bytes_on_wire").asLong(-1);
        long disk = report.path("disk_bytes").asLong(-1);
        String note = ok ? "" : report.path("error").asText(report.path("outcome").asText("failed"));
        if (ok && !report.has("disk_bytes")) {
            note = "the report has no disk_bytes: was the disk copied?";
        }
        return new DiskMigrationResult(run, "ferry", strategy, ok, report.path("total_time_ms").asDouble(Double.NaN),
                report.path("downtime_ms").asDouble(Double.NaN), wire >= 0 && disk >= 0 ? wire - disk : wire, disk,
                report.path("disk_blocks").asLong(-1), report.path("rounds").size(),
                report.path("disk_rounds").asInt(-1), null, note);
    }

    /**
     * The figures of QEMU's {@code query-migrate} answer once the migration completed, with the disk bytes last seen
     * while it was active (QEMU drops its {@code disk} figures when block migration ends).
     */
    static DiskMigrationResult qemu(int run, String strategy, JsonNode info, long diskBytesSeen) {
        boolean ok = info.path("status").asText().equals("completed");
        JsonNode ram = info.path("ram");
        long disk = info.path("disk").path("transferred").asLong(diskBytesSeen);
        return new DiskMigrationResult(run, "qemu", strategy, ok, info.path("total-time").asDouble(Double.NaN),
                info.path("downtime").asDouble(Double.NaN), ram.path("transferred").asLong(-1), Math.max(disk,
                diskBytesSeen), -1, ram.path("dirty-sync-count").asInt(-1), -1, null,
                ok ? "" : info.path("status").asText() + ": " + info.path("error-desc").asText("no reason given"));
    }

    /** A run that did not produce figures. */
    static DiskMigrationResult failed(int run, String system, String strategy, String reason) {
        return new DiskMigrationResult(run, system, strategy, false, Double.NaN, Double.NaN, -1, -1, -1, -1, -1, null,
                reason);
    }

    /** This result with the verdict on the target's disk. */
    DiskMigrationResult withCheck(DiskCheck c) {
        return new DiskMigrationResult(run, system, strategy, migrated, totalMs, downtimeMs, ramBytes, diskBytes,
                diskBlocks, rounds, diskRounds, c, note);
    }

    /** This result with {@code more} added to its note. */
    DiskMigrationResult withNote(String more) {
        return new DiskMigrationResult(run, system, strategy, migrated, totalMs, downtimeMs, ramBytes, diskBytes,
                diskBlocks, rounds, diskRounds, check, note.isEmpty() ? more : note + "; " + more);
    }

    /** True when the VM moved and its disk on the target held every acknowledged write and nothing else changed. */
    boolean success() {
        return migrated && check != null && check.consistent();
    }
}
