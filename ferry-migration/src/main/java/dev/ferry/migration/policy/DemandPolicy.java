package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import java.util.BitSet;
import java.util.function.LongSupplier;

/**
 * Demand migration: switch execution at once, like post-copy, but move pages only when the target faults on
 * them; the rest is pushed when the user asks or once the guest has gone {@code demandIdlePushMillis} without a
 * fault ({@link PostCopyPaging}), so the source is freed even if the guest never touches some pages.
 */
public final class DemandPolicy extends NoRoundsPolicy {

    /** A demand-migration policy for {@code options}; {@code clock} (nanoseconds) times the idle period. */
    public DemandPolicy(MigrationOptions options, LongSupplier clock) {
        super(options, clock);
    }

    @Override
    Decision decide(BitSet allocated) {
        return new Decision.PostCopy(allocated, new RateRule(options).last(), String.format("demand migration: "
                + "pages move when the target faults; the rest is pushed after %d ms without a fault or when "
                + "requested", options.demandIdlePushMillis()));
    }
}
