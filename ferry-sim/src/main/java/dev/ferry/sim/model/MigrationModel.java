package dev.ferry.sim.model;

import dev.ferry.cluster.schedule.MigrationCostModel;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one migration of a model VM costs: the cluster's {@link MigrationCostModel}, which runs the engine's own
 * migration policy round by round against the VM's RAM, working set and dirty rate at a link rate. Predictions are
 * remembered per (RAM, working set, dirty rate, link rate): a data centre has few VM shapes and few link shares,
 * and the cost model is deterministic, so a repeated question gets the same answer without running the policy
 * again.
 */
public final class MigrationModel {

    private record Key(long memory, long workingSet, double dirtyPagesPerSec, double linkBytesPerSec) {
    }

    private final MigrationCostModel cost;
    private final Map<Key, MigrationCostModel.Prediction> cache = new HashMap<>();
    private long computed;

    /** A model that asks {@code cost}. */
    public MigrationModel(MigrationCostModel cost) {
        this.cost = Objects.requireNonNull(cost, "cost");
    }

    /** The prediction for migrating {@code vm} at {@code linkBytesPerSec}. */
    public MigrationCostModel.Prediction predict(SimVm vm, double linkBytesPerSec) {
        Key k = new Key(vm.memoryBytes(), vm.workingSetBytes(), vm.dirtyPagesPerSec(), linkBytesPerSec);
        return cache.computeIfAbsent(k, key -> {
            computed++;
            return cost.predict(key.memory(), key.dirtyPagesPerSec(), key.workingSet(), key.linkBytesPerSec());
        });
    }

    /** How many predictions the cost model actually ran (the rest came from memory). */
    public long computed() {
        return computed;
    }
}
