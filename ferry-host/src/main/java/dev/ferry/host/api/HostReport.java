package dev.ferry.host.api;

import java.util.List;

/**
 * What a host that belongs to a cluster tells its manager every heartbeat (JSON, snake_case): who it is, what it
 * has, what runs on it, and the traffic its switch saw between its VMs. The answer is a {@link LeaseReply}.
 *
 * @param name           the host's name
 * @param controlAddress its control API (HOST:PORT), where the manager reaches it
 * @param cores          CPU cores it gives its VMs
 * @param memoryBytes    RAM it gives its VMs
 * @param vms            its VMs
 * @param traffic        cumulative bytes its switch carried from one VM to another (VMs named, not MACs)
 * @param sequence       the report's number, counting up from 1 since the host started
 */
public record HostReport(String name, String controlAddress, double cores, long memoryBytes, List<Vm> vms,
        List<Traffic> traffic, long sequence) {

    /**
     * One VM.
     *
     * @param name           its name
     * @param state          running, paused, powered_off, ...
     * @param ramBytes       its RAM size
     * @param touchedBytes   RAM it has written
     * @param cpuBusy        share of the last interval its vCPU was busy (0..1)
     * @param dirtyPagesPerS pages it dirtied per second in a short sample (absent when not measured)
     * @param migration      the id of the migration moving it away, or absent
     * @param image          what it booted
     * @param bootArgs       its boot arguments
     * @param macs           the MAC addresses of its network interfaces (lower case)
     */
    public record Vm(String name, String state, long ramBytes, long touchedBytes, double cpuBusy,
            Double dirtyPagesPerS, String migration, String image, String bootArgs, List<String> macs) {
    }

    /**
     * Bytes from one VM to another, since the host started.
     *
     * @param from  the sending VM
     * @param to    the receiving VM (named when it is on this host; else its MAC address, which the manager maps
     *              to the VM that reported it)
     * @param bytes bytes so far
     */
    public record Traffic(String from, String to, long bytes) {
    }
}
