package dev.ferry.bench.migrate;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Prints migration results as a Markdown table (so that it can be pasted into the docs), the notes the rows
 * refer to, and a summary of which engine won each metric.
 */
final class MigrationTable {

    private static final String[] VERDICTS = {"ferry", "qemu", "-"};
    private static final List<ToDoubleFunction<MigrationResult>> METRICS = List.of(MigrationResult::totalMs,
            MigrationResult::downtimeMs, r -> r.bytes(), r -> r.rounds());

    private final PrintStream out;
    private final List<String> notes = new ArrayList<>();

    MigrationTable(PrintStream out) {
        this.out = out;
    }

    void printHeader() {
        out.println();
        out.println("| engine | image | RAM | strategy | total ms | downtime ms | sent MiB | rounds | success |");
        out.println("|--------|-------|-----|----------|---------:|------------:|---------:|-------:|---------|");
    }

    /** Prints one result as a row and returns it. */
    MigrationResult row(MigrationResult r) {
        String success = r.success() ? "yes" : "no";
        if (!r.note().isEmpty()) {
            notes.add(r.note());
            success += " [" + notes.size() + "]";
        }
        MigrationCase c = r.testCase();
        out.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", r.engine(), c.image(), c.ramLabel(),
                r.variant(), millis(r.totalMs()), millis(r.downtimeMs()),
                r.bytes() < 0 ? "-" : String.format("%.1f", r.bytes() / 1048576.0),
                r.bytes() < 0 ? "-" : Integer.toString(r.rounds()), success);
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

    /** With repeated runs: one row per engine, case and strategy with the medians of the successful runs. */
    void printMedians(List<MigrationResult> results) {
        Map<String, List<MigrationResult>> groups = new LinkedHashMap<>();
        for (MigrationResult r : results) {
            MigrationCase c = r.testCase();
            groups.computeIfAbsent(r.engine() + "|" + c.image() + "|" + c.ramLabel() + "|" + r.variant(),
                    k -> new ArrayList<>()).add(r);
        }
        out.println();
        out.println("Medians of the successful runs:");
        printHeader();
        for (List<MigrationResult> runs : groups.values()) {
            MigrationResult first = runs.get(0);
            MigrationCase c = first.testCase();
            long ok = runs.stream().filter(MigrationResult::success).count();
            double bytes = median(runs, METRICS.get(2));
            double rounds = median(runs, METRICS.get(3));
            out.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %d/%d |%n", first.engine(), c.image(),
                    c.ramLabel(), first.variant(), millis(median(runs, METRICS.get(0))),
                    millis(median(runs, METRICS.get(1))),
                    Double.isNaN(bytes) ? "-" : String.format("%.1f", bytes / 1048576.0),
                    Double.isNaN(rounds) ? "-" : String.format("%.0f", rounds), ok, runs.size());
        }
    }

    /**
     * For every case both engines ran, the winner of each metric (lower median over successful runs; a run that
     * failed loses), then the tally. Ferry's {@code precopy+aids} is compared with QEMU's pre-copy.
     */
    void printSummary(List<MigrationResult> results) {
        Map<String, List<MigrationResult>> ferry = new LinkedHashMap<>();
        Map<String, List<MigrationResult>> qemu = new LinkedHashMap<>();
        for (MigrationResult r : results) {
            MigrationCase c = r.testCase();
            String key = c.image() + " " + c.ramLabel() + " ";
            (r.engine().equals("ferry") ? ferry : qemu).computeIfAbsent(key + r.variant(), k -> new ArrayList<>())
                    .add(r);
        }
        if (qemu.isEmpty()) {
            return;
        }
        String[] metrics = {"total time", "downtime", "bytes sent"};
        List<ToDoubleFunction<MigrationResult>> values = METRICS;
        Map<String, int[]> tally = new LinkedHashMap<>();
        for (String m : metrics) {
            tally.put(m, new int[3]);
        }
        out.println();
        out.println("Winner per case (lower median is better; a failed run loses; - = no verdict):");
        for (Map.Entry<String, List<MigrationResult>> e : ferry.entrySet()) {
            String key = e.getKey();
            String qemuKey = key.endsWith("+aids") ? key.substring(0, key.length() - "+aids".length()) : key;
            List<MigrationResult> q = qemu.get(qemuKey);
            if (q == null) {
                continue;
            }
            StringBuilder line = new StringBuilder(String.format("  %-30s", key + (key.equals(qemuKey) ? "" : " vs qemu")));
            for (int i = 0; i < metrics.length; i++) {
                int winner = winner(e.getValue(), q, values.get(i));
                tally.get(metrics[i])[winner]++;
                line.append(String.format("  %s: %s", metrics[i], VERDICTS[winner]));
            }
            out.println(line);
        }
        out.println("Tally (ferry / qemu / no verdict):");
        for (String m : metrics) {
            int[] t = tally.get(m);
            out.printf("  %-11s %d / %d / %d%n", m, t[0], t[1], t[2]);
        }
        out.flush();
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
        double f = median(ferry, metric);
        double g = median(qemu, metric);
        if (Double.isNaN(f) || Double.isNaN(g) || f == g) {
            return 2;
        }
        return f < g ? 0 : 1;
    }

    private static double median(List<MigrationResult> runs, ToDoubleFunction<MigrationResult> metric) {
        double[] v = runs.stream().filter(MigrationResult::success).mapToDouble(metric)
                .filter(x -> !Double.isNaN(x) && x >= 0).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String millis(double ms) {
        return Double.isNaN(ms) ? "-" : String.format("%.0f", ms);
    }
}
