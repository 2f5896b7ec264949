package dev.ferry.cluster.model;

import java.util.Objects;

/**
 * A VM as the policies see it: where it runs and what it costs there and to move.
 *
 * @param name              the VM's name (unique in the cluster)
 * @param host              the host it runs on
 * @param cpuDemand         cores it keeps busy (its vCPU's busy share, 0..1 per vCPU)
 * @param memoryBytes       its RAM size (what a host must reserve for it)
 * @param touchedBytes      RAM it has written (what a migration must send at least)
 * @param dirtyPagesPerSec  pages it dirties per second (what makes a migration long)
 */
public record VmState(String name, String host, double cpuDemand, long memoryBytes, long touchedBytes,
        double dirtyPagesPerSec) {

    /** Validates the fields. */
    public VmState {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        if (cpuDemand < 0 || memoryBytes <= 0 || touchedBytes < 0 || dirtyPagesPerSec < 0) {
            throw new IllegalArgumentException("VM " + name + ": negative figures or no memory");
        }
    }

    /** This VM on another host. */
    public VmState on(String otherHost) {
        return new VmState(name, otherHost, cpuDemand, memoryBytes, touchedBytes, dirtyPagesPerSec);
    }
}
