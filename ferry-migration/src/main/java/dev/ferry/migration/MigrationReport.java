package dev.ferry.migration;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one migration: what {@code ferry migrate} prints at the end and {@code --json} emits.
 *
 * @param id                migration id
 * @param vm                VM name
 * @param strategy          strategy used (a stalled pre-copy that switched to post-copy says so in notes)
 * @param success           true when the VM runs on the target and the source released it
 * @param error             why it failed, or {@code null}
 * @param rounds            per-round figures
 * @param totalTimeMs       from the start of the migration until the source could discard the VM
 * @param downtimeMs        from pausing on the source until running on the target
 * @param bytesOnWire       all bytes sent over all connections, both directions
 * @param pagesByEncoding   pages sent per encoding ("raw", "zero", "xbzrle", "lz4"), plus "skipped-free"
 * @param postcopyFaults    pages the target's vCPU faulted on and had to wait for
 * @param faultLatencyMeanMs mean wait of those faults
 * @param faultLatencyMaxMs longest wait of those faults
 * @param notes             notable events (stall detected, switched to post-copy, throttle raised to 40%, ...)
 * @param downtimeBreakdown where the downtime went, phase by phase in milliseconds: {@code pause} (stopping the
 *                          vCPU), {@code last_pages} (final dirty-log harvest and the pages until written),
 *                          {@code device_state} (CPU and device records until the target holds a complete
 *                          image), {@code target_resume} (commit until the target reports the VM running); empty
 *                          when the VM never paused
 * @param disk              what moved of copied disks (all zero when disks were shared)
 */
public record MigrationReport(String id, String vm, Strategy strategy, boolean success, String error,
        List<RoundReport> rounds, double totalTimeMs, double downtimeMs, long bytesOnWire,
        Map<String, Long> pagesByEncoding, long postcopyFaults, double faultLatencyMeanMs, double faultLatencyMaxMs,
        List<String> notes, Map<String, Double> downtimeBreakdown, DiskTransfer disk) {

    /**
     * The blocks of copied disks a migration sent.
     *
     * @param blocks 4 KiB blocks sent (a block sent in several rounds counts each time)
     * @param bytes  bytes they took on the wire (entry headers included, frame headers not)
     * @param rounds rounds that sent at least one block (the stop-and-copy and the post-copy phase count as rounds)
     */
    public record DiskTransfer(long blocks, long bytes, int rounds) {
        /** Nothing: the migration copied no disk. */
        public static final DiskTransfer NONE = new DiskTransfer(0, 0, 0);
    }

    /** A report of a migration that copied no disk. */
    public MigrationReport(String id, String vm, Strategy strategy, boolean success, String error,
            List<RoundReport> rounds, double totalTimeMs, double downtimeMs, long bytesOnWire,
            Map<String, Long> pagesByEncoding, long postcopyFaults, double faultLatencyMeanMs, double faultLatencyMaxMs,
            List<String> notes, Map<String, Double> downtimeBreakdown) {
        this(id, vm, strategy, success, error, rounds, totalTimeMs, downtimeMs, bytesOnWire, pagesByEncoding,
                postcopyFaults, faultLatencyMeanMs, faultLatencyMaxMs, notes, downtimeBreakdown, DiskTransfer.NONE);
    }

    /** Copies the collections. */
    public MigrationReport {
        disk = disk == null ? DiskTransfer.NONE : disk;
        rounds = List.copyOf(rounds);
        pagesByEncoding = Collections.unmodifiableMap(new LinkedHashMap<>(pagesByEncoding));
        notes = List.copyOf(notes);
        downtimeBreakdown = Collections.unmodifiableMap(new LinkedHashMap<>(downtimeBreakdown));
    }
}
