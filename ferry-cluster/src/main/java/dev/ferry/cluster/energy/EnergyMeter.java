package dev.ferry.cluster.energy;

import dev.ferry.cluster.model.ClusterSnapshot;
import java.util.Objects;

/**
 * The energy a cluster used, from snapshots taken over time. Left rectangles: the power a snapshot shows is taken
 * to hold until the next snapshot (hosts report their state, which stays until the next report), so the energy
 * between two snapshots is the earlier one's power times the time between them. The last snapshot adds nothing
 * until a later one comes.
 */
public final class EnergyMeter {

    private static final double JOULES_PER_KWH = 3.6e6;
    private final PowerModel model;
    private double joules;
    private long lastMillis;
    private double lastWatts = Double.NaN;

    /** A meter that prices hosts with {@code model}. */
    public EnergyMeter(PowerModel model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    /** Adds the energy since the previous snapshot; snapshots must come in time order. */
    public void record(ClusterSnapshot s) {
        if (!Double.isNaN(lastWatts)) {
            if (s.atMillis() < lastMillis) {
                throw new IllegalArgumentException("snapshot at " + s.atMillis() + " ms is older than the last, at "
                        + lastMillis + " ms");
            }
            joules += lastWatts * (s.atMillis() - lastMillis) / 1000.0;
        }
        lastMillis = s.atMillis();
        lastWatts = model.watts(s);
    }

    /** The cluster's power at the last snapshot, in watts (0 before the first). */
    public double watts() {
        return Double.isNaN(lastWatts) ? 0 : lastWatts;
    }

    /** The energy so far in joules. */
    public double joules() {
        return joules;
    }

    /** The energy so far in kilowatt-hours. */
    public double kWh() {
        return joules / JOULES_PER_KWH;
    }
}
