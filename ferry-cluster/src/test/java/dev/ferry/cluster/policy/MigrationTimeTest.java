package dev.ferry.cluster.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ferry.cluster.model.VmState;
import org.junit.jupiter.api.Test;

class MigrationTimeTest {

    private final MigrationTime time = MigrationTime.overLink(100e6);

    @Test
    void anIdleVmTakesItsTouchedBytesOverTheLink() {
        assertThat(time.seconds(new VmState("a", "H", 1, 8_000_000_000L, 1_000_000_000L, 0)))
                .isCloseTo(10, within(1e-9));
    }

    @Test
    void dirtyingStretchesTheTimeByTheGeometricSeries() {
        double pagesForHalfTheLink = 50e6 / MigrationTime.PAGE_SIZE;
        assertThat(time.seconds(new VmState("a", "H", 1, 2_000_000_000L, 1_000_000_000L, pagesForHalfTheLink)))
                .isCloseTo(20, within(1e-9));
    }

    @Test
    void aVmDirtyingFasterThanTheLinkCountsAsTheCappedShare() {
        VmState wild = new VmState("a", "H", 1, 2_000_000_000L, 1_000_000_000L, 1e9);
        assertThat(time.seconds(wild)).isCloseTo(10 / (1 - MigrationTime.MAX_DIRTY_SHARE), within(1e-6));
        assertThatThrownBy(() -> MigrationTime.overLink(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
