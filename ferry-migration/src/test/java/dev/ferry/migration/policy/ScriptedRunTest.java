package dev.ferry.migration.policy;

import static dev.ferry.migration.policy.Figures.options;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.migration.Options;
import dev.ferry.migration.PageOrder;
import dev.ferry.migration.StallAction;
import dev.ferry.migration.Strategy;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Whole migrations of a {@link ModelVm}, one per strategy, decided by the policies alone. */
class ScriptedRunTest {

    private final FakeClock clock = new FakeClock();

    /** 64 MiB; 32 hot pages and 1,024 warm ones; 50 pages/ms (about 1.6 Gbit/s). */
    private static ModelVm smallHotSet(long seed) {
        return new ModelVm(16_384, 50, 1, seed).writes(0, 32, 0.2).writes(1000, 2024, 0.002);
    }

    /**
     * 64 MiB; 200 hot pages and 8,192 warm ones that the guest writes about half as fast as the link sends
     * them: pre-copy converges in index order over several rounds, to below 10 ms of downtime.
     */
    private static ModelVm slowlyConverging(long seed) {
        return new ModelVm(16_384, 50, 1, seed).writes(0, 200, 0.5).writes(1000, 9192, 0.003);
    }

    /** 32 MiB written all over, faster than the link can carry without a throttle. */
    private static ModelVm hotEverywhere(long seed) {
        return new ModelVm(8192, 20, 1, seed).writes(0, 8192, 0.005);
    }

    private List<Decision> precopy(ModelVm vm, Consumer<Options> change) {
        MigrationPolicy policy = MigrationPolicy.forOptions(options(Strategy.PRECOPY, change), clock);
        return Runs.run(policy, vm.allocated(), vm::run);
    }

    private static List<Decision.Send> sends(List<Decision> run) {
        return run.stream().filter(d -> d instanceof Decision.Send).map(d -> (Decision.Send) d).toList();
    }

    @Test
    void precopyConvergesWhenTheWritableWorkingSetIsSmall() {
        List<Decision> run = precopy(smallHotSet(1), o -> o.maxDowntime = 5);
        assertThat(Runs.last(run)).isInstanceOfSatisfying(Decision.StopAndCopy.class, s -> {
            assertThat(s.pages().cardinality()).isLessThan(64);
            assertThat(s.reason()).contains("below 256 KiB");
        });
        assertThat(Runs.rounds(run)).isBetween(2L, 5L);
    }

    @Test
    void precopyAbortsWhenTheGuestOutrunsTheLink() {
        List<Decision> run = precopy(hotEverywhere(2), o -> o.onStall = StallAction.ABORT);
        assertThat(Runs.last(run)).isInstanceOfSatisfying(Decision.Abort.class,
                a -> assertThat(a.reason()).contains("does not converge"));
    }

    @Test
    void autoConvergeSlowsTheGuestUntilPrecopyConverges() {
        List<Decision> run = precopy(hotEverywhere(3), o -> {
            o.autoConverge = true;
            o.onStall = StallAction.THROTTLE;
            o.maxDowntime = 50;
        });
        List<Decision.Send> sends = sends(run);
        assertThat(sends.get(sends.size() - 1).throttle()).isGreaterThan(0.5);
        assertThat(sends.stream().map(Decision.Send::throttle).toList()).isSorted();
        assertThat(Runs.last(run)).isInstanceOfSatisfying(Decision.StopAndCopy.class,
                s -> assertThat(s.reason()).doesNotContain("highest throttle"));
    }

    /**
     * Ordering and hot-page delay change which pages go when, never whether a migration that converges in
     * index order ends: over 20 seeds and three thresholds, none aborts where sequential order converged.
     */
    @Test
    void frequencyOrderAndDelayNeverAbortARunThatConvergesSequentially() {
        int converged = 0;
        int delaying = 0;
        for (long seed = 1; seed <= 20; seed++) {
            Decision sequential = Runs.last(precopy(slowlyConverging(seed), o -> o.maxDowntime = 10));
            if (!(sequential instanceof Decision.StopAndCopy)) {
                continue;
            }
            converged++;
            for (double threshold : new double[] {0.3, 0.5, 1.0}) {
                List<Decision> run = precopy(slowlyConverging(seed), o -> {
                    o.maxDowntime = 10;
                    o.order = PageOrder.FREQUENCY;
                    o.delayHot = threshold;
                });
                assertThat(Runs.last(run)).as("seed %d, threshold %s", seed, threshold)
                        .isInstanceOf(Decision.StopAndCopy.class);
                if (sends(run).stream().anyMatch(s -> !s.delayed().isEmpty())) {
                    delaying++;
                }
            }
        }
        assertThat(converged).isGreaterThan(15);
        assertThat(delaying).isEqualTo(3 * converged);
    }

