package dev.ferry.migration.policy;

import static dev.ferry.migration.policy.Figures.options;
import static dev.ferry.migration.policy.Figures.range;
import static dev.ferry.migration.policy.Figures.round;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.migration.Options;
import dev.ferry.migration.PageOrder;
import dev.ferry.migration.RateMode;
import dev.ferry.migration.StallAction;
import dev.ferry.migration.Strategy;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class PreCopyPolicyTest {

    private static PreCopyPolicy policy(Consumer<Options> change) {
        return new PreCopyPolicy(options(Strategy.PRECOPY, change), new FakeClock());
    }

    /** A round that sends its whole plan at 1,000 pages/s (plus 1 ms) while the guest dirties {@code dirtied}. */
    private static RoundFigures slowRound(int r, Decision.Send send, BitSet dirtied) {
        return round(r, send.order().length, send.order().length + 1.0, dirtied);
    }

    @Test
    void beginSendsEveryPageHoldingDataInIndexOrderAtTheFirstRate() {
        PreCopyPolicy p = policy(o -> {
            o.rate = RateMode.DYNAMIC;
            o.minRate = 200_000_000L;
            o.order = PageOrder.FREQUENCY;
            o.delayHot = 0.5;
        });
        BitSet allocated = Figures.pages(7, 3, 900);
        Decision.Send send = (Decision.Send) p.begin(allocated);
        assertThat(send.order()).containsExactly(3, 7, 900);
        assertThat(send.delayed().isEmpty()).isTrue();
        assertThat(send.rateBitsPerSec()).isEqualTo(200_000_000L);
        assertThat(send.throttle()).isZero();
        assertThat(send.notes()).isEmpty();
    }

    /**
     * Defect 3: 122 pages left after a round that sent 4,400 LZ4-compressed pages (1,160 wire bytes each) in
     * 2 s. They take 55 ms at 2,200 pages/s, below the 100 ms limit; by wire bytes they looked like 195 ms.
     */
    @Test
    void compressedPagesDoNotInflateTheDowntimeEstimate() {
        PreCopyPolicy p = policy(o -> o.maxDowntime = 100);
        p.begin(range(0, 4400));
        Decision d = p.afterRound(round(1, 4400, 4400L * 1160, 2000, range(0, 122)));
        assertThat(d).isInstanceOfSatisfying(Decision.StopAndCopy.class, s -> {
            assertThat(s.pages()).isEqualTo(range(0, 122));
            assertThat(s.reason()).contains("expected stop-and-copy time 55.5 ms");
        });
    }

    /**
     * Defect 7: round 1 sent a 256 MiB VM at 54,613 pages/s; round 2 skipped the re-dirtied pages and sent 200
     * in 22.6 ms, mostly fixed costs. Over both rounds the 12,000 pages left take ~223 ms, below the 250 ms
     * limit; from round 2 alone they looked like 1,354 ms.
     */
    @Test
    void aTinyRoundDoesNotMakeTheEstimateNoise() {
        PreCopyPolicy p = policy(o -> o.maxDowntime = 250);
        p.begin(range(0, 65_536));
        assertThat(p.afterRound(round(1, 65_536, 1200, range(0, 16_384)))).isInstanceOf(Decision.Send.class);
        RoundFigures tiny = new RoundFigures(2, 16_384, 200, 200L * 4096, 200L * 4100, 22_600_000L,
                range(0, 12_000), 0);
        assertThat(p.afterRound(tiny)).isInstanceOfSatisfying(Decision.StopAndCopy.class,
                s -> assertThat(s.reason()).contains("expected stop-and-copy time 223.2 ms"));
    }

    /**
     * Defect 5: 1,000 hot pages are dirtied every round and a shrinking set of other pages (100, 80, 64, ...)
     * once each. Held back as hot, the hot pages kept the remaining set from shrinking by 5 %, and pre-copy
     * aborted in round 4; the rounds' own pages shrink, so it runs until only hot pages are left and copies them
     * in the stop-and-copy.
     */
    @Test
    void pagesHeldBackAsHotDoNotCountAsNotShrinking() {
        PreCopyPolicy p = policy(o -> {
            o.delayHot = 0.5;
            o.order = PageOrder.FREQUENCY;
            o.onStall = StallAction.ABORT;
        });
        BitSet hot = range(0, 1000);
        int[] warm = {100};
        List<Decision> run = Runs.run(p, range(0, 10_000), (r, send) -> {
            BitSet dirtied = (BitSet) hot.clone();
            int from = 10_000 + 1000 * r;
            dirtied.set(from, from + warm[0]);
            warm[0] = warm[0] * 4 / 5;
            return slowRound(r, send, dirtied);
        });
        assertThat(run).noneMatch(d -> d instanceof Decision.Abort);
        assertThat(Runs.last(run)).isInstanceOfSatisfying(Decision.StopAndCopy.class, s -> {
            assertThat(s.pages()).isEqualTo(hot);
            assertThat(s.reason()).contains("held back as hot");
        });
        assertThat(Runs.rounds(run)).isGreaterThan(10);
    }

    /** Defect 5: when every page left is held back, pre-copy ends with a stop-and-copy, never an abort. */
    @Test
    void aRoundWithEveryPendingPageHeldBackEndsWithStopAndCopy() {
        PreCopyPolicy p = policy(o -> {
            o.delayHot = 1.0;
            o.onStall = StallAction.ABORT;
        });
        BitSet hot = range(0, 2000);
        List<Decision> run = Runs.run(p, range(0, 10_000), (r, send) -> slowRound(r, send, hot));
        assertThat(Runs.rounds(run)).isEqualTo(2);
        assertThat(Runs.last(run)).isInstanceOfSatisfying(Decision.StopAndCopy.class,
                s -> assertThat(s.pages()).isEqualTo(hot));
    }

    /**
     * When the pages sent stall while hot pages are held back, the held-back set is what keeps the stop
     * conditions out of reach: the policy sends the hot pages again before it applies the stall action.
     */
    @Test
    void aStallWhileHoldingPagesBackSendsThemAgainBeforeTheStallAction() {
        PreCopyPolicy p = policy(o -> {
            o.delayHot = 0.75;
            o.onStall = StallAction.ABORT;
        });
        BitSet hot = range(0, 1000);
        List<Decision> run = Runs.run(p, range(0, 10_000), (r, send) -> {
            BitSet dirtied = (BitSet) hot.clone();
            int from = 5000 + 100 * (r % 3);
            dirtied.set(from, from + 100);
            return slowRound(r, send, dirtied);
        });
        Decision.Send released = (Decision.Send) run.get(5);
        assertThat(((Decision.Send) run.get(4)).delayed()).isEqualTo(hot);
        assertThat(released.delayed().isEmpty()).isTrue();
        assertThat(released.order()).hasSize(1100);
        assertThat(released.notes()).singleElement().asString()
                .contains("stopped shrinking at 100 pages besides 1000 hot pages").contains("sending the hot pages");
        assertThat(Runs.rounds(run)).isEqualTo(8);
        assertThat(Runs.last(run)).isInstanceOfSatisfying(Decision.Abort.class,
                a -> assertThat(a.reason()).contains("stopped shrinking at 1100 pages"));
    }

    /** Pre-copy of 10,000 pages whose 2,000-page working set is dirtied again in every round. */
    private static List<Decision> stallingRun(StallAction action) {
        PreCopyPolicy p = policy(o -> o.onStall = action);
        return Runs.run(p, range(0, 10_000), (r, send) -> slowRound(r, send, range(0, 2000)));
    }

    @Test
    void aWorkingSetThatStopsShrinkingAbortsWithOnStallAbort() {
        List<Decision> run = stallingRun(StallAction.ABORT);
        assertThat(Runs.rounds(run)).isEqualTo(4);
        assertThat(Runs.last(run)).isInstanceOfSatisfying(Decision.Abort.class,
                a -> assertThat(a.reason()).contains("stopped shrinking at 2000 pages"));
    }

    @Test
    void aWorkingSetThatStopsShrinkingSwitchesToPostcopyWithOnStallPostcopy() {
        assertThat(Runs.last(stallingRun(StallAction.POSTCOPY))).isInstanceOfSatisfying(Decision.PostCopy.class,
                pc -> assertThat(pc.absent()).isEqualTo(range(0, 2000)));
    }

    @Test
    void onStallThrottleRaisesTheThrottleUntilTheHighestThenStopsAndCopies() {
        List<Decision> run = stallingRun(StallAction.THROTTLE);
        List<Double> throttles = run.stream().filter(d -> d instanceof Decision.Send)
                .map(d -> ((Decision.Send) d).throttle()).toList();
        assertThat(throttles.subList(0, 4)).containsOnly(0.0);
        assertThat(throttles.get(4)).isEqualTo(0.2);
        assertThat(throttles).isSorted().contains(0.9);
        assertThat(((Decision.Send) run.get(4)).notes()).singleElement().asString()
                .contains("stopped shrinking").contains("throttle raised to 20%");
        assertThat(Runs.last(run)).isInstanceOfSatisfying(Decision.StopAndCopy.class,
                s -> assertThat(s.reason()).contains("even at the highest throttle"));
    }

    @Test
    void autoConvergeThrottlesFromTheSecondRoundThatDirtiesHalfAsManyPagesAsItSends() {
        PreCopyPolicy p = policy(o -> o.autoConverge = true);
        BitSet wss = range(0, 2000);
        List<Decision> run = Runs.run(p, range(0, 2000), (r, send) -> slowRound(r, send, wss));
        Decision.Send second = (Decision.Send) run.get(2);
        assertThat(((Decision.Send) run.get(1)).throttle()).isZero();
        assertThat(second.throttle()).isEqualTo(0.2);
        assertThat(second.notes()).singleElement().asString()
                .contains("dirtied 2000 pages while 2000 were sent").contains("20%");
        assertThat(((Decision.Send) run.get(3)).throttle()).isEqualTo(0.3);
    }

    @Test
    void dynamicRateFollowsTheDirtyRateAndStopsBeyondTheMaximum() {
        PreCopyPolicy p = policy(o -> {
            o.rate = RateMode.DYNAMIC;
            o.minRate = 100_000_000L;
            o.maxRate = 500_000_000L;
            o.maxDowntime = 0;
        });
        p.begin(range(0, 100_000));
        // 1,000 pages dirtied in 1 s: 32.8 Mbit/s + 50 Mbit/s is below the minimum
        Decision.Send second = (Decision.Send) p.afterRound(round(1, 100_000, 1000, range(0, 1000)));
        assertThat(second.rateBitsPerSec()).isEqualTo(100_000_000L);
        // 10,000 pages in 1 s: 327.68 + 50 Mbit/s
        Decision.Send third = (Decision.Send) p.afterRound(round(2, 1000, 1000, range(0, 10_000)));
        assertThat(third.rateBitsPerSec()).isEqualTo(10_000L * 4096 * 8 + 50_000_000L);
        // 14,000 pages in 1 s: 458.75 + 50 Mbit/s > 500 Mbit/s
        Decision d = p.afterRound(round(3, 10_000, 1000, range(0, 14_000)));
        assertThat(d).isInstanceOfSatisfying(Decision.StopAndCopy.class, s -> {
            assertThat(s.rateBitsPerSec()).isEqualTo(500_000_000L);
            assertThat(s.reason()).contains("exceeds the maximum rate");
        });
    }

    @Test
    void littleLeftStopsAtTheFinalRate() {
        PreCopyPolicy p = policy(o -> o.bandwidth = 1_000_000_000L);
        p.begin(range(0, 1000));
        Decision d = p.afterRound(round(1, 1000, 1000, range(0, 10)));
        assertThat(d).isInstanceOfSatisfying(Decision.StopAndCopy.class, s -> {
            assertThat(s.pages()).isEqualTo(range(0, 10));
            assertThat(s.rateBitsPerSec()).isEqualTo(1_000_000_000L);
        });
    }

    @Test
    void figuresOutOfTurnAreRejected() {
        PreCopyPolicy p = policy(o -> { });
        assertThatThrownBy(() -> p.afterRound(round(1, 1, 1, range(0, 1))))
                .isInstanceOf(IllegalStateException.class);
        p.begin(range(0, 10_000));
        assertThatThrownBy(() -> p.begin(range(0, 1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> p.afterRound(round(2, 1, 1, range(0, 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(p.afterRound(round(1, 10_000, 1, range(0, 1)))).isInstanceOf(Decision.StopAndCopy.class);
        assertThatThrownBy(() -> p.afterRound(round(2, 1, 1, range(0, 1))))
                .isInstanceOf(IllegalStateException.class);
    }
}
