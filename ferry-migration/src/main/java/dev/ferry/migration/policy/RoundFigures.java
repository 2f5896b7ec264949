package dev.ferry.migration.policy;

import java.util.BitSet;
import java.util.Objects;

/**
 * What one pre-copy round did, as measured by the engine or modelled by the simulator: the input of
 * {@link MigrationPolicy#afterRound}. A policy reads {@code dirtied} during the call and keeps no reference to it.
 *
 * @param round        1-based round number
 * @param pagesPlanned pages the round's send order held
 * @param pagesSent    pages actually sent (fewer when pages were skipped: reported free, or dirtied again)
 * @param rawBytes     bytes of the pages sent before encoding ({@code pagesSent x} {@link #PAGE_SIZE})
 * @param wireBytes    bytes the round put on the wire after encoding (zero marker, delta, LZ4, framing)
 * @param elapsedNanos how long the round took
 * @param dirtied      the pages the guest dirtied while the round ran (they must be sent again)
 * @param throttle     vCPU throttle (0..1, share of time the vCPU was held back) in force during the round
 */
public record RoundFigures(int round, long pagesPlanned, long pagesSent, long rawBytes, long wireBytes,
        long elapsedNanos, BitSet dirtied, double throttle) {

    /** Bytes in a guest page. */
    public static final int PAGE_SIZE = 4096;

    /** Checks the figures are consistent. */
    public RoundFigures {
        Objects.requireNonNull(dirtied, "dirtied");
        if (round < 1) {
            throw new IllegalArgumentException("round numbers start at 1, got " + round);
        }
        if (pagesPlanned < 0 || pagesSent < 0 || pagesSent > pagesPlanned) {
            throw new IllegalArgumentException("pages sent (" + pagesSent + ") must be between 0 and the pages "
                    + "planned (" + pagesPlanned + ")");
        }
        if (rawBytes < 0 || wireBytes < 0 || elapsedNanos < 0) {
            throw new IllegalArgumentException("byte counts and the duration must not be negative");
        }
        if (!(throttle >= 0 && throttle < 1)) {
            throw new IllegalArgumentException("throttle must be in [0, 1), got " + throttle);
        }
    }

    /** The round's duration in seconds; at least a microsecond, so rates stay finite. */
    public double seconds() {
        return Math.max(elapsedNanos, 1_000) / 1e9;
    }

    /** Pages dirtied while the round ran. */
    public int pagesDirtied() {
        return dirtied.cardinality();
    }

    /** The guest's dirty rate during the round in bits per second of raw page data. */
    public double dirtyBitsPerSec() {
        return (double) pagesDirtied() * PAGE_SIZE * 8 / seconds();
    }
}
