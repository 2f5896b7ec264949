package dev.ferry.migration.transfer;

/**
 * A token-bucket rate limiter in bits per second (0 = unlimited). Tokens accrue at the rate up to a burst of
 * 5 ms worth (at least 64 KiB); {@link #acquire} takes tokens and, when they run short, sleeps for the debt.
 * The rate can change at any time (Clark's dynamic rate limiting changes it per round); a change keeps the
 * tokens (or the debt) accrued so far, so a new round does not start with a free burst.
 */
public final class TokenBucket {

    private long bitsPerSec;
    private double tokens;
    private long last = System.nanoTime();

    /** A limiter at {@code bitsPerSec} (0 = unlimited). */
    public TokenBucket(long bitsPerSec) {
        setRate(bitsPerSec);
    }

    /** Changes the rate. */
    public synchronized void setRate(long bitsPerSec) {
        if (bitsPerSec < 0) {
            throw new IllegalArgumentException("negative rate");
        }
        long now = System.nanoTime();
        if (this.bitsPerSec != 0) {
            tokens = Math.min(burst(), tokens + (now - last) * (this.bitsPerSec / 8.0 / 1e9));
        }
        this.bitsPerSec = bitsPerSec;
        this.tokens = bitsPerSec == 0 ? 0 : Math.min(tokens, burst());
        this.last = now;
    }

    /** The rate in bits per second, 0 = unlimited. */
    public synchronized long rate() {
        return bitsPerSec;
    }

    private double burst() {
        return Math.max(64 * 1024, bitsPerSec / 8.0 / 200);
    }

    /** Takes {@code bytes} worth of tokens, sleeping as long as the rate requires. */
    public void acquire(long bytes) throws InterruptedException {
        long waitNanos;
        synchronized (this) {
            if (bitsPerSec == 0) {
                return;
            }
            long now = System.nanoTime();
            double perNano = bitsPerSec / 8.0 / 1e9;
            tokens = Math.min(burst(), tokens + (now - last) * perNano);
            last = now;
            tokens -= bytes;
            waitNanos = tokens >= 0 ? 0 : (long) (-tokens / perNano);
        }
        if (waitNanos > 0) {
            Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
        }
    }
}
