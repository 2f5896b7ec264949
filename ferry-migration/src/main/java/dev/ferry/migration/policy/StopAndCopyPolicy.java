package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import java.util.BitSet;
import java.util.function.LongSupplier;

/**
 * Stop-and-copy: pause the VM at once and send every page holding data, at the final rate limit (the dynamic
 * maximum, or the fixed cap). The baseline: downtime equals the total migration time.
 */
public final class StopAndCopyPolicy extends NoRoundsPolicy {

    /** A stop-and-copy policy for {@code options}. */
    public StopAndCopyPolicy(MigrationOptions options, LongSupplier clock) {
        super(options, clock);
    }

    @Override
    Decision decide(BitSet allocated) {
        return new Decision.StopAndCopy(allocated, new RateRule(options).last(), "stop-and-copy");
    }
}
