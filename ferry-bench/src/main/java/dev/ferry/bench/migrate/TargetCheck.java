package dev.ferry.bench.migrate;

import dev.ferry.bench.measure.Distribution;
import java.io.PrintStream;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Checks the named cases' results against the targets of issue 6 and prints one line per target: the figure,
 * the bound, and whether it was met. A target whose figures are missing (a case not run, QEMU skipped, every run
 * failed) says so instead of guessing.
 */
final class TargetCheck {

    private final PrintStream out;
    private final List<MigrationResult> results;
    private final MigrationTable table;

    TargetCheck(PrintStream out, List<MigrationResult> results, MigrationTable table) {
        this.out = out;
        this.results = results;
        this.table = table;
    }

    /** Prints the checks of every named case that ran. */
    void print() {
        if (results.stream().noneMatch(r -> CaseCatalog.DEFAULT_CASES.contains(r.caseName()))) {
            return;
        }
        out.println();
        out.println("Targets (medians over the successful runs):");
        String idle = CaseCatalog.IDLE;
        if (runs(idle) > 0) {
            Distribution idleTotal = figure("ferry", idle, "precopy", MigrationResult::totalMs);
            atMost(idle + ": total time / QEMU's", idleTotal.median() / figure("qemu", idle, "precopy",
                    MigrationResult::totalMs).median(), 0.5, "x");
            atMost(idle + ": total time / wire time", figure("ferry", idle, "precopy", table::wireRatio).median(), 2,
                    "x");
            Distribution idleDown = figure("ferry", idle, "precopy", MigrationResult::downtimeMs);
            atMost(idle + ": downtime median (" + idleDown.count() + " runs)", idleDown.median(), 2, " ms");
            atMost(idle + ": downtime max", idleDown.max(), 10, " ms");
        }
        for (String[] c : new String[][] {{CaseCatalog.IDLE_POSTCOPY, "postcopy"}, {CaseCatalog.IDLE_HYBRID,
                "hybrid"}}) {
            if (runs(c[0]) > 0) {
                atMost(c[0] + ": downtime median", figure("ferry", c[0], c[1], MigrationResult::downtimeMs).median(),
                        3, " ms");
            }
        }
        String munch = CaseCatalog.MUNCH_RATED;
        if (runs(munch) > 0) {
            atMost(munch + ": downtime / QEMU's", figure("ferry", munch, "precopy", MigrationResult::downtimeMs)
                    .median() / figure("qemu", munch, "precopy", MigrationResult::downtimeMs).median(), 1, "x");
            atMost(munch + ": total time / QEMU's", figure("ferry", munch, "precopy", MigrationResult::totalMs)
                    .median() / figure("qemu", munch, "precopy", MigrationResult::totalMs).median(), 1, "x");
        }
        String skewed = CaseCatalog.SKEWED;
        if (runs(skewed) > 0) {
            Distribution sequential = figure("ferry", skewed, "sequential", MigrationResult::downtimeMs);
            Distribution frequency = figure("ferry", skewed, "frequency+delay-hot", MigrationResult::downtimeMs);
            atMost(skewed + ": downtime frequency+delay-hot / sequential", frequency.median() / sequential.median(),
                    1, "x");
            double sequentialRounds = figure("ferry", skewed, "sequential", r -> r.rounds()).median();
            double frequencyRounds = figure("ferry", skewed, "frequency+delay-hot", r -> r.rounds()).median();
            out.printf("  %-52s %.0f vs %.0f: %s%n", skewed + ": rounds frequency+delay-hot vs sequential",
                    frequencyRounds, sequentialRounds, frequencyRounds == sequentialRounds ? "equal"
                            : "NOT equal (the comparison needs equal rounds: lower --max-rounds or raise hot=)");
            long sequentialOk = successes(skewed, "sequential");
            long frequencyOk = successes(skewed, "frequency+delay-hot");
            out.printf("  %-52s %d vs %d successful runs: %s%n", skewed + ": no aborts with frequency+delay-hot",
                    frequencyOk, sequentialOk, frequencyOk >= sequentialOk ? "met" : "NOT met");
        }
        out.flush();
    }

    private void atMost(String what, double value, double bound, String unit) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            out.printf("  %-52s no figure (an engine skipped, or no successful run)%n", what);
            return;
        }
        out.printf("  %-52s %.2f%s (target at most %s%s): %s%n", what, value, unit, trim(bound), unit,
                value <= bound ? "met" : "NOT met");
    }

    private Distribution figure(String engine, String caseName, String variant,
            ToDoubleFunction<MigrationResult> metric) {
        return MigrationTable.distribution(results.stream().filter(r -> r.engine().equals(engine)
                && r.caseName().equals(caseName) && r.variant().equals(variant)).toList(), metric);
    }

    private long successes(String caseName, String variant) {
        return results.stream().filter(r -> r.caseName().equals(caseName) && r.variant().equals(variant)
                && r.success()).count();
    }

    private long runs(String caseName) {
        return results.stream().filter(r -> r.caseName().equals(caseName)).count();
    }

    private static String trim(double bound) {
        return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
    }
}