    @Test
    void hybridSwitchesToPostcopyAfterItsRoundsAndThePushCompletes() {
        ModelVm vm = smallHotSet(4);
        MigrationPolicy policy = MigrationPolicy.forOptions(options(Strategy.HYBRID, o -> o.precopyRounds = 2), clock);
        List<Decision> run = Runs.run(policy, vm.allocated(), vm::run);
        assertThat(Runs.rounds(run)).isEqualTo(2);
        Decision.PostCopy pc = (Decision.PostCopy) Runs.last(run);
        assertThat(pc.absent().cardinality()).isBetween(1, 2024);
        assertThat(postCopy(vm, policy.postCopy(pc.absent()), pc.absent(), 50)).isLessThan(1000);
    }

    @Test
    void postcopyMovesEveryPageOnceThroughFaultsAndPush() {
        ModelVm vm = smallHotSet(5);
        MigrationPolicy policy = MigrationPolicy.forOptions(options(Strategy.POSTCOPY, o -> { }), clock);
        Decision.PostCopy pc = (Decision.PostCopy) policy.begin(vm.allocated());
        assertThat(pc.absent()).isEqualTo(vm.allocated());
        assertThat(postCopy(vm, policy.postCopy(pc.absent()), pc.absent(), 50)).isLessThan(1000);
    }

    @Test
    void demandMigrationFinishesAlthoughTheGuestNeverTouchesMostPages() {
        ModelVm vm = new ModelVm(4096, 50, 1, 6).writes(0, 64, 0.5);
        MigrationPolicy policy = MigrationPolicy.forOptions(options(Strategy.DEMAND, o -> o.demandIdlePush = 2000),
                clock);
        Decision.PostCopy pc = (Decision.PostCopy) policy.begin(vm.allocated());
        long ms = postCopy(vm, policy.postCopy(pc.absent()), pc.absent(), 50);
        assertThat(ms).isBetween(2000L, 2500L);
    }

    @Test
    void stopAndCopyCopiesEverythingAtOnce() {
        ModelVm vm = smallHotSet(7);
        MigrationPolicy policy = MigrationPolicy.forOptions(options(Strategy.STOPCOPY, o -> { }), clock);
        assertThat(policy.begin(vm.allocated())).isInstanceOfSatisfying(Decision.StopAndCopy.class,
                s -> assertThat(s.pages()).isEqualTo(vm.allocated()));
    }

    /**
     * Runs a post-copy of {@code absent} on the model in 1 ms steps: the guest faults on the absent pages it
     * writes, and the push sends up to {@code pushPerMs} pages each millisecond. Checks every absent page
     * arrives; returns the milliseconds it took.
     */
    private long postCopy(ModelVm vm, PostCopyPaging paging, BitSet absent, int pushPerMs) {
        BitSet arrived = new BitSet();
        for (long ms = 0; ms < 60_000; ms++) {
            if (paging.complete()) {
                assertThat(arrived).isEqualTo(absent);
                return ms;
            }
            BitSet touched = vm.writesDuring(1);
            for (int p = touched.nextSetBit(0); p >= 0; p = touched.nextSetBit(p + 1)) {
                if (absent.get(p) && !arrived.get(p)) {
                    for (int q : paging.fault(p)) {
                        arrived.set(q);
                    }
                }
            }
            for (int i = 0; i < pushPerMs; i++) {
                int p = paging.nextPush();
                if (p < 0) {
                    break;
                }
                assertThat(arrived.get(p)).as("page %d pushed twice", p).isFalse();
                arrived.set(p);
            }
            clock.advanceMillis(1);
        }
        throw new AssertionError("the post-copy did not complete in 60 s of model time");
    }
}
