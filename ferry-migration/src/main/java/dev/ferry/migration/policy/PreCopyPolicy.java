package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.StallAction;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Iterative pre-copy (Clark et al.): rounds while the VM runs, then a short stop-and-copy. After each round, in
 * this order: the {@link StopRule} (little left, expected downtime below the limit, round limit); the
 * {@link RateRule} (dynamic rate beyond the maximum ends pre-copy); a plan with nothing to send because every
 * page left is held back as hot ends pre-copy (those pages go in the final round); the {@link StallRule} on the
 * pages the next round will send, with the user's stall action; {@link AutoConverge}. Otherwise another round,
 * ordered and with hot pages held back by {@link RoundPlan}.
 *
 * <p>The options' ordering and delay only change which pages go when; they never turn a migration that converges
 * into an abort. Held-back pages are not counted as "not shrinking"; and when the pages sent stall while some are
 * held back, the held-back set is what keeps the stop conditions out of reach, so the policy stops holding pages
 * back (and starts counting afresh) before it applies the stall action.
 */
public final class PreCopyPolicy implements MigrationPolicy {

    private final MigrationOptions options;
    private final LongSupplier clock;
    private final RoundLedger ledger;
    private final RateRule rate;
    private final StopRule stop;
    private final DowntimeEstimate downtime = new DowntimeEstimate();
    private final StallRule stall = new StallRule();
    private final AutoConverge throttle;

    /** A pre-copy policy for {@code options}; {@code clock} (nanoseconds) drives a post-copy after a stall. */
    public PreCopyPolicy(MigrationOptions options, LongSupplier clock) {
        this.options = options;
        this.clock = clock;
        this.ledger = new RoundLedger(options);
        this.rate = new RateRule(options);
        this.stop = new StopRule(options);
        this.throttle = new AutoConverge(options.autoConverge());
    }

    @Override
    public Decision begin(BitSet allocated) {
        RoundPlan plan = ledger.begin(allocated);
        return new Decision.Send(plan.order(), plan.delayed(), rate.first(), throttle.throttle(), List.of());
    }

    @Override
    public Decision afterRound(RoundFigures f) {
        BitSet pending = ledger.finish(f);
        downtime.record(f);
        int r = f.round();
        long left = pending.cardinality();
        long last = rate.last();
        Optional<String> enough = stop.reason(r, left, downtime.expectedMillis(left, last));
        if (enough.isPresent()) {
            return ledger.end(new Decision.StopAndCopy(pending, last, enough.get()));
        }
        long next = rate.next(f);
        if (rate.beyondMaximum(next)) {
            return ledger.end(new Decision.StopAndCopy(pending, last, String.format("round %d: dirty rate %.0f "
                    + "Mbit/s + 50 Mbit/s exceeds the maximum rate: stop-and-copy", r, f.dirtyBitsPerSec() / 1e6)));
        }
        RoundPlan plan = ledger.plan(pending);
        int sending = plan.order().length;
        if (sending == 0) {
            return ledger.end(new Decision.StopAndCopy(pending, last, "round " + r + ": all " + left
                    + " pages left are held back as hot: stop-and-copy"));
        }
        List<String> notes = new ArrayList<>();
        if (stall.stalled(sending)) {
            String wws = "the writable working set stopped shrinking at " + sending + " pages";
            if (!plan.delayed().isEmpty()) {
                notes.add("round " + r + ": " + wws + " besides " + plan.delayed().cardinality() + " hot pages held "
                        + "back: sending the hot pages again");
                plan = ledger.stopDelaying(pending);
                stall.reset();
                stall.stalled(plan.order().length);
                return new Decision.Send(plan.order(), plan.delayed(), next, throttle.throttle(), notes);
            }
            StallAction action = options.onStall();
            if (action == StallAction.ABORT) {
                return ledger.end(new Decision.Abort("pre-copy does not converge: " + wws + " (on-stall ABORT)"));
            }
            if (action == StallAction.POSTCOPY) {
                return ledger.end(new Decision.PostCopy(pending, last, "round " + r + ": " + wws
                        + ": switching to post-copy"));
            }
            if (throttle.atMaximum()) {
                return ledger.end(new Decision.StopAndCopy(pending, last, "round " + r + ": " + wws
                        + " even at the highest throttle: stop-and-copy"));
            }
            throttle.onStall();
            notes.add(String.format("round %d: %s: throttle raised to %.0f%%", r, wws, throttle.throttle() * 100));
        } else if (throttle.afterRound(f)) {
            notes.add(String.format("round %d: the guest dirtied %d pages while %d were sent: throttle raised to "
                    + "%.0f%%", r, f.pagesDirtied(), f.pagesSent(), throttle.throttle() * 100));
        }
        return new Decision.Send(plan.order(), plan.delayed(), next, throttle.throttle(), notes);
    }

    @Override
    public PostCopyPaging postCopy(BitSet absent) {
        return PostCopyPaging.forOptions(options, absent, clock);
    }
}
