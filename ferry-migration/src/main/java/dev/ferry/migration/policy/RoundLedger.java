package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.PageOrder;
import java.util.BitSet;

/**
 * The bookkeeping of a run of pre-copy rounds shared by the pre-copy and hybrid policies: which round is running,
 * its plan, the write history, and the pages left after each round (dirtied while it ran, plus the ones it held
 * back). Rejects figures of a round that is not running.
 */
final class RoundLedger {

    private final RoundHistory history = new RoundHistory();
    private final PageOrder order;
    private double delayThreshold;
    private RoundPlan plan;
    private int round;
    private boolean ended;

    RoundLedger(MigrationOptions options) {
        this.order = options.order();
        this.delayThreshold = options.delayHotThreshold();
    }

    /** Plans round 1 over every page that holds data. */
    RoundPlan begin(BitSet allocated) {
        if (round != 0 || ended) {
            throw new IllegalStateException("the migration has already begun");
        }
        return plan((BitSet) allocated.clone());
    }

    /** Takes the figures of the running round; returns the pages left (dirtied or held back). */
    BitSet finish(RoundFigures f) {
        if (plan == null) {
            throw new IllegalStateException(ended ? "pre-copy has ended; no round is running"
                    : "the migration has not begun");
        }
        if (f.round() != round) {
            throw new IllegalArgumentException("figures of round " + f.round() + " while round " + round
                    + " is running");
        }
        history.record(f.dirtied());
        BitSet pending = (BitSet) f.dirtied().clone();
        pending.or(plan.delayed());
        plan = null;
        return pending;
    }

    /** Plans the next round over {@code pending}. */
    RoundPlan plan(BitSet pending) {
        round++;
        plan = RoundPlan.of(pending, history, order, delayThreshold);
        return plan;
    }

    /** Plans the round just planned again over {@code pending}, sending every page: no more are held back. */
    RoundPlan stopDelaying(BitSet pending) {
        delayThreshold = 0;
        round--;
        return plan(pending);
    }

    /** Ends pre-copy with {@code d}; no more figures are accepted. */
    Decision end(Decision d) {
        plan = null;
        ended = true;
        return d;
    }

    /** The round last planned. */
    int round() {
        return round;
    }
}
