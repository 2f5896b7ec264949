package dev.ferry.cluster.manager;

import dev.ferry.cluster.model.Move;
import dev.ferry.host.api.MigrationView;

/**
 * One migration the manager asked for, as it went: queued, running on the source host (with that host's id and
 * live figures), then done or failed.
 */
final class ClusterMigration {

    /** Where it is. */
    enum State {
        QUEUED, RUNNING, DONE, FAILED
    }

    final String id;
    final Move move;
    final long queuedAtMillis;
    volatile State state = State.QUEUED;
    volatile String hostMigrationId;
    volatile MigrationView last;
    volatile String error;
    volatile long endedAtMillis;

    ClusterMigration(String id, Move move, long queuedAtMillis) {
        this.id = id;
        this.move = move;
        this.queuedAtMillis = queuedAtMillis;
    }

    boolean finished() {
        State s = state;
        return s == State.DONE || s == State.FAILED;
    }
}
