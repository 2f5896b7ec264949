package dev.ferry.host.metrics;

/**
 * Counts observations into fixed buckets, as a Prometheus histogram exposes them: per upper bound the number of
 * observations at or below it (cumulative), plus their count and sum. Thread-safe.
 */
public final class Histogram {

    /** Bucket bounds for migration downtime, in seconds: 0.5 ms to 10 s, roughly 1-2-5 per decade. */
    public static final double[] DOWNTIME_SECONDS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1,
        2, 5, 10};

    private final double[] bounds;
    private final long[] counts;
    private long count;
    private double sum;

    /** A histogram with these upper bounds (strictly increasing); an implicit last bucket takes the rest. */
    public Histogram(double[] bounds) {
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must increase");
            }
        }
        this.bounds = bounds.clone();
        this.counts = new long[bounds.length];
    }

    /** Counts one observation. NaN is ignored. */
    public synchronized void observe(double value) {
        if (Double.isNaN(value)) {
            return;
        }
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                counts[i]++;
            }
        }
        count++;
        sum += value;
    }

    /** The figures at this moment. */
    public synchronized Snapshot snapshot() {
        return new Snapshot(bounds.clone(), counts.clone(), count, sum);
    }

    /**
     * The histogram at one moment.
     *
     * @param bounds     upper bounds of the buckets
     * @param cumulative per bound, the observations at or below it
     * @param count      all observations (the {@code +Inf} bucket)
     * @param sum        their sum
     */
    public record Snapshot(double[] bounds, long[] cumulative, long count, double sum) { }
}
