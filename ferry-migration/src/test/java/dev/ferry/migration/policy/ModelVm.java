package dev.ferry.migration.policy;

import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * A tiny model of a VM and its link for scripted runs, the way the simulator feeds the policies: each page is
 * written with a fixed probability per millisecond of guest time, the link carries a fixed number of pages per
 * millisecond (fewer under a rate limit), and each round costs a fixed overhead. A throttle of t leaves the
 * guest (1 - t) of the time.
 */
final class ModelVm {

    private final double[] writePerMs;
    private final int allocated;
    private final double linkPagesPerMs;
    private final double overheadMs;
    private final SplittableRandom random;

    /**
     * @param allocated      pages 0..allocated-1 hold data
     * @param linkPagesPerMs pages the link carries per millisecond without a rate limit
     * @param overheadMs     fixed cost of a round
     * @param seed           seed of the write draws
     */
    ModelVm(int allocated, double linkPagesPerMs, double overheadMs, long seed) {
        this.writePerMs = new double[allocated];
        this.allocated = allocated;
        this.linkPagesPerMs = linkPagesPerMs;
        this.overheadMs = overheadMs;
        this.random = new SplittableRandom(seed);
    }

    /** Pages {@code from..to-1} are written with probability {@code perMs} in each millisecond. */
    ModelVm writes(int from, int to, double perMs) {
        for (int p = from; p < to; p++) {
            writePerMs[p] = perMs;
        }
        return this;
    }

    BitSet allocated() {
        return Figures.range(0, allocated);
    }

    /** Pages carried per millisecond under {@code rateBitsPerSec} (0 = unlimited). */
    double pagesPerMs(long rateBitsPerSec) {
        if (rateBitsPerSec == 0) {
            return linkPagesPerMs;
        }
        return Math.min(linkPagesPerMs, rateBitsPerSec / 8.0 / Figures.FRAMED_PAGE / 1000);
    }

    /** Runs the round {@code send} asks for: sends its pages while the guest writes. */
    RoundFigures run(int round, Decision.Send send) {
        int n = send.order().length;
        double ms = overheadMs + n / pagesPerMs(send.rateBitsPerSec());
        BitSet dirtied = writesDuring(ms * (1 - send.throttle()));
        return new RoundFigures(round, n, n, (long) n * RoundFigures.PAGE_SIZE, (long) n * Figures.FRAMED_PAGE,
                (long) (ms * 1e6), dirtied, send.throttle());
    }

    /** The pages the guest writes in {@code ms} of its time. */
    BitSet writesDuring(double ms) {
        BitSet written = new BitSet();
        for (int p = 0; p < allocated; p++) {
            double q = writePerMs[p];
            if (q > 0 && random.nextDouble() < 1 - Math.pow(1 - q, ms)) {
                written.set(p);
            }
        }
        return written;
    }
}
