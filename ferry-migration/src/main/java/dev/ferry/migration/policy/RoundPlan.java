package dev.ferry.migration.policy;

import dev.ferry.migration.PageOrder;
import java.util.Arrays;
import java.util.BitSet;

/**
 * The pages of one pre-copy round in sending order, and the hot pages held back for stop-and-copy
 * (Checconi et al.): with {@link PageOrder#FREQUENCY} the least frequently written pages go first, so the pages
 * most likely to be dirtied again are sent last; pages whose write frequency reaches the delay threshold are
 * not sent in this round at all.
 *
 * <p>Pages are only held back once the history can tell a hot page from one written once: after enough rounds
 * that a single write is below the threshold (at most {@link RoundHistory#WINDOW}). Right after round 1 every
 * pending page was written in 100 % of the recorded rounds, and holding them all back would end pre-copy there.
 *
 * @param order   page indices to send, in order
 * @param delayed pages held back
 */
public record RoundPlan(int[] order, BitSet delayed) {

    /**
     * Plans a round.
     *
     * @param pages          pages to send this round
     * @param history        write history so far
     * @param order          the page order
     * @param delayThreshold frequency at or above which a page waits (0 = never)
     */
    public static RoundPlan of(BitSet pages, RoundHistory history, PageOrder order, double delayThreshold) {
        int[] send = new int[pages.cardinality()];
        int n = 0;
        BitSet delayed = new BitSet();
        boolean delay = delayThreshold > 0 && history.rounds() >= roundsToTell(delayThreshold);
        for (int p = pages.nextSetBit(0); p >= 0; p = pages.nextSetBit(p + 1)) {
            if (delay && history.frequency(p) >= delayThreshold) {
                delayed.set(p);
            } else {
                send[n++] = p;
            }
        }
        send = Arrays.copyOf(send, n);
        if (order == PageOrder.FREQUENCY && history.rounds() > 0) {
            send = byFrequency(send, history);
        }
        return new RoundPlan(send, delayed);
    }

    /** Recorded rounds after which one write in them is below {@code threshold} (at most the whole window). */
    static int roundsToTell(double threshold) {
        return (int) Math.min(RoundHistory.WINDOW, Math.floor(1 / threshold) + 1);
    }

    /** Stable sort by write count, ascending (counting sort: counts are 0..WINDOW). */
    static int[] byFrequency(int[] pages, RoundHistory history) {
        int[] counts = new int[RoundHistory.WINDOW + 2];
        for (int p : pages) {
            counts[history.writes(p) + 1]++;
        }
        for (int i = 1; i < counts.length; i++) {
            counts[i] += counts[i - 1];
        }
        int[] out = new int[pages.length];
        for (int p : pages) {
            out[counts[history.writes(p)]++] = p;
        }
        return out;
    }
}
