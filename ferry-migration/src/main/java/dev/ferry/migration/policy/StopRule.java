package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import java.util.Optional;

/**
 * When pre-copy has done enough and the stop-and-copy should start, checked after every round in this order:
 * fewer than 256 KiB left (Clark et al.); the expected stop-and-copy time (a {@link DowntimeEstimate}) below the
 * user's maximum downtime; the maximum number of rounds reached.
 */
public final class StopRule {

    /** Below this many bytes left, another round is not worth it. */
    public static final long SMALL_REMAINDER_BYTES = 256 * 1024;
    private final long maxDowntimeMillis;
    private final int maxRounds;

    /** The rule with the options' downtime target and round limit. */
    public StopRule(MigrationOptions options) {
        this.maxDowntimeMillis = options.maxDowntimeMillis();
        this.maxRounds = options.maxRounds();
    }

    /**
     * Why pre-copy should stop after {@code round}, or empty to go on.
     *
     * @param round          the round just finished
     * @param remainingPages pages the stop-and-copy would send now (dirtied and delayed)
     * @param expectedMillis the expected stop-and-copy time for them
     */
    public Optional<String> reason(int round, long remainingPages, double expectedMillis) {
        if (remainingPages * RoundFigures.PAGE_SIZE < SMALL_REMAINDER_BYTES) {
            return Optional.of("round " + round + ": " + remainingPages + " pages left, below 256 KiB: "
                    + "stop-and-copy");
        }
        if (expectedMillis < maxDowntimeMillis) {
            return Optional.of(String.format("round %d: expected stop-and-copy time %.1f ms for %d pages is below "
                    + "the %d ms limit", round, expectedMillis, remainingPages, maxDowntimeMillis));
        }
        if (round >= maxRounds) {
            return Optional.of("round " + round + ": maximum number of rounds reached: stop-and-copy");
        }
        return Optional.empty();
    }
}
