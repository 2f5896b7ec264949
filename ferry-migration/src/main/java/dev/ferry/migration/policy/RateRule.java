package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.RateMode;

/**
 * The send-rate limit of each round. {@link RateMode#FIXED}: the bandwidth cap throughout (0 = unlimited).
 * {@link RateMode#DYNAMIC}, Clark et al.'s dynamic rate limiting: the first round at the minimum rate, each next
 * round at the previous round's dirty rate + 50 Mbit/s (never below the minimum), and when that exceeds the
 * maximum, pre-copy ends with a stop-and-copy at the maximum rate: the guest dirties memory faster than the
 * administrator lets the migration send.
 */
public final class RateRule {

    /** What Clark et al. add to the measured dirty rate. */
    public static final long INCREMENT_BITS_PER_SEC = 50_000_000L;
    private final RateMode mode;
    private final long fixed;
    private final long min;
    private final long max;

    /** The rule the options ask for. */
    public RateRule(MigrationOptions options) {
        this.mode = options.rate();
        this.fixed = options.bandwidthBitsPerSec();
        this.min = options.minRateBitsPerSec();
        this.max = options.maxRateBitsPerSec();
    }

    /** The limit of round 1, in bits/s (0 = unlimited). */
    public long first() {
        return mode == RateMode.DYNAMIC ? min : fixed;
    }

    /**
     * The limit of the round after {@code f}, in bits/s (0 = unlimited); may be above the maximum, which
     * {@link #beyondMaximum} tells.
     */
    public long next(RoundFigures f) {
        if (mode == RateMode.FIXED) {
            return fixed;
        }
        double wanted = f.dirtyBitsPerSec() + INCREMENT_BITS_PER_SEC;
        return wanted >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(min, (long) wanted);
    }

    /** Whether a round limit computed by {@link #next} ends pre-copy (dynamic mode, above the maximum). */
    public boolean beyondMaximum(long rate) {
        return mode == RateMode.DYNAMIC && rate > max;
    }

    /** The limit of the stop-and-copy and the post-copy push, in bits/s (0 = unlimited). */
    public long last() {
        return mode == RateMode.DYNAMIC ? max : fixed;
    }
}
