package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import java.util.BitSet;
import java.util.function.LongSupplier;

/**
 * Post-copy (Hines and Gopalan): switch execution to the target at once with every page holding data absent
 * there; the target faults pages in while the source pushes the rest ({@link PostCopyPaging}). Each page moves
 * once, at the price of faults after the switch.
 */
public final class PostCopyPolicy extends NoRoundsPolicy {

    /** A post-copy policy for {@code options}; {@code clock} (nanoseconds) is the paging's clock. */
    public PostCopyPolicy(MigrationOptions options, LongSupplier clock) {
        super(options, clock);
    }

    @Override
    Decision decide(BitSet allocated) {
        return new Decision.PostCopy(allocated, new RateRule(options).last(), "post-copy: switching at once");
    }
}
