package dev.ferry.migration.policy;

import static dev.ferry.migration.policy.Figures.options;
import static dev.ferry.migration.policy.Figures.pages;
import static dev.ferry.migration.policy.Figures.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.Options;
import dev.ferry.migration.Strategy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostCopyPagingTest {

    private final FakeClock clock = new FakeClock();

    private PostCopyPaging postcopy(int radius) {
        return new PostCopyPaging(range(0, 100), radius, true, 5_000_000_000L, clock);
    }

    private static List<Integer> drain(PostCopyPaging paging) {
        List<Integer> pushed = new ArrayList<>();
        for (int p = paging.nextPush(); p >= 0; p = paging.nextPush()) {
            pushed.add(p);
        }
        return pushed;
    }

    @Test
    void aFaultTakesThePageAndItsMissingUnsentNeighboursNearestFirst() {
        PostCopyPaging paging = new PostCopyPaging(pages(4, 5, 6, 8, 9, 10, 11, 12), 2, true, 1, clock);
        assertThat(paging.fault(10)).containsExactly(10, 11, 9, 12, 8);
        // 8..12 are sent (8 is on its way, not sent twice); 6 is two away from 8 and missing; 7 was never missing
        assertThat(paging.fault(8)).containsExactly(6);
        assertThat(paging.remaining()).isEqualTo(2);
    }

    @Test
    void aFaultOnAPageAlreadyPushedSendsNothingAgain() {
        PostCopyPaging paging = postcopy(0);
        assertThat(paging.nextPush()).isZero();
        assertThat(paging.fault(0)).isEmpty();
        assertThat(paging.remaining()).isEqualTo(99);
    }

    @Test
    void thePushContinuesRightAfterTheFaultWindowAndWrapsAround() {
        PostCopyPaging paging = postcopy(2);
        assertThat(paging.nextPush()).isZero();
        paging.fault(50);
        List<Integer> pushed = drain(paging);
        assertThat(pushed.subList(0, 3)).containsExactly(53, 54, 55);
        assertThat(pushed.get(pushed.size() - 1)).isEqualTo(47);
        assertThat(pushed).hasSize(100 - 1 - 5).doesNotHaveDuplicates();
        assertThat(paging.complete()).isTrue();
        assertThat(paging.nextPush()).isEqualTo(-1);
    }

    @Test
    void aFaultAtPageZeroDoesNotLookBelowIt() {
        PostCopyPaging paging = postcopy(3);
        assertThat(paging.fault(0)).containsExactly(0, 1, 2, 3);
    }

    @Test
    void postcopyPushesFromTheStart() {
        PostCopyPaging paging = PostCopyPaging.forOptions(options(Strategy.POSTCOPY, o -> { }), range(0, 8), clock);
        assertThat(paging.pushing()).isTrue();
        assertThat(paging.nanosUntilPush()).isZero();
        assertThat(drain(paging)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    }

    /**
     * Defect 6: a demand migration whose guest never touches its last pages never finished. It pushes the rest
     * once no fault has come for the idle period.
     */
    @Test
    void demandMigrationPushesTheRestAfterAnIdlePeriodWithoutFaults() {
        PostCopyPaging paging = PostCopyPaging.forOptions(options(Strategy.DEMAND, o -> o.demandIdlePush = 5000),
                range(0, 8), clock);
        assertThat(paging.pushing()).isFalse();
        assertThat(paging.nextPush()).isEqualTo(-1);
        clock.advanceMillis(4000);
        assertThat(paging.fault(3)).containsExactly(3, 4, 2, 5, 1, 6, 0, 7);
        paging = PostCopyPaging.forOptions(options(Strategy.DEMAND, o -> o.demandIdlePush = 5000), range(0, 64),
                clock);
        clock.advanceMillis(4000);
        paging.fault(40);
        clock.advanceMillis(4999);
        assertThat(paging.pushing()).isFalse();
        assertThat(paging.nanosUntilPush()).isEqualTo(1_000_000L);
        clock.advanceMillis(1);
        assertThat(paging.pushing()).isTrue();
        assertThat(drain(paging)).hasSize(64 - 33);
        assertThat(paging.complete()).isTrue();
    }

    @Test
    void aPushOnceStartedGoesOnDespiteNewFaults() {
        PostCopyPaging paging = new PostCopyPaging(range(0, 10), 0, false, 1_000_000L, clock);
        clock.advanceMillis(1);
        assertThat(paging.nextPush()).isZero();
        paging.fault(5);
        assertThat(paging.pushing()).isTrue();
    }

    @Test
    void theUserCanAskForThePushAtAnyTime() {
        PostCopyPaging paging = new PostCopyPaging(range(0, 4), 0, false, 5_000_000_000L, clock);
        assertThat(paging.nextPush()).isEqualTo(-1);
        paging.requestPush();
        assertThat(drain(paging)).containsExactly(0, 1, 2, 3);
    }

    @Test
    void aRestartReplacesTheRecordOfWhatWasSent() {
        PostCopyPaging paging = postcopy(0);
        paging.fault(10);
        assertThat(paging.nextPush()).isEqualTo(11);
        paging.restart(pages(10, 11, 12));
        assertThat(paging.remaining()).isEqualTo(3);
        assertThat(drain(paging)).containsExactly(12, 10, 11);
    }

    @Test
    void negativePagesAreRejected() {
        assertThatThrownBy(() -> postcopy(1).fault(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theIdlePeriodIsAnOptionWithADefaultOf5Seconds() {
        assertThat(MigrationOptions.defaults(Strategy.DEMAND).demandIdlePushMillis()).isEqualTo(5000);
        Options o = Options.of(Strategy.DEMAND);
        o.demandIdlePush = 0;
        assertThatThrownBy(o::build).hasMessage("--demand-idle-push must be between 1 ms and 1 hour");
        o.demandIdlePush = 3_600_001;
        assertThatThrownBy(o::build).hasMessage("--demand-idle-push must be between 1 ms and 1 hour");
        o.demandIdlePush = 3_600_000;
        assertThat(o.build().demandIdlePushMillis()).isEqualTo(3_600_000);
    }
}
