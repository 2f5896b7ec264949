package dev.ferry.sim.model;

import java.util.SplittableRandom;

/**
 * Synthetic utilisation traces with stated statistics. Each VM gets its own level, drawn from a normal
 * distribution of mean {@code meanPercent} and standard deviation {@code stddevPercent} across VMs; over the day
 * that level follows a sine of amplitude {@code dailyAmplitudePercent} (lowest at midnight, highest at noon), and
 * each sample adds normal noise of standard deviation {@code noisePercent}. Samples are rounded and clamped to
 * 0..100.
 *
 * @param meanPercent           mean utilisation across VMs
 * @param stddevPercent         spread of the VMs' levels
 * @param dailyAmplitudePercent height of the daily sine
 * @param noisePercent          sample-to-sample noise
 */
public record SyntheticTraces(double meanPercent, double stddevPercent, double dailyAmplitudePercent,
        double noisePercent) {

    private static final long DAY_MILLIS = 86_400_000L;

    /** Validates the figures. */
    public SyntheticTraces {
        if (meanPercent < 0 || meanPercent > 100 || stddevPercent < 0 || dailyAmplitudePercent < 0
                || noisePercent < 0) {
            throw new IllegalArgumentException("synthetic trace: mean must be 0..100 and spreads non-negative");
        }
    }

    /** One VM's trace of {@code samples} samples, {@code sampleMillis} apart, drawn from {@code random}. */
    public UtilisationTrace generate(SplittableRandom random, int samples, long sampleMillis) {
        double level = meanPercent + stddevPercent * gaussian(random);
        int[] p = new int[samples];
        for (int i = 0; i < samples; i++) {
            double dayPhase = 2 * Math.PI * ((i * sampleMillis) % DAY_MILLIS) / DAY_MILLIS;
            double u = level - dailyAmplitudePercent * Math.cos(dayPhase) + noisePercent * gaussian(random);
            p[i] = (int) Math.max(0, Math.min(100, Math.round(u)));
        }
        return new UtilisationTrace(p, sampleMillis);
    }

    /** A standard normal draw (Box-Muller), so the stream of draws depends on the seed alone. */
    static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
