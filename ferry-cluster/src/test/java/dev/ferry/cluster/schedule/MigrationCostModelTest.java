package dev.ferry.cluster.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ferry.cluster.model.VmState;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.Strategy;
import dev.ferry.cluster.schedule.MigrationCostModel.Prediction;
import org.junit.jupiter.api.Test;

class MigrationCostModelTest {

    private static final long GIB = 1L << 30;
    private static final double LINK = 125e6;

    private final MigrationCostModel precopy = new MigrationCostModel(MigrationOptions.defaults(Strategy.PRECOPY));

    @Test
    void stopAndCopyDowntimeIsMemoryOverRate() {
        MigrationCostModel m = new MigrationCostModel(MigrationOptions.defaults(Strategy.STOPCOPY));
        Prediction p = m.predict(GIB, 50_000, GIB, LINK);
        assertThat(p.downtimeSeconds()).isCloseTo(GIB / LINK, within(1e-6));
        assertThat(p.totalSeconds()).isCloseTo(GIB / LINK, within(1e-6));
        assertThat(p.bytes()).isEqualTo(GIB);
        assertThat(p.rounds()).isZero();
    }

    @Test
    void anIdleVmTakesOneRoundOfItsTouchedMemory() {
        Prediction p = precopy.predict(GIB, 0, GIB, LINK);
        assertThat(p.rounds()).isEqualTo(1);
        assertThat(p.totalSeconds()).isCloseTo(GIB / LINK, within(1e-6));
        assertThat(p.downtimeSeconds()).isZero();
        assertThat(p.aborted()).isFalse();
    }

    @Test
    void higherDirtyRatesGiveLongerMigrationsAndMoreBytes() {
        Prediction slow = precopy.predict(GIB, 1_000, GIB, LINK);
        Prediction mid = precopy.predict(GIB, 5_000, GIB, LINK);
        Prediction fast = precopy.predict(GIB, 15_000, GIB, LINK);
        assertThat(slow.aborted() || mid.aborted() || fast.aborted()).isFalse();
        assertThat(mid.totalSeconds()).isGreaterThan(slow.totalSeconds());
        assertThat(fast.totalSeconds()).isGreaterThan(mid.totalSeconds());
        assertThat(fast.bytes()).isGreaterThan(mid.bytes()).isGreaterThan(slow.bytes());
        assertThat(fast.rounds()).isGreaterThanOrEqualTo(mid.rounds()).isGreaterThan(1);
        double r = 15_000 * 4096 / LINK;
        assertThat(fast.totalSeconds()).isLessThanOrEqualTo(GIB / LINK / (1 - r) * 1.01);
        assertThat(fast.downtimeSeconds()).isLessThan(0.3 + 1e-9);
    }

    @Test
    void theWorkingSetCapsWhatARoundDirties() {
        Prediction wide = precopy.predict(GIB, 15_000, GIB, LINK);
        Prediction narrow = precopy.predict(GIB, 15_000, 4 << 20, LINK);
        assertThat(narrow.bytes()).isLessThan(wide.bytes());
        assertThat(narrow.totalSeconds()).isLessThan(wide.totalSeconds());
    }

    @Test
    void postCopyHasNoPageDowntimeAndMovesEveryPageOnce() {
        MigrationCostModel m = new MigrationCostModel(MigrationOptions.defaults(Strategy.POSTCOPY));
        Prediction p = m.predict(256L << 20, 20_000, 256L << 20, LINK);
        assertThat(p.downtimeSeconds()).isZero();
        assertThat(p.bytes()).isEqualTo(256L << 20);
        assertThat(p.totalSeconds()).isCloseTo((256L << 20) / LINK, within(1e-3));
    }

    @Test
    void theModelServesThePoliciesAsAMigrationTime() {
        var time = precopy.asMigrationTime(LINK);
        VmState idle = new VmState("a", "H", 1, GIB, GIB, 0);
        VmState busy = new VmState("b", "H", 1, GIB, GIB, 10_000);
        assertThat(time.seconds(busy)).isGreaterThan(time.seconds(idle));
        assertThat(precopy.predict(idle, LINK).totalSeconds()).isEqualTo(time.seconds(idle));
    }
}
