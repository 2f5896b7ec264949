package dev.ferry.migration.policy;

import dev.ferry.migration.PageOrder;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

class RoundPlanTest {

    private static BitSet pages(int... p) {
        BitSet b = new BitSet();
        for (int x : p) {
            b.set(x);
        }
        return b;
    }

    @Test
    void sequentialKeepsIndexOrder() {
        RoundHistory h = new RoundHistory(16);
        h.record(pages(3, 5));
        RoundPlan plan = RoundPlan.of(pages(9, 3, 5, 1), h, PageOrder.SEQUENTIAL, 0);
        assertThat(plan.order()).containsExactly(1, 3, 5, 9);
        assertThat(plan.delayed().isEmpty()).isTrue();
    }

    @Test
    void frequencyPutsRarelyWrittenPagesFirst() {
        RoundHistory h = new RoundHistory(16);
        h.record(pages(1, 2, 3));
        h.record(pages(1, 2));
        h.record(pages(1));
        assertThat(h.writes(1)).isEqualTo(3);
        assertThat(h.frequency(2)).isEqualTo(2.0 / 3);
        RoundPlan plan = RoundPlan.of(pages(1, 2, 3, 4), h, PageOrder.FREQUENCY, 0);
        assertThat(plan.order()).containsExactly(4, 3, 2, 1);
    }

    @Test
    void hotPagesWaitForStopAndCopy() {
        RoundHistory h = new RoundHistory(16);
        h.record(pages(1, 2));
        h.record(pages(1));
        RoundPlan plan = RoundPlan.of(pages(1, 2, 3), h, PageOrder.SEQUENTIAL, 0.75);
        assertThat(plan.order()).containsExactly(2, 3);
        assertThat(plan.delayed()).isEqualTo(pages(1));
        RoundPlan none = RoundPlan.of(pages(1, 2, 3), new RoundHistory(16), PageOrder.SEQUENTIAL, 0.75);
        assertThat(none.order()).containsExactly(1, 2, 3);
    }

    @Test
    void historyWindowForgetsOldRounds() {
        RoundHistory h = new RoundHistory(4);
        h.record(pages(0));
        for (int i = 0; i < RoundHistory.WINDOW; i++) {
            h.record(pages());
        }
        assertThat(h.writes(0)).isZero();
    }

    /** Right after round 1 every pending page was written in all recorded rounds: none is hot yet. */
    @Test
    void hotPagesWaitUntilTheHistoryCanTellThemFromPagesWrittenOnce() {
        RoundHistory h = new RoundHistory(16);
        h.record(pages(1, 2, 3));
        assertThat(RoundPlan.of(pages(1, 2, 3), h, PageOrder.SEQUENTIAL, 1.0).delayed().isEmpty()).isTrue();
        h.record(pages(1, 4));
        RoundPlan two = RoundPlan.of(pages(1, 4), h, PageOrder.SEQUENTIAL, 1.0);
        assertThat(two.order()).containsExactly(4);
        assertThat(two.delayed()).isEqualTo(pages(1));
        assertThat(RoundPlan.of(pages(1, 4), h, PageOrder.SEQUENTIAL, 0.5).delayed().isEmpty()).isTrue();
        h.record(pages(1, 5));
        RoundPlan three = RoundPlan.of(pages(1, 4, 5), h, PageOrder.SEQUENTIAL, 0.5);
        assertThat(three.order()).containsExactly(4, 5);
        assertThat(three.delayed()).isEqualTo(pages(1));
    }

    @Test
    void aThresholdBelowOneWriteInTheWindowWaitsForTheWholeWindow() {
        assertThat(RoundPlan.roundsToTell(0.05)).isEqualTo(RoundHistory.WINDOW);
        assertThat(RoundPlan.roundsToTell(0.3)).isEqualTo(4);
        assertThat(RoundPlan.roundsToTell(1.0 / 3)).isEqualTo(4);
    }
}
