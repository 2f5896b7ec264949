package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import java.util.BitSet;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The decisions of one migration of one VM, apart from the mechanism that carries them out: the caller reports
 * what happened (the pages holding data at the start, then the figures of each pre-copy round) and gets told what
 * to do next. The engine, the cluster manager and the simulator use the same implementations, one per
 * {@link dev.ferry.migration.Strategy}; {@link #forOptions} picks it.
 *
 * <p>A policy is used for one migration: {@link #begin} once, then {@link #afterRound} after every round it asked
 * for with {@link Decision.Send}, until it returns another decision.
 */
public interface MigrationPolicy {

    /** The first decision, given the pages that hold data when the migration starts. */
    Decision begin(BitSet allocated);

    /** The decision after the pre-copy round the last {@link Decision.Send} asked for. */
    Decision afterRound(RoundFigures figures);

    /** How the {@code absent} pages move after a {@link Decision.PostCopy} switchover. */
    PostCopyPaging postCopy(BitSet absent);

    /** The policy of the options' strategy; {@code clock} gives monotonic nanoseconds to the rules that need them. */
    static MigrationPolicy forOptions(MigrationOptions options, LongSupplier clock) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(clock, "clock");
        return switch (options.strategy()) {
            case STOPCOPY -> new StopAndCopyPolicy(options, clock);
            case PRECOPY -> new PreCopyPolicy(options, clock);
            case HYBRID -> new HybridPolicy(options, clock);
            case POSTCOPY -> new PostCopyPolicy(options, clock);
            case DEMAND -> new DemandPolicy(options, clock);
        };
    }
}
