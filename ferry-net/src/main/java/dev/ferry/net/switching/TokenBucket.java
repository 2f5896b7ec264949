package dev.ferry.net.switching;

/**
 * The rate-limit decision for one port: two token buckets, one counting frames and one bytes, refilled at the
 * {@link RateLimit}'s rates up to its bursts. A frame passes when both hold enough tokens, and then takes them; a
 * refused frame takes nothing, so a port over its limit still gets its sustained rate. Plain policy: no threads,
 * time is the caller's nanosecond clock; not thread-safe.
 */
public final class TokenBucket {

    private static final long NANOS = 1_000_000_000L;

    private final RateLimit limit;
    private double frames;
    private double bytes;
    private long last;

    /** A full bucket at time {@code nowNanos}. */
    public TokenBucket(RateLimit limit, long nowNanos) {
        this.limit = limit;
        this.frames = limit.burstFrames();
        this.bytes = limit.burstBytes();
        this.last = nowNanos;
    }

    /** Whether a frame of {@code len} bytes may pass at {@code nowNanos}; if so its tokens are taken. */
    public boolean admit(int len, long nowNanos) {
        long elapsed = nowNanos - last;
        if (elapsed > 0) {
            double seconds = (double) elapsed / NANOS;
            frames = Math.min(limit.burstFrames(), frames + seconds * limit.framesPerSecond());
            bytes = Math.min(limit.burstBytes(), bytes + seconds * limit.bytesPerSecond());
            last = nowNanos;
        }
        if (frames < 1 || bytes < len) {
            return false;
        }
        frames -= 1;
        bytes -= len;
        return true;
    }

    /** The limit this bucket enforces. */
    public RateLimit limit() {
        return limit;
    }
}
