package dev.ferry.migration.policy;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Per-page write history by pre-copy round, kept by the policy from the dirtied sets it is fed: for each page, in
 * how many of the last {@link #WINDOW} rounds it was dirtied. The machine's own {@code GuestMemory.writeHistory}
 * shifts on every dirty-log harvest, and the engine harvests several times per round when it skips re-dirtied
 * pages, so frequency order and hot-page delay use this round-exact count instead.
 *
 * <p>Recording a round costs time proportional to the pages dirtied in it (and in the round that leaves the
 * window), not to the VM's size: the history keeps a count per page and the dirtied pages of the rounds in the
 * window, so a simulator can run it for many large VMs.
 */
public final class RoundHistory {

    /** Rounds a frequency is measured over. */
    public static final int WINDOW = 16;
    private final int[][] window = new int[WINDOW][];
    private byte[] writes;
    private int rounds;

    /** Empty history; it grows to the highest page recorded. */
    public RoundHistory() {
        this(0);
    }

    /** Empty history sized for {@code pageCount} pages up front (it still grows past them if needed). */
    public RoundHistory(int pageCount) {
        this.writes = new byte[pageCount];
    }

    /** Records one completed round: the pages dirtied while it ran. */
    public void record(BitSet dirtied) {
        if (dirtied.length() > writes.length) {
            writes = Arrays.copyOf(writes, Math.max(dirtied.length(), writes.length * 2));
        }
        int[] pages = new int[dirtied.cardinality()];
        for (int i = 0, p = dirtied.nextSetBit(0); p >= 0; p = dirtied.nextSetBit(p + 1)) {
            pages[i++] = p;
        }
        int slot = rounds % WINDOW;
        int[] leaving = window[slot];
        if (leaving != null) {
            for (int p : leaving) {
                writes[p]--;
            }
        }
        for (int p : pages) {
            writes[p]++;
        }
        window[slot] = pages;
        rounds++;
    }

    /** Rounds recorded so far. */
    public int rounds() {
        return rounds;
    }

    /** In how many of the last {@link #WINDOW} rounds (or fewer, if fewer ran) the page was dirtied. */
    public int writes(int page) {
        return page < writes.length ? writes[page] : 0;
    }

    /** Share (0..1) of the recent rounds in which the page was dirtied; 0 before any round completed. */
    public double frequency(int page) {
        int recorded = Math.min(rounds, WINDOW);
        return recorded == 0 ? 0 : (double) writes(page) / recorded;
    }
}
