package dev.ferry.net.switching;

/**
 * A VM port's rate limit: sustained frames and bytes per second, and the bursts the port may send above them.
 *
 * @param framesPerSecond sustained frame rate
 * @param bytesPerSecond  sustained byte rate
 * @param burstFrames     frames a port may send at once after being idle
 * @param burstBytes      bytes a port may send at once after being idle (at least one largest frame)
 */
public record RateLimit(long framesPerSecond, long bytesPerSecond, long burstFrames, long burstBytes) {

    /**
     * 20,000 frames/s and 64 MiB/s (about 540 Mbit/s) with a tenth of a second of burst: far above what an emulated
     * guest sends when it behaves, low enough that one flooding guest cannot take a host's CPU and links.
     */
    public static final RateLimit DEFAULT = new RateLimit(20_000, 64L << 20, 2_000, (64L << 20) / 10);

    /** Checks that every figure is positive and a burst holds at least one largest frame. */
    public RateLimit {
        if (framesPerSecond <= 0 || bytesPerSecond <= 0 || burstFrames <= 0 || burstBytes < 1518) {
            throw new IllegalArgumentException("a rate limit needs positive rates and bursts of at least one frame"
                    + " and 1518 bytes: " + framesPerSecond + " frames/s, " + bytesPerSecond + " B/s, burst "
                    + burstFrames + " frames, " + burstBytes + " B");
        }
    }
}
