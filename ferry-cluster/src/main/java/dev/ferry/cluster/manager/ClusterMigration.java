package dev.ferry.cluster.manager;

import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.schedule.MigrationCostModel;
import dev.ferry.host.api.MigrationView;

/**
 * One migration the manager asked for, as it went: its predicted cost, then queued, running on the source host (with
 * that host's id and live figures), then done or failed.
 */
final class ClusterMigration {

    /** Where it is. */
    enum State {
        QUEUED, RUNNING, DONE, FAILED
    }

    final String id;
    final Move move;
    final long queuedAtMillis;
    final MigrationCostModel.Prediction predicted;
    volatile State state = State.QUEUED;
    volatile String hostMigrationId;
    volatile MigrationView last;
    volatile String error;
    volatile long endedAtMillis;

    ClusterMigration(String id, Move move, long queuedAtMillis, MigrationCostModel.Prediction predicted) {
        this.id = id;
        this.move = move;
        this.queuedAtMillis = queuedAtMillis;
        this.predicted = predicted;
    }

    boolean finished() {
        State s = state;
        return s == State.DONE || s == State.FAILED;
    }
}
