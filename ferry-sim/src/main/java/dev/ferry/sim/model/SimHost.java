package dev.ferry.sim.model;

import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.PowerState;

/**
 * A host of the model: capacity, power state, and what the run measured on it. Mutable, owned by one run.
 */
public final class SimHost {

    private final int index;
    private final String name;
    private final double cores;
    private final long memoryBytes;
    private PowerState power = PowerState.ON;
    double cpuUsed;
    long memoryUsed;
    int vmCount;
    /** Milliseconds on, over 100% CPU demand while on, and joules, as the run counted them. */
    private long activeMillis;
    private long overloadMillis;
    private double joules;
    private int migrationsOut;
    private int migrationsIn;

    /** A host that is on and empty. */
    public SimHost(int index, String name, double cores, long memoryBytes) {
        if (!(cores > 0) || memoryBytes <= 0) {
            throw new IllegalArgumentException("host " + name + " needs cores and memory");
        }
        this.index = index;
        this.name = name;
        this.cores = cores;
        this.memoryBytes = memoryBytes;
    }

    /** Position in the run's host list. */
    public int index() {
        return index;
    }

    /** The host's name. */
    public String name() {
        return name;
    }

    /** Cores. */
    public double cores() {
        return cores;
    }

    /** RAM for VMs. */
    public long memoryBytes() {
        return memoryBytes;
    }

    /** On, standby or failed. */
    public PowerState power() {
        return power;
    }

    /** Sets the power state. */
    public void power(PowerState p) {
        power = p;
    }

    /** Cores its VMs demand (as of the last sample or move). */
    public double cpuUsed() {
        return cpuUsed;
    }

    /** RAM its VMs reserve. */
    public long memoryUsed() {
        return memoryUsed;
    }

    /** VMs on it. */
    public int vmCount() {
        return vmCount;
    }

    /** Demand over cores. */
    public double utilization() {
        return cpuUsed / cores;
    }

    /** The host as the cluster's policies see it. */
    public HostState state() {
        return new HostState(name, cores, memoryBytes, power, false);
    }

    /** Counts an interval of {@code millis} at the current load drawing {@code watts}. */
    public void account(long millis, double watts) {
        if (power == PowerState.ON) {
            activeMillis += millis;
            if (cpuUsed > cores * (1 + 1e-9)) {
                overloadMillis += millis;
            }
        }
        joules += watts * millis / 1000.0;
    }

    void migratedOut() {
        migrationsOut++;
    }

    void migratedIn() {
        migrationsIn++;
    }

    /** Milliseconds on. */
    public long activeMillis() {
        return activeMillis;
    }

    /** Milliseconds on with more CPU demand than cores (SLATAH's numerator). */
    public long overloadMillis() {
        return overloadMillis;
    }

    /** Energy drawn, in joules. */
    public double joules() {
        return joules;
    }

    /** Migrations that left it. */
    public int migrationsOut() {
        return migrationsOut;
    }

    /** Migrations that arrived. */
    public int migrationsIn() {
        return migrationsIn;
    }
}
