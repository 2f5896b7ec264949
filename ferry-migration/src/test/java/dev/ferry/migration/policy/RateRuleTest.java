package dev.ferry.migration.policy;

import static dev.ferry.migration.policy.Figures.options;
import static dev.ferry.migration.policy.Figures.range;
import static dev.ferry.migration.policy.Figures.round;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.migration.RateMode;
import dev.ferry.migration.Strategy;
import org.junit.jupiter.api.Test;

class RateRuleTest {

    private static RateRule dynamic(long min, long max) {
        return new RateRule(options(Strategy.PRECOPY, o -> {
            o.rate = RateMode.DYNAMIC;
            o.minRate = min;
            o.maxRate = max;
        }));
    }

    @Test
    void fixedModeKeepsTheCapThroughout() {
        RateRule capped = new RateRule(options(Strategy.PRECOPY, o -> o.bandwidth = 1_000_000_000L));
        assertThat(capped.first()).isEqualTo(1_000_000_000L);
        long next = capped.next(round(1, 5000, 10, range(0, 5000)));
        assertThat(next).isEqualTo(1_000_000_000L);
        assertThat(capped.beyondMaximum(next)).isFalse();
        assertThat(capped.last()).isEqualTo(1_000_000_000L);
        RateRule unlimited = new RateRule(options(Strategy.PRECOPY, o -> { }));
        assertThat(unlimited.first()).isZero();
        assertThat(unlimited.next(round(1, 10, 1, range(0, 10)))).isZero();
        assertThat(unlimited.last()).isZero();
    }

    @Test
    void dynamicStartsAtTheMinimumAndEndsAtTheMaximum() {
        RateRule rule = dynamic(100_000_000L, 1_000_000_000L);
        assertThat(rule.first()).isEqualTo(100_000_000L);
        assertThat(rule.last()).isEqualTo(1_000_000_000L);
    }

    @Test
    void dynamicNextRoundRunsAtTheDirtyRatePlus50Mbit() {
        RateRule rule = dynamic(100_000_000L, 1_000_000_000L);
        // 1,000 pages dirtied in 100 ms: 1,000 x 4,096 x 8 bits / 0.1 s
        long dirtyBits = 1000L * 4096 * 8 * 10;
        long next = rule.next(round(3, 2000, 100, range(0, 1000)));
        assertThat(next).isEqualTo(dirtyBits + 50_000_000L);
        assertThat(rule.beyondMaximum(next)).isFalse();
    }

    @Test
    void dynamicDirtyRateCountsRawPagesNotWireBytes() {
        RateRule rule = dynamic(100_000_000L, 1_000_000_000L);
        long plain = rule.next(round(2, 2000, 2000L * Figures.FRAMED_PAGE, 100, range(0, 1000)));
        long compressed = rule.next(round(2, 2000, 2000L * 300, 100, range(0, 1000)));
        assertThat(compressed).isEqualTo(plain);
    }

    @Test
    void dynamicNeverGoesBelowTheMinimum() {
        RateRule rule = dynamic(100_000_000L, 1_000_000_000L);
        assertThat(rule.next(round(2, 2000, 100, range(0, 0)))).isEqualTo(100_000_000L);
    }

    @Test
    void dynamicBeyondTheMaximumEndsPrecopy() {
        RateRule rule = dynamic(100_000_000L, 500_000_000L);
        // 14,000 pages in 1 s = 458.8 Mbit/s; + 50 Mbit/s = 508.8 Mbit/s > 500 Mbit/s
        long next = rule.next(round(4, 20_000, 1000, range(0, 14_000)));
        assertThat(next).isGreaterThan(500_000_000L);
        assertThat(rule.beyondMaximum(next)).isTrue();
        assertThat(rule.beyondMaximum(500_000_000L)).isFalse();
    }
}
