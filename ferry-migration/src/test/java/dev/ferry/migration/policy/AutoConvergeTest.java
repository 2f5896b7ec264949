package dev.ferry.migration.policy;

import static dev.ferry.migration.policy.Figures.range;
import static dev.ferry.migration.policy.Figures.round;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AutoConvergeTest {

    /** A round that re-sent the whole dirty set while the guest dirtied it again: dirty rate == send rate. */
    private static RoundFigures resendingRound(int r) {
        return round(r, 1000, 1000L * Figures.FRAMED_PAGE, 100, range(0, 1000));
    }

    /**
     * Defect 2: each round re-sends the whole dirty set, so the guest dirties exactly as many pages as the round
     * sends. "Dirty bytes/s above wire bytes/s" never held (framing makes the wire bytes larger) and the throttle
     * stayed at 0 % for ten rounds; counting pages, every round counts.
     */
    @Test
    void roundsThatDirtyAsManyPagesAsTheySendRaiseTheThrottle() {
        AutoConverge rule = new AutoConverge(true);
        assertThat(rule.afterRound(resendingRound(1))).isFalse();
        assertThat(rule.throttle()).isZero();
        assertThat(rule.afterRound(resendingRound(2))).isTrue();
        assertThat(rule.throttle()).isEqualTo(0.2);
        assertThat(rule.afterRound(resendingRound(3))).isTrue();
        assertThat(rule.throttle()).isEqualTo(0.3);
    }

    @Test
    void theThrottleStopsAt90Percent() {
        AutoConverge rule = new AutoConverge(true);
        for (int r = 1; r <= 20; r++) {
            rule.afterRound(resendingRound(r));
        }
        assertThat(rule.throttle()).isEqualTo(0.9);
        assertThat(rule.atMaximum()).isTrue();
        assertThat(rule.afterRound(resendingRound(21))).isFalse();
    }

    @Test
    void halfAsManyPagesDirtiedAsSentCounts() {
        assertThat(AutoConverge.dirtiesTooFast(round(1, 1000, 100, range(0, 500)))).isTrue();
        assertThat(AutoConverge.dirtiesTooFast(round(1, 1000, 100, range(0, 499)))).isFalse();
        assertThat(AutoConverge.dirtiesTooFast(round(1, 0, 100, range(0, 0)))).isFalse();
    }

    /** With LZ4 the 400 dirtied pages are more bytes than the 1,000 compressed pages sent: bytes would count. */
    @Test
    void pagesAreComparedNotBytes() {
        AutoConverge rule = new AutoConverge(true);
        rule.afterRound(round(1, 1000, 1000L * 1000, 100, range(0, 400)));
        rule.afterRound(round(2, 1000, 1000L * 1000, 100, range(0, 400)));
        assertThat(rule.throttle()).isZero();
    }

    @Test
    void twoCountingRoundsMustBeConsecutiveToStart() {
        AutoConverge rule = new AutoConverge(true);
        rule.afterRound(resendingRound(1));
        rule.afterRound(round(2, 1000, 100, range(0, 10)));
        rule.afterRound(resendingRound(3));
        assertThat(rule.throttle()).isZero();
        rule.afterRound(resendingRound(4));
        assertThat(rule.throttle()).isEqualTo(0.2);
    }

    @Test
    void switchedOffItOnlyThrottlesAfterAStall() {
        AutoConverge rule = new AutoConverge(false);
        for (int r = 1; r <= 5; r++) {
            rule.afterRound(resendingRound(r));
        }
        assertThat(rule.throttle()).isZero();
        assertThat(rule.onStall()).isTrue();
        assertThat(rule.throttle()).isEqualTo(0.2);
        rule.afterRound(resendingRound(6));
        assertThat(rule.throttle()).isEqualTo(0.3);
        assertThat(rule.onStall()).isTrue();
        assertThat(rule.throttle()).isEqualTo(0.4);
    }
}
