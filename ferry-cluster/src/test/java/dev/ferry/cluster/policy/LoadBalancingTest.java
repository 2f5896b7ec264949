package dev.ferry.cluster.policy;

import static dev.ferry.cluster.policy.Clusters.GIB;
import static dev.ferry.cluster.policy.Clusters.host;
import static dev.ferry.cluster.policy.Clusters.snapshot;
import static dev.ferry.cluster.policy.Clusters.vm;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.VmState;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadBalancingTest {

    private static final long WINDOW = 60_000;

    private LoadBalancing policy() {
        return new LoadBalancing(0.8, WINDOW, MigrationTime.overLink(125e6));
    }

    /**
     * H1 at 95% (three 1-core VMs, b the cheapest to move, and d: 0.8 cores and cheaper still), H2 at 25%, H3 at
     * 50%; {@code h1Cpu} scales H1's VMs so the host can be below the threshold.
     */
    private static ClusterSnapshot at(long millis, double h1Scale) {
        return snapshot(millis, List.of(host("H1", 4, 64), host("H2", 4, 64), host("H3", 4, 64)), List.of(
                new VmState("a", "H1", 1.0 * h1Scale, 8 * GIB, 8 * GIB, 0),
                new VmState("b", "H1", 1.0 * h1Scale, 8 * GIB, 2 * GIB, 0),
                new VmState("c", "H1", 1.0 * h1Scale, 8 * GIB, 6 * GIB, 0),
                new VmState("d", "H1", 0.8 * h1Scale, 8 * GIB, GIB / 4, 0),
                vm("e", "H2", 1.0, 8), vm("f", "H3", 2.0, 8)));
    }

    @Test
    void aHostAboveTheThresholdShedsNothingUntilTheWindowHasPassed() {
        LoadBalancing p = policy();
        assertThat(p.plan(at(0, 1)).moves()).isEmpty();
        assertThat(p.plan(at(WINDOW / 2, 1)).moves()).isEmpty();
        assertThat(p.plan(at(WINDOW - 1, 1)).moves()).isEmpty();
        assertThat(p.plan(at(WINDOW, 1)).moves()).hasSize(1);
    }

    @Test
    void aDipBelowTheThresholdRestartsTheWindow() {
        LoadBalancing p = policy();
        p.plan(at(0, 1));
        p.plan(at(30_000, 0.5));
        p.plan(at(40_000, 1));
        assertThat(p.plan(at(WINDOW, 1)).moves()).isEmpty();
        assertThat(p.plan(at(40_000 + WINDOW, 1)).moves()).hasSize(1);
    }

    @Test
    void shedsTheVmWhoseMoveBestEvensTheLoadCheapestAmongTies() {
        LoadBalancing p = policy();
        p.plan(at(0, 1));
        Plan plan = p.plan(at(WINDOW, 1));
        assertThat(plan.moves()).extracting(Move::vm, Move::from, Move::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("b", "H1", "H2"));
    }

    @Test
    void atMostOneMovePerOverloadedHostAndANewWindowAfterIt() {
        LoadBalancing p = policy();
        p.plan(at(0, 1));
        Plan first = p.plan(at(WINDOW, 1));
        assertThat(first.moves()).hasSize(1);
        ClusterSnapshot stillHot = at(WINDOW + 1000, 1.2).after(first);
        assertThat(p.plan(stillHot).moves()).isEmpty();
    }

    @Test
    void noMoveWhenNoTargetStaysWithinTheThreshold() {
        LoadBalancing p = policy();
        ClusterSnapshot s = snapshot(0, List.of(host("H1", 4, 64), host("H2", 4, 64)),
                List.of(vm("a", "H1", 2, 1), vm("b", "H1", 2, 1), vm("c", "H2", 3, 1)));
        p.plan(s);
        Plan plan = p.plan(snapshot(WINDOW, s.hosts(), s.vms()));
        assertThat(plan.moves()).isEmpty();
        assertThat(plan.notes()).anyMatch(n -> n.contains("no move evens the load"));
    }
}
