package dev.ferry.migration.policy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** Drives a policy through its rounds with figures a test makes up. */
final class Runs {

    /** Makes the figures of round {@code round}, which the decision {@code send} asked for. */
    interface Round {
        RoundFigures run(int round, Decision.Send send);
    }

    private Runs() {
    }

    /** Every decision from {@code begin} to the first that is not a Send; at most 1,000 rounds. */
    static List<Decision> run(MigrationPolicy policy, BitSet allocated, Round round) {
        List<Decision> decisions = new ArrayList<>();
        Decision d = policy.begin(allocated);
        decisions.add(d);
        for (int r = 1; d instanceof Decision.Send send; r++) {
            if (r > 1000) {
                throw new AssertionError("the policy ran more than 1,000 rounds");
            }
            d = policy.afterRound(round.run(r, send));
            decisions.add(d);
        }
        return decisions;
    }

    /** The last decision. */
    static Decision last(List<Decision> decisions) {
        return decisions.get(decisions.size() - 1);
    }

    /** Rounds the run sent. */
    static long rounds(List<Decision> decisions) {
        return decisions.stream().filter(d -> d instanceof Decision.Send).count();
    }
}
