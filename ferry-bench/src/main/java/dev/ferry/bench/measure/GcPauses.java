package dev.ferry.bench.measure;

/**
 * The garbage collections of one JVM that overlapped a time window, as JFR's {@code jdk.GarbageCollection}
 * events report them.
 *
 * @param collections    collections that overlapped the window
 * @param longestPauseMs the longest stop-the-world pause of any of them (0 when there was none)
 * @param totalPauseMs   the sum of their pauses
 * @param complete       false when the recording had not caught up with the end of the window in time, so
 *                       that collections at its very end may be missing
 */
public record GcPauses(int collections, double longestPauseMs, double totalPauseMs, boolean complete) {

    /** No figures: the JVM was not observed. */
    public static final GcPauses UNKNOWN = new GcPauses(-1, Double.NaN, Double.NaN, false);

    /** True when these are figures, not {@link #UNKNOWN}. */
    public boolean known() {
        return collections >= 0;
    }
}
