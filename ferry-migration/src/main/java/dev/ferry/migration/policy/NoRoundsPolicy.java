package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import java.util.BitSet;
import java.util.function.LongSupplier;

/**
 * A strategy that decides everything at the start and runs no pre-copy round: {@link #begin} answers once, and
 * figures of a round are a caller's error.
 */
abstract sealed class NoRoundsPolicy implements MigrationPolicy
        permits StopAndCopyPolicy, PostCopyPolicy, DemandPolicy {

    final MigrationOptions options;
    private final LongSupplier clock;
    private boolean begun;

    NoRoundsPolicy(MigrationOptions options, LongSupplier clock) {
        this.options = options;
        this.clock = clock;
    }

    /** The only decision, for the pages holding data at the start. */
    abstract Decision decide(BitSet allocated);

    @Override
    public final Decision begin(BitSet allocated) {
        if (begun) {
            throw new IllegalStateException("the migration has already begun");
        }
        begun = true;
        return decide((BitSet) allocated.clone());
    }

    @Override
    public final Decision afterRound(RoundFigures f) {
        throw new IllegalStateException(options.strategy() + " runs no pre-copy round");
    }

    @Override
    public final PostCopyPaging postCopy(BitSet absent) {
        return PostCopyPaging.forOptions(options, absent, clock);
    }
}
