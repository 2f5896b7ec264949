package dev.ferry.sim.model;

import dev.ferry.cluster.model.VmState;
import java.util.Objects;

/**
 * A VM of the model: RAM, writable working set, dirty rate, and a CPU utilisation trace; where it runs, and what
 * the run measured on it. Its CPU demand in cores is its trace's utilisation times its vCPUs. Mutable, owned by
 * one run.
 */
public final class SimVm {

    private final int index;
    private final String name;
    private final double vcpus;
    private final long memoryBytes;
    private final long workingSetBytes;
    private final double dirtyPagesPerSec;
    private final UtilisationTrace trace;
    private SimHost host;
    private double demand;
    private boolean migrating;
    private double requestedCoreMillis;
    private double degradedCoreMillis;
    private int migrations;
    private double downtimeSeconds;

    /**
     * A VM not yet placed.
     *
     * @param workingSetBytes  the RAM it keeps writing (at most its RAM)
     * @param dirtyPagesPerSec pages it dirties per second within that working set
     */
    public SimVm(int index, String name, double vcpus, long memoryBytes, long workingSetBytes,
            double dirtyPagesPerSec, UtilisationTrace trace) {
        if (!(vcpus > 0) || memoryBytes <= 0 || workingSetBytes < 0 || workingSetBytes > memoryBytes
                || !(dirtyPagesPerSec >= 0)) {
            throw new IllegalArgumentException("VM " + name + ": bad vCPUs, memory, working set or dirty rate");
        }
        this.index = index;
        this.name = name;
        this.vcpus = vcpus;
        this.memoryBytes = memoryBytes;
        this.workingSetBytes = workingSetBytes;
        this.dirtyPagesPerSec = dirtyPagesPerSec;
        this.trace = Objects.requireNonNull(trace, "trace");
    }

    /** Position in the run's VM list. */
    public int index() {
        return index;
    }

    /** The VM's name. */
    public String name() {
        return name;
    }

    /** vCPUs (the most cores it can demand). */
    public double vcpus() {
        return vcpus;
    }

    /** RAM. */
    public long memoryBytes() {
        return memoryBytes;
    }

    /** The RAM it keeps writing. */
    public long workingSetBytes() {
        return workingSetBytes;
    }

    /** Pages dirtied per second. */
    public double dirtyPagesPerSec() {
        return dirtyPagesPerSec;
    }

    /** Its utilisation trace. */
    public UtilisationTrace trace() {
        return trace;
    }

    /** The host it runs on (null before placement). */
    public SimHost host() {
        return host;
    }

    /** Cores it demands now. */
    public double demand() {
        return demand;
    }

    /** True while a migration of it runs. */
    public boolean migrating() {
        return migrating;
    }

    /** Marks a migration of it running or not. */
    public void migrating(boolean m) {
        migrating = m;
    }

    /** Puts it on {@code h} (its first host). */
    public void placeOn(SimHost h) {
        if (host != null) {
            throw new IllegalStateException("VM " + name + " is placed already");
        }
        host = h;
        h.vmCount++;
        h.memoryUsed += memoryBytes;
        h.cpuUsed += demand;
    }

    /** Moves it to {@code h} at the end of a migration. */
    public void moveTo(SimHost h) {
        SimHost from = host;
        from.vmCount--;
        from.memoryUsed -= memoryBytes;
        from.cpuUsed -= demand;
        from.migratedOut();
        host = null;
        placeOn(h);
        h.migratedIn();
        migrations++;
    }

    /** Sets its demand from the trace at {@code millis}, keeping its host's sum in step. */
    public void sample(long millis) {
        double d = trace.at(millis) * vcpus;
        if (host != null) {
            host.cpuUsed += d - demand;
        }
        demand = d;
    }

    /** The VM as the cluster's policies see it (all its RAM counted as touched). */
    public VmState state() {
        return new VmState(name, host.name(), demand, memoryBytes, memoryBytes, dirtyPagesPerSec);
    }

    /** Counts an interval of {@code millis} at the current demand. */
    public void account(long millis) {
        requestedCoreMillis += demand * millis;
    }

    /** Counts a migration's degradation and downtime. */
    public void degraded(double coreMillis, double downtime) {
        degradedCoreMillis += coreMillis;
        downtimeSeconds += downtime;
    }

    /** Core-milliseconds it asked for. */
    public double requestedCoreMillis() {
        return requestedCoreMillis;
    }

    /** Core-milliseconds lost to migrations (PDM's numerator). */
    public double degradedCoreMillis() {
        return degradedCoreMillis;
    }

    /** Migrations completed. */
    public int migrations() {
        return migrations;
    }

    /** Seconds paused by migrations. */
    public double downtimeSeconds() {
        return downtimeSeconds;
    }
}
