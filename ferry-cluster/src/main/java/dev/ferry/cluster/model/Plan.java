package dev.ferry.cluster.model;

import java.util.List;

/**
 * What a cluster policy decided: live migrations (in order of preference), power changes to make once those
 * migrations are done, and notes for the operator. The manager carries a plan out on real hosts; the simulator
 * on its model.
 *
 * @param moves    migrations to run
 * @param power    hosts to put into standby or wake, after the moves
 * @param notes    what the policy saw and why it chose this
 * @param restarts VMs of failed hosts to start again elsewhere (no live migration: their host is fenced)
 */
public record Plan(List<Move> moves, List<PowerChange> power, List<String> notes, List<Restart> restarts) {

    /** Nothing to do. */
    public static final Plan NOTHING = new Plan(List.of(), List.of(), List.of());

    /** Copies the lists. */
    public Plan {
        moves = List.copyOf(moves);
        power = List.copyOf(power);
        notes = List.copyOf(notes);
        restarts = List.copyOf(restarts);
    }

    /** A plan without restarts. */
    public Plan(List<Move> moves, List<PowerChange> power, List<String> notes) {
        this(moves, power, notes, List.of());
    }

    /** True when the plan asks for nothing. */
    public boolean isEmpty() {
        return moves.isEmpty() && power.isEmpty() && restarts.isEmpty();
    }
}
