package dev.ferry.migration.policy;

import static dev.ferry.migration.policy.Figures.options;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.migration.Strategy;
import org.junit.jupiter.api.Test;

class StopRuleTest {

    private final StopRule rule = new StopRule(options(Strategy.PRECOPY, o -> {
        o.maxDowntime = 300;
        o.maxRounds = 10;
    }));

    @Test
    void lessThan256KiBLeftStops() {
        assertThat(rule.reason(2, 63, Double.POSITIVE_INFINITY)).hasValueSatisfying(
                r -> assertThat(r).contains("63 pages left, below 256 KiB"));
        assertThat(rule.reason(2, 64, Double.POSITIVE_INFINITY)).isEmpty();
    }

    @Test
    void expectedDowntimeBelowTheLimitStops() {
        assertThat(rule.reason(2, 5000, 299.9)).hasValueSatisfying(
                r -> assertThat(r).contains("expected stop-and-copy time 299.9 ms").contains("300 ms limit"));
        assertThat(rule.reason(2, 5000, 300)).isEmpty();
    }

    @Test
    void theLastRoundStops() {
        assertThat(rule.reason(9, 5000, 1000)).isEmpty();
        assertThat(rule.reason(10, 5000, 1000)).hasValueSatisfying(
                r -> assertThat(r).contains("maximum number of rounds"));
    }

    @Test
    void noDowntimeLimitNeverStopsOnTheEstimate() {
        StopRule none = new StopRule(options(Strategy.PRECOPY, o -> o.maxDowntime = 0));
        assertThat(none.reason(2, 5000, 0.001)).isEmpty();
    }
}
