package dev.ferry.bench.migrate;

import dev.ferry.bench.measure.Distribution;
import dev.ferry.bench.measure.GcPauses;
import dev.ferry.bench.measure.LoopbackRate;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Prints migration results as Markdown tables (so that they can be pasted into the docs): one row per run, the
 * notes the rows refer to, the distribution of each figure over repeated runs, and which engine won each metric.
 */
final class MigrationTable {

    private static final String[] VERDICTS = {"ferry", "qemu", "-"};
    private static final double MIB = 1048576.0;

    private final PrintStream out;
    private final LoopbackRate wire;
    private final List<String> notes = new ArrayList<>();

    MigrationTable(PrintStream out, LoopbackRate wire) {
        this.out = out;
        this.wire = wire;
    }

    /** The header of the per-run table. */
    void printHeader() {
        out.println();
        out.println("| case | engine | variant | total ms | downtime ms | sent MiB | rounds | total/wire "
                + "| GC src ms | GC tgt ms | success |");
        out.println("|------|--------|---------|---------:|------------:|---------:|-------:|-----------:"
                + "|----------:|----------:|---------|");
    }

    /** Prints one result as a row and returns it. */
    MigrationResult row(MigrationResult r) {
        String success = r.success() ? "yes" : "no";
        if (!r.note().isEmpty()) {
            notes.add(r.engine() + " " + r.caseName() + " " + r.variant() + ": " + r.note());
            success += " [" + notes.size() + "]";
        }
        out.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", r.caseName(), r.engine(),
                r.variant(), millis(r.totalMs()), downtime(r.downtimeMs()), r.bytes() < 0 ? "-" : mib(r.bytes()),
                r.bytes() < 0 ? "-" : Integer.toString(r.rounds()), ratio(wireRatio(r)), pause(r.gcSource()),
                pause(r.gcTarget()), success);
        out.flush();
        return r;
    }

    /** The notes the table's {@code [n]} marks refer to. */
    void printNotes() {
        out.println();
        for (int i = 0; i < notes.size(); i++) {
            out.printf("[%d] %s%n", i + 1, notes.get(i));
        }
    }

    /**
     * One row per case, engine and variant: median, 95th percentile and maximum of downtime, total time and bytes
     * over the successful runs, the median ratio of total time to wire time, and the longest GC pause of each side
     * over all runs.
     */
    void printDistributions(List<MigrationResult> results) {
        out.println();
        out.println("Over the successful runs (median / p95 / max; GC: longest pause of any run):");
        out.println();
        out.println("| case | engine | variant | ok | downtime ms | total ms | sent MiB | total/wire | GC src ms "
                + "| GC tgt ms |");
        out.println("|------|--------|---------|----|-------------|----------|----------|-----------:|----------:"
                + "|----------:|");
        for (List<MigrationResult> runs : groups(results, r -> r.caseName() + "|" + r.engine() + "|" + r.variant())
                .values()) {
            MigrationResult first = runs.get(0);
            long ok = runs.stream().filter(MigrationResult::success).count();
            out.printf("| %s | %s | %s | %d/%d | %s | %s | %s | %s | %s | %s |%n", first.caseName(), first.engine(),
                    first.variant(), ok, runs.size(), spread(distribution(runs, MigrationResult::downtimeMs), "%.1f"),
                    spread(distribution(runs, MigrationResult::totalMs), "%.0f"),
                    spread(distribution(runs, r -> r.bytes() / MIB), "%.1f"),
                    ratio(distribution(runs, this::wireRatio).median()), longest(runs, MigrationResult::gcSource),
                    longest(runs, MigrationResult::gcTarget));
        }
        out.flush();
    }

    /**
     * For every case both engines ran, the winner of each metric (lower median over successful runs; a run that
     * failed loses), each Ferry variant against QEMU, then the tally.
     */
    void printSummary(List<MigrationResult> results) {
        Map<String, List<MigrationResult>> qemu = groups(results.stream().filter(r -> r.engine().equals("qemu"))
                .toList(), MigrationResult::caseName);
        if (qemu.isEmpty()) {
            return;
        }
        Map<String, List<MigrationResult>> ferry = groups(results.stream().filter(r -> r.engine().equals("ferry"))
                .toList(), r -> r.caseName() + " " + r.variant());
        String[] metrics = {"total time", "downtime", "bytes sent"};
        List<ToDoubleFunction<MigrationResult>> values = List.of(MigrationResult::totalMs,
                MigrationResult::downtimeMs, r -> r.bytes() < 0 ? Double.NaN : r.bytes());
        int[][] tally = new int[metrics.length][3];
        out.println();
        out.println("Winner per case (lower median is better; a failed run loses; - = no verdict):");
        for (Map.Entry<String, List<MigrationResult>> e : ferry.entrySet()) {
            List<MigrationResult> q = qemu.get(e.getValue().get(0).caseName());
            if (q == null) {
                continue;
            }
            StringBuilder line = new StringBuilder(String.format("  %-32s", e.getKey()));
            for (int i = 0; i < metrics.length; i++) {
                int winner = winner(e.getValue(), q, values.get(i));
                tally[i][winner]++;
                line.append(String.format("  %s: %s", metrics[i], VERDICTS[winner]));
            }
            out.println(line);
        }
        out.println("Tally (ferry / qemu / no verdict):");
        for (int i = 0; i < metrics.length; i++) {
            out.printf("  %-11s %d / %d / %d%n", metrics[i], tally[i][0], tally[i][1], tally[i][2]);
        }
        out.flush();
    }

    /** Total time over the wire time of the touched memory at the loopback rate; NaN when either is unknown. */
    double wireRatio(MigrationResult r) {
        double wireMs = wire.wireMillis(r.workload().touchedBytes());
        return r.success() && wireMs > 0 ? r.totalMs() / wireMs : Double.NaN;
    }

    static <K> Map<K, List<MigrationResult>> groups(List<MigrationResult> results,
            Function<MigrationResult, K> key) {
        Map<K, List<MigrationResult>> groups = new LinkedHashMap<>();
        for (MigrationResult r : results) {
            groups.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
        }
        return groups;
    }

    /** The distribution of a figure over the successful runs (negative figures count as missing). */
    static Distribution distribution(List<MigrationResult> runs, ToDoubleFunction<MigrationResult> metric) {
        return Distribution.of(runs.stream().filter(MigrationResult::success).mapToDouble(metric)
                .map(x -> x < 0 ? Double.NaN : x));
    }

    /**
     * 0 = ferry, 1 = qemu, 2 = no verdict: neither succeeded, a tie, or a successful run without this figure
     * (QEMU's post-copy downtime).
     */
    private static int winner(List<MigrationResult> ferry, List<MigrationResult> qemu,
            ToDoubleFunction<MigrationResult> metric) {
        boolean ferryOk = ferry.stream().anyMatch(MigrationResult::success);
        boolean qemuOk = qemu.stream().anyMatch(MigrationResult::success);
        if (ferryOk != qemuOk) {
            return ferryOk ? 0 : 1;
        }
        double f = distribution(ferry, metric).median();
        double g = distribution(qemu, metric).median();
        if (Double.isNaN(f) || Double.isNaN(g) || f == g) {
            return 2;
        }
        return f < g ? 0 : 1;
    }

    private static String longest(List<MigrationResult> runs, Function<MigrationResult, GcPauses> side) {
        double max = Double.NaN;
        boolean complete = true;
        for (MigrationResult r : runs) {
            GcPauses p = side.apply(r);
            if (p.known()) {
                max = Double.isNaN(max) ? p.longestPauseMs() : Math.max(max, p.longestPauseMs());
                complete &= p.complete();
            }
        }
        return Double.isNaN(max) ? "-" : String.format("%.1f%s", max, complete ? "" : "?");
    }

    private static String spread(Distribution d, String format) {
        if (d.count() == 0) {
            return "-";
        }
        return String.format(format + " / " + format + " / " + format, d.median(), d.p95(), d.max());
    }

    /** A GC figure: the longest pause, {@code ?} when the recording may have missed the window's end. */
    private static String pause(GcPauses p) {
        return p.known() ? String.format("%.1f%s", p.longestPauseMs(), p.complete() ? "" : "?") : "-";
    }

    private static String ratio(double x) {
        return Double.isNaN(x) ? "-" : String.format("%.2f", x);
    }

    private static String mib(long bytes) {
        return String.format("%.1f", bytes / MIB);
    }

    private static String millis(double ms) {
        return Double.isNaN(ms) ? "-" : String.format("%.0f", ms);
    }

    private static String downtime(double ms) {
        return Double.isNaN(ms) ? "-" : ms < 10 ? String.format("%.1f", ms) : String.format("%.0f", ms);
    }
}
