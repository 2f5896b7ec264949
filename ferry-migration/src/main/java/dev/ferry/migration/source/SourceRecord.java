package dev.ferry.migration.source;

import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.RoundReport;
import dev.ferry.migration.Strategy;
import dev.ferry.migration.transfer.Encoding;
import dev.ferry.migration.transfer.TransferUnits;
import dev.ferry.migration.wire.Messages;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the source side of one migration observed, for its report: rounds, notes, pages per encoding, pages
 * skipped as free, the downtime and its breakdown, and the target's fault statistics. Thread-safe: the driver,
 * the fault server and the status API write and read it concurrently.
 */
final class SourceRecord {

    private static final int CODES = 256;

    private final List<RoundReport> rounds = Collections.synchronizedList(new ArrayList<>());
    private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLongArray byEncoding = new AtomicLongArray(CODES);
    private final AtomicLong skippedFree = new AtomicLong();
    private final AtomicLong diskBlocks = new AtomicLong();
    private final AtomicLong diskBytes = new AtomicLong();
    private final AtomicInteger diskRounds = new AtomicInteger();
    private final Map<String, Double> breakdown = Collections.synchronizedMap(new LinkedHashMap<>());
    private volatile double downtimeMs;
    private volatile Messages.FaultStats faults = new Messages.FaultStats(0, 0, 0);

    void note(String note) {
        notes.add(note);
    }

    void notes(List<String> more) {
        notes.addAll(more);
    }

    void round(RoundReport r) {
        rounds.add(r);
    }

    /** Counts unit {@code u} sent with encoding {@code e} in {@code frameBytes} bytes (a disk block counts apart). */
    void countUnit(TransferUnits units, int u, Encoding e, int frameBytes) {
        byEncoding.incrementAndGet(e.code());
        if (units.isBlock(u)) {
            diskBlocks.incrementAndGet();
            diskBytes.addAndGet(frameBytes);
        }
    }

    /** A round sent disk blocks. */
    void diskRound() {
        diskRounds.incrementAndGet();
    }

    /** Disk blocks sent so far. */
    long diskBlocks() {
        return diskBlocks.get();
    }

    void skippedFree() {
        skippedFree.incrementAndGet();
    }

    /** Pages sent with encoding {@code e} so far. */
    long pages(Encoding e) {
        return byEncoding.get(e.code());
    }

    /** Records one phase of the downtime, in the order the phases happened. */
    void downtimePhase(String phase, long nanos) {
        breakdown.put(phase, nanos / 1e6);
    }

    void downtime(long nanos) {
        downtimeMs = nanos / 1e6;
    }

    void faults(Messages.FaultStats stats) {
        faults = stats;
    }

    /** The report of a migration that started {@code totalNanos} ago. */
    MigrationReport report(String id, String vm, Strategy strategy, boolean success, String error, long totalNanos,
            long wireBytes) {
        Map<String, Long> pages = new LinkedHashMap<>();
        for (Encoding e : Encoding.values()) {
            pages.put(e.label(), byEncoding.get(e.code()));
        }
        pages.put("skipped-free", skippedFree.get());
        Messages.FaultStats f = faults;
        Map<String, Double> phases;
        synchronized (breakdown) {
            phases = Collections.unmodifiableMap(new LinkedHashMap<>(breakdown));
        }
        List<RoundReport> r;
        synchronized (rounds) {
            r = List.copyOf(rounds);
        }
        List<String> n;
        synchronized (notes) {
            n = List.copyOf(notes);
        }
        return new MigrationReport(id, vm, strategy, success, error, r, totalNanos / 1e6, downtimeMs, wireBytes, pages,
                f.faults(), f.meanMs(), f.maxMs(), n, phases,
                new MigrationReport.DiskTransfer(diskBlocks.get(), diskBytes.get(), diskRounds.get()));
    }
}
