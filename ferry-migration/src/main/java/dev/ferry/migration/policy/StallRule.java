package dev.ferry.migration.policy;

/**
 * Detects a pre-copy that stopped converging: the pages a round has to send did not fall below 95 % of their
 * smallest count so far for 3 rounds in a row. The caller measures only the pages it will actually send next
 * (not the hot pages it holds back for the final round: holding them back is a choice, not a failure to
 * converge) and decides what a stall means (abort, post-copy or throttle).
 */
public final class StallRule {

    /** Rounds without progress that make a stall. */
    public static final int ROUNDS = 3;
    /** Progress means falling below this share of the best count so far. */
    public static final double SHRINK = 0.95;
    private long best = Long.MAX_VALUE;
    private int without;

    /**
     * Feeds the count after one round; true when this round completes a stall. The count of rounds without
     * progress then starts again, so a stall that goes on fires again {@link #ROUNDS} rounds later.
     */
    public boolean stalled(long pages) {
        if (pages < best * SHRINK) {
            best = pages;
            without = 0;
            return false;
        }
        if (++without >= ROUNDS) {
            without = 0;
            return true;
        }
        return false;
    }

    /** Forgets the counts so far: what the caller measures has changed. */
    public void reset() {
        best = Long.MAX_VALUE;
        without = 0;
    }
}
