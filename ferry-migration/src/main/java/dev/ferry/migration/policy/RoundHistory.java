package dev.ferry.migration.policy;

import java.util.BitSet;

/**
 * Per-page write history by pre-copy round, kept by the migration itself: bit {@code k} of a page's word is
 * set when the page was dirtied during the k-th most recent round. The machine's own
 * {@code GuestMemory.writeHistory} shifts on every dirty-log harvest, and the engine harvests several times per
 * round when it skips re-dirtied pages, so it keeps this round-exact copy for ordering and hot-page delay.
 */
public final class RoundHistory {

    /** Rounds a frequency is measured over. */
    public static final int WINDOW = 16;
    private final long[] history;
    private int rounds;

    /** Empty history of {@code pageCount} pages. */
    public RoundHistory(int pageCount) {
        this.history = new long[pageCount];
    }

    /** Records one completed round: the pages dirtied while it ran. */
    public void record(BitSet dirtied) {
        for (int p = 0; p < history.length; p++) {
            history[p] <<= 1;
        }
        for (int p = dirtied.nextSetBit(0); p >= 0 && p < history.length; p = dirtied.nextSetBit(p + 1)) {
            history[p] |= 1;
        }
        rounds++;
    }

    /** Rounds recorded so far. */
    public int rounds() {
        return rounds;
    }

    /** In how many of the last {@link #WINDOW} rounds (or fewer, if fewer ran) the page was dirtied. */
    public int writes(int page) {
        return Long.bitCount(history[page] & ((1L << WINDOW) - 1));
    }

    /** Share (0..1) of the recent rounds in which the page was dirtied; 0 before any round completed. */
    public double frequency(int page) {
        int window = Math.min(rounds, WINDOW);
        return window == 0 ? 0 : (double) writes(page) / window;
    }
}
