package dev.ferry.migration.policy;

import static dev.ferry.migration.policy.Figures.options;
import static dev.ferry.migration.policy.Figures.range;
import static dev.ferry.migration.policy.Figures.round;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.migration.Options;
import dev.ferry.migration.RateMode;
import dev.ferry.migration.Strategy;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class HybridPolicyTest {

    private static HybridPolicy policy(Consumer<Options> change) {
        return new HybridPolicy(options(Strategy.HYBRID, change), new FakeClock());
    }

    @Test
    void switchesToPostcopyAfterExactlyTheChosenRoundsEvenWhenLittleIsLeft() {
        HybridPolicy p = policy(o -> o.precopyRounds = 3);
        List<Decision> run = Runs.run(p, range(0, 10_000), (r, send) -> round(r, send.order().length, 10,
                range(0, 5)));
        assertThat(Runs.rounds(run)).isEqualTo(3);
        assertThat(Runs.last(run)).isInstanceOfSatisfying(Decision.PostCopy.class, pc -> {
            assertThat(pc.absent()).isEqualTo(range(0, 5));
            assertThat(pc.reason()).contains("3 pre-copy rounds done").contains("5 pages left");
        });
    }

    @Test
    void aRoundThatLeavesNothingSwitchesOverAndSaysSo() {
        HybridPolicy p = policy(o -> o.precopyRounds = 3);
        List<Decision> run = Runs.run(p, range(0, 100), (r, send) -> round(r, send.order().length, 10,
                new BitSet()));
        assertThat(Runs.rounds(run)).isEqualTo(1);
        assertThat(Runs.last(run)).isInstanceOfSatisfying(Decision.PostCopy.class, pc -> {
            assertThat(pc.absent().isEmpty()).isTrue();
            assertThat(pc.reason()).contains("no page left").doesNotContain("hot");
        });
    }

    @Test
    void noPrecopyRoundsIsPostcopyOfEveryPageHoldingData() {
        HybridPolicy p = policy(o -> o.precopyRounds = 0);
        BitSet allocated = range(5, 50);
        assertThat(p.begin(allocated)).isInstanceOfSatisfying(Decision.PostCopy.class,
                pc -> assertThat(pc.absent()).isEqualTo(allocated));
    }

    @Test
    void roundsFollowTheDynamicRateAndSwitchEarlyBeyondTheMaximum() {
        HybridPolicy p = policy(o -> {
            o.precopyRounds = 5;
            o.rate = RateMode.DYNAMIC;
            o.minRate = 100_000_000L;
            o.maxRate = 500_000_000L;
        });
        assertThat(((Decision.Send) p.begin(range(0, 100_000))).rateBitsPerSec()).isEqualTo(100_000_000L);
        Decision.Send second = (Decision.Send) p.afterRound(round(1, 100_000, 1000, range(0, 10_000)));
        assertThat(second.rateBitsPerSec()).isEqualTo(10_000L * 4096 * 8 + 50_000_000L);
        Decision d = p.afterRound(round(2, 10_000, 1000, range(0, 14_000)));
        assertThat(d).isInstanceOfSatisfying(Decision.PostCopy.class, pc -> {
            assertThat(pc.absent()).isEqualTo(range(0, 14_000));
            assertThat(pc.rateBitsPerSec()).isEqualTo(500_000_000L);
            assertThat(pc.reason()).contains("exceeds the maximum rate");
        });
    }

    @Test
    void hotPagesHeldBackGoToPostcopy() {
        HybridPolicy p = policy(o -> {
            o.precopyRounds = 10;
            o.delayHot = 1.0;
        });
        BitSet hot = range(0, 100);
        List<Decision> run = Runs.run(p, range(0, 1000), (r, send) -> round(r, send.order().length, 10, hot));
        assertThat(Runs.rounds(run)).isEqualTo(2);
        assertThat(Runs.last(run)).isInstanceOfSatisfying(Decision.PostCopy.class, pc -> {
            assertThat(pc.absent()).isEqualTo(hot);
            assertThat(pc.reason()).contains("held back as hot");
        });
    }
}
