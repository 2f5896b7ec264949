package dev.ferry.cluster.policy;

import static dev.ferry.cluster.policy.Clusters.GIB;
import static dev.ferry.cluster.policy.Clusters.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.TrafficMatrix;
import dev.ferry.cluster.model.VmState;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskRemappingTest {

    private final TaskRemapping policy = new TaskRemapping(1000, 1.0, MigrationTime.overLink(125e6));

    private static VmState vm(String name, String host, long memGib, long touchedGib) {
        return new VmState(name, host, 0.5, memGib * GIB, touchedGib * GIB, 0);
    }

    private static TrafficMatrix traffic(Object... pairsAndRates) {
        java.util.Map<TrafficMatrix.Pair, Double> m = new java.util.HashMap<>();
        for (int i = 0; i < pairsAndRates.length; i += 3) {
            m.put(TrafficMatrix.Pair.of((String) pairsAndRates[i], (String) pairsAndRates[i + 1]),
                    ((Number) pairsAndRates[i + 2]).doubleValue());
        }
        return TrafficMatrix.of(m);
    }

    @Test
    void interHostTrafficCountsOnlyPairsOnDifferentHosts() {
        ClusterSnapshot s = new ClusterSnapshot(0, List.of(host("H1", 4, 16), host("H2", 4, 16)),
                List.of(vm("a", "H1", 1, 1), vm("b", "H1", 1, 1), vm("c", "H2", 1, 1)),
                traffic("a", "b", 500, "a", "c", 70, "b", "c", 30, "c", "gone", 1e6));
        assertThat(TaskRemapping.interHostTraffic(s)).isEqualTo(100);
        assertThat(TaskRemapping.interHostTraffic(new ClusterSnapshot(0, s.hosts(), s.vms(), TrafficMatrix.EMPTY)))
                .isZero();
    }

    @Test
    void theCheaperVmOfAChattyPairMovesToTheOthersHost() {
        ClusterSnapshot s = new ClusterSnapshot(0, List.of(host("H1", 4, 16), host("H2", 4, 16)),
                List.of(vm("a", "H1", 4, 4), vm("b", "H2", 4, 1), vm("quiet", "H2", 1, 1)),
                traffic("a", "b", 10_000, "a", "quiet", 500));
        Plan plan = policy.plan(s);
        assertThat(plan.moves()).extracting(Move::vm, Move::from, Move::to).containsExactly(tuple("b", "H2", "H1"));
        assertThat(plan.notes()).containsExactly("inter-host traffic before: 10500 B/s, after: 500 B/s");
    }

    @Test
    void theDearerVmMovesWhenTheCheaperDoesNotFit() {
        ClusterSnapshot s = new ClusterSnapshot(0, List.of(host("H1", 4, 8), host("H2", 4, 16)),
                List.of(vm("a", "H1", 6, 4), vm("b", "H2", 4, 1)), traffic("a", "b", 10_000));
        assertThat(policy.plan(s).moves()).extracting(Move::vm, Move::to).containsExactly(tuple("a", "H2"));
    }

    @Test
    void bothMoveToAThirdHostWhenNeitherHostHasRoom() {
        ClusterSnapshot s = new ClusterSnapshot(0, List.of(host("H1", 4, 8), host("H2", 4, 8), host("H3", 4, 16),
                host("H4", 4, 16).withMaintenance(true)),
                List.of(vm("a", "H1", 6, 4), vm("b", "H2", 6, 1)), traffic("a", "b", 10_000));
        Plan plan = policy.plan(s);
        assertThat(plan.moves()).extracting(Move::vm, Move::to).containsExactly(tuple("b", "H3"), tuple("a", "H3"));
        assertThat(plan.notes()).containsExactly("inter-host traffic before: 10000 B/s, after: 0 B/s");
    }

    @Test
    void nothingMovesForLightTrafficOrWhenNoHostHasRoom() {
        List<HostState> hosts = List.of(host("H1", 4, 8), host("H2", 4, 8));
        List<VmState> vms = List.of(vm("a", "H1", 6, 4), vm("b", "H2", 6, 1));
        assertThat(policy.plan(new ClusterSnapshot(0, hosts, vms, traffic("a", "b", 999))).moves()).isEmpty();
        assertThat(policy.plan(new ClusterSnapshot(0, hosts, vms, traffic("a", "b", 1e9))).moves()).isEmpty();
    }

    @Test
    void aMoveThatWouldCutMoreTrafficThanItSavesIsNotMade() {
        ClusterSnapshot s = new ClusterSnapshot(0, List.of(host("H1", 4, 16), host("H2", 4, 16)),
                List.of(vm("a", "H1", 1, 1), vm("b", "H2", 1, 1), vm("c", "H2", 1, 1), vm("d", "H1", 1, 1)),
                traffic("a", "b", 2000, "b", "c", 5000, "a", "d", 5000));
        assertThat(policy.plan(s).moves()).isEmpty();
    }

    @Test
    void chattyGroupsGatherOnOneHostAndNoVmMovesTwice() {
        ClusterSnapshot s = new ClusterSnapshot(0, List.of(host("H1", 4, 16), host("H2", 4, 16), host("H3", 4, 16)),
                List.of(vm("a", "H1", 2, 4), vm("b", "H2", 2, 1), vm("c", "H3", 2, 2)),
                traffic("a", "b", 9000, "b", "c", 8000));
        Plan plan = policy.plan(s);
        assertThat(plan.moves()).extracting(Move::vm, Move::to).containsExactly(tuple("b", "H1"), tuple("c", "H1"));
        assertThat(TaskRemapping.interHostTraffic(s.after(plan))).isZero();
    }
}
