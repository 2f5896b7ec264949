package dev.ferry.migration.policy;

import static dev.ferry.migration.policy.Figures.options;
import static dev.ferry.migration.policy.Figures.range;
import static dev.ferry.migration.policy.Figures.round;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.RateMode;
import dev.ferry.migration.Strategy;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class MigrationPolicyTest {

    private final FakeClock clock = new FakeClock();

    private MigrationPolicy forStrategy(Strategy s) {
        return MigrationPolicy.forOptions(MigrationOptions.defaults(s), clock);
    }

    @Test
    void theFactoryPicksThePolicyOfTheStrategy() {
        assertThat(forStrategy(Strategy.STOPCOPY)).isInstanceOf(StopAndCopyPolicy.class);
        assertThat(forStrategy(Strategy.PRECOPY)).isInstanceOf(PreCopyPolicy.class);
        assertThat(forStrategy(Strategy.HYBRID)).isInstanceOf(HybridPolicy.class);
        assertThat(forStrategy(Strategy.POSTCOPY)).isInstanceOf(PostCopyPolicy.class);
        assertThat(forStrategy(Strategy.DEMAND)).isInstanceOf(DemandPolicy.class);
    }

    @Test
    void stopAndCopySendsEveryPageHoldingDataAtTheFinalRate() {
        MigrationPolicy p = MigrationPolicy.forOptions(options(Strategy.STOPCOPY, o -> {
            o.rate = RateMode.DYNAMIC;
            o.maxRate = 2_000_000_000L;
        }), clock);
        BitSet allocated = range(10, 20);
        assertThat(p.begin(allocated)).isInstanceOfSatisfying(Decision.StopAndCopy.class, s -> {
            assertThat(s.pages()).isEqualTo(allocated).isNotSameAs(allocated);
            assertThat(s.rateBitsPerSec()).isEqualTo(2_000_000_000L);
        });
    }

    @Test
    void postcopySwitchesAtOnceAndPushes() {
        MigrationPolicy p = forStrategy(Strategy.POSTCOPY);
        Decision.PostCopy pc = (Decision.PostCopy) p.begin(range(0, 4));
        assertThat(pc.absent()).isEqualTo(range(0, 4));
        assertThat(p.postCopy(pc.absent()).pushing()).isTrue();
    }

    @Test
    void demandSwitchesAtOnceAndWaitsForFaults() {
        MigrationPolicy p = forStrategy(Strategy.DEMAND);
        Decision.PostCopy pc = (Decision.PostCopy) p.begin(range(0, 4));
        assertThat(pc.reason()).contains("5000 ms without a fault");
        PostCopyPaging paging = p.postCopy(pc.absent());
        assertThat(paging.pushing()).isFalse();
        clock.advanceMillis(5000);
        assertThat(paging.pushing()).isTrue();
    }

    @Test
    void strategiesWithoutRoundsRejectFiguresAndASecondBegin() {
        for (Strategy s : new Strategy[] {Strategy.STOPCOPY, Strategy.POSTCOPY, Strategy.DEMAND}) {
            MigrationPolicy p = forStrategy(s);
            p.begin(range(0, 4));
            assertThatThrownBy(() -> p.begin(range(0, 4))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> p.afterRound(round(1, 1, 1, range(0, 1))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("no pre-copy round");
        }
    }

    @Test
    void aPrecopyThatStallsIntoPostcopyPushes() {
        MigrationPolicy p = forStrategy(Strategy.PRECOPY);
        assertThat(p.postCopy(range(0, 3)).pushing()).isTrue();
    }
}
