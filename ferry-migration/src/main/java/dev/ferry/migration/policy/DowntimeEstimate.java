package dev.ferry.migration.policy;

/**
 * Expected duration of the stop-and-copy: pages left divided by the page throughput of all rounds so far
 * (cumulative pages sent / cumulative seconds), capped by the stop-and-copy's rate limit.
 *
 * <p>Throughput is counted in pages, not wire bytes: with zero markers, deltas or LZ4 a page costs fewer wire
 * bytes, so dividing raw bytes left by wire bytes per second overstates the downtime by the compression ratio.
 * It is measured over all rounds, not the last one: a late round of a few hundred pages (what skipping
 * re-dirtied pages leaves) is dominated by its fixed costs, and an estimate from it alone is noise.
 */
public final class DowntimeEstimate {

    private long pages;
    private long wireBytes;
    private long nanos;

    /** Adds one round's figures. */
    public void record(RoundFigures f) {
        pages += f.pagesSent();
        wireBytes += f.wireBytes();
        nanos += f.elapsedNanos();
    }

    /** Pages sent per second over the rounds recorded; 0 before anything was measured. */
    public double pagesPerSecond() {
        return pages == 0 || nanos == 0 ? 0 : pages / (nanos / 1e9);
    }

    /**
     * Expected time in milliseconds to send {@code remaining} pages with a rate limit of {@code rateBitsPerSec}
     * (0 = unlimited): infinite while no throughput was measured. Under a limit a page costs the wire bytes
     * measured per page so far (a whole page before any was sent).
     */
    public double expectedMillis(long remaining, long rateBitsPerSec) {
        if (remaining == 0) {
            return 0;
        }
        double throughput = pagesPerSecond();
        if (rateBitsPerSec > 0) {
            double bytesPerPage = pages > 0 && wireBytes > 0 ? (double) wireBytes / pages : RoundFigures.PAGE_SIZE;
            double limit = rateBitsPerSec / 8.0 / bytesPerPage;
            throughput = throughput == 0 ? 0 : Math.min(throughput, limit);
        }
        return throughput == 0 ? Double.POSITIVE_INFINITY : remaining / throughput * 1000;
    }
}
