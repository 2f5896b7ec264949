package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import java.util.BitSet;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Hybrid migration: {@code precopyRounds} pre-copy rounds (rate, order and hot-page delay as in pre-copy), then a
 * switch to post-copy with the pages still pending, so most of memory has moved before the switch and the target
 * faults on few pages. It switches earlier when the dynamic rate exceeds its maximum or every pending page is
 * held back as hot: more rounds could not help then. With 0 rounds it is plain post-copy.
 */
public final class HybridPolicy implements MigrationPolicy {

    private final MigrationOptions options;
    private final LongSupplier clock;
    private final RoundLedger ledger;
    private final RateRule rate;

    /** A hybrid policy for {@code options}; {@code clock} (nanoseconds) is the post-copy's clock. */
    public HybridPolicy(MigrationOptions options, LongSupplier clock) {
        this.options = options;
        this.clock = clock;
        this.ledger = new RoundLedger(options);
        this.rate = new RateRule(options);
    }

    @Override
    public Decision begin(BitSet allocated) {
        RoundPlan plan = ledger.begin(allocated);
        if (options.precopyRounds() == 0) {
            return ledger.end(new Decision.PostCopy((BitSet) allocated.clone(), rate.last(),
                    "hybrid with no pre-copy round: post-copy from the start"));
        }
        return new Decision.Send(plan.order(), plan.delayed(), rate.first(), 0, List.of());
    }

    @Override
    public Decision afterRound(RoundFigures f) {
        BitSet pending = ledger.finish(f);
        int r = f.round();
        String left = pending.cardinality() + " pages left";
        if (r >= options.precopyRounds()) {
            return ledger.end(new Decision.PostCopy(pending, rate.last(), "round " + r + ": " + r
                    + " pre-copy rounds done: switching to post-copy with " + left));
        }
        long next = rate.next(f);
        if (rate.beyondMaximum(next)) {
            return ledger.end(new Decision.PostCopy(pending, rate.last(), String.format("round %d: dirty rate %.0f "
                    + "Mbit/s + 50 Mbit/s exceeds the maximum rate: switching to post-copy with %s", r,
                    f.dirtyBitsPerSec() / 1e6, left)));
        }
        if (pending.isEmpty()) {
            return ledger.end(new Decision.PostCopy(pending, rate.last(), "round " + r + ": no page left to "
                    + "send: switching over"));
        }
        RoundPlan plan = ledger.plan(pending);
        if (plan.order().length == 0) {
            return ledger.end(new Decision.PostCopy(pending, rate.last(), "round " + r + ": all " + left
                    + " are held back as hot: switching to post-copy"));
        }
        return new Decision.Send(plan.order(), plan.delayed(), next, 0, List.of());
    }

    @Override
    public PostCopyPaging postCopy(BitSet absent) {
        return PostCopyPaging.forOptions(options, absent, clock);
    }
}
