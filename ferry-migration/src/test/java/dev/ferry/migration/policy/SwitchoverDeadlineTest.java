package dev.ferry.migration.policy;

import static dev.ferry.migration.policy.Figures.range;
import static dev.ferry.migration.policy.Figures.round;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SwitchoverDeadlineTest {

    @Test
    void theUsersDeadlineWins() {
        DowntimeEstimate e = new DowntimeEstimate();
        e.record(round(1, 10_000, 1000, range(0, 10)));
        assertThat(SwitchoverDeadline.millis(250, 1_000_000, e, 0)).isEqualTo(250);
    }

    @Test
    void aShortExpectedDowntimeGetsTheMinimum() {
        DowntimeEstimate e = new DowntimeEstimate();
        e.record(round(1, 10_000, 1000, range(0, 10)));
        assertThat(SwitchoverDeadline.millis(0, 50, e, 0)).isEqualTo(SwitchoverDeadline.MIN_MILLIS);
        assertThat(SwitchoverDeadline.millis(0, 0, e, 0)).as("post-copy: no pages while paused")
                .isEqualTo(SwitchoverDeadline.MIN_MILLIS);
    }

    /** 10,000 pages per second measured: 5,000 pages left are 500 ms expected, 2 s allowed. */
    @Test
    void aLongExpectedDowntimeGetsAFewTimesIt() {
        DowntimeEstimate e = new DowntimeEstimate();
        e.record(round(1, 10_000, 1000, range(0, 10)));
        assertThat(SwitchoverDeadline.millis(0, 5000, e, 0)).isEqualTo(SwitchoverDeadline.FACTOR * 500L);
    }

    /** Stop-and-copy of 32 MiB at a 100 Mbit/s cap: 2.68 s expected. */
    @Test
    void withoutMeasurementsTheRateLimitOrAnAssumedSlowLinkCounts() {
        DowntimeEstimate none = new DowntimeEstimate();
        long pages = 8192;
        double atCap = pages * 4096.0 * 8 / 100_000_000L * 1000;
        assertThat(SwitchoverDeadline.millis(0, pages, none, 100_000_000L))
                .isEqualTo((long) Math.ceil(atCap * SwitchoverDeadline.FACTOR));
        assertThat(SwitchoverDeadline.millis(0, pages, none, 0)).as("unlimited: a slow link is assumed")
                .isEqualTo((long) Math.ceil(pages * 4096.0 * 8 / SwitchoverDeadline.ASSUMED_BITS_PER_SEC * 1000
                        * SwitchoverDeadline.FACTOR));
    }
}
