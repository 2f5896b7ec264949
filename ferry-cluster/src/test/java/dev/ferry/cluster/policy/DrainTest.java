package dev.ferry.cluster.policy;

import static dev.ferry.cluster.policy.Clusters.checkInvariants;
import static dev.ferry.cluster.policy.Clusters.host;
import static dev.ferry.cluster.policy.Clusters.snapshot;
import static dev.ferry.cluster.policy.Clusters.vm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DrainTest {

    @Test
    void everyVmGetsAMoveAndPlacementSeesEarlierMovesOfThePlan() {
        ClusterSnapshot s = snapshot(0, List.of(host("D", 8, 64), host("H2", 4, 8), host("H3", 4, 16)),
                List.of(vm("x", "D", 1, 4), vm("y", "D", 1, 5), vm("z", "D", 1, 2), vm("o", "H2", 1, 2)));
        Plan plan = new Drain("D", new FirstFit()).plan(s);
        checkInvariants(s, plan);
        assertThat(plan.moves()).extracting(Move::vm, Move::from, Move::to)
                .containsExactly(tuple("y", "D", "H2"), tuple("x", "D", "H3"), tuple("z", "D", "H3"));
        assertThat(s.after(plan).vmsOn("D")).isEmpty();
    }

    @Test
    void aVmThatFitsNowhereStaysAndTheNotesSaySo() {
        ClusterSnapshot s = snapshot(0, List.of(host("D", 8, 64), host("H2", 4, 8)),
                List.of(vm("big", "D", 1, 32), vm("small", "D", 1, 2)));
        Plan plan = new Drain("D", new BestFit()).plan(s);
        assertThat(plan.moves()).extracting(Move::vm).containsExactly("small");
        assertThat(plan.notes()).contains("drain D: VM big fits on no host; it stays", "drain D: 1 of 2 VMs move");
    }

    @Test
    void theDrainedHostIsNeverATargetEvenForAPlacementThatWouldPickIt() {
        ClusterSnapshot s = snapshot(0, List.of(host("D", 8, 64), host("H2", 4, 8)), List.of(vm("x", "D", 1, 1)));
        Plan plan = new Drain("D", (vm, c) -> Optional.of("D")).plan(s);
        assertThat(plan.moves()).isEmpty();
        assertThat(new Drain("D", new Spread()).plan(s).moves()).extracting(Move::to).containsExactly("H2");
        assertThat(new Drain("nope", new Spread()).plan(s).notes()).containsExactly("drain: no host nope");
    }
}
