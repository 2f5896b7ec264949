package dev.ferry.cluster.policy;

import static dev.ferry.cluster.policy.Clusters.host;
import static dev.ferry.cluster.policy.Clusters.snapshot;
import static dev.ferry.cluster.policy.Clusters.vm;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.PowerState;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementTest {

    private static final VmDemand ONE_GIB = new VmDemand("new", Clusters.GIB, 0.5);

    /** S in standby and M in maintenance (both empty, listed first), A nearly full, B half full, C emptiest. */
    private final ClusterSnapshot cluster = snapshot(0, List.of(
            host("S", 8, 32).withPower(PowerState.STANDBY),
            host("M", 8, 32).withMaintenance(true),
            host("A", 4, 8),
            host("B", 4, 8),
            host("C", 4, 8)),
            List.of(vm("a1", "A", 1, 6), vm("b1", "B", 1, 4), vm("c1", "C", 1, 1)));

    @Test
    void firstFitTakesTheFirstHostThatTakesVmsAndHasRoom() {
        assertThat(new FirstFit().place(ONE_GIB, cluster)).contains("A");
        assertThat(new FirstFit().place(new VmDemand("big", 3 * Clusters.GIB, 0.5), cluster)).contains("B");
    }

    @Test
    void bestFitTakesTheHostWithTheLeastMemoryLeft() {
        assertThat(new BestFit().place(new VmDemand("big", 3 * Clusters.GIB, 0.5), cluster)).contains("B");
        assertThat(new BestFit().place(ONE_GIB, cluster)).contains("A");
    }

    @Test
    void bestFitBreaksMemoryTiesByCpuLeft() {
        ClusterSnapshot s = snapshot(0, List.of(host("A", 4, 8), host("B", 4, 8)),
                List.of(vm("a1", "A", 1, 4), vm("b1", "B", 3, 4)));
        assertThat(new BestFit().place(ONE_GIB, s)).contains("B");
        assertThat(new Spread().place(ONE_GIB, s)).contains("A");
    }

    @Test
    void spreadTakesTheHostWithTheMostMemoryLeft() {
        assertThat(new Spread().place(ONE_GIB, cluster)).contains("C");
    }

    @Test
    void cpuOvercommitLimitIsAConstructorParameter() {
        ClusterSnapshot s = snapshot(0, List.of(host("A", 2, 8)), List.of(vm("a1", "A", 2, 1)));
        assertThat(new FirstFit().place(ONE_GIB, s)).isEmpty();
        assertThat(new BestFit().place(ONE_GIB, s)).isEmpty();
        assertThat(new FirstFit(1.5).place(ONE_GIB, s)).contains("A");
        assertThat(new Spread(1.25).place(ONE_GIB, s)).contains("A");
        assertThat(new Spread(1.2).place(ONE_GIB, s)).isEmpty();
    }

    @Test
    void noHostWithRoomMeansEmpty() {
        VmDemand huge = new VmDemand("huge", 16 * Clusters.GIB, 0.1);
        assertThat(new FirstFit().place(huge, cluster)).isEmpty();
        assertThat(new BestFit().place(huge, cluster)).isEmpty();
        assertThat(new Spread().place(huge, cluster)).isEmpty();
    }
}
