package dev.ferry.migration;

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
 */
public record MigrationReport(String id, String vm, Strategy strategy, boolean success, String error,
        List<RoundReport> rounds, double totalTimeMs, double downtimeMs, long bytesOnWire,
        Map<String, Long> pagesByEncoding, long postcopyFaults, double faultLatencyMeanMs, double faultLatencyMaxMs,
        List<String> notes) { }
