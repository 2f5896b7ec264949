package dev.ferry.cluster.policy;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import java.util.Optional;

/**
 * The common rule of the fit placements: a host qualifies when it takes VMs ({@link HostState#acceptsVms()}), has
 * the VM's RAM free and keeps its busy cores within the CPU overcommit limit x its cores; subclasses choose among
 * the qualifying hosts by the room each would have left.
 */
abstract class CapacityPlacement implements PlacementPolicy {

    private final double cpuOvercommit;

    CapacityPlacement(double cpuOvercommit) {
        if (!(cpuOvercommit > 0)) {
            throw new IllegalArgumentException("the CPU overcommit limit must be positive, got " + cpuOvercommit);
        }
        this.cpuOvercommit = cpuOvercommit;
    }

    /**
     * The room a host would have left after the placement.
     *
     * @param memoryBytes RAM left
     * @param cores       cores left under the overcommit limit
     */
    record Room(long memoryBytes, double cores) {
        /** Orders rooms by memory, then by cores. */
        int compareTo(Room o) {
            int c = Long.compare(memoryBytes, o.memoryBytes);
            return c != 0 ? c : Double.compare(cores, o.cores);
        }
    }

    /** Whether a host with {@code candidate} left beats the best so far, which has {@code best} left. */
    abstract boolean better(Room candidate, Room best);

    /** Whether the first qualifying host ends the search. */
    boolean firstWins() {
        return false;
    }

    @Override
    public final Optional<String> place(VmDemand vm, ClusterSnapshot cluster) {
        Loads loads = Loads.of(cluster);
        String chosen = null;
        Room best = null;
        for (HostState h : loads.hosts()) {
            if (!h.acceptsVms() || !loads.hasRoom(h.name(), vm.cpuDemand(), vm.memoryBytes(), cpuOvercommit)) {
                continue;
            }
            Room room = new Room(h.memoryBytes() - loads.memory(h.name()) - vm.memoryBytes(),
                    h.cores() * cpuOvercommit - loads.cpu(h.name()) - vm.cpuDemand());
            if (chosen == null || better(room, best)) {
                chosen = h.name();
                best = room;
                if (firstWins()) {
                    break;
                }
            }
        }
        return Optional.ofNullable(chosen);
    }
}
