package dev.ferry.cluster.energy;

import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.PowerState;

/**
 * Power rising linearly with CPU utilisation from the idle to the full-load figure (utilisation above 1 counts as
 * 1); a host in standby, or failed and fenced, draws the standby figure whatever its VMs.
 *
 * @param idleWatts    an idle host that is on
 * @param maxWatts     a host that is on at full load
 * @param standbyWatts a host in standby or failed
 */
public record LinearPowerModel(double idleWatts, double maxWatts, double standbyWatts) implements PowerModel {

    /** Validates the figures. */
    public LinearPowerModel {
        if (!(standbyWatts >= 0 && idleWatts >= standbyWatts && maxWatts >= idleWatts)) {
            throw new IllegalArgumentException("need 0 <= standby <= idle <= max watts, got " + standbyWatts + ", "
                    + idleWatts + ", " + maxWatts);
        }
    }

    @Override
    public double watts(HostState host, double utilization) {
        if (host.power() != PowerState.ON) {
            return standbyWatts;
        }
        double u = Math.max(0, Math.min(1, utilization));
        return idleWatts + (maxWatts - idleWatts) * u;
    }
}
