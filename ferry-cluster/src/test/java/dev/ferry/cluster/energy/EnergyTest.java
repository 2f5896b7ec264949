package dev.ferry.cluster.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.TrafficMatrix;
import dev.ferry.cluster.model.VmState;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnergyTest {

    private final LinearPowerModel model = new LinearPowerModel(100, 200, 10);
    private final HostState on = new HostState("A", 4, 1L << 30, PowerState.ON, false);

    @Test
    void wattsRiseLinearlyFromIdleToMaxAndStopAtFullLoad() {
        assertThat(model.watts(on, 0)).isEqualTo(100);
        assertThat(model.watts(on, 0.25)).isEqualTo(125);
        assertThat(model.watts(on, 1)).isEqualTo(200);
        assertThat(model.watts(on, 1.5)).isEqualTo(200);
    }

    @Test
    void standbyAndFailedHostsDrawStandbyWatts() {
        assertThat(model.watts(on.withPower(PowerState.STANDBY), 0.5)).isEqualTo(10);
        assertThat(model.watts(on.withPower(PowerState.FAILED), 0.5)).isEqualTo(10);
        assertThat(model.watts(on.withMaintenance(true), 0.5)).isEqualTo(150);
    }

    @Test
    void clusterWattsSumHostsAtTheirUtilisation() {
        ClusterSnapshot s = snapshot(0, 2, PowerState.STANDBY);
        assertThat(model.watts(s)).isEqualTo(150 + 10);
    }

    @Test
    void meterIntegratesLeftRectanglesInKilowattHours() {
        EnergyMeter meter = new EnergyMeter(model);
        meter.record(snapshot(0, 0, PowerState.ON));
        assertThat(meter.kWh()).isZero();
        meter.record(snapshot(3_600_000, 4, PowerState.ON));
        assertThat(meter.kWh()).isCloseTo(0.2, within(1e-12));
        meter.record(snapshot(5_400_000, 4, PowerState.STANDBY));
        assertThat(meter.kWh()).isCloseTo(0.2 + 0.5 * 0.3, within(1e-12));
        assertThat(meter.watts()).isEqualTo(200 + 10);
        assertThat(meter.joules()).isCloseTo(0.35 * 3.6e6, within(1e-6));
    }

    @Test
    void meterRefusesSnapshotsOutOfOrder() {
        EnergyMeter meter = new EnergyMeter(model);
        meter.record(snapshot(1000, 0, PowerState.ON));
        assertThatThrownBy(() -> meter.record(snapshot(999, 0, PowerState.ON)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Host A (4 cores) with {@code cpu} busy cores, host B empty in state {@code b}. */
    private ClusterSnapshot snapshot(long at, double cpu, PowerState b) {
        List<VmState> vms = cpu == 0 ? List.of() : List.of(new VmState("v", "A", cpu, 1 << 20, 0, 0));
        return new ClusterSnapshot(at, List.of(on, new HostState("B", 4, 1L << 30, b, false)), vms,
                TrafficMatrix.EMPTY);
    }
}
