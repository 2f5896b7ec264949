package dev.ferry.host.api;

import dev.ferry.migration.MigrationReport;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A finished migration's report, in API units (times in ms, rates per second, snake_case names). {@code outcome}
 * is {@code completed}, {@code failed} or {@code cancelled} (by the user, before switchover); {@code success} is
 * true only for {@code completed}. The downtime breakdown lists its phases in the order they happened.
 * {@code networkAnnouncedMs} is how long after the VM ran on the target this host's switch heard it announced from
 * there (absent when the hosts are not linked, the VM has no NIC on the switch, or it was not heard within 2 s).
 * {@code diskBlocks}, {@code diskBytes} and {@code diskRounds} count the 4 KiB blocks of copied disks sent, the wire
 * bytes they took and the rounds that sent any (zero when disks were shared).
 */
public record ReportView(String id, String vm, String strategy, String outcome, boolean success, String error,
        List<RoundView> rounds, double totalTimeMs, double downtimeMs, long bytesOnWire,
        Map<String, Long> pagesByEncoding, long postcopyFaults, double faultLatencyMeanMs, double faultLatencyMaxMs,
        List<String> notes, Map<String, Double> downtimeBreakdown, Double networkAnnouncedMs, long diskBlocks,
        long diskBytes, int diskRounds) {

    /** The outcome of a migration that the user cancelled. */
    public static final String CANCELLED = "cancelled";

    /**
     * Converts an engine report; {@code outcome} is how the host classified its end, {@code networkAnnouncedMs} as
     * above (null: absent).
     */
    public static ReportView of(MigrationReport r, String outcome, Double networkAnnouncedMs) {
        return new ReportView(r.id(), r.vm(), r.strategy().name().toLowerCase(Locale.ROOT), outcome, r.success(),
                r.error(), r.rounds() == null ? List.of() : r.rounds().stream().map(RoundView::of).toList(),
                r.totalTimeMs(), r.downtimeMs(), r.bytesOnWire(),
                r.pagesByEncoding() == null ? Map.of() : r.pagesByEncoding(), r.postcopyFaults(),
                r.faultLatencyMeanMs(), r.faultLatencyMaxMs(), r.notes() == null ? List.of() : r.notes(),
                r.downtimeBreakdown() == null ? Map.of() : r.downtimeBreakdown(), networkAnnouncedMs,
                r.disk().blocks(), r.disk().bytes(), r.disk().rounds());
    }
}
