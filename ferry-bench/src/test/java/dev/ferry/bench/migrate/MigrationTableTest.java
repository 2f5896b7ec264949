package dev.ferry.bench.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.bench.measure.GcPauses;
import dev.ferry.bench.measure.LoopbackRate;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationTableTest {

    /** 192 MiB at 1.6106 Gbit/s: exactly 1,000 ms on the wire. */
    private static final LoopbackRate WIRE = new LoopbackRate((192L << 20) * 8 / 1.0, null);
    private static final Workload IDLE = Workload.of("idle", CaseCatalog.IDLE_ARGS, 1L << 30);

    private final ByteArrayOutputStream text = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);

    private static MigrationResult ferry(String caseName, String variant, double total, double downtime,
            double gcSource, double gcTarget) {
        return new MigrationResult("ferry", caseName, variant, IDLE, true, total, downtime, 200L << 20, 1,
                new GcPauses(1, gcSource, gcSource, true), new GcPauses(1, gcTarget, gcTarget, true), "");
    }

    private static MigrationResult qemu(String caseName, String variant, double total, double downtime) {
        return new MigrationResult("qemu", caseName, variant, IDLE, true, total, downtime, 190L << 20, 3,
                GcPauses.UNKNOWN, GcPauses.UNKNOWN, "");
    }

    @Test
    void distributionRowShowsMedianP95AndMaxAndTheLongestPauseOfEachSide() {
        List<MigrationResult> runs = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            runs.add(ferry("idle-1g", "precopy", 1000 + i, i, i == 7 ? 12.5 : 1, 3));
        }
        runs.add(MigrationResult.failed("ferry", new MigrationCase("idle-1g", IDLE, List.of(), null), "precopy",
                "stalled"));
        new MigrationTable(out, WIRE).printDistributions(runs);
        assertThat(text.toString(StandardCharsets.UTF_8)).contains(
                "| idle-1g | ferry | precopy | 20/21 | 10.5 / 19.0 / 20.0 | 1011 / 1019 / 1020 | 200.0 / 200.0 / 200.0 "
                        + "| 1.01 | 12.5 | 3.0 |");
    }

    @Test
    void rowShowsTotalOverWireTime() {
        new MigrationTable(out, WIRE).row(ferry("idle-1g", "precopy", 1500, 3, 0.5, 2));
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("| 1.50 | 0.5 | 2.0 | yes |");
    }

    @Test
    void withoutALoopbackRateThereIsNoRatio() {
        MigrationTable table = new MigrationTable(out, new LoopbackRate(Double.NaN, "iperf3 missing"));
        assertThat(table.wireRatio(ferry("idle-1g", "precopy", 1500, 3, 0, 0))).isNaN();
    }

    @Test
    void targetCheckComparesTheIdleCaseWithQemuTheWireAndTheDowntimeBounds() {
        List<MigrationResult> results = List.of(ferry("idle-1g", "precopy", 400, 1, 0, 0),
                ferry("idle-1g", "precopy", 500, 12, 0, 0), ferry("idle-1g", "precopy", 600, 2, 0, 0),
                qemu("idle-1g", "precopy", 1200, 1));
        new TargetCheck(out, results, new MigrationTable(out, WIRE)).print();
        String s = text.toString(StandardCharsets.UTF_8);
        assertThat(s).containsPattern("idle-1g: total time / QEMU's +0\\.42x \\(target at most 0\\.5x\\): met");
        assertThat(s).containsPattern("idle-1g: total time / wire time +0\\.50x \\(target at most 2x\\): met");
        assertThat(s).containsPattern(
                "idle-1g: downtime median \\(3 runs\\) +2\\.00 ms \\(target at most 2 ms\\): met");
        assertThat(s).containsPattern("idle-1g: downtime max +12\\.00 ms \\(target at most 10 ms\\): NOT met");
        assertThat(s).doesNotContain("munch-rated");
    }

    @Test
    void targetCheckOfTheSkewedCaseWantsFrequencyOrderBelowSequentialAndNoMoreFailures() {
        List<MigrationResult> results = List.of(ferry("skewed", "sequential", 900, 130, 0, 0),
                ferry("skewed", "frequency+delay-hot", 800, 140, 0, 0),
                MigrationResult.failed("ferry", new MigrationCase("skewed", IDLE, List.of(), null),
                        "frequency+delay-hot", "pre-copy does not converge"),
                ferry("skewed", "sequential", 900, 130, 0, 0));
        new TargetCheck(out, results, new MigrationTable(out, WIRE)).print();
        String s = text.toString(StandardCharsets.UTF_8);
        assertThat(s).containsPattern("skewed: downtime frequency\\+delay-hot / sequential +1\\.08x .*: NOT met");
        assertThat(s).containsPattern("skewed: no aborts with frequency\\+delay-hot +1 vs 2 successful runs: NOT met");
    }
}
