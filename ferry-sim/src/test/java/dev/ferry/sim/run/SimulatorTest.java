package dev.ferry.sim.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ferry.cluster.energy.LinearPowerModel;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.Strategy;
import dev.ferry.sim.model.SimHost;
import dev.ferry.sim.model.SimVm;
import dev.ferry.sim.model.UtilisationTrace;
import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.TrafficMatrix;
import dev.ferry.cluster.policy.Consolidation;
import dev.ferry.cluster.policy.MigrationTime;
import dev.ferry.sim.scenario.ScenarioLoader;
import dev.ferry.sim.scenario.SimSetup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    private static final long GIB = 1L << 30;
    private static final long SAMPLE = 300_000;
    private static final LinearPowerModel POWER = new LinearPowerModel(100, 200, 10);

    private static SimConfig config(long duration, int perHost, int perLink) {
        return new SimConfig(duration, SAMPLE, POWER, 125e6, 0.2, 0.8, null, perHost, perLink,
                MigrationOptions.defaults(Strategy.STOPCOPY), 0.1);
    }

    private static SimVm vm(int i, SimHost on, int... percent) {
        SimVm v = new SimVm(i, "vm" + i, 1, GIB, GIB / 10, 0, new UtilisationTrace(percent, SAMPLE));
        v.sample(0);
        v.placeOn(on);
        return v;
    }

    @Test
    void twoLightHostsAreConsolidatedAndTheEmptyOneGoesToStandbyAfterTheMove() {
        SimHost a = new SimHost(0, "a", 4, 8 * GIB);
        SimHost b = new SimHost(1, "b", 4, 8 * GIB);
        List<SimVm> vms = List.of(vm(0, a, 20), vm(1, b, 40));
        SimResult r = new Simulator(config(3 * SAMPLE, 2, 1), List.of(a, b), vms, () -> 0, (i, n, s) -> { }).run();

        assertThat(r.migrations()).hasSize(1);
        MigrationRecord m = r.migrations().get(0);
        assertThat(m.vm()).isEqualTo("vm0");
        assertThat(m.endMillis() - m.startMillis()).isEqualTo((long) Math.ceil(GIB / 125e6 * 1000));
        assertThat(m.downtimeSeconds()).isCloseTo(GIB / 125e6, within(1e-3));
        assertThat(a.power()).isEqualTo(PowerState.STANDBY);
        assertThat(a.vmCount()).isZero();
        assertThat(b.vmCount()).isEqualTo(2);
        assertThat(vms.get(0).migrations()).isEqualTo(1);
        // PDM: 10% of 0.2 cores over the migration, against 0.2 cores over 15 minutes.
        double degraded = 0.1 * 0.2 * (m.endMillis() - m.startMillis());
        assertThat(vms.get(0).degradedCoreMillis()).isCloseTo(degraded, within(1e-6));
        assertThat(r.pdm()).isCloseTo(degraded / (0.2 * 3 * SAMPLE) / 2, within(1e-9));
        // Energy: the EnergyMeter's total equals the hosts' own left rectangles: both on at first, then a in standby.
        double hostJoules = a.joules() + b.joules();
        assertThat(r.energyKwh() * 3.6e6).isCloseTo(hostJoules, within(1e-6));
        double expected = (100 + 100 * 0.05 + 100 + 100 * 0.10) * SAMPLE / 1000.0
                + 2 * (10 + 100 + 100 * 0.15) * SAMPLE / 1000.0;
        assertThat(hostJoules).isCloseTo(expected, within(1e-6));
    }

    @Test
    void aHostOverItsCoresCountsSlaViolationTime() {
        SimHost a = new SimHost(0, "a", 1, 8 * GIB);
        SimHost b = new SimHost(1, "b", 1, 8 * GIB);
        List<SimVm> vms = List.of(vm(0, a, 70, 70), vm(1, a, 70, 70), vm(2, b, 70, 70));
        SimResult r = new Simulator(config(2 * SAMPLE, 2, 1), List.of(a, b), vms, () -> 0, (i, n, s) -> { }).run();
        // a is at 140% and no host has room to take a VM (b would go to 140% too), so it stays overloaded.
        assertThat(r.migrations()).isEmpty();
        assertThat(a.overloadMillis()).isEqualTo(2 * SAMPLE);
        assertThat(b.overloadMillis()).isZero();
        assertThat(r.slatah()).isCloseTo(0.5, within(1e-9));
        assertThat(r.overloadHostHours()).isCloseTo(2 * SAMPLE / 3.6e6, within(1e-9));
        assertThat(r.samples()).extracting(Sample::overloadedHosts).containsExactly(1, 1);
    }

    @Test
    void migrationsOutOfOneHostShareItsLinkAndTheQueueHoldsTheRest() {
        SimHost src = new SimHost(0, "src", 8, 64 * GIB);
        List<SimHost> hosts = new ArrayList<>(List.of(src));
        List<SimVm> vms = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            SimHost h = new SimHost(i, "t" + i, 1, 64 * GIB);
            hosts.add(h);
            vms.add(vm(i, h, 70, 70));
        }
        for (int i = 0; i < 3; i++) {
            vms.add(vm(10 + i, src, 5, 5));
        }
        // The targets are at 70% of one core (neither under- nor overloaded); src is nearly idle and is emptied.
        SimResult r = new Simulator(config(2 * SAMPLE, 2, 2), hosts, vms, () -> 0, (i, n, s) -> { }).run();
        assertThat(r.migrations()).hasSize(3);
        List<MigrationRecord> first = r.migrations().stream().filter(m -> m.startMillis() == 0).toList();
        assertThat(first).hasSize(2);
        assertThat(first.get(0).linkBytesPerSec()).isEqualTo(125e6);
        assertThat(first.get(1).linkBytesPerSec()).isEqualTo(125e6 / 2);
        MigrationRecord third = r.migrations().stream().filter(m -> m.startMillis() > 0).findFirst().orElseThrow();
        assertThat(third.startMillis()).isEqualTo(first.get(0).endMillis());
        assertThat(src.power()).isEqualTo(PowerState.STANDBY);
    }

    @Test
    void theSimulatorCarriesOutExactlyThePlanOfTheClustersConsolidationClass() {
        Path root = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."));
        SimSetup setup = ScenarioLoader.build(ScenarioLoader.read(root.resolve("scenarios/small.yaml")), root);
        SimConfig c = setup.config();
        ClusterSnapshot first = new ClusterSnapshot(0, setup.hosts().stream().map(SimHost::state).toList(),
                setup.vms().stream().map(SimVm::state).toList(), TrafficMatrix.EMPTY);
        Plan plan = new Consolidation(c.lower(), c.upper(), c.power(), MigrationTime.overLink(c.linkBytesPerSec()))
                .plan(first);
        assertThat(plan.moves()).isNotEmpty();

        SimResult r = new Simulator(c, setup.hosts(), setup.vms(), () -> 0, (i, n, s) -> { }).run();
        assertThat(r.samples().get(0).plannedMoves()).isEqualTo(plan.moves().size());
        List<Move> startedFirst = r.migrations().stream().filter(m -> m.startMillis() == 0)
                .map(m -> new Move(m.vm(), m.from(), m.to(), m.reason())).toList();
        assertThat(startedFirst).isNotEmpty();
        assertThat(plan.moves()).containsAll(startedFirst);
    }
}
