package dev.ferry.migration.policy;

/**
 * How long the source may hold its VM paused waiting for the target to confirm a switchover (READY): from the
 * pause until READY arrives. A target that does not answer in time (frozen, overloaded, cut off) makes the source
 * abort before COMMIT and resume the VM, instead of holding it paused without limit.
 *
 * <p>The user's value wins; without one the deadline is {@link #FACTOR} times the expected downtime, and never
 * below {@link #MIN_MILLIS}. The expected downtime is the time to send the pages left at the throughput measured
 * in the pre-copy rounds; with nothing measured (stop-and-copy, post-copy without rounds) at the stop-and-copy's
 * rate limit, or at {@link #ASSUMED_BITS_PER_SEC} without one.
 */
public final class SwitchoverDeadline {

    /** The shortest automatic deadline. */
    public static final long MIN_MILLIS = 1000;
    /** How many expected downtimes the automatic deadline allows. */
    public static final int FACTOR = 4;
    /** The send rate assumed when none was measured and none is set: a slow link, so the deadline is generous. */
    public static final long ASSUMED_BITS_PER_SEC = 100_000_000L;

    private SwitchoverDeadline() {
    }

    /**
     * The deadline in milliseconds.
     *
     * @param requestedMillis the user's deadline, 0 = automatic
     * @param pagesLeft       pages sent while the VM is paused (0 for a post-copy switchover)
     * @param measured        throughput of the pre-copy rounds (may have measured nothing)
     * @param rateBitsPerSec  rate limit of the stop-and-copy, 0 = unlimited
     */
    public static long millis(long requestedMillis, long pagesLeft, DowntimeEstimate measured, long rateBitsPerSec) {
        if (requestedMillis > 0) {
            return requestedMillis;
        }
        double expected = measured.expectedMillis(pagesLeft, rateBitsPerSec);
        if (Double.isInfinite(expected)) {
            long rate = rateBitsPerSec > 0 ? rateBitsPerSec : ASSUMED_BITS_PER_SEC;
            expected = pagesLeft * (double) RoundFigures.PAGE_SIZE * 8 / rate * 1000;
        }
        double millis = Math.ceil(expected * FACTOR);
        return millis >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(MIN_MILLIS, (long) millis);
    }
}
