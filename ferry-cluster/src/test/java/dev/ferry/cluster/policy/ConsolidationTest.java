package dev.ferry.cluster.policy;

import static dev.ferry.cluster.policy.Clusters.GIB;
import static dev.ferry.cluster.policy.Clusters.checkInvariants;
import static dev.ferry.cluster.policy.Clusters.host;
import static dev.ferry.cluster.policy.Clusters.snapshot;
import static dev.ferry.cluster.policy.Clusters.vm;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cluster.energy.LinearPowerModel;
import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.PowerChange;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.VmState;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsolidationTest {

    private static final LinearPowerModel POWER = new LinearPowerModel(100, 200, 10);
    private final Consolidation policy = new Consolidation(0.2, 0.8, POWER, MigrationTime.overLink(125e6));

    @Test
    void underloadedHostsAreEmptiedLeastLoadedFirstAndGoToStandby() {
        ClusterSnapshot s = snapshot(0, List.of(host("H1", 4, 16), host("H2", 4, 16), host("H3", 4, 16)),
                List.of(vm("a", "H1", 0.2, 2), vm("b", "H2", 0.3, 2), vm("c", "H3", 2.0, 8)));
        Plan plan = policy.plan(s);
        checkInvariants(s, plan);
        assertThat(plan.moves()).containsExactly(
                new Move("a", "H1", "H3", "emptying H1 (under 20% CPU)"),
                new Move("b", "H2", "H3", "emptying H2 (under 20% CPU)"));
        assertThat(plan.power()).extracting(PowerChange::host, PowerChange::to).containsExactly(
                org.assertj.core.groups.Tuple.tuple("H1", PowerState.STANDBY),
                org.assertj.core.groups.Tuple.tuple("H2", PowerState.STANDBY));
        assertThat(POWER.watts(s.after(plan))).isLessThan(POWER.watts(s));
    }

    @Test
    void targetIsTheHostWhosePowerRisesLeastNotTheFullestOne() {
        ClusterSnapshot s = snapshot(0, List.of(host("H1", 4, 16), host("BIG", 16, 16), host("SMALL", 2, 16)),
                List.of(vm("a", "H1", 0.2, 2), vm("x", "BIG", 8, 4), vm("y", "SMALL", 1, 12)));
        Plan plan = policy.plan(s);
        checkInvariants(s, plan);
        assertThat(plan.moves()).extracting(Move::vm, Move::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "BIG"));
    }

    @Test
    void anUnderloadedHostIsEmptiedOnlyWhenAllItsVmsFitElsewhere() {
        ClusterSnapshot s = snapshot(0, List.of(host("H1", 4, 16), host("H2", 4, 8)),
                List.of(vm("a", "H1", 0.1, 3), vm("b", "H1", 0.1, 3), vm("c", "H2", 2.0, 4)));
        Plan plan = policy.plan(s);
        assertThat(plan.moves()).isEmpty();
        assertThat(plan.power()).isEmpty();
        assertThat(plan.notes()).anyMatch(n -> n.contains("H1") && n.contains("do not all fit"));
    }

    @Test
    void noTargetIsPushedOverTheUpperThreshold() {
        ClusterSnapshot s = snapshot(0, List.of(host("H1", 4, 16), host("H2", 4, 16)),
                List.of(vm("a", "H1", 0.6, 1), vm("c", "H2", 2.8, 1)));
        Plan plan = new Consolidation(0.2, 0.8, POWER, MigrationTime.overLink(125e6)).plan(s);
        assertThat(plan.moves()).isEmpty();
    }

    @Test
    void overloadedHostShedsTheVmsWithTheShortestMigrationFirstUntilBelowTheThreshold() {
        ClusterSnapshot s = snapshot(0, List.of(host("H1", 4, 32), host("H2", 4, 32)), List.of(
                new VmState("slow", "H1", 1.0, 8 * GIB, 8 * GIB, 0),
                new VmState("dirty", "H1", 1.0, GIB, GIB, 25_000),
                new VmState("quick", "H1", 0.4, GIB, GIB, 0),
                new VmState("mid", "H1", 1.4, 2 * GIB, 2 * GIB, 0),
                vm("z", "H2", 0.5, 1)));
        Plan plan = policy.plan(s);
        checkInvariants(s, plan);
        assertThat(plan.moves()).extracting(Move::vm).containsExactlyInAnyOrder("quick", "mid");
        assertThat(plan.moves()).allMatch(m -> m.to().equals("H2"));
        assertThat(s.after(plan).utilization(s.host("H1").orElseThrow())).isLessThanOrEqualTo(0.8);
    }

    @Test
    void aHostOverItsMemoryShedsVmsToo() {
        ClusterSnapshot s = snapshot(0, List.of(host("H1", 4, 8), host("H2", 4, 32)),
                List.of(vm("a", "H1", 1, 6), vm("b", "H1", 1, 4), vm("c", "H2", 1, 1)));
        Plan plan = policy.plan(s);
        checkInvariants(s, plan);
        assertThat(plan.moves()).hasSize(1);
        assertThat(s.after(plan).memoryUsed("H1")).isLessThanOrEqualTo(8 * GIB);
    }

    @Test
    void aStandbyHostIsWokenWhenShedVmsFitNowhereElse() {
        ClusterSnapshot s = snapshot(0, List.of(host("H1", 4, 16), host("H2", 4, 16),
                host("S", 4, 16).withPower(PowerState.STANDBY)),
                List.of(vm("a", "H1", 2, 2), vm("b", "H1", 2, 2), vm("c", "H2", 3, 2)));
        Plan plan = policy.plan(s);
        checkInvariants(s, plan);
        assertThat(plan.power()).containsExactly(new PowerChange("S", PowerState.ON,
                "woken for VM " + plan.moves().get(0).vm() + " of overloaded H1"));
        assertThat(plan.moves()).hasSize(1).allMatch(m -> m.to().equals("S"));
    }

    @Test
    void noVmMovesTwiceAndNoHostEndsOverItsMemoryInAMixedCluster() {
        ClusterSnapshot s = snapshot(0, List.of(host("H1", 4, 16), host("H2", 4, 16), host("H3", 4, 16),
                host("H4", 4, 16), host("S", 4, 16).withPower(PowerState.STANDBY)), List.of(
                vm("a", "H1", 1.5, 4), vm("b", "H1", 1.5, 4), vm("c", "H1", 0.7, 4),
                vm("d", "H2", 0.3, 6), vm("e", "H3", 0.2, 9), vm("f", "H4", 2.0, 6), vm("g", "H4", 0.5, 2)));
        Plan plan = policy.plan(s);
        checkInvariants(s, plan);
        ClusterSnapshot after = s.after(plan);
        after.hosts().stream().filter(h -> h.power() == PowerState.ON)
                .forEach(h -> assertThat(after.utilization(h)).isLessThanOrEqualTo(0.8 + 1e-9));
        assertThat(plan.power()).isNotEmpty();
    }

    @Test
    void anEmptyRunningHostGoesToStandbyAndHostsInMaintenanceAreLeftAlone() {
        ClusterSnapshot s = snapshot(0, List.of(host("E", 4, 16), host("M", 4, 16).withMaintenance(true),
                host("H", 4, 16)), List.of(vm("m", "M", 0.1, 1), vm("h", "H", 2, 1)));
        Plan plan = policy.plan(s);
        assertThat(plan.moves()).isEmpty();
        assertThat(plan.power()).containsExactly(new PowerChange("E", PowerState.STANDBY, "emptied by consolidation"));
    }
}
