package dev.ferry.migration.policy;

import static dev.ferry.migration.policy.Figures.range;
import static dev.ferry.migration.policy.Figures.round;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DowntimeEstimateTest {

    @Test
    void nothingMeasuredMeansUnknown() {
        DowntimeEstimate e = new DowntimeEstimate();
        assertThat(e.expectedMillis(100, 0)).isInfinite();
        assertThat(e.expectedMillis(0, 0)).isZero();
    }

    /**
     * Defect 3: with LZ4 a page took about 1,160 wire bytes. Dividing 122 pages x 4 KiB by the wire bytes per
     * second gave 195 ms; the stop-and-copy of those 122 pages took 55 ms, the page throughput predicts.
     */
    @Test
    void throughputIsCountedInPagesNotWireBytes() {
        DowntimeEstimate e = new DowntimeEstimate();
        e.record(round(1, 4400, 4400L * 1160, 2000, range(0, 122)));
        double pagesPerSecond = 4400 / 2.0;
        assertThat(e.pagesPerSecond()).isCloseTo(pagesPerSecond, within(1e-6));
        assertThat(e.expectedMillis(122, 0)).isCloseTo(122 / pagesPerSecond * 1000, within(1e-6));
    }

    /**
     * Defect 7: a 64 MiB working set. Round 1 sent 16,384 pages in 350 ms; round 2, what skipping re-dirtied
     * pages left, sent 200 pages in 22.6 ms, mostly fixed costs. From round 2 alone the 16,384 pages left looked
     * like 1,851 ms; over both rounds they are the ~370 ms they took.
     */
    @Test
    void throughputIsMeasuredOverAllRounds() {
        DowntimeEstimate e = new DowntimeEstimate();
        e.record(round(1, 16_384, 350, range(0, 16_384)));
        e.record(round(2, 200, 200L * 4100, 22.6, range(0, 16_384)));
        double pagesPerSecond = (16_384 + 200) / 0.3726;
        assertThat(e.expectedMillis(16_384, 0)).isCloseTo(16_384 / pagesPerSecond * 1000, within(1e-6))
                .isLessThan(400);
    }

    @Test
    void theStopAndCopyRateLimitCapsTheThroughput() {
        DowntimeEstimate e = new DowntimeEstimate();
        e.record(round(1, 100_000, 100_000L * 1024, 1000, range(0, 10)));
        // 100 Mbit/s at the measured 1,024 wire bytes per page: 12,207 pages/s, below the 100,000 measured
        double capped = 100_000_000 / 8.0 / 1024;
        assertThat(e.expectedMillis(12_000, 100_000_000L)).isCloseTo(12_000 / capped * 1000, within(1e-6));
        // a limit above the measured throughput changes nothing
        assertThat(e.expectedMillis(12_000, 100_000_000_000L)).isCloseTo(120, within(1e-6));
    }
}
