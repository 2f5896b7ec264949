package dev.ferry.cluster.policy;

import java.util.Objects;

/**
 * What a VM to place needs.
 *
 * @param name        its name
 * @param memoryBytes RAM to reserve
 * @param cpuDemand   cores it is expected to keep busy
 */
public record VmDemand(String name, long memoryBytes, double cpuDemand) {

    /** Validates the fields. */
    public VmDemand {
        Objects.requireNonNull(name, "name");
        if (memoryBytes <= 0 || cpuDemand < 0) {
            throw new IllegalArgumentException("VM " + name + " needs memory and a non-negative CPU demand");
        }
    }
}
