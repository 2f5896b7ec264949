package dev.ferry.cluster.policy;

import static dev.ferry.cluster.policy.Clusters.host;
import static dev.ferry.cluster.policy.Clusters.snapshot;
import static dev.ferry.cluster.policy.Clusters.vm;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.Restart;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FailureRecoveryTest {

    private final ClusterSnapshot cluster = snapshot(0, List.of(
            host("F", 8, 64).withPower(PowerState.FAILED),
            host("S", 8, 64).withPower(PowerState.STANDBY),
            host("M", 8, 64).withMaintenance(true),
            host("G", 8, 64).withPower(PowerState.FAILED),
            host("H", 4, 8)),
            List.of(vm("x", "F", 1, 4), vm("y", "F", 1, 4), vm("z", "G", 1, 1), vm("w", "H", 1, 1)));

    @Test
    void vmsOfFailedHostsRestartOnHostsThatTakeVmsSeeingEarlierRestarts() {
        Plan plan = new FailureRecovery(new FirstFit()).plan(cluster);
        assertThat(plan.moves()).isEmpty();
        assertThat(plan.restarts()).containsExactly(new Restart("x", "H", "host F failed"),
                new Restart("z", "H", "host G failed"));
        assertThat(plan.notes()).containsExactly("VM y of failed F has no host to restart on");
        assertThat(cluster.after(plan).vm("x").orElseThrow().host()).isEqualTo("H");
    }

    @Test
    void aPlacementNamingAHostThatTakesNoVmsIsRefused() {
        for (String bad : List.of("F", "S", "M", "G", "unknown")) {
            Plan plan = new FailureRecovery((vm, c) -> Optional.of(bad)).plan(cluster);
            assertThat(plan.restarts()).as(bad).isEmpty();
        }
    }

    @Test
    void nothingToDoWithoutFailedHosts() {
        ClusterSnapshot healthy = snapshot(0, List.of(host("H", 4, 8)), List.of(vm("w", "H", 1, 1)));
        assertThat(new FailureRecovery(new Spread()).plan(healthy).isEmpty()).isTrue();
    }
}
