package dev.ferry.bench.measure;

import java.util.Arrays;
import java.util.stream.DoubleStream;

/**
 * Median, 95th percentile and maximum of repeated measurements. NaN values (runs without that figure) are left
 * out; the percentile is the nearest-rank one, so with fewer than 20 values p95 is the maximum.
 *
 * @param count  values that went in
 * @param median the middle value (mean of the two middle ones for an even count)
 * @param p95    the smallest value at or above 95 % of the values
 * @param max    the largest value
 */
public record Distribution(int count, double median, double p95, double max) {

    /** The distribution of {@code values}; all figures NaN when there is none. */
    public static Distribution of(DoubleStream values) {
        double[] v = values.filter(x -> !Double.isNaN(x)).sorted().toArray();
        int n = v.length;
        if (n == 0) {
            return new Distribution(0, Double.NaN, Double.NaN, Double.NaN);
        }
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        int rank = (int) Math.ceil(0.95 * n);
        return new Distribution(n, median, v[rank - 1], v[n - 1]);
    }

    /** The distribution of {@code values}. */
    public static Distribution of(double... values) {
        return of(Arrays.stream(values));
    }
}
